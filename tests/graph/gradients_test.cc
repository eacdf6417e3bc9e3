// The gradient pass's semantics (graph/gradients.h): how contributions
// combine, how broadcasting is undone, where gradients stop, what an
// unreachable x gets, where the nodes land, and the error for a path through
// an op with no gradient function. Each op's own gradient is checked by the
// harness's gradient mode (tests/ops/gradient_harness_test.cc).
#include <catch2/catch.hpp>

#include "graph/gradients.h"
#include "runtime/kernel.h"
#include "tensorgraph.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph {
namespace {

using testing::Compare;
using testing::FromTensor;
using testing::MakeRef;
using testing::RunAndRoundTrip;

// An op with a kernel but neither a gradient function nor
// NotDifferentiable(): the pass must refuse to cross it. ("_Test" keeps it
// out of the op harness's completeness checks.)
TG_REGISTER_OP("_TestNoGradient")
    .Input("x: double")
    .Output("y: double")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("y = x, for tests: an op without a gradient function.");

class PassThroughKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override { ctx.SetOutput(0, ctx.input(0)); }
};
TG_REGISTER_KERNEL("_TestNoGradient", kDeviceCpu, DT_INVALID, PassThroughKernel);

Tensor Doubles(std::vector<double> values, Shape shape) {
  return Tensor::FromVector<double>(values, std::move(shape));
}
Tensor Doubles(std::vector<double> values) { return Tensor::FromVector<double>(values); }

constexpr testing::Tolerance kTight{1e-12, 1e-12};

TEST_CASE("gradients along several paths are summed", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {3});
  const Output y = x * x + x;
  const std::vector<Output> grads = AddGradients(root, {y}, {x});
  REQUIRE(grads.size() == 1);
  REQUIRE(grads[0].node != nullptr);
  CHECK(grads[0].dtype() == DT_DOUBLE);
  const auto got = RunAndRoundTrip(graph, {{x, Doubles({1, -2, 0.5})}}, {grads[0]});
  // d(x^2 + x)/dx = 2x + 1.
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {3}, {3, -3, 2}), kTight) == "");
}

TEST_CASE("the gradient of a broadcast input is reduced to its shape", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {3});
  const Output y = ops::Placeholder(root.WithOpName("y"), DT_DOUBLE, {2, 3});
  const Output z = x * y;
  const std::vector<Output> grads = AddGradients(root, {z}, {x, y});
  REQUIRE(grads.size() == 2);
  CHECK(grads[0].shape() == PartialShape({3}));
  CHECK(grads[1].shape() == PartialShape({2, 3}));
  const auto got = RunAndRoundTrip(
      graph, {{x, Doubles({1, 2, 3})}, {y, Doubles({1, 2, 3, 10, 20, 30}, Shape{2, 3})}},
      {grads[0], grads[1]});
  // dz/dx sums y over the broadcast rows; dz/dy is x in each row.
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {3}, {11, 22, 33}), kTight) == "");
  CHECK(Compare(got[1], MakeRef(DT_DOUBLE, {2, 3}, {1, 2, 3, 1, 2, 3}), kTight) == "");
}

TEST_CASE("several ys: the gradient of their sum", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2});
  const Output a = x * 3.0;
  const Output b = x * x;
  const std::vector<Output> grads = AddGradients(root, {a, b}, {x});
  const auto got = RunAndRoundTrip(graph, {{x, Doubles({1, -4})}}, {grads[0]});
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {2}, {5, -5}), kTight) == "");
}

TEST_CASE("grad_ys weight each y's gradient", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2});
  const Output a = x * x;
  const Output b = x * 10.0;
  const Output wa = ops::Const(root.WithOpName("wa"), Doubles({2, -1}));
  const Output wb = ops::Const(root.WithOpName("wb"), Doubles({0.5, 3}));
  const std::vector<Output> grads = AddGradients(root, {a, b}, {x}, {wa, wb});
  const auto got = RunAndRoundTrip(graph, {{x, Doubles({3, 5})}}, {grads[0]});
  // wa * 2x + wb * 10.
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {2}, {2 * 6 + 5, -10 + 30}), kTight) == "");
}

