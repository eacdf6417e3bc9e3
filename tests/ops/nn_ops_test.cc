#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

// Test inputs in [-scale, scale], the same on every run.
std::vector<double> InputValues(int64_t n, double scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = dist(rng);
  return v;
}

template <typename T>
Tensor MakeTensor(const std::vector<double>& values, Shape shape) {
  std::vector<T> v(values.begin(), values.end());
  return Tensor::FromVector(v, std::move(shape));
}

// As doubles, whatever the dtype.
std::vector<double> Values(const Tensor& t) {
  return VisitDataType(t.dtype(), "Values", [&](auto zero) {
    using T = decltype(zero);
    auto s = t.flat<T>();
    return std::vector<double>(s.begin(), s.end());
  });
}

void CheckClose(const Tensor& got, const std::vector<double>& want, const Shape& shape, double rtol,
                double atol) {
  REQUIRE(got.shape() == shape);
  const std::vector<double> g = Values(got);
  REQUIRE(g.size() == want.size());
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", want " << want[i]);
    CHECK(std::abs(g[i] - want[i]) <= atol + rtol * std::abs(want[i]));
  }
}

// op(a) * op(b) in double, a and b row-major of shapes sa and sb.
std::vector<double> ReferenceMatMul(const std::vector<double>& a, const Shape& sa, bool ta,
                                    const std::vector<double>& b, const Shape& sb, bool tb) {
  const int64_t m = sa.dim(ta ? 1 : 0), k = sa.dim(ta ? 0 : 1), n = sb.dim(tb ? 0 : 1);
  auto at = [&](int64_t i, int64_t p) { return ta ? a[p * sa.dim(1) + i] : a[i * sa.dim(1) + p]; };
  auto bt = [&](int64_t p, int64_t j) { return tb ? b[j * sb.dim(1) + p] : b[p * sb.dim(1) + j]; };
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) c[i * n + j] += at(i, p) * bt(p, j);
    }
  }
  return c;
}

// Softmax of each row of x [rows, cols], in double.
std::vector<double> ReferenceSoftmax(const std::vector<double>& x, int64_t cols, bool log) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r * cols < x.size(); ++r) {
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < cols; ++c) max = std::max(max, x[r * cols + c]);
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += std::exp(x[r * cols + c] - max);
    for (int64_t c = 0; c < cols; ++c) {
      const double z = x[r * cols + c] - max;
      y[r * cols + c] = log ? z - std::log(sum) : std::exp(z) / sum;
    }
  }
  return y;
}

template <typename T>
void CheckMatMulAgainstReference(double rtol) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      DYNAMIC_SECTION("transpose_a " << ta << ", transpose_b " << tb) {
        const int64_t m = 7, k = 33, n = 5;
        const Shape sa = ta ? Shape{k, m} : Shape{m, k};
        const Shape sb = tb ? Shape{n, k} : Shape{k, n};
        const auto a = InputValues(m * k, 1.0, 1);
        const auto b = InputValues(k * n, 1.0, 2);
        Graph g;
        Scope root(g);
        auto pa = ops::Placeholder(root.WithOpName("a"), kDataTypeOf<T>, {-1, -1});
        auto pb = ops::Placeholder(root.WithOpName("b"), kDataTypeOf<T>, {-1, -1});
        auto product = ops::MatMul(root, pa, pb, {.transpose_a = ta, .transpose_b = tb});
        CHECK(product.shape() == PartialShape({-1, -1}));
        auto out = testing::RunAndRoundTrip(
            g, {{pa, MakeTensor<T>(a, sa)}, {pb, MakeTensor<T>(b, sb)}}, {product});
        CheckClose(out[0], ReferenceMatMul(a, sa, ta, b, sb, tb), Shape{m, n}, rtol, rtol * k);
      }
    }
  }
}

