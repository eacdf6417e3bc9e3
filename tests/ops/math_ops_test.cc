#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The one fetch of a graph run by RunAndRoundTrip.
Tensor RunOne(const Graph& graph, const Output& fetch, const FeedList& feeds = {}) {
  return testing::RunAndRoundTrip(graph, feeds, {fetch}).at(0);
}

// Checks dtype, shape and values, each within `rel_tol` of `want` (which
// may hold infinities and NaNs, matched exactly).
template <typename T>
void CheckValues(const Tensor& got, const Shape& shape, const std::vector<double>& want,
                 double rel_tol = 0) {
  REQUIRE(got.dtype() == kDataTypeOf<T>);
  REQUIRE(got.shape() == shape);
  const std::vector<T> values = got.ToVector<T>();
  REQUIRE(values.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i << ": got " << +values[i] << ", want " << want[i]);
    const double v = static_cast<double>(values[i]);
    if (std::isnan(want[i])) {
      CHECK(std::isnan(v));
    } else if (std::isinf(want[i])) {
      CHECK(v == want[i]);
    } else {
      CHECK(std::abs(v - want[i]) <= rel_tol * std::abs(want[i]));
    }
  }
}

using BinaryBuilder = std::function<Output(const Scope&, Output, Output)>;

struct BinaryCase {
  const char* op;
  BinaryBuilder build;
  std::vector<double> want;  // x [2,1] = {1, 4} against y [3] = {2, 0.5, -1}
};

}  // namespace

TEMPLATE_TEST_CASE("binary ops broadcast [2,1] against [3]", "[math]", float, double) {
  const std::vector<BinaryCase> cases = {
      {"AddV2", ops::AddV2, {3, 1.5, 0, 6, 4.5, 3}},
      {"Add", ops::Add, {3, 1.5, 0, 6, 4.5, 3}},
      {"Sub", ops::Sub, {-1, 0.5, 2, 2, 3.5, 5}},
      {"Mul", ops::Mul, {2, 0.5, -1, 8, 2, -4}},
      {"RealDiv", ops::RealDiv, {0.5, 2, -1, 2, 8, -4}},
      {"Maximum", ops::Maximum, {2, 1, 1, 4, 4, 4}},
      {"Minimum", ops::Minimum, {1, 0.5, -1, 2, 0.5, -1}},
      {"Pow", ops::Pow, {1, 1, 1, 16, 2, 0.25}},
  };
  for (const BinaryCase& c : cases) {
    SECTION(c.op) {
      Graph g;
      Scope root(g);
      auto x = ops::Const<TestType>(root, {1, 4}, {2, 1});
      auto y = ops::Const<TestType>(root, {2, 0.5, -1});
      auto z = c.build(root, x, y);
      CHECK(z.node->op() == c.op);
      CHECK(z.shape() == PartialShape({2, 3}));
      CheckValues<TestType>(RunOne(g, z), {2, 3}, c.want);
    }
  }
}

TEST_CASE("binary ops on scalars and zero-size tensors", "[math]") {
  Graph g;
  Scope root(g);
  auto two = ops::Const(root, Tensor::Scalar<float>(2));
  auto three = ops::Const(root, Tensor::Scalar<float>(3));
  auto empty = ops::Const(root, Tensor::Zeros(DT_FLOAT, {0, 3}));
  auto row = ops::Const<float>(root, {1, 2, 3});

  auto scalar = ops::Pow(root, two, three);
  auto empty_by_row = ops::Mul(root, empty, row);
  auto empty_by_scalar = ops::Sub(root, three, empty);
  CHECK(scalar.shape() == PartialShape(Shape{}));
  CHECK(empty_by_row.shape() == PartialShape({0, 3}));
  auto out = testing::RunAndRoundTrip(g, {}, {scalar, empty_by_row, empty_by_scalar});
  CheckValues<float>(out[0], Shape{}, {8});
  CheckValues<float>(out[1], {0, 3}, {});
  CheckValues<float>(out[2], {0, 3}, {});
}

