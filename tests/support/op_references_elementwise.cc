// Harness entries for elementwise ops: unary math, numpy-broadcasting
// binary math and comparisons, SelectV2, Cast, AddN, the activation
// gradients of math_ops (SigmoidGrad, TanhGrad, SqrtGrad, RsqrtGrad) and
// BroadcastGradientArgs.
#include <algorithm>
#include <cmath>

#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

// Integers stay small so products and powers cannot overflow; uint8 draws
// are clipped to [0, hi] by RandomRef.
constexpr Domain kSmallInts{-5, 5};

struct UnarySpec {
  const char* op;
  Domain domain;  // for floating dtypes; integer dtypes use kSmallInts
  ref::UnaryFn f;
};

double Sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

// log(1 + e^x) without overflow for large x.
double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

const std::vector<UnarySpec>& UnarySpecs() {
  static const std::vector<UnarySpec> specs = {
      {"Identity", {}, [](double x) { return x; }},
      {"Neg", {}, [](double x) { return -x; }},
      {"Square", {}, [](double x) { return x * x; }},
      {"Sqrt", {0.01, 9}, [](double x) { return std::sqrt(x); }},
      {"Rsqrt", {0.01, 9}, [](double x) { return 1 / std::sqrt(x); }},
      {"Exp", {-5, 5}, [](double x) { return std::exp(x); }},
      {"Log", {0.01, 20}, [](double x) { return std::log(x); }},
      {"Sin", {-4, 4}, [](double x) { return std::sin(x); }},
      {"Cos", {-4, 4}, [](double x) { return std::cos(x); }},
      {"Floor", {-3, 3}, [](double x) { return std::floor(x); }},
      {"Abs", {}, [](double x) { return std::abs(x); }},
      {"Sign", {-2, 2, 0, true}, Sign},
      {"Relu", {}, [](double x) { return std::max(x, 0.0); }},
      {"Sigmoid", {-8, 8}, [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"Tanh", {-4, 4}, [](double x) { return std::tanh(x); }},
      {"Softplus", {-8, 8}, Softplus},
      {"ZerosLike", {}, [](double) { return 0.0; }},
      {"OnesLike", {}, [](double) { return 1.0; }},
  };
  return specs;
}

// Ops whose float kernels must stay accurate far from zero, where a naive
// formula overflows or cancels.
bool NeedsWideRange(std::string_view op) {
  return op == "Sigmoid" || op == "Tanh" || op == "Softplus";
}

std::vector<OpCase> UnaryCases(const UnarySpec& spec, DataType t, Rng& rng) {
  const Domain domain = IsFloating(t) ? spec.domain : kSmallInts;
  std::vector<OpCase> cases;
  for (const auto& dims : UnaryShapes()) {
    RefTensor x = RandomRef(t, dims, domain, rng);
    RefTensor want = ref::Map(x, t, spec.f);
    cases.push_back(ExpectOutputs("shape " + x.ShapeString(), {Fed(x)}, {}, {want}));
  }
  if (IsFloating(t) && NeedsWideRange(spec.op)) {
    RefTensor x = RandomRef(t, {64}, {-60, 60}, rng);
    RefTensor want = ref::Map(x, t, spec.f);
    cases.push_back(ExpectOutputs("wide range [-60,60]", {Fed(x)}, {}, {want}));
  }
  return cases;
}

struct BinarySpec {
  const char* op;
  // The domain of input `i` (0 or 1) for dtype t.
  std::function<Domain(DataType t, int i)> domain;
  std::function<double(double, double, DataType)> f;
  bool comparison = false;  // bool output
};

Domain DefaultDomain(DataType t, int) { return IsFloating(t) ? Domain{} : kSmallInts; }
// Whole numbers, so equal elements occur and ties are checked.
Domain TieDomain(DataType, int) { return {-2, 2, 0, true}; }

const std::vector<BinarySpec>& BinarySpecs() {
  static const std::vector<BinarySpec> specs = {
      {"AddV2", DefaultDomain, [](double a, double b, DataType) { return a + b; }},
      {"Add", DefaultDomain, [](double a, double b, DataType) { return a + b; }},
      {"Sub", DefaultDomain, [](double a, double b, DataType) { return a - b; }},
      {"Mul", DefaultDomain, [](double a, double b, DataType) { return a * b; }},
      {"RealDiv",
       [](DataType t, int i) {
         Domain d = DefaultDomain(t, i);
         if (i == 1) d.min_abs = IsFloating(t) ? 0.5 : 1;
         return d;
       },
       // Integer division truncates toward zero, as C++ and TensorFlow do.
       [](double a, double b, DataType t) { return IsFloating(t) ? a / b : std::trunc(a / b); }},
      {"Maximum", DefaultDomain, [](double a, double b, DataType) { return std::max(a, b); }},
      {"Minimum", DefaultDomain, [](double a, double b, DataType) { return std::min(a, b); }},
      {"Pow",
       [](DataType t, int i) {
         // Positive bases for real powers; integers only to exponents >= 0.
         if (IsFloating(t)) return i == 0 ? Domain{0.25, 3} : Domain{-2.5, 2.5};
         return i == 0 ? Domain{-3, 3} : Domain{0, 4};
       },
       [](double a, double b, DataType) { return std::pow(a, b); }},
      {"Equal", TieDomain, [](double a, double b, DataType) { return a == b ? 1.0 : 0.0; }, true},
      {"Greater", TieDomain, [](double a, double b, DataType) { return a > b ? 1.0 : 0.0; }, true},
      {"Less", TieDomain, [](double a, double b, DataType) { return a < b ? 1.0 : 0.0; }, true},
  };
  return specs;
}

std::vector<OpCase> BinaryCases(const BinarySpec& spec, DataType t, Rng& rng) {
  const DataType out = spec.comparison ? DT_BOOL : t;
  const auto f = [&](double a, double b) { return spec.f(a, b, t); };
  std::vector<OpCase> cases;
  for (const ShapePair& p : BroadcastShapePairs()) {
    RefTensor x = RandomRef(t, p.x, spec.domain(t, 0), rng);
    RefTensor y = RandomRef(t, p.y, spec.domain(t, 1), rng);
    RefTensor want = ref::Map2(x, y, out, f);
    cases.push_back(ExpectOutputs(p.label, {Fed(x), Fed(y)}, {}, {want}));
  }
  if (std::string_view(spec.op) == "Equal") {
    RefTensor x = RandomRef(t, {2, 3}, spec.domain(t, 0), rng);
    RefTensor y = RandomRef(t, {3}, spec.domain(t, 1), rng);
    cases.push_back(ExpectOutputs("incompatible_shape_error=false, compatible shapes",
                                  {Fed(x), Fed(y)}, {{"incompatible_shape_error", false}},
                                  {ref::Map2(x, y, out, f)}));
  }
  const std::string_view op = spec.op;
  if ((t == DT_INT32 || t == DT_UINT8) &&
      (op == "AddV2" || op == "Add" || op == "Sub" || op == "Mul")) {
    // Integer arithmetic wraps around, as in TensorFlow. Every exact result
    // here is below 2^53, so the double reference holds it exactly.
    const bool i32 = t == DT_INT32;
    RefTensor x = i32 ? MakeRef(t, {5}, {2147483647, 2147483647, -2147483648.0, 65536, 46341})
                      : MakeRef(t, {5}, {255, 200, 0, 16, 17});
    RefTensor y =
        i32 ? MakeRef(t, {5}, {1, 2, 1, 65536, 46341}) : MakeRef(t, {5}, {1, 100, 1, 16, 17});
    cases.push_back(ExpectOutputs("wrap-around", {Fed(x), Fed(y)}, {}, {ref::Map2(x, y, out, f)}));
  }
  if (IsInteger(t) && op == "RealDiv") {
    cases.push_back(ExpectError("integer division by zero",
                                {Fed(MakeRef(t, {2}, {7, 3})), Fed(MakeRef(t, {2}, {1, 0}))}, {},
                                "division by zero"));
    if (t == DT_INT32) {
      // The one quotient that overflows wraps rather than trapping.
      RefTensor x = MakeRef(t, {2}, {-2147483648.0, 9}), y = MakeRef(t, {2}, {-1, -2});
      cases.push_back(
          ExpectOutputs("lowest / -1", {Fed(x), Fed(y)}, {}, {ref::Map2(x, y, out, f)}));
    }
  }
  if (IsInteger(t) && op == "Pow" && t != DT_UINT8) {
    cases.push_back(ExpectError("integer to a negative power",
                                {Fed(MakeRef(t, {2}, {2, 3})), Fed(MakeRef(t, {2}, {1, -1}))}, {},
                                "negative"));
  }
  cases.push_back(ExpectError("incompatible shapes [2,3] and [4]",
                              {Fed(RandomRef(t, {2, 3}, spec.domain(t, 0), rng)),
                               Fed(RandomRef(t, {4}, spec.domain(t, 1), rng))},
                              {}, "broadcast"));
  return cases;
}

std::vector<OpCase> SelectCases(DataType t, Rng& rng) {
  const Domain domain = IsFloating(t) ? Domain{} : kSmallInts;
  struct Shapes {
    std::vector<int64_t> c, t, e;
    const char* label;
  };
  const std::vector<Shapes> shapes = {
      {{2, 3}, {2, 3}, {2, 3}, "same shape"},
      {{2, 1, 3}, {4, 1}, {}, "condition [2,1,3], t [4,1], e scalar"},
      {{}, {2, 3}, {2, 3}, "scalar condition"},
      {{3}, {2, 3}, {2, 1}, "row condition, column e"},
      {{0, 3}, {3}, {0, 3}, "zero-size"},
  };
  std::vector<OpCase> cases;
  for (const auto& s : shapes) {
    RefTensor c = RandomRef(DT_BOOL, s.c, {}, rng);
    RefTensor a = RandomRef(t, s.t, domain, rng);
    RefTensor b = RandomRef(t, s.e, domain, rng);
    cases.push_back(ExpectOutputs(s.label, {Fed(c), Fed(a), Fed(b)}, {}, {ref::Select(c, a, b)}));
  }
  cases.push_back(
      ExpectError("incompatible shapes",
                  {Fed(RandomRef(DT_BOOL, {2, 3}, {}, rng)), Fed(RandomRef(t, {2, 3}, domain, rng)),
                   Fed(RandomRef(t, {4}, domain, rng))},
                  {}, "broadcast"));
  return cases;
}

// TensorFlow's Cast: float to integer truncates toward zero, integers wrap,
// anything to bool is x != 0, bool to anything is 0 or 1.
double CastValue(double x, DataType src, DataType dst) {
  if (dst == DT_BOOL) return x != 0 ? 1 : 0;
  if (IsFloating(src) && !IsFloating(dst)) return RoundTo(dst, std::trunc(x));
  return RoundTo(dst, x);
}

std::vector<OpCase> CastCases(const TypeMap& types, Rng& rng) {
  const DataType src = TypeOf(types, "SrcT"), dst = TypeOf(types, "DstT");
  Domain domain{-100, 100};
  // A negative float converted to uint8 is undefined in C++ (and in
  // TensorFlow); integers wrap, which is defined.
  if (IsFloating(src) && dst == DT_UINT8) domain = {0, 250};
  if (dst == DT_BOOL) domain = {-2, 2, 0, true};
  const auto f = [&](double x) { return CastValue(x, src, dst); };
  std::vector<OpCase> cases;
  for (const auto& dims : UnaryShapes()) {
    RefTensor x = RandomRef(src, dims, domain, rng);
    cases.push_back(ExpectOutputs("shape " + x.ShapeString(), {Fed(x)}, {}, {ref::Map(x, dst, f)}));
  }
  RefTensor x = RandomRef(src, {2, 3}, domain, rng);
  cases.push_back(
      ExpectOutputs("Truncate=true", {Fed(x)}, {{"Truncate", true}}, {ref::Map(x, dst, f)}));
  return cases;
}

std::vector<OpCase> AddNCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  const Domain domain = IsFloating(t) ? Domain{} : kSmallInts;
  std::vector<OpCase> cases;
  for (int n : {1, 2, 3}) {
    for (const auto& dims : UnaryShapes()) {
      std::vector<RefTensor> xs;
      std::vector<CaseInput> inputs;
      for (int i = 0; i < n; ++i) {
        xs.push_back(RandomRef(t, dims, domain, rng));
        inputs.push_back(Fed(xs.back()));
      }
      cases.push_back(ExpectOutputs(std::to_string(n) + " of " + DimsString(dims), inputs, {},
                                    {ref::AddN(xs)}));
    }
  }
  if (t == DT_INT32) {
    // Integer sums wrap around, as AddV2's do.
    RefTensor x = MakeRef(t, {3}, {2147483647, -2147483648.0, 65536});
    RefTensor y = MakeRef(t, {3}, {1, -1, 65536});
    RefTensor z = MakeRef(t, {3}, {2147483647, 0, 2147418112});
    cases.push_back(
        ExpectOutputs("wrap-around", {Fed(x), Fed(y), Fed(z)}, {}, {ref::AddN({x, y, z})}));
  }
  // AddN does not broadcast, not even a scalar.
  cases.push_back(
      ExpectError("[2,3] and [3]",
                  {Fed(RandomRef(t, {2, 3}, domain, rng)), Fed(RandomRef(t, {3}, domain, rng))}, {},
                  "same shape"));
  cases.push_back(
      ExpectError("[2,3] and a scalar",
                  {Fed(RandomRef(t, {2, 3}, domain, rng)), Fed(RandomRef(t, {}, domain, rng))}, {},
                  "same shape"));
  return cases;
}