template <typename T>
void CheckIntegerMatMul() {
  Graph g;
  Scope root(g);
  // [[1, -2, 3], [4, 5, -6]] x [[7, 8], [9, 10], [11, 12]]
  auto a = ops::Const<T>(root, {1, -2, 3, 4, 5, -6}, Shape{2, 3});
  auto b = ops::Const<T>(root, {7, 8, 9, 10, 11, 12}, Shape{3, 2});
  auto ab = ops::MatMul(root, a, b);
  auto bt_at = ops::MatMul(root, b, a, {.transpose_a = true, .transpose_b = true});
  CHECK(ab.shape() == PartialShape({2, 2}));
  const std::vector<Tensor> out = testing::RunAndRoundTrip(g, {}, {ab, bt_at});
  CHECK(out[0].ToVector<T>() == std::vector<T>{22, 24, 7, 10});
  // (ab)^T
  CHECK(out[1].ToVector<T>() == std::vector<T>{22, 7, 24, 10});
}

}  // namespace

TEST_CASE("MatMul float matches a float64 loop for every transpose", "[nn]") {
  CheckMatMulAgainstReference<float>(1e-5);
}

TEST_CASE("MatMul double matches a float64 loop for every transpose", "[nn]") {
  CheckMatMulAgainstReference<double>(1e-13);
}

TEST_CASE("MatMul multiplies integers exactly", "[nn]") {
  CheckIntegerMatMul<int32_t>();
  CheckIntegerMatMul<int64_t>();
}

TEST_CASE("MatMul of uint8 wraps around like the hardware", "[nn]") {
  Graph g;
  Scope root(g);
  auto a = ops::Const<uint8_t>(root, {200, 100}, Shape{1, 2});
  auto b = ops::Const<uint8_t>(root, {2, 3}, Shape{2, 1});
  auto out = testing::RunAndRoundTrip(g, {}, {ops::MatMul(root, a, b)});
  CHECK(out[0].ToVector<uint8_t>() == std::vector<uint8_t>{(400 + 300) % 256});
}

TEST_CASE("MatMul handles zero-size dimensions", "[nn]") {
  Graph g;
  Scope root(g);
  auto empty_rows = ops::MatMul(root, ops::Const<float>(root, {}, Shape{0, 3}),
                                ops::Const<float>(root, std::vector<float>(12, 1.0f), Shape{3, 4}));
  // k = 0: every element is an empty sum.
  auto empty_inner = ops::MatMul(root, ops::Const<float>(root, {}, Shape{2, 0}),
                                 ops::Const<float>(root, {}, Shape{0, 4}));
  auto empty_inner_f64 =
      ops::MatMul(root, ops::Const<double>(root, {}, Shape{0, 3}),
                  ops::Const<double>(root, {}, Shape{0, 2}), {.transpose_a = true});
  auto empty_inner_int = ops::MatMul(root, ops::Const<int32_t>(root, {}, Shape{2, 0}),
                                     ops::Const<int32_t>(root, {}, Shape{0, 2}));
  auto empty_cols =
      ops::MatMul(root, ops::Const<float>(root, std::vector<float>(6, 1.0f), Shape{2, 3}),
                  ops::Const<float>(root, {}, Shape{3, 0}));
  auto out = testing::RunAndRoundTrip(
      g, {}, {empty_rows, empty_inner, empty_inner_f64, empty_inner_int, empty_cols});
  CHECK(out[0].shape() == Shape{0, 4});
  CHECK(out[1].shape() == Shape{2, 4});
  CHECK(out[1].ToVector<float>() == std::vector<float>(8, 0.0f));
  CHECK(out[2].shape() == Shape{3, 2});
  CHECK(out[2].ToVector<double>() == std::vector<double>(6, 0.0));
  CHECK(out[3].ToVector<int32_t>() == std::vector<int32_t>(4, 0));
  CHECK(out[4].shape() == Shape{2, 0});
}

