// Array and reduction gradients, and the ops they are built from
// (StopGradient, BroadcastTo, InvertPermutation, Pad, ConcatOffset, Size).
//
// Each gradient is checked against central differences in float64: the
// gradient pass's d(sum(y * w))/dx, for a fixed random weight w, against
// (f(x + h) - f(x - h)) / 2h per element of x.
#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "graph/gradients.h"
#include "tensorgraph.h"
#include "tests/support/gradient_check.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

Tensor RunOne(const Graph& g, Output out, const FeedList& feeds = {}) {
  return testing::RunAndRoundTrip(g, feeds, {out}).at(0);
}

// An input of a gradient check: its value, and the shape its placeholder
// declares (unknown dims make the graph's shapes known only when fed).
struct GradInput {
  Tensor value;
  PartialShape declared;
};

GradInput Known(std::vector<int64_t> dims, uint32_t seed = 1) {
  const Shape shape(dims);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  std::vector<double> values(static_cast<size_t>(shape.num_elements()));
  for (double& v : values) v = dist(rng);
  return {Tensor::FromVector(values, shape), PartialShape(std::move(dims))};
}

// Like Known, with the placeholder declaring every dim unknown.
GradInput Fed(std::vector<int64_t> dims, uint32_t seed = 1) {
  GradInput in = Known(dims, seed);
  in.declared = PartialShape::Unknown(static_cast<int>(dims.size()));
  return in;
}

using BuildFn = std::function<Output(const Scope&, const std::vector<Output>&)>;

// Runs the shared finite-difference check (tests/support/gradient_check.h)
// on y = f(xs) for float64 placeholders xs, and requires every element of
// every x to be checked and to pass, with no kinks skipped.
void CheckGradient(const std::vector<GradInput>& inputs, const BuildFn& f) {
  const testing::GradientCheckResult result = testing::CheckGradients([&](const Scope& root) {
    testing::GradientProblem problem;
    for (const GradInput& in : inputs) {
      problem.xs.push_back(ops::Placeholder(root, DT_DOUBLE, in.declared));
      problem.x_values.push_back(in.value);
    }
    problem.ys = {f(root, problem.xs)};
    return problem;
  });
  INFO(result.Report());
  REQUIRE(result.ok());
  int64_t elements = 0;
  for (const GradInput& in : inputs) elements += in.value.num_elements();
  CHECK(result.elements_checked == elements);
  CHECK(result.kinks_skipped == 0);
}

std::vector<double> Doubles(const Tensor& t) { return t.ToVector<double>(); }

}  // namespace

// --- StopGradient --------------------------------------------------------------

TEST_CASE("StopGradient passes its input through and blocks the gradient", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_DOUBLE, {2});
  auto y = ops::ConcatV2(root, {ops::Identity(root, x), ops::StopGradient(root, x)}, 0);
  const Tensor value = Tensor::FromVector<double>({3, -1});
  CHECK(Doubles(RunOne(g, y, {{x, value}})) == std::vector<double>{3, -1, 3, -1});
  // Only the path around the StopGradient counts.
  const auto grads = AddGradients(root, {y}, {x});
  CHECK(Doubles(RunOne(g, grads[0], {{x, value}})) == std::vector<double>{1, 1});
  CHECK(OpRegistry::Global().Get("StopGradient").not_differentiable);
}

// --- BroadcastTo ---------------------------------------------------------------

TEST_CASE("BroadcastTo repeats size-1 and missing leading dims", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<int32_t>{1, 2, 3}, Shape{3, 1});
  auto y = ops::BroadcastTo(root, x, {2, 3, 2});
  CHECK(y.shape() == PartialShape({2, 3, 2}));
  CHECK(RunOne(g, y).ToVector<int32_t>() ==
        std::vector<int32_t>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  auto row = ops::BroadcastTo(root, ops::Const(root, std::vector<uint8_t>{4, 5}), {3, 2});
  CHECK(RunOne(g, row).ToVector<uint8_t>() == std::vector<uint8_t>{4, 5, 4, 5, 4, 5});
  auto empty = ops::BroadcastTo(root, ops::Const(root, std::vector<double>{1}), {0, 4});
  CHECK(RunOne(g, empty).shape() == Shape({0, 4}));
}