// An activation's gradient op from its output y and the incoming gradient dy.
struct ActivationGradSpec {
  const char* op;
  // Where y can lie: the forward op's range, kept off the points where the
  // gradient's own derivative blows up (Sqrt's and Rsqrt's y = 0).
  Domain y_domain;
  ref::BinaryFn f;  // (y, dy)
};

const std::vector<ActivationGradSpec>& ActivationGradSpecs() {
  static const std::vector<ActivationGradSpec> specs = {
      {"SigmoidGrad", {0.01, 0.99}, [](double y, double dy) { return dy * y * (1 - y); }},
      {"TanhGrad", {-0.99, 0.99}, [](double y, double dy) { return dy * (1 - y * y); }},
      {"SqrtGrad", {0.25, 3}, [](double y, double dy) { return 0.5 * dy / y; }},
      {"RsqrtGrad", {0.25, 3}, [](double y, double dy) { return -0.5 * dy * y * y * y; }},
  };
  return specs;
}

std::vector<OpCase> ActivationGradCases(const ActivationGradSpec& spec, DataType t, Rng& rng) {
  std::vector<OpCase> cases;
  for (const auto& dims : UnaryShapes()) {
    RefTensor y = RandomRef(t, dims, spec.y_domain, rng);
    RefTensor dy = RandomRef(t, dims, {}, rng);
    cases.push_back(ExpectOutputs("shape " + y.ShapeString(), {Fed(y), Fed(dy)}, {},
                                  {ref::Map2(y, dy, t, spec.f)}));
  }
  // y and dy must have one shape: there is no broadcasting.
  cases.push_back(
      ExpectError("y [2,3], dy [3]",
                  {Fed(RandomRef(t, {2, 3}, spec.y_domain, rng)), Fed(RandomRef(t, {3}, {}, rng))},
                  {}, "same shape"));
  return cases;
}