TEST_CASE("MatMul rejects mismatched and non-matrix operands at build time", "[nn]") {
  Graph g;
  Scope root(g);
  auto a = ops::Placeholder(root, DT_FLOAT, {32, 784});
  auto b = ops::Placeholder(root, DT_FLOAT, {512, 10});
  CHECK_THROWS_WITH(ops::MatMul(root.WithOpName("dense/MatMul"), a, b),
                    Contains("MatMul 'dense/MatMul': inner dimensions differ: a is [32,784], "
                             "b is [512,10]"));
  CHECK_THROWS_WITH(ops::MatMul(root, a, a, {.transpose_b = false}),
                    Contains("inner dimensions differ: a is [32,784], b is [32,784]"));
  CHECK_THROWS_WITH(ops::MatMul(root, a, b, {.transpose_a = true}),
                    Contains("inner dimensions differ: a is [32,784] (transposed), b is [512,10]"));
  CHECK_THROWS_WITH(ops::MatMul(root, ops::Placeholder(root, DT_FLOAT, {3}), b),
                    Contains("a must be a matrix (rank 2), got shape [3]"));
  CHECK_THROWS_WITH(ops::MatMul(root, a, ops::Placeholder(root, DT_FLOAT, {784, 1, 1})),
                    Contains("b must be a matrix (rank 2), got shape [784,1,1]"));
  // Unknown dims stay unknown; known ones carry through.
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 784});
  CHECK(ops::MatMul(root, x, ops::Placeholder(root, DT_FLOAT, {784, 10})).shape() ==
        PartialShape({-1, 10}));
  CHECK(ops::MatMul(root, ops::Placeholder(root, DT_FLOAT), x, {.transpose_b = true}).shape() ==
        PartialShape({-1, -1}));
}