TEST_CASE("broadcasting matches a float64 reference over many layouts", "[math]") {
  struct Pair {
    Shape x, y;
  };
  const std::vector<Pair> pairs = {
      {{2, 3, 4}, {3, 1}},    {{2, 3, 4}, {4}},       {{4}, {2, 3, 4}},
      {{1, 3, 1}, {2, 1, 4}}, {{2, 1, 3, 1}, {4, 1, 5}}, {{3, 1}, {1, 1, 1}},
      {{5, 1, 1}, {5, 2, 3}}, {{2, 3}, {1, 3}},       {{1}, {2, 2}},
  };
  for (const Pair& p : pairs) {
    DYNAMIC_SECTION(p.x.ToString() << " - " << p.y.ToString()) {
      const Shape out = *BroadcastShapes(p.x, p.y);
      std::vector<float> xs(static_cast<size_t>(p.x.num_elements()));
      std::vector<float> ys(static_cast<size_t>(p.y.num_elements()));
      for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(i + 1);
      for (size_t i = 0; i < ys.size(); ++i) ys[i] = static_cast<float>(100 * (i + 1));

      // The element of `shape` that output element `flat` reads.
      auto source = [&](const Shape& shape, int64_t flat) {
        int64_t offset = 0, stride = 1;
        for (int d = out.rank() - 1; d >= 0; --d) {
          const int64_t index = flat % out.dim(d);
          flat /= out.dim(d);
          const int sd = d - (out.rank() - shape.rank());
          if (sd < 0) break;
          if (shape.dim(sd) != 1) offset += index * stride;
          stride *= shape.dim(sd);
        }
        return offset;
      };
      std::vector<double> want(static_cast<size_t>(out.num_elements()));
      for (int64_t i = 0; i < out.num_elements(); ++i) {
        want[static_cast<size_t>(i)] =
            static_cast<double>(xs[static_cast<size_t>(source(p.x, i))]) -
            static_cast<double>(ys[static_cast<size_t>(source(p.y, i))]);
      }

      Graph g;
      Scope root(g);
      auto z = ops::Sub(root, ops::Const(root, xs, p.x), ops::Const(root, ys, p.y));
      CheckValues<float>(RunOne(g, z), out, want);
    }
  }
}

TEST_CASE("binary ops on integers wrap like TensorFlow", "[math]") {
  Graph g;
  Scope root(g);
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  auto a = ops::Const<int32_t>(root, {kMax, kMin, 7, -7}, {4, 1});
  auto b = ops::Const<int32_t>(root, {1, -1});
  auto u = ops::Const<uint8_t>(root, {250, 3});
  auto v = ops::Const<uint8_t>(root, {10});
  auto l = ops::Const<int64_t>(root, {int64_t{1} << 40, -5});
  auto m = ops::Const<int64_t>(root, {int64_t{1} << 30, 3});

  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::Add(root, a, b), ops::Sub(root, a, b), ops::Mul(root, a, b), ops::Maximum(root, a, b),
       ops::Minimum(root, a, b), ops::AddV2(root, u, v), ops::Sub(root, u, v),
       ops::Mul(root, u, v), ops::Mul(root, l, m), ops::Maximum(root, l, m)});
  CheckValues<int32_t>(out[0], {4, 2}, {kMin, kMax - 1, kMin + 1, kMax, 8, 6, -6, -8});
  CheckValues<int32_t>(out[1], {4, 2}, {kMax - 1, kMin, kMax, kMin + 1, 6, 8, -8, -6});
  CheckValues<int32_t>(out[2], {4, 2}, {kMax, -kMax, kMin, kMin, 7, -7, -7, 7});
  CheckValues<int32_t>(out[3], {4, 2}, {kMax, kMax, 1, -1, 7, 7, 1, -1});
  CheckValues<int32_t>(out[4], {4, 2}, {1, -1, kMin, kMin, 1, -1, -7, -7});
  CheckValues<uint8_t>(out[5], {2}, {4, 13});
  CheckValues<uint8_t>(out[6], {2}, {240, 249});
  CheckValues<uint8_t>(out[7], {2}, {196, 30});
  CheckValues<int64_t>(out[8], {2}, {0, -15});  // 2^70 wraps to 0
  CheckValues<int64_t>(out[9], {2}, {std::ldexp(1.0, 40), 3});
}

