#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "tensorgraph.h"

using namespace tensorgraph;

TEST_CASE("RunMetadata times every executed node once and no pruned one", "[session]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Output y = ops::Relu(root.WithOpName("relu"), x * 2.0);
  Output unused = ops::Relu(root.WithOpName("unused"), x + 1.0);  // pruned: nothing needs it
  Session session(g);
  const FeedList feeds = {{x, Tensor::FromVector<float>({-1, 3})}};

  RunMetadata metadata;
  metadata.nodes.push_back({"stale", "Stale", 1});  // Run replaces what was there
  auto out = session.Run(feeds, {y}, {}, &metadata);
  CHECK(out[0].ToVector<float>() == std::vector<float>{0, 6});

  // The step runs the product and the Relu; the constant 2 was made once,
  // when the plan was specialized, the placeholder is fed and `unused` is
  // pruned.
  std::map<std::string, int> seen;
  double kernels = 0;
  for (const auto& n : metadata.nodes) {
    ++seen[n.node];
    CHECK(n.micros >= 0);
    CHECK(g.FindNode(n.node) != nullptr);
    CHECK(g.FindNode(n.node)->op() == n.op);
    kernels += n.micros;
  }
  CHECK(seen.size() == metadata.nodes.size());  // each once
  CHECK(seen.count("relu") == 1);
  CHECK(seen.count(y.node->inputs()[0].node->name()) == 1);
  CHECK(seen.count(y.node->inputs()[0].node->inputs()[1].node->name()) == 0);
  CHECK(seen.count("unused") == 0);
  CHECK(seen.count(unused.node->inputs()[0].node->name()) == 0);
  CHECK(seen.count("x") == 0);
  CHECK(seen.count("stale") == 0);
  CHECK(metadata.nodes.size() == 2);
  CHECK(metadata.planned_peak_bytes == 2 * 2 * 4);  // x * 2 and the Relu, floats
  CHECK(metadata.total_micros >= kernels);

  // Profiling is not part of the signature: the plain call reuses the plan.
  CHECK(session.Run(feeds, {y})[0].ToVector<float>() == std::vector<float>{0, 6});
  CHECK(session.num_plans() == 1);
}

TEST_CASE("RunMetadata covers a training step's target", "[session]") {
  Graph g;
  Scope root(g);
  auto w = train::Variable(root.WithOpName("w"), {2}, train::Constant(1));
  Output loss = ops::Sum(root.WithOpName("loss"), w.Read(root) * w.Read(root), {0});
  train::GradientDescent sgd({.learning_rate = 0.5});
  Node* train_op = sgd.Minimize(root, loss);
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(g);
  session.Run({}, {}, {init});

  RunMetadata metadata;
  session.Run({}, {loss}, {train_op}, &metadata);
  std::map<std::string, int> by_op;
  for (const auto& n : metadata.nodes) ++by_op[n.op];
  CHECK(by_op["ResourceApplyGradientDescent"] == 1);
  CHECK(by_op["NoOp"] >= 1);  // the train node
  CHECK(by_op.count("AssignVariableOp") == 0);  // the initializer is not part of the step
}