TEST_CASE("MatMul rejects mismatched operands at run time", "[nn]") {
  Graph g;
  Scope root(g);
  auto a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT);
  auto b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT);
  auto product = ops::MatMul(root.WithOpName("product"), a, b, {.transpose_b = true});
  const Tensor m23 = Tensor::Zeros(DT_FLOAT, {2, 3});
  const Tensor m45 = Tensor::Zeros(DT_FLOAT, {4, 5});
  CHECK_THROWS_WITH(testing::RunAndRoundTrip(g, {{a, m23}, {b, m45}}, {product}),
                    Contains("MatMul 'product': inner dimensions differ: a is [2,3], b is [4,5] "
                             "(transposed)"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(g, {{a, Tensor::Zeros(DT_FLOAT, {3})}, {b, m45}}, {product}),
      Contains("a must be a matrix (rank 2), got shape [3]"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(g, {{a, m23}, {b, Tensor::Zeros(DT_FLOAT, {})}}, {product}),
      Contains("b must be a matrix (rank 2), got shape []"));
}

TEST_CASE("BiasAdd adds along the channel dimension of either data format", "[nn]") {
  Graph g;
  Scope root(g);
  const auto v = InputValues(2 * 3 * 4, 5.0, 3);
  auto value = ops::Const(root, MakeTensor<float>(v, {2, 3, 4}));
  auto nhwc = ops::BiasAdd(root, value, ops::Const<float>(root, {10, 20, 30, 40}));
  auto nchw =
      ops::BiasAdd(root, value, ops::Const<float>(root, {100, 200, 300}), {.data_format = "NCHW"});
  auto ints = ops::BiasAdd(root, ops::Const<int64_t>(root, {1, 2, 3, 4}, Shape{2, 2}),
                           ops::Const<int64_t>(root, {-10, 10}));
  auto empty = ops::BiasAdd(root, ops::Const<double>(root, {}, Shape{0, 2}),
                            ops::Const<double>(root, {1, 2}));
  CHECK(nchw.shape() == PartialShape({2, 3, 4}));
  auto out = testing::RunAndRoundTrip(g, {}, {nhwc, nchw, ints, empty});
  std::vector<double> want_nhwc(v.size()), want_nchw(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    want_nhwc[i] = v[i] + 10.0 * static_cast<double>(i % 4 + 1);
    want_nchw[i] = v[i] + 100.0 * static_cast<double>(i / 4 % 3 + 1);
  }
  CheckClose(out[0], want_nhwc, {2, 3, 4}, 1e-6, 0);
  CheckClose(out[1], want_nchw, {2, 3, 4}, 1e-6, 0);
  CHECK(out[2].ToVector<int64_t>() == std::vector<int64_t>{-9, 12, -7, 14});
  CHECK(out[3].shape() == Shape{0, 2});
}

TEST_CASE("BiasAdd infers the channel count and rejects bad shapes", "[nn]") {
  Graph g;
  Scope root(g);
  auto bias = ops::Placeholder(root, DT_FLOAT, {8});
  CHECK(ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {-1, -1}), bias).shape() ==
        PartialShape({-1, 8}));
  CHECK(ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {-1, -1, 5, 5}), bias,
                     {.data_format = "NCHW"})
            .shape() == PartialShape({-1, 8, 5, 5}));
  CHECK_FALSE(ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT), bias).shape().rank_known());
  CHECK_THROWS_WITH(ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {4, 3}), bias),
                    Contains("bias has 8 elements but value [4,3] has 3 channels (dimension 1 "
                             "with data_format NHWC)"));
  CHECK_THROWS_WITH(
      ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {8}), bias),
      Contains("value must have rank at least 2 with data_format NHWC, got shape [8]"));
  CHECK_THROWS_WITH(
      ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {2, 8}), bias, {.data_format = "NCHW"}),
      Contains("value must have rank at least 3 with data_format NCHW, got shape "
               "[2,8]"));
  CHECK_THROWS_WITH(ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {2, 8}),
                                 ops::Placeholder(root, DT_FLOAT, {1, 8})),
                    Contains("bias must be a vector, got shape [1,8]"));
  CHECK_THROWS_WITH(
      ops::BiasAdd(root, ops::Placeholder(root, DT_FLOAT, {2, 8}), bias, {.data_format = "NDHWC"}),
      Contains("data_format"));

  Graph g2;
  Scope s(g2);
  auto value = ops::Placeholder(s.WithOpName("value"), DT_FLOAT);
  auto b = ops::Placeholder(s.WithOpName("bias"), DT_FLOAT);
  auto sum = ops::BiasAdd(s.WithOpName("sum"), value, b, {.data_format = "NCHW"});
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g2, {{value, Tensor::Zeros(DT_FLOAT, {2, 3, 4})}, {b, Tensor::Zeros(DT_FLOAT, {4})}},
          {sum}),
      Contains("BiasAdd 'sum': bias has 4 elements but value [2,3,4] has 3 channels (dimension 1 "
               "with data_format NCHW)"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g2, {{value, Tensor::Zeros(DT_FLOAT, {2, 3})}, {b, Tensor::Zeros(DT_FLOAT, {3})}}, {sum}),
      Contains("value must have rank at least 3 with data_format NCHW, got shape [2,3]"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g2, {{value, Tensor::Zeros(DT_FLOAT, {2, 3, 1})}, {b, Tensor::Zeros(DT_FLOAT, {})}},
          {sum}),
      Contains("bias must be a vector, got shape []"));
}

TEST_CASE("Relu and Softplus", "[nn]") {
  Graph g;
  Scope root(g);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto relu = ops::Relu(root, ops::Const<float>(root, {-2.5f, -0.0f, 0.0f, 3.25f, nan}));
  auto relu_int = ops::Relu(root, ops::Const<int32_t>(root, {-7, 0, 7}));
  auto relu_u8 = ops::Relu(root, ops::Const<uint8_t>(root, {0, 255}));
  const std::vector<double> x = {-1000, -100, -20, -1, 0, 0.5, 15, 20, 100, 1000};
  auto softplus = ops::Softplus(root, ops::Const(root, MakeTensor<float>(x, {10})));
  auto softplus64 = ops::Softplus(root, ops::Const(root, MakeTensor<double>(x, {2, 5})));
  auto out = testing::RunAndRoundTrip(g, {}, {relu, relu_int, relu_u8, softplus, softplus64});
  const auto r = out[0].ToVector<float>();
  CHECK(r[0] == 0.0f);
  CHECK(r[1] == 0.0f);
  CHECK(r[2] == 0.0f);
  CHECK(r[3] == 3.25f);
  CHECK(std::isnan(r[4]));
  CHECK(out[1].ToVector<int32_t>() == std::vector<int32_t>{0, 0, 7});
  CHECK(out[2].ToVector<uint8_t>() == std::vector<uint8_t>{0, 255});
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which never overflows.
    want[i] = std::max(x[i], 0.0) + std::log1p(std::exp(-std::abs(x[i])));
  }
  // exp(-100) is a float denormal, with few significant bits.
  CheckClose(out[3], want, {10}, 2e-7, 1e-44);
  CheckClose(out[4], want, {2, 5}, 1e-14, 0);
}