TEST_CASE("grad_ys must match the ys", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2});
  const Output y = x * x;
  const Output wrong_shape = ops::Const(root.WithOpName("w3"), Doubles({1, 2, 3}));
  const Output wrong_dtype = ops::Const(root.WithOpName("wf"), Tensor::FromVector<float>({1, 2}));
  CHECK(testing::ErrorMismatch([&] { AddGradients(root, {y}, {x}, {wrong_shape}); },
                               ErrorCode::kInvalidArgument, "", "grad_ys") == "");
  CHECK(testing::ErrorMismatch([&] { AddGradients(root, {y}, {x}, {wrong_dtype}); },
                               ErrorCode::kInvalidArgument, "", "grad_ys") == "");
  CHECK(testing::ErrorMismatch([&] { AddGradients(root, {y}, {x}, {wrong_shape, wrong_shape}); },
                               ErrorCode::kInvalidArgument, "", "grad_ys") == "");
}

TEST_CASE("StopGradient stops the flow along its path", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {3});
  const Output y = x * ops::StopGradient(root, x);
  const Output stopped = ops::StopGradient(root, x * 2.0);
  const std::vector<Output> grads = AddGradients(root, {y}, {x});
  const auto got = RunAndRoundTrip(graph, {{x, Doubles({1, -2, 4})}}, {grads[0]});
  // Only the unstopped factor contributes: d(x * c)/dx = c = x.
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {3}, {1, -2, 4}), kTight) == "");
  // A y reached only through StopGradient does not depend on x at all.
  CHECK(AddGradients(root, {stopped}, {x})[0].node == nullptr);
}

TEST_CASE("integer tensors get no gradient", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output n = ops::Placeholder(root.WithOpName("n"), DT_INT32, {3});
  const Output w = ops::Placeholder(root.WithOpName("w"), DT_DOUBLE, {3});
  const Output axes = ops::Placeholder(root.WithOpName("axes"), DT_INT32, {1});

  SECTION("through a Cast from int") {
    const Output y = ops::Cast(root, n, DT_DOUBLE) * w;
    const std::vector<Output> grads = AddGradients(root, {y}, {n, w});
    CHECK(grads[0].node == nullptr);
    REQUIRE(grads[1].node != nullptr);
    const auto got = RunAndRoundTrip(
        graph, {{n, Tensor::FromVector<int32_t>({1, 2, -3})}, {w, Doubles({4, 5, 6})}},
        {grads[1]});
    CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {3}, {1, 2, -3}), kTight) == "");
  }
  SECTION("an index input") {
    const Output y = ops::Sum(root, w * w, axes);
    const std::vector<Output> grads = AddGradients(root, {y}, {axes, w});
    CHECK(grads[0].node == nullptr);
    REQUIRE(grads[1].node != nullptr);
    const auto got = RunAndRoundTrip(
        graph, {{axes, Tensor::FromVector<int32_t>({0})}, {w, Doubles({1, 2, 3})}}, {grads[1]});
    CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {3}, {2, 4, 6}), kTight) == "");
  }
}

TEST_CASE("an x the ys do not depend on gets no gradient, or zeros", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2});
  const Output unused = ops::Placeholder(root.WithOpName("unused"), DT_DOUBLE, {2, 2});
  // Downstream of x, so not a cause of y: still unconnected.
  const Output after = ops::Identity(root.WithOpName("after"), x);
  const Output y = x * x;

  const std::vector<Output> none = AddGradients(root, {y}, {unused, after, x});
  CHECK(none[0].node == nullptr);
  CHECK(none[1].node == nullptr);
  CHECK(none[2].node != nullptr);

  GradientOptions zeros_option;
  zeros_option.unconnected = GradientOptions::Unconnected::kZeros;
  const std::vector<Output> zeros = AddGradients(root, {y}, {unused, x}, {}, zeros_option);
  REQUIRE(zeros[0].node != nullptr);
  CHECK(zeros[0].dtype() == DT_DOUBLE);
  const auto got = RunAndRoundTrip(
      graph, {{x, Doubles({1, 2})}, {unused, Doubles({1, 2, 3, 4}, Shape{2, 2})}},
      {zeros[0], zeros[1]});
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {2, 2}, {0, 0, 0, 0}), kTight) == "");
  CHECK(Compare(got[1], MakeRef(DT_DOUBLE, {2}, {2, 4}), kTight) == "");
}