TEST_CASE("integer RealDiv truncates and rejects a zero divisor", "[math]") {
  Graph g;
  Scope root(g);
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  auto x = ops::Const<int32_t>(root, {7, -7, 7, kMin});
  auto y = ops::Const<int32_t>(root, {2, 2, -2, -1});
  auto q = ops::RealDiv(root, x, y);
  auto u = ops::RealDiv(root, ops::Const<uint8_t>(root, {200, 5}), ops::Const<uint8_t>(root, {3}));
  auto l = ops::RealDiv(root, ops::Const<int64_t>(root, {-9}), ops::Const<int64_t>(root, {4}));
  auto out = testing::RunAndRoundTrip(g, {}, {q, u, l});
  CheckValues<int32_t>(out[0], {4}, {3, -3, -3, kMin});
  CheckValues<uint8_t>(out[1], {2}, {66, 1});
  CheckValues<int64_t>(out[2], {1}, {-2});

  auto by_zero =
      ops::RealDiv(root.WithOpName("by_zero"), x, ops::Const<int32_t>(root, {1, 0, 1, 1}));
  CHECK_THROWS_WITH(RunOne(g, by_zero),
                    Contains("RealDiv 'by_zero'") && Contains("Integer division by zero"));

  // An empty numerator gives an empty result whatever the divisor.
  auto empty = ops::RealDiv(root, ops::Const(root, Tensor::Zeros(DT_INT32, {0, 2})),
                            ops::Const<int32_t>(root, {0, 1}));
  CheckValues<int32_t>(RunOne(g, empty), {0, 2}, {});
}

TEST_CASE("integer Pow multiplies out and rejects negative exponents", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<int32_t>(root, {2, -3, 5, 0, -1});
  auto y = ops::Const<int32_t>(root, {10, 3, 0, 0, 7});
  auto big = ops::Pow(root, ops::Const<int64_t>(root, {3, 2}), ops::Const<int64_t>(root, {39, 64}));
  auto out = testing::RunAndRoundTrip(g, {}, {ops::Pow(root, x, y), big});
  CheckValues<int32_t>(out[0], {5}, {1024, -27, 1, 1, -1});
  // 3^39 fits in int64; 2^64 wraps to 0.
  CHECK(out[1].ToVector<int64_t>() == std::vector<int64_t>{4052555153018976267, 0});

  auto negative = ops::Pow(root.WithOpName("negative"), x, ops::Const<int32_t>(root, {-1}));
  CHECK_THROWS_WITH(RunOne(g, negative),
                    Contains("Pow 'negative'") &&
                        Contains("Integers to negative integer powers are not allowed"));
}

TEST_CASE("Maximum and Minimum propagate NaN; comparisons with NaN are false", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<float>(root, {static_cast<float>(kNaN), 1, 2});
  auto y = ops::Const<float>(root, {1, static_cast<float>(kNaN), 3});
  auto out = testing::RunAndRoundTrip(g, {},
                                      {ops::Maximum(root, x, y), ops::Minimum(root, x, y),
                                       ops::Equal(root, x, y), ops::Less(root, x, y)});
  CheckValues<float>(out[0], {3}, {kNaN, kNaN, 3});
  CheckValues<float>(out[1], {3}, {kNaN, kNaN, 2});
  CHECK(out[2].ToVector<bool>() == std::vector<bool>{false, false, false});
  CHECK(out[3].ToVector<bool>() == std::vector<bool>{false, false, true});
}