TEST_CASE("Softmax and LogSoftmax match a float64 reference over the last dim", "[nn]") {
  Graph g;
  Scope root(g);
  const auto x = InputValues(2 * 3 * 5, 4.0, 4);
  auto logits = ops::Const(root, MakeTensor<float>(x, {2, 3, 5}));
  auto logits64 = ops::Const(root, MakeTensor<double>(x, {6, 5}));
  auto out =
      testing::RunAndRoundTrip(g, {},
                               {ops::Softmax(root, logits), ops::LogSoftmax(root, logits),
                                ops::Softmax(root, logits64), ops::LogSoftmax(root, logits64)});
  CheckClose(out[0], ReferenceSoftmax(x, 5, false), {2, 3, 5}, 1e-6, 1e-7);
  CheckClose(out[1], ReferenceSoftmax(x, 5, true), {2, 3, 5}, 1e-6, 1e-6);
  CheckClose(out[2], ReferenceSoftmax(x, 5, false), {6, 5}, 1e-14, 0);
  CheckClose(out[3], ReferenceSoftmax(x, 5, true), {6, 5}, 1e-14, 0);
}

TEST_CASE("Softmax and LogSoftmax stay finite on large logits", "[nn]") {
  Graph g;
  Scope root(g);
  auto logits = ops::Const<float>(root, {1000, -1000, 0, 1000, 1000, -1000}, Shape{2, 3});
  auto logits64 = ops::Const<double>(root, {1000, -1000, 0, 1000, 1000, -1000}, Shape{2, 3});
  auto out =
      testing::RunAndRoundTrip(g, {},
                               {ops::Softmax(root, logits), ops::LogSoftmax(root, logits),
                                ops::Softmax(root, logits64), ops::LogSoftmax(root, logits64)});
  const std::vector<double> softmax = {1, 0, 0, 0.5, 0.5, 0};
  const double log2 = std::log(2.0);
  const std::vector<double> log_softmax = {0, -2000, -1000, -log2, -log2, -2000 - log2};
  CheckClose(out[0], softmax, {2, 3}, 1e-7, 0);
  CheckClose(out[1], log_softmax, {2, 3}, 1e-7, 0);
  CheckClose(out[2], softmax, {2, 3}, 1e-15, 0);
  CheckClose(out[3], log_softmax, {2, 3}, 1e-15, 0);
}

TEST_CASE("Softmax handles zero-size tensors and rejects scalars", "[nn]") {
  Graph g;
  Scope root(g);
  auto no_rows = ops::Softmax(root, ops::Const<float>(root, {}, Shape{0, 4}));
  auto no_classes = ops::LogSoftmax(root, ops::Const<float>(root, {}, Shape{3, 0}));
  auto one_class = ops::LogSoftmax(root, ops::Const<double>(root, {5, -7}, Shape{2, 1}));
  auto out = testing::RunAndRoundTrip(g, {}, {no_rows, no_classes, one_class});
  CHECK(out[0].shape() == Shape{0, 4});
  CHECK(out[1].shape() == Shape{3, 0});
  CHECK(out[2].ToVector<double>() == std::vector<double>{0, 0});

  CHECK_THROWS_WITH(ops::Softmax(root.WithOpName("s"), ops::ScalarConst(root, DT_FLOAT, 1)),
                    Contains("Softmax 's': logits must have rank at least 1, got a scalar"));
  Graph g2;
  Scope s(g2);
  auto x = ops::Placeholder(s.WithOpName("x"), DT_FLOAT);
  auto y = ops::LogSoftmax(s.WithOpName("y"), x);
  CHECK_THROWS_WITH(testing::RunAndRoundTrip(g2, {{x, Tensor::Scalar<float>(1)}}, {y}),
                    Contains("LogSoftmax 'y': logits must have rank at least 1, got a scalar"));
}

