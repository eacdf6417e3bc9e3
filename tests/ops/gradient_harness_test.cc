// The op harness's gradient mode: every differentiable op (one with a
// gradient function) on float64 inputs drawn from the forward harness's
// per-op domains and cases, its gradient from AddGradients compared with a
// central difference (tests/support/gradient_check.h). An op with neither a
// gradient nor NotDifferentiable() fails the run, and so does a
// differentiable op that no case reaches.
#include <algorithm>
#include <cmath>
#include <catch2/catch.hpp>
#include <set>

#include "graph/gradients.h"
#include "runtime/kernel.h"
#include "tests/support/gpu.h"
#include "tests/support/gradient_check.h"

namespace tensorgraph::testing {
namespace {

// --- the checker itself, on ops whose gradients are known to be right or wrong --

template <double (*F)(double)>
class UnaryDoubleKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.AllocateOutput(0);
    const auto in = x.flat<double>();
    const auto out = y.flat<double>();
    for (size_t i = 0; i < in.size(); ++i) out[i] = F(in[i]);
  }
};

double SquareOf(double x) { return x * x; }
double AbsOf(double x) { return std::abs(x); }

// d(x^2)/dx = 2x, scaled: 1 is right, 1 + 1e-5 is a gradient wrong by ten
// times what the check tolerates.
void SquareGradient(GradientContext& ctx, double scale) {
  const Output two_x = ops::Mul(ctx.scope, ctx.input(0),
                                ops::ScalarConst(ctx.scope, DT_DOUBLE, 2 * scale));
  ctx.grad_inputs[0] = ops::Mul(ctx.scope, ctx.grad_outputs[0], two_x);
}

TG_REGISTER_OP("_TestSquare")
    .Input("x: double")
    .Output("y: double")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient([](GradientContext& ctx) { SquareGradient(ctx, 1); })
    .Doc("x * x with its gradient, for checking the gradient checker.");
TG_REGISTER_KERNEL("_TestSquare", kDeviceCpu, DT_INVALID, UnaryDoubleKernel<SquareOf>);

TG_REGISTER_OP("_TestSquareSlightlyWrongGradient")
    .Input("x: double")
    .Output("y: double")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient([](GradientContext& ctx) { SquareGradient(ctx, 1 + 1e-5); })
    .Doc("x * x with a gradient 1e-5 too large, for checking the gradient checker.");
TG_REGISTER_KERNEL("_TestSquareSlightlyWrongGradient", kDeviceCpu, DT_INVALID,
                   UnaryDoubleKernel<SquareOf>);

TG_REGISTER_OP("_TestAbs")
    .Input("x: double")
    .Output("y: double")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient([](GradientContext& ctx) {
      ctx.grad_inputs[0] =
          ops::Mul(ctx.scope, ctx.grad_outputs[0], ops::Sign(ctx.scope, ctx.input(0)));
    })
    .Doc("|x| with its gradient, for checking that the checker skips kinks.");
TG_REGISTER_KERNEL("_TestAbs", kDeviceCpu, DT_INVALID, UnaryDoubleKernel<AbsOf>);

// x [m,n] + b [n], whose gradient hands b the upstream gradient unreduced.
class BroadcastAddKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const auto b = ctx.input(1).flat<double>();
    Tensor& y = ctx.AllocateOutput(0);
    const auto in = x.flat<double>();
    const auto out = y.flat<double>();
    for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] + b[i % b.size()];
  }
};

TG_REGISTER_OP("_TestBroadcastAddUnreduced")
    .Input("x: double")
    .Input("b: double")
    .Output("y: double")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient([](GradientContext& ctx) {
      ctx.grad_inputs[0] = ctx.grad_outputs[0];
      ctx.grad_inputs[1] = ctx.grad_outputs[0];  // the bug: no sum over the rows
    })
    .Doc("x + b broadcast over rows, with b's gradient left unreduced, for the checker.");
TG_REGISTER_KERNEL("_TestBroadcastAddUnreduced", kDeviceCpu, DT_INVALID, BroadcastAddKernel);

