// References and harness entries for nn ops: MatMul, BiasAdd, BiasAddGrad,
// ReluGrad, SoftplusGrad, Softmax, LogSoftmax and the two softmax cross
// entropies.
#include <cmath>

#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

using Dims = std::vector<int64_t>;

double At(const RefTensor& x, int64_t row, int64_t col) {
  return x.values[static_cast<size_t>(row * x.dims[1] + col)];
}

// Per row of a [rows, classes] view of `logits` (the last dimension is the
// class dimension): the row's maximum and log(sum(exp(x - max))).
struct RowStats {
  double max;
  double log_sum;
};
std::vector<RowStats> Rows(const RefTensor& logits) {
  const int64_t classes = logits.dims.empty() ? 1 : logits.dims.back();
  const int64_t rows = classes == 0 ? 0 : logits.num_elements() / classes;
  std::vector<RowStats> stats;
  for (int64_t r = 0; r < rows; ++r) {
    const double* x = &logits.values[static_cast<size_t>(r * classes)];
    double m = x[0];
    for (int64_t c = 1; c < classes; ++c) m = std::max(m, x[c]);
    double s = 0;
    for (int64_t c = 0; c < classes; ++c) s += std::exp(x[c] - m);
    stats.push_back({m, std::log(s)});
  }
  return stats;
}

}  // namespace

namespace ref {

RefTensor MatMul(const RefTensor& a, const RefTensor& b, bool transpose_a, bool transpose_b) {
  const int64_t m = transpose_a ? a.dims[1] : a.dims[0];
  const int64_t k = transpose_a ? a.dims[0] : a.dims[1];
  const int64_t n = transpose_b ? b.dims[0] : b.dims[1];
  std::vector<double> values;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p) {
        sum +=
            (transpose_a ? At(a, p, i) : At(a, i, p)) * (transpose_b ? At(b, j, p) : At(b, p, j));
      }
      values.push_back(sum);
    }
  }
  return MakeRef(a.dtype, {m, n}, values);
}

RefTensor BiasAdd(const RefTensor& value, const RefTensor& bias, bool nchw) {
  const size_t channel_dim = nchw ? 1 : value.dims.size() - 1;
  int64_t inner = 1;
  for (size_t d = channel_dim + 1; d < value.dims.size(); ++d) inner *= value.dims[d];
  const int64_t channels = value.dims[channel_dim];
  std::vector<double> values(value.values);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] += bias.values[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)];
  }
  return MakeRef(value.dtype, value.dims, values);
}

RefTensor BiasAddGrad(const RefTensor& value, bool nchw) {
  const size_t channel_dim = nchw ? 1 : value.dims.size() - 1;
  int64_t inner = 1;
  for (size_t d = channel_dim + 1; d < value.dims.size(); ++d) inner *= value.dims[d];
  const int64_t channels = value.dims[channel_dim];
  std::vector<double> sums(static_cast<size_t>(channels), 0.0);
  for (size_t i = 0; i < value.values.size(); ++i) {
    sums[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)] += value.values[i];
  }
  return MakeRef(value.dtype, {channels}, sums);
}

RefTensor Softmax(const RefTensor& logits, bool log) {
  const std::vector<RowStats> rows = Rows(logits);
  const int64_t classes = logits.dims.back();
  std::vector<double> values;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int64_t c = 0; c < classes; ++c) {
      const double shifted =
          logits.values[r * static_cast<size_t>(classes) + static_cast<size_t>(c)] - rows[r].max -
          rows[r].log_sum;
      values.push_back(log ? shifted : std::exp(shifted));
    }
  }
  return MakeRef(logits.dtype, logits.dims, values);
}

std::pair<RefTensor, RefTensor> SoftmaxCrossEntropy(const RefTensor& features,
                                                    const RefTensor& labels) {
  const RefTensor log_p = Softmax(features, true);
  const int64_t batch = features.dims[0], classes = features.dims[1];
  std::vector<double> loss, backprop;
  for (int64_t r = 0; r < batch; ++r) {
    double l = 0;
    for (int64_t c = 0; c < classes; ++c) {
      l -= At(labels, r, c) * At(log_p, r, c);
      backprop.push_back(std::exp(At(log_p, r, c)) - At(labels, r, c));
    }
    loss.push_back(l);
  }
  return {MakeRef(features.dtype, {batch}, loss), MakeRef(features.dtype, features.dims, backprop)};
}