TEST_CASE("SoftmaxCrossEntropyWithLogits matches hand-computed values", "[nn]") {
  Graph g;
  Scope root(g);
  // Row 0: uniform logits over 4 classes; row 1: huge logits.
  auto features = ops::Const<float>(root, {0, 0, 0, 0, 1000, 0, 1000, -1000}, Shape{2, 4});
  auto labels = ops::Const<float>(root, {1, 0, 0, 0, 0.25f, 0.25f, 0.5f, 0}, Shape{2, 4});
  auto xent = ops::SoftmaxCrossEntropyWithLogits(root, features, labels);
  CHECK(xent.loss.shape() == PartialShape({2}));
  CHECK(xent.backprop.shape() == PartialShape({2, 4}));
  auto out = testing::RunAndRoundTrip(g, {}, {xent.loss, xent.backprop});
  // Row 1: softmax = [1/2, 0, 1/2, 0]; loss = -sum labels * log softmax.
  const double log2 = std::log(2.0);
  CheckClose(out[0], {std::log(4.0), 0.25 * log2 + 0.25 * (log2 + 1000) + 0.5 * log2}, {2}, 1e-6,
             0);
  CheckClose(out[1], {-0.75, 0.25, 0.25, 0.25, 0.25, -0.25, 0, 0}, {2, 4}, 0, 1e-7);
}

TEST_CASE("SoftmaxCrossEntropyWithLogits broadcasts and matches a float64 reference", "[nn]") {
  const int64_t batch = 3, classes = 5;
  const auto f = InputValues(batch * classes, 6.0, 5);
  std::vector<double> l = InputValues(classes, 1.0, 6);
  double total = 0;
  for (double& p : l) total += (p = std::abs(p));
  for (double& p : l) p /= total;
  Graph g;
  Scope root(g);
  // labels [classes] broadcast against every row of features.
  auto xent = ops::SoftmaxCrossEntropyWithLogits(
      root, ops::Const(root, MakeTensor<double>(f, {batch, classes})),
      ops::Const(root, MakeTensor<double>(l, {classes})));
  // features [1, classes] broadcast against labels [2, classes].
  auto one_row = ops::SoftmaxCrossEntropyWithLogits(
      root, ops::Const(root, MakeTensor<float>({f.begin(), f.begin() + classes}, {1, classes})),
      ops::Const(root, MakeTensor<float>({1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {2, classes})));
  CHECK(xent.backprop.shape() == PartialShape({batch, classes}));
  CHECK(one_row.loss.shape() == PartialShape({2}));
  auto out =
      testing::RunAndRoundTrip(g, {}, {xent.loss, xent.backprop, one_row.loss, one_row.backprop});

  const auto log_p = ReferenceSoftmax(f, classes, true);
  std::vector<double> loss(batch, 0.0), backprop(f.size());
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      loss[b] -= l[c] * log_p[b * classes + c];
      backprop[b * classes + c] = std::exp(log_p[b * classes + c]) - l[c];
    }
  }
  CheckClose(out[0], loss, {batch}, 1e-14, 0);
  CheckClose(out[1], backprop, {batch, classes}, 1e-14, 1e-16);
  CheckClose(out[2], {-log_p[0], -log_p[4]}, {2}, 1e-6, 0);
  std::vector<double> one_row_backprop;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      one_row_backprop.push_back(std::exp(log_p[c]) - (c == (b == 0 ? 0 : classes - 1) ? 1 : 0));
    }
  }
  CheckClose(out[3], one_row_backprop, {2, classes}, 1e-6, 1e-7);
}

