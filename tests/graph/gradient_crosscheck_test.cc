// AddGradients against TensorFlow: each case builds, in float64, a function
// that tests/data/grad/generate.py differentiated with TensorFlow's
// GradientTape, and compares our gradients (and the function's value) with
// the saved ones. Central differences elsewhere check each gradient function
// alone; these check whole graphs, where broadcasting, fan-out and variable
// reads meet, against an independent implementation.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/gradients.h"
#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

const std::filesystem::path kGradDir = std::filesystem::path(TG_TEST_DATA_DIR) / "grad";

Tensor Fixture(const std::string& name) { return ReadNpy(kGradDir / (name + ".npy")); }

// The two implementations sum in different orders, so they part at
// rounding level (~1e-15 relative); 1e-5 leaves room for that and nothing a
// wrong gradient could hide in. The absolute term only covers exact zeros
// (relu's dead units).
const Tolerance kTolerance{1e-5, 1e-12};

void CheckAgainst(const std::string& what, const Tensor& got, const std::string& fixture) {
  const std::string mismatch = Compare(got, FromTensor(Fixture(fixture)), kTolerance);
  INFO(what << " against TensorFlow's " << fixture << ".npy: " << mismatch);
  CHECK(mismatch.empty());
}

TEST_CASE("A perceptron's gradients match TensorFlow's", "[crosscheck]") {
  Graph g;
  Scope root(g);
  const Tensor x_value = Fixture("mlp_x");
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, x_value.shape());
  auto labels = ops::Const(root, Fixture("mlp_labels"));

  // The weights are resource variables set from the fixture by
  // AssignVariableOp, so the gradient goes through ReadVariableOp to the
  // VarHandleOp outputs, as a training step's does.
  const std::vector<std::string> names = {"w1", "b1", "w2", "b2"};
  std::vector<Output> handles, values;
  std::vector<TargetName> assigns;
  for (const std::string& name : names) {
    const Tensor initial = Fixture("mlp_" + name);
    auto variable = ops::Variable(root.WithOpName(name), DT_DOUBLE, initial.shape());
    assigns.emplace_back(variable.Assign(root.WithOpName(name + "_assign"),
                                         ops::Const(root, initial)));
    handles.push_back(variable.handle);
    values.push_back(variable.Read(root));
  }
  auto hidden =
      ops::Relu(root, ops::BiasAdd(root, ops::MatMul(root, x, values[0]), values[1]));
  auto logits = ops::BiasAdd(root, ops::MatMul(root, hidden, values[2]), values[3]);
  auto loss = ops::Mean(root.WithOpName("loss"),
                        ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels).loss, {0});

  std::vector<Output> xs = handles;
  xs.push_back(x);
  const std::vector<Output> grads = AddGradients(root, {loss}, xs);
  REQUIRE(grads.size() == 5);

  std::vector<TensorName> fetches = {loss};
  fetches.insert(fetches.end(), grads.begin(), grads.end());
  const auto steps =
      RunAndRoundTrip(g, {{{}, {}, assigns}, {{{x, x_value}}, fetches}});
  const std::vector<Tensor>& got = steps[1];
  CheckAgainst("loss", got[0], "mlp_loss");
  for (size_t i = 0; i < names.size(); ++i) {
    CheckAgainst("d(loss)/d(" + names[i] + ")", got[i + 1], "mlp_grad_" + names[i]);
  }
  CheckAgainst("d(loss)/d(x)", got[5], "mlp_grad_x");
}

TEST_CASE("A broadcast softmax cross-entropy's gradients match TensorFlow's", "[crosscheck]") {
  Graph g;
  Scope root(g);
  const Tensor features_value = Fixture("sce_features");
  const Tensor labels_value = Fixture("sce_labels");
  auto features = ops::Placeholder(root.WithOpName("features"), DT_DOUBLE, features_value.shape());
  // One [1,6] row of labels against four rows of features.
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_DOUBLE, labels_value.shape());
  auto xent = ops::SoftmaxCrossEntropyWithLogits(root, features, labels);
  // Unequal row weights, so a gradient that mixed up rows would show.
  auto weights = ops::Const(root, std::vector<double>{1, 2, 3, 4}, Shape{4});
  auto loss = ops::Sum(root.WithOpName("loss"), xent.loss * weights, {0});

  const std::vector<Output> grads = AddGradients(root, {loss}, {features, labels});
  REQUIRE(grads.size() == 2);
  const auto got = RunAndRoundTrip(g, {{features, features_value}, {labels, labels_value}},
                                   {loss, grads[0], grads[1]});
  CheckAgainst("loss", got[0], "sce_loss");
  CheckAgainst("d(loss)/d(features)", got[1], "sce_grad_features");
  // TensorFlow's tape returns the labels' gradient at the broadcast [4,6]
  // shape; the fixture holds its sum over the broadcast axis, the [1,6]
  // gradient of the input itself.
  CheckAgainst("d(loss)/d(labels)", got[2], "sce_grad_labels");
}

TEST_CASE("A composite's gradients with broadcasting and fan-out match TensorFlow's",
          "[crosscheck]") {
  Graph g;
  Scope root(g);
  const Tensor a_value = Fixture("comp_a");
  const Tensor b_value = Fixture("comp_b");
  // a [3,1] and b [4] broadcast to [3,4]; each is used four times, so its
  // gradient sums several paths, each reduced back to its own shape.
  auto a = ops::Placeholder(root.WithOpName("a"), DT_DOUBLE, a_value.shape());
  auto b = ops::Placeholder(root.WithOpName("b"), DT_DOUBLE, b_value.shape());
  auto body = ops::Tanh(root, a * b) * (a + b) +
              ops::Sigmoid(root, a - b) / (1.0 + ops::Exp(root, b));
  auto y = ops::Sum(root.WithOpName("y"), body, {0, 1});

  const std::vector<Output> grads = AddGradients(root, {y}, {a, b});
  REQUIRE(grads.size() == 2);
  const auto got = RunAndRoundTrip(g, {{a, a_value}, {b, b_value}}, {y, grads[0], grads[1]});
  CheckAgainst("y", got[0], "comp_y");
  CheckAgainst("dy/da", got[1], "comp_grad_a");
  CheckAgainst("dy/db", got[2], "comp_grad_b");
}

}  // namespace
}  // namespace tensorgraph::testing