TEST_CASE("the pass's nodes land under the scope's gradients/ name scope", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2, 3});
  const Output w = ops::Placeholder(root.WithOpName("w"), DT_DOUBLE, {3, 2});
  const Output y = ops::Sum(root, ops::Relu(root, ops::MatMul(root, x, w)), {0, 1});

  auto added_names = [&](const Scope& scope) {
    const int before = graph.num_nodes();
    AddGradients(scope, {y}, {x, w});
    std::vector<std::string> names;
    for (int i = before; i < graph.num_nodes(); ++i)
      names.push_back(graph.nodes()[static_cast<size_t>(i)]->name());
    return names;
  };
  for (const std::string& name : added_names(root)) {
    INFO(name);
    CHECK(name.starts_with("gradients/"));
  }
  // A second pass gets a name scope of its own, so names never collide.
  for (const std::string& name : added_names(root)) {
    INFO(name);
    CHECK(name.starts_with("gradients_1/"));
  }
  for (const std::string& name : added_names(root.NewSubScope("train"))) {
    INFO(name);
    CHECK(name.starts_with("train/gradients/"));
  }
}

TEST_CASE("a graph with gradients saves, reloads and runs to the same bits", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {4, 3});
  const Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT32, {4});
  const Output w = ops::Const(root.WithOpName("w"),
                              Doubles({0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9}, Shape{3, 3}));
  const Output b = ops::Const(root.WithOpName("b"), Doubles({0.01, 0.02, -0.03}));
  const Output logits = ops::BiasAdd(root, ops::MatMul(root, ops::Tanh(root, x), w), b);
  const Output loss = ops::Mean(
      root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels).loss, {0});
  const std::vector<Output> grads = AddGradients(root, {loss}, {x, w, b});
  testing::Rng rng(7);
  const Tensor xv = testing::ToTensor(testing::RandomRef(DT_DOUBLE, {4, 3}, {}, rng));
  // RunAndRoundTrip fails the test on any bit that differs after reloading.
  const auto got = RunAndRoundTrip(
      graph, {{x, xv}, {labels, Tensor::FromVector<int32_t>({0, 2, 1, 2})}},
      {loss, grads[0], grads[1], grads[2]});
  CHECK(got[1].shape() == Shape({4, 3}));
  CHECK(got[2].shape() == Shape({3, 3}));
  CHECK(got[3].shape() == Shape({3}));
}

TEST_CASE("the gradient with respect to a variable flows through its reads", "[gradients]") {
  Graph graph;
  Scope root(graph);
  const ops::ResourceVariable v = ops::Variable(root.WithOpName("v"), DT_DOUBLE, {3});
  Node* init = v.Assign(root.WithOpName("init"),
                        ops::Const(root.WithOpName("initial"), Doubles({1, -2, 3})));
  const Output read = v.Read(root.WithOpName("read"));
  const Output read_again = v.Read(root.WithOpName("read_again"));
  const Output y = read * read_again + read;
  const std::vector<Output> grads = AddGradients(root, {y}, {v.handle});
  REQUIRE(grads[0].node != nullptr);
  CHECK(grads[0].dtype() == DT_DOUBLE);
  const auto got = RunAndRoundTrip(graph, {{{}, {}, {init}}, {{}, {grads[0]}}});
  // Two reads of one value: d(v * v + v)/dv = 2v + 1.
  CHECK(Compare(got[1][0], MakeRef(DT_DOUBLE, {3}, {3, -3, 7}), kTight) == "");
}

TEST_CASE("a path through an op with no gradient function is an error naming it",
          "[gradients]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {2});
  const Output c = ops::Placeholder(root.WithOpName("c"), DT_DOUBLE, {2});
  const Output blocked = root.WithOpName("blocker").AddNode("_TestNoGradient", {x * 2.0});
  const Output side = root.WithOpName("side").AddNode("_TestNoGradient", {c});
  const Output y = blocked * x + side * x;
  CHECK(testing::ErrorMismatch([&] { AddGradients(root, {y}, {x}); },
                               ErrorCode::kUnimplemented, "blocker", "no gradient function") == "");

  // An op off every path from the xs to the ys is never asked for one.
  const std::vector<Output> grads = AddGradients(root, {side * x}, {x});
  const auto got = RunAndRoundTrip(graph, {{x, Doubles({1, 2})}, {c, Doubles({5, -6})}}, {grads[0]});
  CHECK(Compare(got[0], MakeRef(DT_DOUBLE, {2}, {5, -6}), kTight) == "");
}

}  // namespace
}  // namespace tensorgraph