TEMPLATE_TEST_CASE("unary ops match float64 references", "[math]", float, double) {
  const double tol = std::is_same_v<TestType, float> ? 3e-7 : 1e-15;
  struct UnaryCase {
    const char* op;
    std::function<Output(const Scope&, Output)> build;
    std::vector<double> x;
    std::function<double(double)> f;
  };
  const std::vector<UnaryCase> cases = {
      {"Neg", ops::Neg, {1.5, -2, 0}, [](double v) { return -v; }},
      {"Square", ops::Square, {1.5, -3, 0}, [](double v) { return v * v; }},
      {"Sqrt", ops::Sqrt, {4, 2, 0, -1}, [](double v) { return std::sqrt(v); }},
      {"Rsqrt", ops::Rsqrt, {4, 2, 0, -1}, [](double v) { return 1 / std::sqrt(v); }},
      {"Exp", ops::Exp, {0, 1, -2, 1000}, [](double v) { return std::exp(v); }},
      {"Log", ops::Log, {1, 0.5, 10, 0, -1}, [](double v) { return std::log(v); }},
      {"Abs", ops::Abs, {-1.5, 2, 0}, [](double v) { return std::abs(v); }},
      // 0 and NaN are their own sign.
      {"Sign", ops::Sign, {-1.5, 2, 0, kNaN}, [](double v) { return v > 0 ? 1 : v < 0 ? -1 : v; }},
      {"Tanh", ops::Tanh, {0, 0.5, -3, 40}, [](double v) { return std::tanh(v); }},
  };
  for (const UnaryCase& c : cases) {
    SECTION(c.op) {
      std::vector<TestType> x(c.x.begin(), c.x.end());
      std::vector<double> want;
      for (TestType v : x) want.push_back(c.f(static_cast<double>(v)));
      Graph g;
      Scope root(g);
      auto y = c.build(root, ops::Const<TestType>(root, x, {static_cast<int64_t>(x.size()), 1}));
      CHECK(y.node->op() == c.op);
      CheckValues<TestType>(RunOne(g, y), {static_cast<int64_t>(x.size()), 1}, want, tol);
    }
  }
}

TEMPLATE_TEST_CASE("Sigmoid is stable for large |x|", "[math]", float, double) {
  const std::vector<TestType> x = {0, 2, -2, 50, -50, 1000, -1000,
                                   static_cast<TestType>(kInf), static_cast<TestType>(-kInf)};
  std::vector<double> want;
  // In float64 the plain formula is exact enough (exp(1000) is inf, giving 0).
  for (TestType v : x) want.push_back(1 / (1 + std::exp(-static_cast<double>(v))));
  Graph g;
  Scope root(g);
  auto y = ops::Sigmoid(root, ops::Const<TestType>(root, x));
  const double tol = std::is_same_v<TestType, float> ? 1e-6 : 1e-15;
  CheckValues<TestType>(RunOne(g, y), {9}, want, tol);
}

TEST_CASE("unary ops on integers", "[math]") {
  Graph g;
  Scope root(g);
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  auto i = ops::Const<int32_t>(root, {-3, 0, 5, kMin});
  auto l = ops::Const<int64_t>(root, {-3, 0, int64_t{1} << 40});
  auto u = ops::Const<uint8_t>(root, {3, 16, 255});
  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::Neg(root, i), ops::Abs(root, i), ops::Sign(root, i), ops::Square(root, i),
       ops::Neg(root, l), ops::Abs(root, l), ops::Sign(root, l), ops::Square(root, l),
       ops::Square(root, u)});
  // -min and |min| wrap to min, as in two's complement.
  CheckValues<int32_t>(out[0], {4}, {3, 0, -5, kMin});
  CheckValues<int32_t>(out[1], {4}, {3, 0, 5, kMin});
  CheckValues<int32_t>(out[2], {4}, {-1, 0, 1, -1});
  CheckValues<int32_t>(out[3], {4}, {9, 0, 25, 0});
  CheckValues<int64_t>(out[4], {3}, {3, 0, -static_cast<double>(int64_t{1} << 40)});
  CheckValues<int64_t>(out[5], {3}, {3, 0, static_cast<double>(int64_t{1} << 40)});
  CheckValues<int64_t>(out[6], {3}, {-1, 0, 1});
  CheckValues<int64_t>(out[7], {3}, {9, 0, 0});  // 2^80 wraps to 0
  CheckValues<uint8_t>(out[8], {3}, {9, 0, 1});
}