std::pair<RefTensor, RefTensor> SparseSoftmaxCrossEntropy(const RefTensor& features,
                                                          const RefTensor& labels) {
  const RefTensor log_p = Softmax(features, true);
  const int64_t batch = features.dims[0], classes = features.dims[1];
  std::vector<double> loss, backprop;
  for (int64_t r = 0; r < batch; ++r) {
    const auto label = static_cast<int64_t>(labels.values[static_cast<size_t>(r)]);
    loss.push_back(-At(log_p, r, label));
    for (int64_t c = 0; c < classes; ++c) {
      backprop.push_back(std::exp(At(log_p, r, c)) - (c == label ? 1 : 0));
    }
  }
  return {MakeRef(features.dtype, {batch}, loss), MakeRef(features.dtype, features.dims, backprop)};
}

}  // namespace ref

namespace {

Domain ValueDomain(DataType t) {
  if (t == DT_UINT8) return {0, 3};
  return IsFloating(t) ? Domain{-1, 1} : Domain{-3, 3};
}

// A float32 dot product of k terms in [-1,1] carries an error of about
// k * eps * sum|a_i b_i| relative to the terms, not to the result.
Tolerance DotTolerance(DataType t, int64_t k) {
  if (t == DT_FLOAT) return {1e-5, 2e-7 * static_cast<double>(k + 1)};
  if (t == DT_DOUBLE) return {1e-12, 1e-15 * static_cast<double>(k + 1)};
  return {};
}

std::vector<OpCase> MatMulCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  struct Case {
    Dims a, b;
    bool ta, tb;
  };
  const std::vector<Case> table = {
      {{2, 3}, {3, 4}, false, false},       {{3, 2}, {3, 4}, true, false},
      {{2, 3}, {4, 3}, false, true},        {{3, 2}, {4, 3}, true, true},
      {{1, 1}, {1, 1}, false, false},       {{0, 3}, {3, 4}, false, false},
      {{2, 0}, {0, 4}, false, false},       {{2, 3}, {3, 0}, false, false},
      {{17, 33}, {33, 9}, false, false},    {{33, 17}, {9, 33}, true, true},
      {{64, 128}, {128, 48}, false, false},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor a = RandomRef(t, c.a, ValueDomain(t), rng);
    RefTensor b = RandomRef(t, c.b, ValueDomain(t), rng);
    OpCase oc = ExpectOutputs(
        a.ShapeString() + (c.ta ? "^T" : "") + " x " + b.ShapeString() + (c.tb ? "^T" : ""),
        {Fed(a), Fed(b)}, {{"transpose_a", c.ta}, {"transpose_b", c.tb}},
        {ref::MatMul(a, b, c.ta, c.tb)});
    oc.tol = DotTolerance(t, c.ta ? c.a[0] : c.a[1]);
    cases.push_back(std::move(oc));
  }
  const auto x = [&](Dims dims) { return Fed(RandomRef(t, std::move(dims), ValueDomain(t), rng)); };
  cases.push_back(ExpectError("inner dimensions differ", {x({2, 3}), x({4, 5})}, {}, ""));
  cases.push_back(ExpectError("inner dimensions differ after transpose_b", {x({2, 3}), x({3, 4})},
                              {{"transpose_b", true}}, ""));
  cases.push_back(ExpectError("a vector operand", {x({3}), x({3, 4})}, {}, ""));
  return cases;
}

std::vector<OpCase> BiasAddCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  struct Case {
    Dims value;
    const char* format;
  };
  const std::vector<Case> table = {
      {{2, 3}, "NHWC"}, {{2, 2, 2, 3}, "NHWC"}, {{2, 3, 2, 2}, "NCHW"},
      {{0, 3}, "NHWC"}, {{4, 3, 5}, "NCHW"},    {{2, 3, 2, 2, 2}, "NCHW"},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    const bool nchw = std::string_view(c.format) == "NCHW";
    RefTensor value = RandomRef(t, c.value, ValueDomain(t), rng);
    RefTensor bias = RandomRef(t, {c.value[nchw ? 1 : c.value.size() - 1]}, ValueDomain(t), rng);
    cases.push_back(ExpectOutputs(value.ShapeString() + " " + c.format, {Fed(value), Fed(bias)},
                                  {{"data_format", std::string(c.format)}},
                                  {ref::BiasAdd(value, bias, nchw)}));
  }
  const auto x = [&](Dims dims) { return Fed(RandomRef(t, std::move(dims), ValueDomain(t), rng)); };
  cases.push_back(ExpectError("bias of the wrong length", {x({2, 3}), x({4})}, {}, ""));
  cases.push_back(ExpectError("bias not a vector", {x({2, 3}), x({1, 3})}, {}, ""));
  cases.push_back(ExpectError("value a vector", {x({3}), x({3})}, {}, ""));
  // NCHW has its channels in dimension 1 of a rank >= 3 value (TensorFlow's rule).
  cases.push_back(
      ExpectError("NCHW matrix", {x({2, 3}), x({3})}, {{"data_format", std::string("NCHW")}}, ""));
  return cases;
}