// The op applied to a fed x, and a second fed input that nothing uses.
GradientBuilder UnaryProblem(const std::string& op, Tensor x_value) {
  return [op, x_value](const Scope& root) {
    GradientProblem problem;
    const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, PartialShape({-1}));
    const Output unused = ops::Placeholder(root.WithOpName("unused"), DT_DOUBLE, PartialShape({2}));
    problem.xs = {x, unused};
    problem.x_values = {x_value, Tensor::FromVector<double>({1.5, -2})};
    problem.ys = {root.WithOpName("y").AddNode(op, {x})};
    return problem;
  };
}

TEST_CASE("the gradient checker passes a right gradient and catches one 1e-5 off",
          "[harness][gradients]") {
  const Tensor x = Tensor::FromVector<double>({0.5, -1.25, 2, 3.5, -0.001});
  const GradientCheckResult right = CheckGradients(UnaryProblem("_TestSquare", x));
  INFO(right.Report());
  CHECK(right.ok());
  CHECK(right.xs_checked == 2);
  CHECK(right.elements_checked == 5 + 2);  // the unused x's zeros are checked too
  CHECK(right.kinks_skipped == 0);
  // The room left is wide: the tolerance is not tuned to pass.
  CHECK(right.worst_error_ratio < 0.05);

  const GradientCheckResult wrong =
      CheckGradients(UnaryProblem("_TestSquareSlightlyWrongGradient", x));
  INFO(wrong.Report());
  CHECK_FALSE(wrong.ok());
  // The four elements whose gradient is within 100x of the largest (7) are
  // flagged. At x = -0.001 the gradient's 1e-5 error is 2e-8, under the
  // absolute error the gradient's scale allows (1e-7 x 7).
  CHECK(wrong.failures.size() == 4);
}

// A float64 MatMul problem big enough that its elements span three orders
// of magnitude, the shape on which a per-element relative bound failed.
GradientBuilder MatMulProblem(int64_t m, int64_t k, int64_t n) {
  return [=](const Scope& root) {
    Rng rng(7);
    GradientProblem problem;
    const Output a = ops::Placeholder(root.WithOpName("a"), DT_DOUBLE, PartialShape({m, k}));
    const Output b = ops::Placeholder(root.WithOpName("b"), DT_DOUBLE, PartialShape({k, n}));
    problem.xs = {a, b};
    problem.x_values = {ToTensor(RandomRef(DT_DOUBLE, {m, k}, {}, rng)),
                        ToTensor(RandomRef(DT_DOUBLE, {k, n}, {}, rng))};
    problem.ys = {ops::MatMul(root, a, b)};
    return problem;
  };
}

// The element of largest magnitude: an error of 1e-4 relative to it is one
// every check must see.
size_t LargestElement(const RefTensor& t) {
  size_t best = 0;
  for (size_t i = 1; i < t.values.size(); ++i) {
    if (std::abs(t.values[i]) > std::abs(t.values[best])) best = i;
  }
  return best;
}

TEST_CASE("the gradient checker holds on gradient elements small next to the loss",
          "[harness][gradients]") {
  // Rounding on another BLAS moves a small element's central difference by
  // more than 1e-6 of itself; the bound scales with the loss, not with it.
  GradientCheckOptions options;
  options.corrupt_analytic = [](std::vector<RefTensor>& analytic) {
    // Every gradient element goes through the check, small ones included.
    double smallest = INFINITY, largest = 0;
    for (double v : analytic[0].values) {
      smallest = std::min(smallest, std::abs(v));
      largest = std::max(largest, std::abs(v));
    }
    CHECK(smallest < 1e-3 * largest);
  };
  const GradientCheckResult result = CheckGradients(MatMulProblem(64, 128, 48), options);
  INFO(result.Report());
  CHECK(result.ok());
  CHECK(result.elements_checked == 64 * 128 + 128 * 48);
  CHECK(result.worst_error_ratio < 0.05);
}