TEST_CASE("unary ops keep partial shapes and handle zero-size inputs", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  auto y = ops::Exp(root, x);
  CHECK(y.shape() == PartialShape({-1, 3}));
  CHECK(ops::Tanh(root, ops::Placeholder(root, DT_DOUBLE)).shape().rank_known() == false);
  CheckValues<float>(RunOne(g, y, {{x, Tensor::Zeros(DT_FLOAT, {0, 3})}}), {0, 3}, {});
}

TEST_CASE("Cast converts between every pair of dtypes", "[math]") {
  for (DataType src : AllNumericTypes()) {
    for (DataType dst : AllNumericTypes()) {
      DYNAMIC_SECTION(DataTypeName(src) << " -> " << DataTypeName(dst)) {
        // {0, 1, last} of `dtype`; a bool holds 2 as true.
        auto values = [](DataType dtype, int last) {
          return VisitDataType(dtype, "test", [last](auto zero) {
            using T = decltype(zero);
            return Tensor::FromVector<T>({T(0), T(1), static_cast<T>(last)});
          });
        };
        Graph g;
        Scope root(g);
        auto y = ops::Cast(root, ops::Const(root, values(src, 2)), dst);
        CHECK(y.dtype() == dst);
        const Tensor want = values(dst, src == DT_BOOL ? 1 : 2);
        const Tensor got = RunOne(g, y);
        INFO(got.DebugString() << " vs " << want.DebugString());
        CHECK(got.BitwiseEquals(want));
      }
    }
  }
}

TEST_CASE("Cast from float truncates toward zero and saturates", "[math]") {
  Graph g;
  Scope root(g);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto x = ops::Const<float>(root, {1.7f, -1.7f, 2.5f, -0.5f, 300, -5, 3e9f, -3e9f, nan});
  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::Cast(root, x, DT_INT32), ops::Cast(root, x, DT_UINT8), ops::Cast(root, x, DT_INT64),
       ops::Cast(root, x, DT_BOOL)});
  constexpr double kMax32 = std::numeric_limits<int32_t>::max();
  constexpr double kMin32 = std::numeric_limits<int32_t>::min();
  CheckValues<int32_t>(out[0], {9}, {1, -1, 2, 0, 300, -5, kMax32, kMin32, 0});
  CheckValues<uint8_t>(out[1], {9}, {1, 0, 2, 0, 255, 0, 255, 0, 0});
  CheckValues<int64_t>(out[2], {9}, {1, -1, 2, 0, 300, -5, 3e9, -3e9, 0});
  CHECK(out[3].ToVector<bool>() ==
        std::vector<bool>{true, true, true, true, true, true, true, true, true});
}