std::vector<OpCase> BroadcastGradientArgsCases(const TypeMap& types, Rng&) {
  const DataType t = TypeOf(types, "T");
  using Dims = std::vector<int64_t>;
  const std::vector<std::pair<Dims, Dims>> table = {
      {{2, 3, 5}, {1}},    {{2, 3}, {2, 3}}, {{1, 3}, {3}}, {{2, 1, 3}, {4, 1}},
      {{4, 1}, {2, 1, 3}}, {{}, {2, 3}},     {{2, 3}, {}},  {{}, {}},
      {{0, 3}, {1, 3}},    {{1, 1}, {1, 1}}, {{1}, {1, 1}}, {{5, 1, 1}, {1, 4, 1}},
  };
  std::vector<OpCase> cases;
  // The shapes are always fed: the outputs' lengths depend on their values,
  // and inference gives a vector of unknown length even for constants.
  for (const auto& [s0, s1] : table) {
    const auto [r0, r1] = ref::BroadcastGradientArgs(s0, s1);
    cases.push_back(
        ExpectOutputs(DimsString(s0) + " and " + DimsString(s1),
                      {IndexInput(IndexRef(t, s0), true), IndexInput(IndexRef(t, s1), true)}, {},
                      {IndexRef(t, r0), IndexRef(t, r1)}));
  }
  cases.push_back(ExpectError(
      "[2,3] and [4] do not broadcast",
      {IndexInput(IndexRef(t, {2, 3}), true), IndexInput(IndexRef(t, {4}), true)}, {}, ""));
  cases.push_back(ExpectError(
      "s0 a matrix", {Fed(MakeRef(t, {2, 2}, {1, 2, 3, 4})), Fed(IndexRef(t, {2}))}, {}, "vector"));
  cases.push_back(ExpectError("s1 a scalar", {Fed(IndexRef(t, {2})), Fed(IndexRef(t, {2}, true))},
                              {}, "vector"));
  return cases;
}

}  // namespace