TEST_CASE("the gradient checker catches a gradient off by 1e-4 in one element",
          "[harness][gradients]") {
  for (int x : {0, 1}) {
    GradientCheckOptions options;
    options.corrupt_analytic = [x](std::vector<RefTensor>& analytic) {
      analytic[x].values[LargestElement(analytic[x])] *= 1 + 1e-4;
    };
    const GradientCheckResult result = CheckGradients(MatMulProblem(16, 24, 8), options);
    INFO("x " << x << ": " << result.Report());
    CHECK(result.failures.size() == 1);
  }
}

TEST_CASE("the gradient checker catches a transposed gradient", "[harness][gradients]") {
  GradientCheckOptions options;
  options.corrupt_analytic = [](std::vector<RefTensor>& analytic) {
    RefTensor& g = analytic[0];  // square: the transpose has the same shape
    const int64_t n = g.dims[0];
    const std::vector<double> v = g.values;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) g.values[i * n + j] = v[j * n + i];
  };
  const GradientCheckResult result = CheckGradients(MatMulProblem(6, 6, 6), options);
  INFO(result.Report());
  CHECK_FALSE(result.ok());
}

// y = x + b with b [3] broadcast over the rows of x [4,3]: b's gradient is
// the sum of the rows of y's.
GradientBuilder BroadcastAddProblem() {
  return [](const Scope& root) {
    Rng rng(11);
    GradientProblem problem;
    const Output x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, PartialShape({4, 3}));
    const Output b = ops::Placeholder(root.WithOpName("b"), DT_DOUBLE, PartialShape({3}));
    problem.xs = {x, b};
    problem.x_values = {ToTensor(RandomRef(DT_DOUBLE, {4, 3}, {}, rng)),
                        ToTensor(RandomRef(DT_DOUBLE, {3}, {}, rng))};
    problem.ys = {ops::Tanh(root, ops::AddV2(root, x, b))};
    return problem;
  };
}

TEST_CASE("the gradient checker catches a missing broadcast reduction", "[harness][gradients]") {
  const GradientCheckResult right = CheckGradients(BroadcastAddProblem());
  INFO(right.Report());
  CHECK(right.ok());

  SECTION("the reduction left out: one row where the sum of four belongs") {
    GradientCheckOptions options;
    options.corrupt_analytic = [](std::vector<RefTensor>& analytic) {
      // b's gradient becomes the first row of the upstream gradient, which
      // is x's (d(x + b)/dx is the identity).
      for (size_t j = 0; j < 3; ++j) analytic[1].values[j] = analytic[0].values[j];
    };
    const GradientCheckResult result = CheckGradients(BroadcastAddProblem(), options);
    INFO(result.Report());
    CHECK(result.failures.size() == 3);
  }
  SECTION("the reduction left out: the gradient keeps the broadcast shape") {
    const GradientCheckResult result = CheckGradients([](const Scope& root) {
      GradientProblem problem = BroadcastAddProblem()(root);
      problem.ys = {root.WithOpName("y").AddNode("_TestBroadcastAddUnreduced",
                                                 {problem.xs[0], problem.xs[1]})};
      return problem;
    });
    INFO(result.Report());
    REQUIRE(result.failures.size() == 1);
    CHECK(result.failures[0].find("gradient is double [4,3], the input double [3]") !=
          std::string::npos);
  }
}

TEST_CASE("the gradient checker skips points with no derivative", "[harness][gradients]") {
  const GradientCheckResult result =
      CheckGradients(UnaryProblem("_TestAbs", Tensor::FromVector<double>({-1, 0, 2})));
  INFO(result.Report());
  CHECK(result.ok());
  CHECK(result.kinks_skipped == 1);
  CHECK(result.elements_checked == 2 + 2);
}

TEST_CASE("the gradient checker reports a builder or pass that throws", "[harness][gradients]") {
  const GradientCheckResult result = CheckGradients([](const Scope& root) -> GradientProblem {
    ThrowInvalid("no graph today");
  });
  CHECK_FALSE(result.ok());
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].find("no graph today") != std::string::npos);
}