std::vector<OpCase> BiasAddGradCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  struct Case {
    Dims value;
    const char* format;
  };
  const std::vector<Case> table = {
      {{2, 3}, "NHWC"},    {{2, 2, 2, 3}, "NHWC"},    {{2, 3, 2, 2}, "NCHW"}, {{0, 3}, "NHWC"},
      {{4, 3, 5}, "NCHW"}, {{2, 3, 2, 2, 2}, "NCHW"}, {{2, 0, 4}, "NCHW"},    {{3, 4, 0}, "NCHW"},
      {{16, 7}, "NHWC"},   {{3, 4, 5, 6}, "NCHW"},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    const bool nchw = std::string_view(c.format) == "NCHW";
    RefTensor value = RandomRef(t, c.value, ValueDomain(t), rng);
    const int64_t channels = c.value[nchw ? 1 : c.value.size() - 1];
    OpCase oc =
        ExpectOutputs(value.ShapeString() + " " + c.format, {Fed(value)},
                      {{"data_format", std::string(c.format)}}, {ref::BiasAddGrad(value, nchw)});
    // Each output sums the elements of one channel, as a dot product does.
    oc.tol = DotTolerance(t, channels == 0 ? 0 : value.num_elements() / channels);
    cases.push_back(std::move(oc));
  }
  const auto x = [&](Dims dims) { return Fed(RandomRef(t, std::move(dims), ValueDomain(t), rng)); };
  cases.push_back(ExpectError("value a vector", {x({3})}, {}, ""));
  // NCHW has its channels in dimension 1 of a rank >= 3 value (TensorFlow's rule).
  cases.push_back(
      ExpectError("NCHW matrix", {x({2, 3})}, {{"data_format", std::string("NCHW")}}, ""));
  return cases;
}

// An activation's gradient op from the incoming gradients and the forward
// op's features.
std::vector<OpCase> ActivationGradCases(const ref::BinaryFn& f, const Domain& features_domain,
                                        const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  std::vector<OpCase> cases;
  for (const auto& dims : UnaryShapes()) {
    RefTensor g = RandomRef(t, dims, {}, rng);
    RefTensor features = RandomRef(t, dims, features_domain, rng);
    cases.push_back(ExpectOutputs("shape " + g.ShapeString(), {Fed(g), Fed(features)}, {},
                                  {ref::Map2(g, features, t, f)}));
  }
  cases.push_back(ExpectError("gradients [2,3], features [3]",
                              {Fed(RandomRef(t, {2, 3}, {}, rng)), Fed(RandomRef(t, {3}, {}, rng))},
                              {}, "same shape"));
  return cases;
}

std::vector<OpCase> ReluGradCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  const ref::BinaryFn f = [](double g, double x) { return x > 0 ? g : 0.0; };
  std::vector<OpCase> cases = ActivationGradCases(f, {}, types, rng);
  // Whole-number features, so zeros occur: Relu's gradient at 0 is 0.
  RefTensor g = RandomRef(t, {4, 5}, {}, rng);
  RefTensor features = RandomRef(t, {4, 5}, {-2, 2, 0, true}, rng);
  cases.push_back(ExpectOutputs("features with zeros", {Fed(g), Fed(features)}, {},
                                {ref::Map2(g, features, t, f)}));
  return cases;
}

std::vector<OpCase> SoftplusGradCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  // sigmoid(x) without overflow for large |x|.
  const ref::BinaryFn f = [](double g, double x) {
    return x >= 0 ? g / (1 + std::exp(-x)) : g * std::exp(x) / (1 + std::exp(x));
  };
  std::vector<OpCase> cases = ActivationGradCases(f, {-8, 8}, types, rng);
  // Features far from zero, where sigmoid saturates towards 0 and 1.
  RefTensor g = RandomRef(t, {64}, {}, rng);
  RefTensor features = RandomRef(t, {64}, {-60, 60}, rng);
  cases.push_back(ExpectOutputs("wide range [-60,60]", {Fed(g), Fed(features)}, {},
                                {ref::Map2(g, features, t, f)}));
  return cases;
}

// Logits spread wide enough that an unshifted exp would overflow float32.
constexpr Domain kLargeLogits{-100, 100};