namespace ref {

RefTensor AddN(const std::vector<RefTensor>& xs) {
  std::vector<double> sum(xs[0].values.size(), 0.0);
  for (const RefTensor& x : xs) {
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += x.values[i];
  }
  return MakeRef(xs[0].dtype, xs[0].dims, sum);
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> BroadcastGradientArgs(
    const std::vector<int64_t>& s0, const std::vector<int64_t>& s1) {
  if (s0 == s1) return {};
  const size_t rank = std::max(s0.size(), s1.size());
  std::vector<int64_t> r0, r1;
  for (size_t d = 0; d < rank; ++d) {
    // Dimension d of the broadcast shape; shorter shapes are padded with
    // ones on the left.
    const size_t pad0 = rank - s0.size(), pad1 = rank - s1.size();
    const int64_t a = d < pad0 ? 1 : s0[d - pad0];
    const int64_t b = d < pad1 ? 1 : s1[d - pad1];
    if (a == 1) r0.push_back(static_cast<int64_t>(d));
    if (b == 1) r1.push_back(static_cast<int64_t>(d));
  }
  return {r0, r1};
}

}  // namespace ref

namespace {

void AddActivationGradEntries(HarnessTable& table) {
  for (const ActivationGradSpec& spec : ActivationGradSpecs()) {
    table[spec.op].type_attrs = {"T"};
    table[spec.op].cases = [&spec](const TypeMap& types, Rng& rng) {
      return ActivationGradCases(spec, TypeOf(types, "T"), rng);
    };
  }
}

}  // namespace

void AddElementwiseEntries(HarnessTable& table) {
  AddActivationGradEntries(table);
  table["AddN"] = {{"T"}, AddNCases, nullptr};
  table["BroadcastGradientArgs"] = {{"T"}, BroadcastGradientArgsCases, nullptr};
  for (const UnarySpec& spec : UnarySpecs()) {
    table[spec.op].type_attrs = {"T"};
    table[spec.op].cases = [&spec](const TypeMap& types, Rng& rng) {
      return UnaryCases(spec, TypeOf(types, "T"), rng);
    };
  }
  for (const BinarySpec& spec : BinarySpecs()) {
    table[spec.op].type_attrs = {"T"};
    table[spec.op].cases = [&spec](const TypeMap& types, Rng& rng) {
      return BinaryCases(spec, TypeOf(types, "T"), rng);
    };
  }
  table["SelectV2"] = {
      {"T"},
      [](const TypeMap& types, Rng& rng) { return SelectCases(TypeOf(types, "T"), rng); },
      nullptr};
  table["Cast"] = {{"SrcT", "DstT"}, CastCases, nullptr};
}

}  // namespace tensorgraph::testing