TEST_CASE("SoftmaxCrossEntropyWithLogits rejects shapes that do not make a matrix", "[nn]") {
  Graph g;
  Scope root(g);
  auto m23 = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(
      ops::SoftmaxCrossEntropyWithLogits(root, m23, ops::Placeholder(root, DT_FLOAT, {2, 4})),
      Contains("features [2,3] and labels [2,4] cannot be broadcast together"));
  CHECK_THROWS_WITH(ops::SoftmaxCrossEntropyWithLogits(root, ops::Placeholder(root, DT_FLOAT, {3}),
                                                       ops::Placeholder(root, DT_FLOAT, {3})),
                    Contains("features and labels must broadcast to a matrix [batch, classes], "
                             "got features [3] and labels [3]"));
  CHECK_THROWS_WITH(ops::SoftmaxCrossEntropyWithLogits(root, ops::Placeholder(root, DT_FLOAT),
                                                       ops::Placeholder(root, DT_FLOAT, {1, 2, 3})),
                    Contains("got features <unknown> and labels [1,2,3]"));
  auto unknown = ops::SoftmaxCrossEntropyWithLogits(root, ops::Placeholder(root, DT_FLOAT), m23);
  CHECK(unknown.loss.shape() == PartialShape({-1}));
  CHECK(unknown.backprop.shape() == PartialShape({-1, -1}));

  Graph g2;
  Scope s(g2);
  auto features = ops::Placeholder(s.WithOpName("features"), DT_FLOAT);
  auto labels = ops::Placeholder(s.WithOpName("labels"), DT_FLOAT);
  auto xent = ops::SoftmaxCrossEntropyWithLogits(s.WithOpName("xent"), features, labels);
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g2,
          {{features, Tensor::Zeros(DT_FLOAT, {2, 3})}, {labels, Tensor::Zeros(DT_FLOAT, {3, 3})}},
          {xent.loss}),
      Contains("SoftmaxCrossEntropyWithLogits 'xent': features [2,3] and labels [3,3] cannot be "
               "broadcast together"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g2,
          {{features, Tensor::Zeros(DT_FLOAT, {2, 3, 1})}, {labels, Tensor::Zeros(DT_FLOAT, {3})}},
          {xent.loss}),
      Contains("must broadcast to a matrix [batch, classes], got features [2,3,1] and labels [3]"));
}

TEST_CASE("SparseSoftmaxCrossEntropyWithLogits matches a float64 reference", "[nn]") {
  const int64_t batch = 4, classes = 3;
  const auto f = InputValues(batch * classes, 3.0, 7);
  Graph g;
  Scope root(g);
  auto features = ops::Const(root, MakeTensor<float>(f, {batch, classes}));
  auto xent32 = ops::SparseSoftmaxCrossEntropyWithLogits(root, features,
                                                         ops::Const<int32_t>(root, {2, 0, 1, 2}));
  auto xent64 = ops::SparseSoftmaxCrossEntropyWithLogits(
      root, ops::Const(root, MakeTensor<double>(f, {batch, classes})),
      ops::Const<int64_t>(root, {2, 0, 1, 2}));
  auto empty = ops::SparseSoftmaxCrossEntropyWithLogits(
      root, ops::Const<float>(root, {}, Shape{0, 3}), ops::Const<int64_t>(root, {}));
  CHECK(xent32.loss.shape() == PartialShape({batch}));
  CHECK(xent32.backprop.shape() == PartialShape({batch, classes}));
  auto out = testing::RunAndRoundTrip(
      g, {},
      {xent32.loss, xent32.backprop, xent64.loss, xent64.backprop, empty.loss, empty.backprop});
  const std::vector<int64_t> labels = {2, 0, 1, 2};
  const auto log_p = ReferenceSoftmax(f, classes, true);
  std::vector<double> loss, backprop;
  for (int64_t b = 0; b < batch; ++b) {
    loss.push_back(-log_p[b * classes + labels[b]]);
    for (int64_t c = 0; c < classes; ++c) {
      backprop.push_back(std::exp(log_p[b * classes + c]) - (c == labels[b] ? 1 : 0));
    }
  }
  CheckClose(out[0], loss, {batch}, 1e-6, 1e-7);
  CheckClose(out[1], backprop, {batch, classes}, 1e-6, 1e-7);
  CheckClose(out[2], loss, {batch}, 1e-14, 0);
  CheckClose(out[3], backprop, {batch, classes}, 1e-14, 1e-16);
  CHECK(out[4].shape() == Shape{0});
  CHECK(out[5].shape() == Shape{0, 3});
}