TEST_CASE("Cast between integers wraps; to bool is x != 0", "[math]") {
  Graph g;
  Scope root(g);
  auto i = ops::Const<int32_t>(root, {300, -1, 0, 255});
  auto l = ops::Const<int64_t>(root, {(int64_t{1} << 32) + 5, -(int64_t{1} << 31) - 1});
  auto d = ops::Const<double>(root, {0.0, -0.0, 0.25});
  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::Cast(root, i, DT_UINT8), ops::Cast(root, l, DT_INT32), ops::Cast(root, i, DT_BOOL),
       ops::Cast(root, d, DT_BOOL)});
  CheckValues<uint8_t>(out[0], {4}, {44, 255, 0, 255});
  CheckValues<int32_t>(out[1], {2}, {5, std::numeric_limits<int32_t>::max()});
  CHECK(out[2].ToVector<bool>() == std::vector<bool>{true, true, false, true});
  CHECK(out[3].ToVector<bool>() == std::vector<bool>{false, false, true});
}

TEST_CASE("Cast double to float rounds, or truncates with Truncate", "[math]") {
  Graph g;
  Scope root(g);
  // 1 + 0.75 ulp(float) rounds up to 1 + ulp, and truncates to 1.
  const double ulp = std::ldexp(1.0, -23);
  auto x = ops::Const<double>(root, {1 + 0.75 * ulp, -(1 + 0.75 * ulp), 0.5, kNaN});
  auto rounded = ops::Cast(root, x, DT_FLOAT);
  auto truncated = ops::Cast(root, x, DT_FLOAT, {.truncate = true});
  CHECK(truncated.node->attr<bool>("Truncate"));
  auto out = testing::RunAndRoundTrip(g, {}, {rounded, truncated});
  CheckValues<float>(out[0], {4}, {1 + ulp, -(1 + ulp), 0.5, kNaN});
  CheckValues<float>(out[1], {4}, {1, -1, 0.5, kNaN});
}

TEST_CASE("Cast to the same dtype passes the value through", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_INT64, {2});
  auto y = ops::Cast(root, x, DT_INT64);
  CheckValues<int64_t>(RunOne(g, y, {{x, Tensor::FromVector<int64_t>({-4, 9})}}), {2}, {-4, 9});
}

TEST_CASE("comparisons broadcast and give bool", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<float>(root, {1, 4}, {2, 1});
  auto y = ops::Const<float>(root, {4, 1, 0});
  auto i = ops::Const<int64_t>(root, {-2, 3});
  auto j = ops::Const(root, Tensor::Scalar<int64_t>(3));
  auto u = ops::Const<uint8_t>(root, {0, 200});
  auto v = ops::Const<uint8_t>(root, {100});
  auto b = ops::Const<bool>(root, {true, false});
  auto c = ops::Const(root, Tensor::Scalar<bool>(false));
  auto eq = ops::Equal(root, x, y);
  CHECK(eq.dtype() == DT_BOOL);
  CHECK(eq.shape() == PartialShape({2, 3}));
  auto out = testing::RunAndRoundTrip(
      g, {},
      {eq, ops::Greater(root, x, y), ops::Less(root, x, y), ops::Greater(root, i, j),
       ops::Less(root, u, v), ops::Equal(root, b, c), ops::Equal(root, i, j)});
  CHECK(out[0].ToVector<bool>() == std::vector<bool>{false, true, false, true, false, false});
  CHECK(out[1].ToVector<bool>() == std::vector<bool>{false, false, true, false, true, true});
  CHECK(out[2].ToVector<bool>() == std::vector<bool>{true, false, false, false, false, false});
  CHECK(out[3].ToVector<bool>() == std::vector<bool>{false, false});
  CHECK(out[4].ToVector<bool>() == std::vector<bool>{true, false});
  CHECK(out[5].ToVector<bool>() == std::vector<bool>{false, true});
  CHECK(out[6].ToVector<bool>() == std::vector<bool>{false, true});
}