TEST_CASE("BroadcastTo rejects shapes the input does not broadcast to", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(ops::BroadcastTo(root, x, {4, 3}),
                    Contains("cannot broadcast input of shape [2,3] to [4,3]: input dim 0 is 2, "
                             "expected 1 or 4"));
  CHECK_THROWS_WITH(ops::BroadcastTo(root, x, {3}),
                    Contains("cannot broadcast input of shape [2,3] to the lower-rank shape [3]"));
  CHECK_THROWS_WITH(ops::BroadcastTo(root, x, {-2, 3}), Contains("shape[0] is -2"));
  // At run time, when the input's dims are known only then.
  auto fed = ops::Placeholder(root, DT_FLOAT, PartialShape::Unknown(1));
  auto y = ops::BroadcastTo(root, fed, {2, 4});
  Session session(g);
  CHECK_THROWS_WITH(session.Run({{fed, Tensor::FromVector<float>({1, 2})}}, {y}),
                    Contains("input dim 0 is 2, expected 1 or 4"));
}

// --- InvertPermutation -----------------------------------------------------------

TEST_CASE("InvertPermutation inverts int32 and int64 permutations", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto a = ops::InvertPermutation(root, ops::Const(root, std::vector<int32_t>{2, 0, 3, 1}));
  auto b = ops::InvertPermutation(root, ops::Const(root, std::vector<int64_t>{1, 2, 0}));
  CHECK(RunOne(g, a).ToVector<int32_t>() == std::vector<int32_t>{1, 3, 0, 2});
  CHECK(RunOne(g, b).ToVector<int64_t>() == std::vector<int64_t>{2, 0, 1});
}

TEST_CASE("InvertPermutation rejects what is not a permutation", "[arraygrad]") {
  Graph g;
  Scope root(g);
  CHECK_THROWS_WITH(ops::InvertPermutation(root, ops::Const(root, std::vector<int32_t>{0, 3})),
                    Contains("x[1] is 3: expected a value in [0, 2)"));
  CHECK_THROWS_WITH(ops::InvertPermutation(root, ops::Const(root, std::vector<int32_t>{1, 1})),
                    Contains("x[1] is 1, which appears earlier too"));
  CHECK_THROWS_WITH(
      ops::InvertPermutation(root, ops::Const(root, std::vector<int32_t>{0, 1}, Shape{1, 2})),
      Contains("x must be a vector"));
  auto fed = ops::Placeholder(root, DT_INT64, {3});
  auto y = ops::InvertPermutation(root, fed);
  Session session(g);
  CHECK_THROWS_WITH(session.Run({{fed, Tensor::FromVector<int64_t>({0, -1, 2})}}, {y}),
                    Contains("x[1] is -1"));
}

// --- Pad -------------------------------------------------------------------------

TEST_CASE("Pad surrounds the input with zeros", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<int32_t>{1, 2, 3, 4}, Shape{2, 2});
  auto y = ops::Pad(root, x, {{1, 0}, {0, 2}});
  CHECK(y.shape() == PartialShape({3, 4}));
  CHECK(RunOne(g, y).ToVector<int32_t>() ==
        std::vector<int32_t>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0});
  // int64 paddings, a bool input, and a dim padded from empty.
  auto flags = ops::Const(root, Tensor::FromVector<bool>({true}, Shape{1, 1}));
  auto padded =
      ops::Pad(root, flags, ops::Const(root, std::vector<int64_t>{0, 1, 1, 0}, Shape{2, 2}));
  CHECK(RunOne(g, padded).ToVector<bool>() == std::vector<bool>{false, true, false, false});
  auto from_empty = ops::Pad(root, ops::Const(root, std::vector<double>{}, Shape{0, 2}),
                             {{1, 1}, {0, 0}});
  CHECK(Doubles(RunOne(g, from_empty)) == std::vector<double>{0, 0, 0, 0});
}