TEST_CASE("SparseSoftmaxCrossEntropyWithLogits reports a label out of range", "[nn]") {
  Graph g;
  Scope root(g);
  auto features = ops::Placeholder(root.WithOpName("features"), DT_FLOAT, {-1, 3});
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(root.WithOpName("xent"), features, labels);
  const Tensor zeros = Tensor::Zeros(DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g, {{features, zeros}, {labels, Tensor::FromVector<int64_t>({0, 3})}}, {xent.loss}),
      Contains("SparseSoftmaxCrossEntropyWithLogits 'xent': labels[1] = 3 is outside the valid "
               "range [0, 3) for 3 classes"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g, {{features, zeros}, {labels, Tensor::FromVector<int64_t>({-1, 0})}}, {xent.backprop}),
      Contains("labels[0] = -1 is outside the valid range [0, 3) for 3 classes"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g, {{features, zeros}, {labels, Tensor::FromVector<int64_t>({0, 1, 2})}}, {xent.loss}),
      Contains("features has 2 rows but labels has 3 entries"));

  Graph g2;
  Scope s(g2);
  auto any_features = ops::Placeholder(s.WithOpName("features"), DT_DOUBLE);
  auto any_labels = ops::Placeholder(s.WithOpName("labels"), DT_INT32);
  auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(s, any_features, any_labels).loss;
  CHECK_THROWS_WITH(testing::RunAndRoundTrip(g2,
                                             {{any_features, Tensor::Zeros(DT_DOUBLE, {3})},
                                              {any_labels, Tensor::FromVector<int32_t>({0})}},
                                             {loss}),
                    Contains("features must be a matrix [batch, classes], got shape [3]"));
  CHECK_THROWS_WITH(testing::RunAndRoundTrip(g2,
                                             {{any_features, Tensor::Zeros(DT_DOUBLE, {1, 3})},
                                              {any_labels, Tensor::Scalar<int32_t>(0)}},
                                             {loss}),
                    Contains("labels must be a vector [batch], got shape []"));
}

TEST_CASE("SparseSoftmaxCrossEntropyWithLogits rejects bad shapes at build time", "[nn]") {
  Graph g;
  Scope root(g);
  auto features = ops::Placeholder(root, DT_FLOAT, {4, 3});
  CHECK_THROWS_WITH(ops::SparseSoftmaxCrossEntropyWithLogits(root, features,
                                                             ops::Const<int32_t>(root, {0, 1, 2})),
                    Contains("features has 4 rows but labels has 3 entries"));
  CHECK_THROWS_WITH(
      ops::SparseSoftmaxCrossEntropyWithLogits(root, ops::Placeholder(root, DT_FLOAT, {3}),
                                               ops::Const<int32_t>(root, {0, 1, 2})),
      Contains("features must be a matrix [batch, classes], got shape [3]"));
  CHECK_THROWS_WITH(ops::SparseSoftmaxCrossEntropyWithLogits(
                        root, features, ops::Const<int32_t>(root, {0, 1, 2, 0}, Shape{4, 1})),
                    Contains("labels must be a vector [batch], got shape [4,1]"));
  auto inferred = ops::SparseSoftmaxCrossEntropyWithLogits(
      root, ops::Placeholder(root, DT_DOUBLE, {-1, 7}), ops::Placeholder(root, DT_INT64, {5}));
  CHECK(inferred.loss.shape() == PartialShape({5}));
  CHECK(inferred.backprop.shape() == PartialShape({5, 7}));
}
