#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

Tensor RunOne(const Graph& g, Output out, const FeedList& feeds = {}) {
  return testing::RunAndRoundTrip(g, feeds, {out}).at(0);
}

enum class Kind { kSum, kMean, kMax };

// A float64 reduction of the row-major tensor `x` of shape `dims` over the
// dims marked in `reduced`, by visiting each input element once.
std::vector<double> Reference(Kind kind, const std::vector<double>& x,
                              const std::vector<int64_t>& dims, const std::vector<bool>& reduced) {
  int64_t outputs = 1, count = 1;
  for (size_t d = 0; d < dims.size(); ++d) (reduced[d] ? count : outputs) *= dims[d];
  std::vector<double> out(static_cast<size_t>(outputs),
                          kind == Kind::kMax ? -std::numeric_limits<double>::infinity() : 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i), o = 0, scale = 1;
    for (size_t d = dims.size(); d-- > 0;) {
      const int64_t coordinate = rest % dims[d];
      rest /= dims[d];
      if (!reduced[d]) {
        o += coordinate * scale;
        scale *= dims[d];
      }
    }
    double& acc = out[static_cast<size_t>(o)];
    acc = kind == Kind::kMax ? std::max(acc, x[i]) : acc + x[i];
  }
  if (kind == Kind::kMean) {
    for (double& v : out) v /= static_cast<double>(count);
  }
  return out;
}

Output Reduce(Kind kind, const Scope& s, Output x, const std::vector<int64_t>& axes,
              bool keep_dims) {
  switch (kind) {
    case Kind::kSum:
      return ops::Sum(s, x, axes, {.keep_dims = keep_dims});
    case Kind::kMean:
      return ops::Mean(s, x, axes, {.keep_dims = keep_dims});
    case Kind::kMax:
      return ops::Max(s, x, axes, {.keep_dims = keep_dims});
  }
  return {};
}

constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_CASE("Sum over rows, columns and everything", "[reduction]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  auto columns = ops::Sum(root, x, {0});
  CHECK(columns.shape() == PartialShape({3}));
  auto rows = ops::Sum(root, x, {-1}, {.keep_dims = true});
  CHECK(rows.shape() == PartialShape({2, 1}));
  auto all = ops::Sum(root, x, {0, 1});
  CHECK(all.shape() == PartialShape(Shape{}));
  auto all_kept = ops::Sum(root, x, {1, -2}, {.keep_dims = true});
  CHECK(all_kept.shape() == PartialShape({1, 1}));
  auto scalar_axis = ops::Sum(root, x, ops::ScalarIndexConst(root, 1));
  CHECK(scalar_axis.shape() == PartialShape({2}));
  auto none = ops::Sum(root, x, std::vector<int64_t>{});
  CHECK(none.shape() == PartialShape({2, 3}));

  auto out = testing::RunAndRoundTrip(g, {}, {columns, rows, all, all_kept, scalar_axis, none});
  CHECK(out[0].ToVector<float>() == std::vector<float>{5, 7, 9});
  CHECK(out[1].ToVector<float>() == std::vector<float>{6, 15});
  CHECK(out[1].shape() == Shape({2, 1}));
  CHECK(out[2].scalar<float>() == 21);
  CHECK(out[3].ToVector<float>() == std::vector<float>{21});
  CHECK(out[4].ToVector<float>() == std::vector<float>{6, 15});
  CHECK(out[5].ToVector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("Sum, Mean and Max match a float64 reference for every set of axes", "[reduction]") {
  const std::vector<int64_t> dims = {3, 4, 1, 5, 2};
  const int rank = static_cast<int>(dims.size());
  std::vector<double> x(static_cast<size_t>(Shape(dims).num_elements()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<double>(i) * 1.7) * 10;
  for (Kind kind : {Kind::kSum, Kind::kMean, Kind::kMax}) {
    for (int mask = 0; mask < (1 << rank); ++mask) {
      for (bool keep_dims : {false, true}) {
        Graph g;
        Scope root(g);
        std::vector<bool> reduced(dims.size());
        std::vector<int64_t> axes, expected_dims;
        for (int d = 0; d < rank; ++d) {
          reduced[static_cast<size_t>(d)] = (mask >> d) & 1;
          // Alternate positive and negative spellings of the axes.
          if (reduced[static_cast<size_t>(d)]) axes.push_back(d % 2 ? d - rank : d);
          if (!reduced[static_cast<size_t>(d)]) {
            expected_dims.push_back(dims[static_cast<size_t>(d)]);
          } else if (keep_dims) {
            expected_dims.push_back(1);
          }
        }
        auto input = ops::Const(root, x, Shape(dims));
        auto y = Reduce(kind, root, input, axes, keep_dims);
        INFO("kind " << static_cast<int>(kind) << " axes " << Catch::Detail::stringify(axes)
                     << " keep_dims " << keep_dims);
        CHECK(y.shape() == PartialShape(expected_dims));
        const Tensor out = RunOne(g, y);
        CHECK(out.shape() == Shape(expected_dims));
        const std::vector<double> expected = Reference(kind, x, dims, reduced);
        const std::vector<double> got = out.ToVector<double>();
        REQUIRE(got.size() == expected.size());
        for (size_t i = 0; i < got.size(); ++i) {
          CHECK(got[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-12));
        }
      }
    }
  }
}

TEST_CASE("Float sums are accurate over long rows and columns", "[reduction]") {
  Graph g;
  Scope root(g);
  const int64_t n = 1 << 20;
  std::vector<float> ones_tenth(static_cast<size_t>(n), 0.1f);
  auto row = ops::Const(root, ones_tenth, Shape{1, n});
  auto column = ops::Const(root, ones_tenth, Shape{n, 1});
  auto block = ops::Const(root, ones_tenth, Shape{n / 8, 8});
  auto out = testing::RunAndRoundTrip(g, {},
                                      {ops::Sum(root, row, {1}), ops::Sum(root, column, {0}),
                                       ops::Mean(root, block, {0}), ops::Max(root, block, {0, 1})});
  const double exact = static_cast<double>(0.1f) * static_cast<double>(n);
  CHECK(out[0].ToVector<float>()[0] == Approx(exact).epsilon(1e-7));
  CHECK(out[1].ToVector<float>()[0] == Approx(exact).epsilon(1e-7));
  CHECK(out[2].ToVector<float>() == std::vector<float>(8, 0.1f));
  CHECK(out[3].scalar<float>() == 0.1f);
}

TEST_CASE("Integer reductions wrap and truncate as TensorFlow's do", "[reduction]") {
  Graph g;
  Scope root(g);
  auto i32 = ops::Const(root, std::vector<int32_t>{std::numeric_limits<int32_t>::max(), 1, -3, -4},
                        Shape{2, 2});
  auto u8 = ops::Const(root, std::vector<uint8_t>{200, 100, 7, 250});
  auto i64 = ops::Const(root, std::vector<int64_t>{-5, 9, 4, -2}, Shape{2, 2});
  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::Sum(root, i32, {1}), ops::Mean(root, i32, {1}), ops::Max(root, i32, {0}),
       ops::Sum(root, u8, {0}), ops::Mean(root, u8, {0}), ops::Max(root, u8, {0}),
       ops::Sum(root, i64, {0}), ops::Mean(root, i64, {0, 1}), ops::Max(root, i64, {1})});
  CHECK(out[0].ToVector<int32_t>() ==
        std::vector<int32_t>{std::numeric_limits<int32_t>::min(), -7});
  // (2^31 - 1 + 1) / 2 without wrapping, and -3.5 truncated to -3.
  CHECK(out[1].ToVector<int32_t>() == std::vector<int32_t>{1073741824, -3});
  CHECK(out[2].ToVector<int32_t>() == std::vector<int32_t>{std::numeric_limits<int32_t>::max(), 1});
  CHECK(out[3].scalar<uint8_t>() == 45);   // 557 mod 256
  CHECK(out[4].scalar<uint8_t>() == 139);  // 557 / 4, summed without wrapping
  CHECK(out[5].scalar<uint8_t>() == 250);
  CHECK(out[6].ToVector<int64_t>() == std::vector<int64_t>{-1, 7});
  CHECK(out[7].scalar<int64_t>() == 1);  // 6 / 4
  CHECK(out[8].ToVector<int64_t>() == std::vector<int64_t>{9, 4});
}

TEST_CASE("Reducing a zero-size dim gives the reduction's identity", "[reduction]") {
  Graph g;
  Scope root(g);
  auto f = ops::Placeholder(root, DT_FLOAT, {0, 3});
  auto i = ops::Placeholder(root, DT_INT32, {0, 3});
  auto d = ops::Placeholder(root, DT_DOUBLE, {2, 0});
  auto out = testing::RunAndRoundTrip(
      g,
      {{f, Tensor::Zeros(DT_FLOAT, Shape{0, 3})},
       {i, Tensor::Zeros(DT_INT32, Shape{0, 3})},
       {d, Tensor::Zeros(DT_DOUBLE, Shape{2, 0})}},
      {ops::Sum(root, f, {0}), ops::Mean(root, f, {0}), ops::Max(root, f, {0}),
       ops::Mean(root, i, {0}), ops::Max(root, i, {0}, {.keep_dims = true}), ops::Sum(root, f, {1}),
       ops::Max(root, d, {1})});
  CHECK(out[0].ToVector<float>() == std::vector<float>{0, 0, 0});
  for (float v : out[1].ToVector<float>()) CHECK(std::isnan(v));
  CHECK(out[2].ToVector<float>() == std::vector<float>{-kInf, -kInf, -kInf});
  CHECK(out[3].ToVector<int32_t>() == std::vector<int32_t>{0, 0, 0});
  CHECK(out[4].shape() == Shape({1, 3}));
  CHECK(out[4].ToVector<int32_t>() ==
        std::vector<int32_t>(3, std::numeric_limits<int32_t>::lowest()));
  CHECK(out[5].shape() == Shape({0}));
  CHECK(out[6].ToVector<double>() ==
        std::vector<double>(2, -std::numeric_limits<double>::infinity()));
}

TEST_CASE("Reductions of scalars, and Max with NaN", "[reduction]") {
  Graph g;
  Scope root(g);
  auto s = ops::Const(root, std::vector<double>{2.5}, Shape{});
  auto s_sum = ops::Sum(root, s, std::vector<int64_t>{});
  CHECK(s_sum.shape() == PartialShape(Shape{}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto x = ops::Const(root, std::vector<float>{1, nan, 3, 4, 5, 6}, Shape{2, 3});
  auto out = testing::RunAndRoundTrip(g, {},
                                      {s_sum, ops::Mean(root, s, std::vector<int64_t>{}),
                                       ops::Max(root, x, {1}), ops::Max(root, x, {0})});
  CHECK(out[0].scalar<double>() == 2.5);
  CHECK(out[1].scalar<double>() == 2.5);
  const auto rows = out[2].ToVector<float>();
  CHECK(std::isnan(rows[0]));
  CHECK(rows[1] == 6);
  const auto columns = out[3].ToVector<float>();
  CHECK(columns[0] == 4);
  CHECK(std::isnan(columns[1]));
  CHECK(columns[2] == 6);
}

TEST_CASE("Reductions with axes fed at run time", "[reduction]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, -1});
  auto axes = ops::Placeholder(root, DT_INT64, {-1});
  auto sum = ops::Sum(root, x, axes);
  CHECK(!sum.shape().rank_known());
  auto kept = ops::Mean(root, x, axes, {.keep_dims = true});
  CHECK(kept.shape() == PartialShape::Unknown(2));
  auto none = ops::Max(root, x, ops::Placeholder(root, DT_INT32, {0}));
  CHECK(none.shape() == PartialShape({2, -1}));
  auto out = testing::RunAndRoundTrip(g,
                                      {{x, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
                                       {axes, Tensor::FromVector<int64_t>({-1})}},
                                      {sum, kept});
  CHECK(out[0].ToVector<float>() == std::vector<float>{6, 15});
  CHECK(out[1].shape() == Shape({2, 1}));
  CHECK(out[1].ToVector<float>() == std::vector<float>{2, 5});
}

TEST_CASE("Reductions reject bad axes at build time and at run time", "[reduction]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(
      ops::Sum(root, x, {2}),
      Contains("reduction_indices entry 2 is out of range [-2, 2) for input shape [2,3]"));
  CHECK_THROWS_WITH(
      ops::Mean(root, x, {-3}),
      Contains("reduction_indices entry -3 is out of range [-2, 2) for input shape [2,3]"));
  CHECK_THROWS_WITH(ops::Max(root, x, {0, -2}),
                    Contains("reduction_indices entries 0 and 1 both name dim 0"));
  CHECK_THROWS_WITH(ops::Sum(root, x, ops::Const(root, std::vector<int32_t>{0}, Shape{1, 1})),
                    Contains("reduction_indices must be a scalar or a vector, got shape [1,1]"));
  CHECK_THROWS_WITH(
      ops::Sum(root, ops::ScalarConst(root, DT_FLOAT, 1), {0}),
      Contains("reduction_indices entry 0 is out of range [0, 0) for input shape []"));
  CHECK_THROWS_WITH(ops::Sum(root, ops::Const(root, std::vector<bool>{true}), {0}),
                    Contains("attr 'T' is bool"));

  auto axes = ops::Placeholder(root, DT_INT32, {-1});
  auto sum = ops::Sum(root, x, axes);
  const Tensor value = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THROWS_WITH(RunOne(g, sum, {{x, value}, {axes, Tensor::FromVector<int32_t>({1, -1})}}),
                    Contains("reduction_indices entries 0 and 1 both name dim 1"));
  CHECK_THROWS_WITH(
      RunOne(g, sum, {{x, value}, {axes, Tensor::FromVector<int32_t>({5})}}),
      Contains("reduction_indices entry 5 is out of range [-2, 2) for input shape [2,3]"));
}

TEST_CASE("ArgMax finds the first maximum along an axis", "[reduction]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<float>{1, 7, 7, 9, 2, 9}, Shape{2, 3});
  auto along_rows = ops::ArgMax(root, x, 1);
  CHECK(along_rows.dtype() == DT_INT64);
  CHECK(along_rows.shape() == PartialShape({2}));
  auto along_columns = ops::ArgMax(root, x, -2, {.output_type = DT_INT32});
  CHECK(along_columns.dtype() == DT_INT32);
  auto flags = ops::ArgMax(root, ops::Const(root, std::vector<bool>{false, true, true}), 0);
  CHECK(flags.shape() == PartialShape(Shape{}));
  auto bytes =
      ops::ArgMax(root, ops::Const(root, std::vector<uint8_t>{3, 200, 5, 200}, Shape{2, 2}), 0);
  // [2, 3, 2]: the middle axis, against the hand-worked answer.
  auto cube =
      ops::Const(root, std::vector<int64_t>{4, 0, 1, 8, 4, 8, 5, 5, 5, 2, 9, 5}, Shape{2, 3, 2});
  auto middle = ops::ArgMax(root, cube, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto with_nan = ops::ArgMax(root, ops::Const(root, std::vector<float>{1, nan, 3, nan}), 0);
  CHECK(OpRegistry::Global().Get("ArgMax").not_differentiable);

  auto out =
      testing::RunAndRoundTrip(g, {}, {along_rows, along_columns, flags, bytes, middle, with_nan});
  CHECK(out[0].ToVector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(out[1].ToVector<int32_t>() == std::vector<int32_t>{1, 0, 1});
  CHECK(out[2].scalar<int64_t>() == 1);
  CHECK(out[3].ToVector<int64_t>() == std::vector<int64_t>{1, 0});  // the first of tied maxima
  CHECK(out[4].ToVector<int64_t>() == std::vector<int64_t>{0, 1, 2, 0});
  CHECK(out[5].scalar<int64_t>() == 1);
}

TEST_CASE("ArgMax rejects empty dims and bad axes", "[reduction]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 0});
  CHECK_THROWS_WITH(
      ops::ArgMax(root, x, 1),
      Contains("cannot take the argmax over dim 1 of input shape [2,0]: it is empty"));
  CHECK(ops::ArgMax(root, x, 0).shape() == PartialShape({0}));
  CHECK_THROWS_WITH(ops::ArgMax(root, x, 2),
                    Contains("dimension 2 is out of range [-2, 2) for input shape [2,0]"));
  CHECK_THROWS_WITH(ops::ArgMax(root, ops::ScalarConst(root, DT_FLOAT, 1), 0),
                    Contains("input must have rank >= 1, got a scalar"));
  CHECK_THROWS_WITH(ops::ArgMax(root, x, ops::IndexConst(root, {0})),
                    Contains("dimension must be a scalar, got shape [1]"));
  const int64_t big = int64_t{3} << 30;
  CHECK_THROWS_WITH(
      ops::ArgMax(root, ops::Placeholder(root, DT_UINT8, {0, big}), 1, {.output_type = DT_INT32}),
      Contains(
          "dim 1 of input shape [0,3221225472] has more entries than output_type int32 can index"));

  auto any = ops::Placeholder(root, DT_DOUBLE, {-1, -1});
  auto y = ops::ArgMax(root, any, 0);
  CHECK(y.shape() == PartialShape({-1}));
  CHECK_THROWS_WITH(
      RunOne(g, y, {{any, Tensor::Zeros(DT_DOUBLE, Shape{0, 4})}}),
      Contains("cannot take the argmax over dim 0 of input shape [0,4]: it is empty"));
}