std::vector<OpCase> SoftmaxCases(bool log, const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 5}, Dims{3}, Dims{2, 3, 4}, Dims{0, 3}, Dims{4, 1}}) {
    RefTensor x = RandomRef(t, dims, {-3, 3}, rng);
    cases.push_back(ExpectOutputs(x.ShapeString(), {Fed(x)}, {}, {ref::Softmax(x, log)}));
  }
  RefTensor x = RandomRef(t, {3, 7}, kLargeLogits, rng);
  OpCase wide = ExpectOutputs("large logits", {Fed(x)}, {}, {ref::Softmax(x, log)});
  // Log-probabilities reach -200; the float32 subtraction that makes them
  // rounds relative to that magnitude.
  if (log && t == DT_FLOAT) wide.tol.atol = 2e-5;
  cases.push_back(std::move(wide));
  cases.push_back(ExpectError("a scalar", {Fed(RandomRef(t, {}, {}, rng))}, {}, ""));
  return cases;
}

// Each row a probability distribution, as labels usually are.
RefTensor Distribution(DataType t, Dims dims, Rng& rng) {
  RefTensor labels = RandomRef(DT_DOUBLE, dims, {0, 1}, rng);
  const int64_t classes = dims[1];
  for (int64_t r = 0; r < dims[0]; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      sum += labels.values[static_cast<size_t>(r * classes + c)];
    for (int64_t c = 0; c < classes; ++c)
      labels.values[static_cast<size_t>(r * classes + c)] /= sum;
  }
  return MakeRef(t, dims, labels.values);
}

std::vector<OpCase> SoftmaxXentCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 5}, Dims{1, 1}, Dims{0, 3}, Dims{6, 4}}) {
    RefTensor features = RandomRef(t, dims, {-3, 3}, rng);
    RefTensor labels = Distribution(t, dims, rng);
    auto [loss, backprop] = ref::SoftmaxCrossEntropy(features, labels);
    cases.push_back(
        ExpectOutputs(features.ShapeString(), {Fed(features), Fed(labels)}, {}, {loss, backprop}));
  }
  RefTensor features = RandomRef(t, {3, 4}, kLargeLogits, rng);
  RefTensor labels = Distribution(t, {3, 4}, rng);
  auto [loss, backprop] = ref::SoftmaxCrossEntropy(features, labels);
  OpCase wide = ExpectOutputs("large logits", {Fed(features), Fed(labels)}, {}, {loss, backprop});
  if (t == DT_FLOAT) wide.tol.atol = 2e-5;
  cases.push_back(std::move(wide));
  cases.push_back(
      ExpectError("labels of another shape",
                  {Fed(RandomRef(t, {2, 3}, {}, rng)), Fed(Distribution(t, {2, 4}, rng))}, {}, ""));
  return cases;
}

std::vector<OpCase> SparseXentCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), label_type = TypeOf(types, "Tlabels", DT_INT64);
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 5}, Dims{1, 1}, Dims{0, 3}, Dims{6, 4}}) {
    RefTensor features = RandomRef(t, dims, {-3, 3}, rng);
    RefTensor labels = RandomRef(label_type, {dims[0]}, {0, static_cast<double>(dims[1] - 1)}, rng);
    auto [loss, backprop] = ref::SparseSoftmaxCrossEntropy(features, labels);
    cases.push_back(
        ExpectOutputs(features.ShapeString(), {Fed(features), Fed(labels)}, {}, {loss, backprop}));
  }
  // An out-of-range label is bad data, which must be reported, never read
  // out of bounds.
  for (int64_t bad : {3, -1}) {
    cases.push_back(ExpectError(
        "label " + std::to_string(bad) + " of 3 classes",
        {Fed(RandomRef(t, {2, 3}, {}, rng)), Fed(IndexRef(label_type, {0, bad}))}, {}, ""));
  }
  cases.push_back(ExpectError(
      "labels of the wrong length",
      {Fed(RandomRef(t, {2, 3}, {}, rng)), Fed(IndexRef(label_type, {0, 1, 2}))}, {}, ""));
  return cases;
}

}  // namespace

void AddNnEntries(HarnessTable& table) {
  table["MatMul"] = {{"T"}, MatMulCases, nullptr};
  table["BiasAdd"] = {{"T"}, BiasAddCases, nullptr};
  table["BiasAddGrad"] = {{"T"}, BiasAddGradCases, nullptr};
  table["ReluGrad"] = {{"T"}, ReluGradCases, nullptr};
  table["SoftplusGrad"] = {{"T"}, SoftplusGradCases, nullptr};
  table["Softmax"] = {
      {"T"},
      [](const TypeMap& types, Rng& rng) { return SoftmaxCases(false, types, rng); },
      nullptr};
  table["LogSoftmax"] = {
      {"T"},
      [](const TypeMap& types, Rng& rng) { return SoftmaxCases(true, types, rng); },
      nullptr};
  table["SoftmaxCrossEntropyWithLogits"] = {{"T"}, SoftmaxXentCases, nullptr};
  table["SparseSoftmaxCrossEntropyWithLogits"] = {{"T", "Tlabels"}, SparseXentCases, nullptr};
}

}  // namespace tensorgraph::testing