// --- every op in the registry ---------------------------------------------------

// Float64 only: a central difference with a 1e-6 step needs the precision,
// and the gradient functions are dtype-generic, so float32 adds nothing.
// Other type attrs (index and label types) take all their values, but a
// floating one other than float64 (a Cast to float32) is left out.
bool IsFloat64Assignment(const TypeMap& types) {
  return std::none_of(types.begin(), types.end(), [](const auto& entry) {
    return IsFloating(entry.second) && entry.second != DT_DOUBLE;
  });
}

// Ops the cases do not reach because their inputs cannot be made from
// values, with where their gradient is checked instead.
const std::map<std::string, std::string, std::less<>>& CheckedElsewhere() {
  static const std::map<std::string, std::string, std::less<>> ops = {
      {"ReadVariableOp", "tests/graph/gradients_test.cc (a resource input)"},
  };
  return ops;
}

// Cases for differentiable ops whose forward harness entry is a behaviour
// check rather than cases.
std::vector<OpCase> GradientOnlyCases(std::string_view op, Rng& rng) {
  if (op == "PlaceholderWithDefault") {
    const RefTensor x = RandomRef(DT_DOUBLE, {2, 3}, {}, rng);
    return {ExpectOutputs("default [2,3]", {Fed(x)},
                          {{"dtype", DT_DOUBLE}, {"shape", PartialShape({-1, 3})}}, {x})};
  }
  return {};
}

struct Coverage {
  std::set<std::string> ops;
  int cases = 0;
  int64_t elements = 0;
  int64_t kinks = 0;
  double worst_error_ratio = 0;
};

// The case's op applied to its inputs; the floating inputs are the xs, fed
// from Placeholders, the rest are built as the forward harness builds them.
GradientProblem BuildCase(const Scope& root, const std::string& op, const OpCase& c,
                          const TypeMap& types) {
  GradientProblem problem;
  std::vector<Output> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const RefTensor& value = c.inputs[i].value;
    const Scope named = root.WithOpName("input_" + std::to_string(i));
    if (!IsFloating(value.dtype) && c.inputs[i].constant) {
      inputs.push_back(ops::Const(named, ToTensor(value)));
      continue;
    }
    const Output p = ops::Placeholder(named, value.dtype, PartialShape(value.dims));
    inputs.push_back(p);
    if (IsFloating(value.dtype)) {
      problem.xs.push_back(p);
      problem.x_values.push_back(ToTensor(value));
    } else {
      problem.fixed_feeds.emplace_back(p, ToTensor(value));
    }
  }
  AttrMap attrs = c.attrs;
  for (const auto& [name, t] : types) attrs.emplace(name, t);
  Node* node = root.WithOpName("op_under_test").AddNode(op, inputs, attrs);
  for (int k = 0; k < node->num_outputs(); ++k) problem.ys.push_back(node->output(k));
  return problem;
}

// Differentiable float64 inputs and outputs: what a case needs to be checked.
bool Checkable(const OpCase& c) {
  if (c.error) return false;
  const bool has_x = std::any_of(c.inputs.begin(), c.inputs.end(),
                                 [](const CaseInput& in) { return IsFloating(in.value.dtype); });
  const bool has_y = std::any_of(c.expected.begin(), c.expected.end(),
                                 [](const RefTensor& y) { return IsFloating(y.dtype); });
  return has_x && has_y;
}

// on_gpu: the device axis on a GPU, its analytic gradients against the
// same central differences (not bit for bit the CPU's: another summation
// order and libm); else the CPU's, and the test device's bit for bit.
void CheckCase(const std::string& op, const OpCase& c, const TypeMap& types, uint32_t seed,
               Coverage& coverage, bool on_gpu) {
  GradientCheckOptions options;
  options.seed = seed;
  if (on_gpu) {
    options.analytic_session.device = "GPU";
  } else {
    options.compare_device = "TEST";
  }
  const GradientCheckResult result = CheckGradients(
      [&](const Scope& root) { return BuildCase(root, op, c, types); }, options);
  INFO(op << " [" << Describe(types) << "] case '" << c.label << "'" << (on_gpu ? " on the GPU" : "")
          << ": " << result.Report());
  CHECK(result.ok());
  ++coverage.cases;
  coverage.ops.insert(op);
  coverage.elements += result.elements_checked;
  coverage.kinks += result.kinks_skipped;
  coverage.worst_error_ratio = std::max(coverage.worst_error_ratio, result.worst_error_ratio);
}

