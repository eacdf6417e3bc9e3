// The graph editing layer: consumers, rewiring, control edges, removal and
// the re-sort that keeps nodes() topological; every edit either leaves a
// valid graph or throws naming the node and changes nothing.
#include <catch2/catch.hpp>
#include <random>

#include "tensorgraph.h"
#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

// The invariants every edit keeps: ids are positions, inputs precede their
// consumers, and consumer lists mirror the input lists exactly.
std::string GraphInvariantViolation(const Graph& g) {
  std::map<std::pair<const Node*, const Node*>, int> edges;  // (producer, consumer) -> count
  for (const auto& node : g.nodes()) {
    if (g.nodes()[static_cast<size_t>(node->id())].get() != node.get()) return node->name() + ": id is not its position";
    for (const Output& in : node->inputs()) {
      if (in.node->id() >= node->id()) return node->name() + ": reads '" + in.node->name() + "', placed after it";
      ++edges[{in.node, node.get()}];
    }
    for (const Node* c : node->control_inputs()) {
      if (c->id() >= node->id()) return node->name() + ": control input placed after it";
      ++edges[{c, node.get()}];
    }
  }
  for (const auto& node : g.nodes()) {
    for (const Consumer& c : node->consumers()) {
      const bool real = c.input == Consumer::kControlInput
                            ? std::count(c.node->control_inputs().begin(), c.node->control_inputs().end(), node.get()) == 1
                            : c.node->input(c.input).node == node.get();
      if (!real) return node->name() + ": lists a consumer edge that does not exist";
      if (--edges[{node.get(), c.node}] < 0) return node->name() + ": lists a consumer twice";
    }
  }
  for (const auto& [edge, count] : edges) {
    if (count != 0) return edge.first->name() + " -> " + edge.second->name() + ": edge missing from consumers";
  }
  return "";
}

TEST_CASE("a node lists its consumers, data and control", "[graph][edit]") {
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  const Output y = ops::AddV2(root.WithOpName("y"), x, x);
  const Output z = ops::Neg(root.WithOpName("z"), x);
  Node* done = ops::NoOp(root.WithOpName("done").WithControlDependencies(std::vector<Node*>{y.node}));
  const std::vector<Consumer> want = {{y.node, 0}, {y.node, 1}, {z.node, 0}};
  CHECK(x.node->consumers() == want);
  CHECK(y.node->consumers() == std::vector<Consumer>{{done, Consumer::kControlInput}});
  CHECK(g.Consumers(x) == want);
  CHECK(GraphInvariantViolation(g) == "");
}

TEST_CASE("replacing an output by a constant added later re-sorts and runs", "[graph][edit]") {
  // What constant folding does: the Const is built after its new consumer.
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  const Output doubled = ops::AddV2(root.WithOpName("doubled"), x, x);
  const Output y = ops::Mul(root.WithOpName("y"), doubled, ops::Const<float>(root.WithOpName("three"), {3, 3}));
  const Output folded = ops::Const<float>(root.WithOpName("folded"), {10, 20});
  CHECK(g.ReplaceUses(doubled, folded) == 1);
  CHECK(y.node->input(0) == folded);
  CHECK(folded.node->id() < y.node->id());
  CHECK(doubled.node->consumers().empty());
  CHECK(GraphInvariantViolation(g) == "");
  g.RemoveNode(doubled.node);
  CHECK(g.FindNode("doubled") == nullptr);
  CHECK(GraphInvariantViolation(g) == "");
  Session session(g);
  CHECK(session.Run({}, {"y"})[0].ToVector<float>() == std::vector<float>{30, 60});
  // And the edited graph saves and loads as any other.
  const auto reloaded = FromGraphDef(ToGraphDef(g));
  CHECK(reloaded->num_nodes() == g.num_nodes());
  CHECK(reloaded->FindNode("y")->input(0).node->name() == "folded");
}