TEST_CASE("Equal with incompatible_shape_error false", "[math]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_INT32, {-1});
  auto y = ops::Const<int32_t>(root, {1, 2, 3});
  auto lenient = ops::Equal(root, x, y, {.incompatible_shape_error = false});
  // [?] may not broadcast against [3], so the shape is only known at run time.
  CHECK_FALSE(lenient.shape().rank_known());
  CHECK(ops::Equal(root, y, ops::Const<int32_t>(root, {2}), {.incompatible_shape_error = false})
            .shape() == PartialShape({3}));

  const std::vector<testing::RunStep> steps = {
      {{{x, Tensor::FromVector<int32_t>({1, 2})}}, {lenient}},
      {{{x, Tensor::FromVector<int32_t>({1, 0, 3})}}, {lenient}},
  };
  auto mismatched = testing::RunAndRoundTrip(g, steps);
  CHECK(mismatched[0][0].shape() == Shape{});
  CHECK(mismatched[0][0].ToVector<bool>() == std::vector<bool>{false});
  CHECK(mismatched[1][0].ToVector<bool>() == std::vector<bool>{true, false, true});

  auto strict = ops::Equal(root.WithOpName("strict"), x, y);
  CHECK(strict.shape() == PartialShape({3}));
  CHECK_THROWS_WITH(RunOne(g, strict, {{x, Tensor::FromVector<int32_t>({1, 2})}}),
                    Contains("Equal 'strict'") &&
                        Contains("shapes [2] and [3] cannot be broadcast together"));
  CHECK_THROWS_WITH(ops::Equal(root.WithOpName("bad"), y, ops::Const<int32_t>(root, {1, 2})),
                    Contains("Equal 'bad'") &&
                        Contains("shapes [3] and [2] cannot be broadcast together"));
}

TEST_CASE("SelectV2 broadcasts condition, t and e", "[math]") {
  Graph g;
  Scope root(g);
  auto cond = ops::Const<bool>(root, {true, false}, {2, 1});
  auto t = ops::Const<float>(root, {1, 2, 3});
  auto e = ops::Const(root, Tensor::Scalar<float>(-1));
  auto s = ops::SelectV2(root, cond, t, e);
  CHECK(s.shape() == PartialShape({2, 3}));
  auto bits = ops::SelectV2(root, ops::Const<bool>(root, {false, true}),
                            ops::Const<bool>(root, {true}), ops::Const<bool>(root, {false, false}));
  auto ints = ops::SelectV2(root, ops::Const(root, Tensor::Scalar<bool>(false)),
                            ops::Const<int64_t>(root, {7, 8}), ops::Const<int64_t>(root, {9}));
  auto empty = ops::SelectV2(root, ops::Const(root, Tensor::Zeros(DT_BOOL, {0, 3})), t, e);
  auto out = testing::RunAndRoundTrip(g, {}, {s, bits, ints, empty});
  CheckValues<float>(out[0], {2, 3}, {1, 2, 3, -1, -1, -1});
  CHECK(out[1].ToVector<bool>() == std::vector<bool>{false, true});
  CheckValues<int64_t>(out[2], {2}, {9, 9});
  CheckValues<float>(out[3], {0, 3}, {});

  auto pair = ops::Const<bool>(root, {true, false});
  CHECK_THROWS_WITH(ops::SelectV2(root.WithOpName("bad"), pair, t, e),
                    Contains("SelectV2 'bad'") &&
                        Contains("shapes of condition [2], t [3] and e [] cannot be broadcast "
                                 "together"));
  auto c = ops::Placeholder(root.WithOpName("c"), DT_BOOL);
  auto late = ops::SelectV2(root.WithOpName("late"), c, t, e);
  CHECK_FALSE(late.shape().rank_known());
  CHECK_THROWS_WITH(RunOne(g, late, {{c, Tensor::FromVector<bool>({true, false, true, true})}}),
                    Contains("SelectV2 'late'") &&
                        Contains("shapes of condition [4], t [3] and e [] cannot be broadcast"));
}