TEST_CASE("Pad rejects malformed paddings", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(ops::Pad(root, x, {{0, 0}}),
                    Contains("paddings has 1 rows, expected one per dim of input, of shape [2,3]"));
  CHECK_THROWS_WITH(ops::Pad(root, x, {{0, 0}, {-1, 0}}),
                    Contains("paddings[1] is [-1,0]: expected sizes >= 0"));
  CHECK_THROWS_WITH(ops::Pad(root, x, ops::Const(root, std::vector<int32_t>{0, 0, 0, 0})),
                    Contains("paddings must have shape [rank, 2], got [4]"));
}

// --- ConcatOffset and Size ----------------------------------------------------------

TEST_CASE("ConcatOffset gives where each piece starts along concat_dim", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto offsets = ops::ConcatOffset(root, ops::ScalarIndexConst(root, -2),
                                   {ops::Const(root, std::vector<int32_t>{2, 3, 5}),
                                    ops::Const(root, std::vector<int32_t>{2, 4, 5}),
                                    ops::Const(root, std::vector<int32_t>{2, 1, 5})});
  REQUIRE(offsets.size() == 3);
  const auto values = testing::RunAndRoundTrip(g, {}, {offsets[0], offsets[1], offsets[2]});
  CHECK(values[0].ToVector<int32_t>() == std::vector<int32_t>{0, 0, 0});
  CHECK(values[1].ToVector<int32_t>() == std::vector<int32_t>{0, 3, 0});
  CHECK(values[2].ToVector<int32_t>() == std::vector<int32_t>{0, 7, 0});
  CHECK_THROWS_WITH(ops::ConcatOffset(root, ops::ScalarIndexConst(root, 1),
                                      {ops::Const(root, std::vector<int32_t>{2, 3}),
                                       ops::Const(root, std::vector<int32_t>{3, 4})}),
                    Contains("shape[1] is [3,4] but shape[0] is [2,3]: they may differ only in "
                             "dim 1"));
  CHECK_THROWS_WITH(ops::ConcatOffset(root, ops::ScalarIndexConst(root, 2),
                                      {ops::Const(root, std::vector<int32_t>{2, 3}),
                                       ops::Const(root, std::vector<int32_t>{2, 3})}),
                    Contains("concat_dim 2 is out of range [-2, 2)"));
}

TEST_CASE("ConcatOffset refuses sizes whose running sum overflows, naming the node",
          "[arraygrad][hostile]") {
  // Found by the graph_build fuzzer: two 2^62 sizes, fed at run time.
  Graph g;
  Scope root(g);
  const Output a = ops::Placeholder(root.WithOpName("a"), DT_INT64, {1});
  const Output b = ops::Placeholder(root.WithOpName("b"), DT_INT64, {1});
  const Output c = ops::Placeholder(root.WithOpName("c"), DT_INT64, {1});
  auto offsets = ops::ConcatOffset(root.WithOpName("offsets"), ops::ScalarIndexConst(root, 0), {a, b, c});
  Session session(g);
  const Tensor big = Tensor::FromVector<int64_t>({int64_t{1} << 62});
  CHECK(testing::ErrorMismatch([&] { session.Run({{a, big}, {b, big}, {c, big}}, {offsets[2]}); },
                               ErrorCode::kInvalidArgument, "offsets",
                               "the sizes at concat_dim 0 add up to more than int64 can count") == "");
  CHECK(testing::ErrorMismatch(
            [&] {
              session.Run({{a, Tensor::FromVector<int64_t>({-1})}, {b, big}, {c, big}}, {offsets[1]});
            },
            ErrorCode::kInvalidArgument, "offsets", "sizes must be non-negative") == "");
}