TEST_CASE("an edit that would break the graph is refused and changes nothing", "[graph][edit][hostile]") {
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1, 3}));
  const Output i = ops::Placeholder(root.WithOpName("i"), DT_INT32, {2});
  const Output a = ops::Neg(root.WithOpName("a"), x);
  const Output b = ops::Exp(root.WithOpName("b"), a);
  const Output r = ops::Reshape(root.WithOpName("r"), b, ops::Const<int32_t>(root.WithOpName("shape"), {3, -1}));
  const Output wide = ops::Const(root.WithOpName("wide"), Tensor::Zeros(DT_FLOAT, Shape{2, 4}));
  const std::vector<Output> inputs_before = {a.node->input(0), b.node->input(0), r.node->input(0)};
  auto unchanged = [&] {
    return a.node->input(0) == inputs_before[0] && b.node->input(0) == inputs_before[1] &&
           r.node->input(0) == inputs_before[2] && GraphInvariantViolation(g).empty();
  };
  SECTION("another dtype") {
    CHECK(ErrorMismatch([&] { g.ReplaceInput(a.node, 0, i); }, ErrorCode::kInvalidArgument, "a",
                        "cannot replace input 0: 'i' is int32, the input is float") == "");
  }
  SECTION("a cycle") {
    CHECK(ErrorMismatch([&] { g.ReplaceInput(a.node, 0, b); }, ErrorCode::kInvalidArgument, "a",
                        "'b' depends on this node: the edit would make a cycle") == "");
    CHECK(ErrorMismatch([&] { g.AddControlInput(a.node, r.node); }, ErrorCode::kInvalidArgument, "a",
                        "the edit would make a cycle") == "");
  }
  SECTION("a shape its consumers were not built for") {
    // b's output would become [2,4] where consumers expect [?,3].
    CHECK(ErrorMismatch([&] { g.ReplaceInput(b.node, 0, wide); }, ErrorCode::kInvalidArgument, "b",
                        "output 0 would become [2,4]") == "");
  }
  SECTION("an input the shape function refuses") {
    // Reshape's shape function reads the constant: 8 elements into [3,?] fails.
    CHECK(ErrorMismatch([&] { g.ReplaceInput(r.node, 0, wide); }, ErrorCode::kInvalidArgument, "r",
                        "cannot replace input 0: with 'wide'") == "");
  }
  SECTION("removing a node others consume") {
    CHECK(ErrorMismatch([&] { g.RemoveNode(a.node); }, ErrorCode::kFailedPrecondition, "a",
                        "cannot remove a node that others consume: 'b'") == "");
  }
  CHECK(unchanged());
}

TEST_CASE("a rewired input refines the node's shapes", "[graph][edit]") {
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1, 3}));
  const Output a = ops::Neg(root.WithOpName("a"), x);
  const Output known = ops::Const(root.WithOpName("known"), Tensor::Zeros(DT_FLOAT, Shape{2, 3}));
  g.ReplaceInput(a.node, 0, known);
  CHECK(a.shape() == PartialShape({2, 3}));
}

TEST_CASE("control edges are added and removed", "[graph][edit]") {
  Graph g;
  Scope root(g);
  Node* first = ops::NoOp(root.WithOpName("first"));
  Node* second = ops::NoOp(root.WithOpName("second"));
  g.AddControlInput(first, second);  // second was added later: re-sorted
  CHECK(second->id() < first->id());
  CHECK(GraphInvariantViolation(g) == "");
  CHECK(ErrorMismatch([&] { g.RemoveControlInput(second, first); }, ErrorCode::kNotFound, "second",
                      "'first' is not a control input of this node") == "");
  g.RemoveControlInput(first, second);
  CHECK(second->consumers().empty());
  g.RemoveNode(second);
  CHECK(g.num_nodes() == 1);
  CHECK(GraphInvariantViolation(g) == "");
}

TEST_CASE("random edits keep the graph's invariants", "[graph][edit]") {
  // A chain of float [4] ops with random rewiring, control edges and
  // removals; after each, the invariants hold and the graph runs.
  std::mt19937 rng(7);
  Graph g;
  Scope root(g);
  std::vector<Output> values = {ops::Const<float>(root, {1, 2, 3, 4})};
  for (int k = 0; k < 40; ++k) {
    const Output a = values[rng() % values.size()];
    const Output b = values[rng() % values.size()];
    values.push_back(rng() % 2 ? ops::AddV2(root, a, b) : ops::Mul(root, a, ops::Neg(root, b)));
  }
  for (int step = 0; step < 200; ++step) {
    Node* node = g.nodes()[rng() % g.nodes().size()].get();
    const Output other = values[rng() % values.size()];
    try {
      switch (rng() % 3) {
        case 0:
          if (node->num_inputs() > 0) g.ReplaceInput(node, static_cast<int>(rng() % node->num_inputs()), other);
          break;
        case 1: g.AddControlInput(node, other.node); break;
        case 2:
          if (node->consumers().empty() && g.num_nodes() > 2) {
            std::erase_if(values, [&](const Output& v) { return v.node == node; });
            g.RemoveNode(node);
          }
          break;
      }
    } catch (const Error& e) {
      // Refused edits (cycles) must leave the graph as it was.
      CHECK(e.code() == ErrorCode::kInvalidArgument);
    }
    const std::string violation = GraphInvariantViolation(g);
    INFO("step " << step);
    REQUIRE(violation == "");
  }
  Session session(g);
  std::vector<TensorName> fetches;
  for (const Output& v : values) fetches.emplace_back(v);
  CHECK(session.Run({}, fetches).size() == values.size());
}

}  // namespace
}  // namespace tensorgraph::testing