void RunGradientHarness(bool on_gpu) {
  Coverage coverage;
  std::vector<std::string> unreached;
  for (const OpDef* op : OpRegistry::Global().List()) {
    if (!op->gradient || IsTestOnlyOp(op->name) || !HarnessSelects(op->name)) continue;
    const auto kernel_dtypes = KernelDTypes(*op);
    const bool float64_kernel =
        std::find(kernel_dtypes.begin(), kernel_dtypes.end(), DT_DOUBLE) != kernel_dtypes.end();
    const DataType kernel_dtype = float64_kernel ? DT_DOUBLE : kernel_dtypes.front();
    Rng rng = RngFor(op->name);
    uint32_t seed = static_cast<uint32_t>(rng());
    const int cases_before = coverage.cases;

    auto entry = CaseTable().find(op->name);
    const std::vector<std::string> type_attrs =
        entry != CaseTable().end() ? entry->second.type_attrs : std::vector<std::string>{};
    for (const TypeMap& types : TypeAssignments(*op, kernel_dtype, type_attrs)) {
      if (!IsFloat64Assignment(types)) continue;
      std::vector<OpCase> cases;
      try {
        cases = entry != CaseTable().end() ? entry->second.cases(types, rng)
                                           : GradientOnlyCases(op->name, rng);
      } catch (const std::exception& e) {
        FAIL_CHECK(op->name << " [" << Describe(types) << "]: making cases threw: " << e.what());
      }
      for (const OpCase& c : cases) {
        if (Checkable(c)) CheckCase(op->name, c, types, seed++, coverage, on_gpu);
      }
    }
    if (coverage.cases == cases_before && !CheckedElsewhere().contains(op->name))
      unreached.push_back(op->name);
  }
  WARN((on_gpu ? "gradient harness on the GPU: " : "gradient harness: ") << coverage.ops.size() << " ops, " << coverage.cases
                            << " float64 cases, " << coverage.elements
                            << " input elements checked (" << coverage.kinks
                            << " skipped at kinks), worst error "
                            << coverage.worst_error_ratio << " of the allowed");
  INFO("differentiable ops that no float64 case reaches:" << JoinLines(unreached));
  CHECK(unreached.empty());
}

TEST_CASE("every differentiable op's gradient matches a central difference on float64",
          "[harness][gradients]") {
  RunGradientHarness(false);
}

TEST_CASE("every differentiable op's gradient on the GPU matches a central difference",
          "[cuda][harness][gradients]") {
  TG_REQUIRE_GPU();
  RunGradientHarness(true);
}

TEST_CASE("every op has a gradient or is marked not differentiable", "[harness][gradients]") {
  std::vector<std::string> missing;
  for (const OpDef* op : OpRegistry::Global().List()) {
    if (!op->gradient && !op->not_differentiable && !IsTestOnlyOp(op->name))
      missing.push_back(op->name);
  }
  INFO(missing.size() << " ops have neither a gradient nor NotDifferentiable():"
                      << JoinLines(missing));
  CHECK(missing.empty());
}

TEST_CASE("no op has both a gradient and NotDifferentiable()", "[harness][gradients]") {
  std::vector<std::string> both;
  for (const OpDef* op : OpRegistry::Global().List()) {
    if (op->gradient && op->not_differentiable) both.push_back(op->name);
  }
  INFO("ops with both:" << JoinLines(both));
  CHECK(both.empty());
}

}  // namespace
}  // namespace tensorgraph::testing
