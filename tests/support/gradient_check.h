// Test support for gradients: a finite-difference check of the gradient
// pass on any graph, and the parts of the op harness its forward mode
// (tests/ops/op_harness_test.cc) and gradient mode
// (tests/ops/gradient_harness_test.cc) share, so that both walk the same
// ops, dtypes and cases.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensorgraph.h"
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

// --- the finite-difference check ----------------------------------------------

// What a builder hands the check: the tensors to differentiate (`ys`) and
// the float64 tensors (`xs`, normally Placeholders) they are functions of,
// with the values at which to differentiate.
struct GradientProblem {
  std::vector<Output> xs;
  std::vector<Tensor> x_values;
  std::vector<Output> ys;
  // Values for other fed tensors the ys need (an index fed at run time).
  FeedList fixed_feeds;
};
using GradientBuilder = std::function<GradientProblem(const Scope&)>;

// How far an analytic gradient element may be from its central difference.
// A central difference of L with step h carries two errors: truncation,
// about h^2 |f'''| / 6, which is relative to the derivative's own size, and
// rounding, about eps |L| / h, which is not: it is the same for an element
// of 1e-4 as for one of 10. So an element passes when
//
//   |analytic - numeric| <= rtol * max(|analytic|, |numeric|)
//                           + gradient_atol * max_i |numeric_i|
//                           + rounding * eps(dtype) * |L|_1 / h
//
// where max_i runs over the whole gradient of that x (the absolute error
// one element inherits from the scale of its neighbours' computation, as
// PyTorch's gradcheck atol and TensorFlow's compute_gradient_error measure
// it), |L|_1 = sum |w_k y_k| is the scale of the loss, and eps is the
// machine epsilon of the dtype the ys are computed in. No term depends on
// which BLAS, CPU or device computed the ys, only on how they round.
struct GradientTolerance {
  double rtol = 1e-6;
  double gradient_atol = 1e-7;
  // Rounding error of one evaluation of L, in units of eps * |L|_1: the
  // ys' own accumulation (a dot product's, a reduction's) is in here.
  double rounding = 8;
};

// The bound above for one element: `gradient_scale` is max_i |numeric_i|,
// `loss_l1` is |L|_1, `width` the difference's (x + h) - (x - h), that is
// 2h, and `epsilon` the ys' dtype's. The rounding part alone is reported
// in failures.
inline double RoundingAllowance(const GradientTolerance& tol, double loss_l1, double width,
                                double epsilon) {
  // Rounding in L(x + h) - L(x - h), each within rounding * eps * |L|_1.
  return 2 * tol.rounding * epsilon * loss_l1 / width;
}
double AllowedGradientError(const GradientTolerance& tol, double analytic, double numeric,
                            double gradient_scale, double loss_l1, double width, double epsilon);

struct GradientCheckOptions {
  // The central difference's step is step * max(|x|, 1) for each element.
  double step = 1e-6;
  GradientTolerance tolerance;
  // Seeds the weights w_k of L = sum_k sum(y_k * w_k).
  uint32_t seed = 1;
  // Where the analytic gradient runs. The central differences always run
  // on the CPU, so a device's gradient kernels are checked against the
  // CPU's forward kernels as well as against the calculus.
  SessionOptions analytic_session;
  // When set, the analytic gradients are computed again in a session on
  // this device and must equal the CPU's bit for bit.
  std::string compare_device;
  // Called with the analytic gradients (one per x, in float64) before they
  // are compared: lets a test corrupt a right gradient and prove that the
  // check catches it. Unset in every real check.
  std::function<void(std::vector<RefTensor>& analytic)> corrupt_analytic;
};

struct GradientCheckResult {
  int xs_checked = 0;
  int64_t elements_checked = 0;
  // Elements where the one-sided differences disagree: the function has a
  // kink there (|x| at 0, a tie in a max), so it has no derivative to check.
  int64_t kinks_skipped = 0;
  // The largest |analytic - numeric| over the element's allowed error, over
  // every element checked: below 1 passes, and how far below says how much
  // room the tolerance leaves.
  double worst_error_ratio = 0;
  // Floating ys that entered L; none means there was nothing to check.
  int ys_used = 0;
  // What went wrong, one line each; empty when the check passed.
  std::vector<std::string> failures;

  bool ok() const { return failures.empty(); }
  std::string Report() const;
};

// Builds the problem in a fresh graph, forms L = sum_k sum(y_k * w_k) over
// the floating ys with fixed random weights w_k, calls AddGradients(L, xs)
// (unconnected xs get zeros), runs the gradients (also through a save and
// reload, which must give the same bits) and compares each element of each
// x's gradient with a central difference of L. Building or running errors
// are reported as failures, not thrown.
GradientCheckResult CheckGradients(const GradientBuilder& build,
                                   const GradientCheckOptions& options = {});

// --- shared by the op harness's forward and gradient modes ----------------------

// The entries of the pure ops: their cases and float64 references. The
// forward mode adds behaviour checks for the ops that are not pure.
const HarnessTable& CaseTable();

// The allowed values of a type attr that the project supports.
std::vector<DataType> SupportedValues(const AttrDef& attr);
// The dtypes the op's kernels are chosen by; DT_INVALID alone for an op
// whose kernels take any dtype.
std::vector<DataType> KernelDTypes(const OpDef& op);
// Every assignment of the entry's type attrs with the kernel attr fixed.
std::vector<TypeMap> TypeAssignments(const OpDef& op, DataType kernel_dtype,
                                     const std::vector<std::string>& type_attrs);
// "T=float, Tidx=int32", or "no type attrs".
std::string Describe(const TypeMap& types);
// Seeded from the op's name, so each op's inputs do not depend on which
// other ops are registered.
Rng RngFor(std::string_view op);
// Ops that tests register for themselves (to provoke an error, or to check
// the checker) are named "_Test..."; the harness's completeness checks leave
// them out.
inline bool IsTestOnlyOp(std::string_view op) { return op.starts_with("_Test"); }
// Whether the harness runs `op`: every op, unless the environment variable
// TG_HARNESS_OPS lists some ("Conv2D,MaxPool"), to run one family's cases
// while working on it. The completeness checks still see every op.
bool HarnessSelects(std::string_view op);
// "\n  a\n  b": a list for a failure message.
std::string JoinLines(const std::vector<std::string>& lines);

}  // namespace tensorgraph::testing