TEST_CASE("broadcast failures name the node at build and run time", "[math]") {
  Graph g;
  Scope root(g);
  auto a = ops::Const(root, Tensor::Zeros(DT_FLOAT, {2, 3}));
  auto b = ops::Const(root, Tensor::Zeros(DT_FLOAT, {4}));
  CHECK_THROWS_WITH(ops::Mul(root.WithOpName("product"), a, b),
                    Contains("Mul 'product'") &&
                        Contains("shapes [2,3] and [4] cannot be broadcast together"));
  CHECK_THROWS_WITH(a + b, Contains("AddV2") && Contains("cannot be broadcast together"));

  // Partial shapes infer what they can.
  auto p = ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {-1, 3});
  auto q = ops::Placeholder(root.WithOpName("q"), DT_FLOAT, {2, 1});
  CHECK(ops::Sub(root, p, q).shape() == PartialShape({2, 3}));
  CHECK_FALSE(ops::Sub(root, p, ops::Placeholder(root, DT_FLOAT)).shape().rank_known());

  auto late = ops::Maximum(root.WithOpName("late"), p, q);
  CHECK_THROWS_WITH(RunOne(g, late, {{p, Tensor::Zeros(DT_FLOAT, {3, 3})},
                                     {q, Tensor::Zeros(DT_FLOAT, {2, 1})}}),
                    Contains("Maximum 'late'") &&
                        Contains("shapes [3,3] and [2,1] cannot be broadcast together"));
}

TEST_CASE("operator overloads build in the left operand's scope", "[math]") {
  Graph g;
  Scope root(g);
  Scope dense = root.NewSubScope("dense");
  auto x = ops::Placeholder(dense.WithOpName("x"), DT_FLOAT, {2});
  auto w = ops::Const<float>(root.WithOpName("w"), {3, 5});

  auto prod = x * w;
  auto rprod = w * x;
  auto sum = x + 1.0;
  auto diff = 10.0 - x;
  auto quot = x / 4.0;
  auto inv = 1.0 / x;
  auto neg = -x;
  auto expr = (x - w) * 0.5 + x / w;
  CHECK(prod.name() == "dense/Mul");
  CHECK(rprod.name() == "Mul");
  CHECK(sum.name() == "dense/AddV2");
  CHECK(sum.node->input(1).node->name() == "dense/Const");
  CHECK(diff.name() == "dense/Sub");
  CHECK(diff.node->input(0).node->op() == "Const");
  CHECK(quot.node->op() == "RealDiv");
  CHECK(neg.name() == "dense/Neg");

  auto out = testing::RunAndRoundTrip(g, {{x, Tensor::FromVector<float>({2, 10})}},
                                      {prod, rprod, sum, diff, quot, inv, neg, expr});
  CheckValues<float>(out[0], {2}, {6, 50});
  CheckValues<float>(out[1], {2}, {6, 50});
  CheckValues<float>(out[2], {2}, {3, 11});
  CheckValues<float>(out[3], {2}, {8, 0});
  CheckValues<float>(out[4], {2}, {0.5, 2.5});
  CheckValues<float>(out[5], {2}, {0.5, 0.1}, 1e-7);
  CheckValues<float>(out[6], {2}, {-2, -10});
  CheckValues<float>(out[7], {2}, {-0.5 + 2.0 / 3, 2.5 + 2}, 1e-6);
}

TEST_CASE("operator overloads take the dtype of the tensor operand", "[math]") {
  Graph g;
  Scope root(g);
  auto i = ops::Placeholder(root.WithOpName("i"), DT_INT32, {3});
  auto q = 7.0 / i - 1.0;
  auto d = ops::Placeholder(root.WithOpName("d"), DT_DOUBLE, {});
  auto h = d * 0.1;
  CHECK(q.dtype() == DT_INT32);
  auto out = testing::RunAndRoundTrip(
      g, {{i, Tensor::FromVector<int32_t>({2, -3, 7})}, {d, Tensor::Scalar<double>(3)}}, {q, h});
  CheckValues<int32_t>(out[0], {3}, {2, -3, 0});
  CheckValues<double>(out[1], Shape{}, {3 * 0.1});
}