TEST_CASE("Size counts elements, including unknown dims at run time", "[arraygrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, PartialShape::Unknown(2));
  auto n32 = ops::Size(root, x);
  auto n64 = ops::Size(root, x, {DT_INT64});
  const auto values = testing::RunAndRoundTrip(
      g, {{x, Tensor::Zeros(DT_FLOAT, Shape{3, 4})}}, {n32, n64});
  CHECK(values[0].scalar<int32_t>() == 12);
  CHECK(values[1].scalar<int64_t>() == 12);
}

// --- Gradients of array ops ----------------------------------------------------------

TEST_CASE("Identity and PlaceholderWithDefault pass the gradient through", "[arraygrad]") {
  CheckGradient({Known({2, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Identity(s, x[0]);
  });
  CheckGradient({Known({4})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::PlaceholderWithDefault(s, x[0], PartialShape::Unknown(1));
  });
}

TEST_CASE("BroadcastTo gradient sums over the broadcast dims", "[arraygrad]") {
  CheckGradient({Known({3, 1})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::BroadcastTo(s, x[0], {2, 3, 4});
  });
  CheckGradient({Fed({1, 4})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::BroadcastTo(s, x[0], {3, 4});
  });
}

TEST_CASE("Reshape, ExpandDims and Squeeze gradients take the input's shape", "[arraygrad]") {
  CheckGradient({Known({2, 6})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Reshape(s, x[0], {3, -1});
  });
  CheckGradient({Fed({2, 6})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Reshape(s, x[0], {4, 3});
  });
  CheckGradient({Known({2, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::ExpandDims(s, x[0], -1);
  });
  CheckGradient({Fed({1, 3, 1})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Squeeze(s, x[0], {.squeeze_dims = {0, -1}});
  });
  CheckGradient({Known({0, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Reshape(s, x[0], {3, 0});
  });
}

TEST_CASE("Transpose gradient transposes back", "[arraygrad]") {
  CheckGradient({Known({2, 3, 4})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Transpose(s, x[0], {2, 0, 1});
  });
  CheckGradient({Fed({2, 3, 4})}, [](const Scope& s, const std::vector<Output>& x) {
    // An int64 permutation known only at run time.
    auto perm = ops::PlaceholderWithDefault(s, ops::Const(s, std::vector<int64_t>{1, 2, 0}),
                                            PartialShape::Unknown(1));
    return ops::Transpose(s, x[0], perm);
  });
}

TEST_CASE("ConcatV2 gradient slices each value's block", "[arraygrad]") {
  CheckGradient({Known({2, 3}, 1), Known({2, 1}, 2), Known({2, 2}, 3)},
                [](const Scope& s, const std::vector<Output>& x) {
                  return ops::ConcatV2(s, {x[0], x[1], x[2]}, -1);
                });
  CheckGradient({Fed({1, 3}, 1), Fed({2, 3}, 2), Fed({0, 3}, 3)},
                [](const Scope& s, const std::vector<Output>& x) {
                  auto axis = ops::Const(s, Tensor::Scalar<int64_t>(0));
                  return ops::ConcatV2(s, {x[0], x[1], x[2]}, axis);
                });
}

TEST_CASE("Slice gradient pads back to the input's shape", "[arraygrad]") {
  CheckGradient({Known({3, 4})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Slice(s, x[0], {1, 1}, {2, -1});
  });
  CheckGradient({Fed({3, 4, 2})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Slice(s, x[0], ops::Const(s, std::vector<int64_t>{0, 2, 1}),
                      ops::Const(s, std::vector<int64_t>{3, 1, 1}));
  });
  CheckGradient({Known({3, 4})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Slice(s, x[0], {1, 0}, {0, 4});
  });
}

TEST_CASE("Pad gradient slices the input's block", "[arraygrad]") {
  CheckGradient({Known({2, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Pad(s, x[0], {{1, 2}, {0, 1}});
  });
  CheckGradient({{Known({2, 3}).value, PartialShape::UnknownRank()}},
                [](const Scope& s, const std::vector<Output>& x) {
                  return ops::Pad(
                      s, x[0], ops::Const(s, std::vector<int64_t>{0, 1, 3, 0}, Shape{2, 2}));
                });
}

TEST_CASE("Fill gradient sums into the value", "[arraygrad]") {
  CheckGradient({Known({})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Fill(s, {2, 3}, x[0]);
  });
  CheckGradient({Known({})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Fill(s, {2, 0}, x[0]);
  });
}

// --- Gradients of reductions ----------------------------------------------------------

TEST_CASE("Sum gradient broadcasts over the reduced dims", "[arraygrad]") {
  for (bool keep_dims : {false, true}) {
    INFO("keep_dims " << keep_dims);
    CheckGradient({Known({2, 3, 4})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Sum(s, x[0], {-1, 0}, {.keep_dims = keep_dims});
    });
    CheckGradient({Fed({2, 3, 4})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Sum(s, x[0], {1}, {.keep_dims = keep_dims});
    });
    CheckGradient({Known({3, 0})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Sum(s, x[0], {1}, {.keep_dims = keep_dims});
    });
  }
  // Unknown rank, and axes known only at run time.
  CheckGradient({{Known({2, 3}).value, PartialShape::UnknownRank()}},
                [](const Scope& s, const std::vector<Output>& x) {
                  return ops::Sum(s, x[0], {-1});
                });
  CheckGradient({Known({2, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    auto axes = ops::PlaceholderWithDefault(s, ops::Const(s, std::vector<int32_t>{0}),
                                            PartialShape::Unknown(1));
    return ops::Sum(s, x[0], axes);
  });
  CheckGradient({Known({2, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Sum(s, x[0], std::vector<int64_t>{});
  });
}

TEST_CASE("Mean gradient divides by the count reduced, known at run time", "[arraygrad]") {
  for (bool keep_dims : {false, true}) {
    INFO("keep_dims " << keep_dims);
    CheckGradient({Known({2, 3, 4})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Mean(s, x[0], {0, -1}, {.keep_dims = keep_dims});
    });
    CheckGradient({Fed({2, 3, 4})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Mean(s, x[0], {-2}, {.keep_dims = keep_dims});
    });
  }
  CheckGradient({Fed({0, 3})}, [](const Scope& s, const std::vector<Output>& x) {
    return ops::Mean(s, x[0], {1});
  });
}

TEST_CASE("Max gradient goes to the maxima, split among ties", "[arraygrad]") {
  for (bool keep_dims : {false, true}) {
    INFO("keep_dims " << keep_dims);
    CheckGradient({Known({3, 4})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Max(s, x[0], {-1}, {.keep_dims = keep_dims});
    });
    CheckGradient({Fed({2, 3, 2})}, [&](const Scope& s, const std::vector<Output>& x) {
      return ops::Max(s, x[0], {0, 2}, {.keep_dims = keep_dims});
    });
  }
  // Ties have no derivative (a kink), so they are checked by hand: as in
  // TensorFlow, the gradient is split equally among them.
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<double>{2, 2, 1, 2, 1, 3, 3, 0}, Shape{2, 4});
  auto grads = AddGradients(root, {ops::Max(root, x, {-1})}, {x});
  CHECK(Doubles(RunOne(g, grads[0])) ==
        std::vector<double>{1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0, 0.5, 0.5, 0});
}

TEST_CASE("Index, shape and constant ops are marked not differentiable", "[arraygrad]") {
  for (const char* op : {"Shape", "Size", "ZerosLike", "OnesLike", "ArgMax", "Placeholder", "Const",
                         "StopGradient", "InvertPermutation", "ConcatOffset"}) {
    INFO(op);
    const OpDef& def = OpRegistry::Global().Get(op);
    CHECK(def.not_differentiable);
    CHECK(!def.gradient);
  }
  for (const char* op : {"Identity", "PlaceholderWithDefault", "Reshape", "ExpandDims", "Squeeze",
                         "Transpose", "ConcatV2", "Slice", "Pad", "BroadcastTo", "Fill", "Sum",
                         "Mean", "Max"}) {
    INFO(op);
    CHECK(OpRegistry::Global().Get(op).gradient);
  }
}
