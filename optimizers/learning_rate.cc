#include "optimizers/learning_rate.h"

#include <numbers>

#include "ops/array_ops.h"
#include "ops/math_ops.h"

namespace tensorgraph::train {
namespace {

Output Float(const Scope& scope, double value) { return ops::ScalarConst(scope, DT_FLOAT, value); }

// The step as a float scalar; it must be an integer scalar.
Output FloatStep(const Scope& scope, Output step, const char* schedule) {
  if (step.dtype() != DT_INT64 && step.dtype() != DT_INT32) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat(schedule, ": the step must be an int32 or int64 scalar, got ",
                       DataTypeName(step.dtype()), " '", step.name(), "'"));
  }
  if (!step.shape().IsCompatibleWith(Shape{})) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat(schedule, ": the step must be a scalar, '", step.name(), "' has shape ",
                       step.shape().ToString()));
  }
  return ops::Cast(scope, step, DT_FLOAT);
}

void CheckPositive(int64_t steps, const char* what, const char* schedule) {
  if (steps <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat(schedule, ": ", what, " must be positive, got ", steps));
  }
}

}  // namespace

Output ExponentialDecay(const Scope& scope, Output step, const ExponentialDecayOptions& options) {
  CheckPositive(options.decay_steps, "decay_steps", "ExponentialDecay");
  const Scope s = scope.NewSubScope("ExponentialDecay");
  Output exponent = ops::RealDiv(s, FloatStep(s, step, "ExponentialDecay"),
                                 Float(s, static_cast<double>(options.decay_steps)));
  if (options.staircase) exponent = ops::Floor(s, exponent);
  return ops::Mul(s.WithOpName("learning_rate"), Float(s, options.learning_rate),
                  ops::Pow(s, Float(s, options.decay_rate), exponent));
}

Output PiecewiseConstant(const Scope& scope, Output step, const std::vector<int64_t>& boundaries,
                         const std::vector<double>& values) {
  if (values.size() != boundaries.size() + 1) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("PiecewiseConstant: ", boundaries.size(), " boundaries need ",
                       boundaries.size() + 1, " values, got ", values.size()));
  }
  for (size_t i = 1; i < boundaries.size(); ++i) {
    if (boundaries[i] <= boundaries[i - 1]) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("PiecewiseConstant: boundaries must increase, but ", boundaries[i],
                         " follows ", boundaries[i - 1]));
    }
  }
  const Scope s = scope.NewSubScope("PiecewiseConstant");
  FloatStep(s, step, "PiecewiseConstant");  // checks the step
  // From the last interval back: step <= b (as step < b + 1 on integers)
  // selects the value before the boundary.
  Output result = Float(s, values.back());
  for (size_t i = boundaries.size(); i-- > 0;) {
    const Output bound = ops::ScalarConst(s, step.dtype(), static_cast<double>(boundaries[i] + 1));
    const Scope named = i == 0 ? s.WithOpName("learning_rate") : s;
    result = ops::SelectV2(named, ops::Less(s, step, bound), Float(s, values[i]), result);
  }
  return result;
}

Output CosineDecay(const Scope& scope, Output step, const CosineDecayOptions& options) {
  CheckPositive(options.decay_steps, "decay_steps", "CosineDecay");
  if (options.warmup_steps < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("CosineDecay: warmup_steps must not be negative, got ",
                       options.warmup_steps));
  }
  const Scope s = scope.NewSubScope("CosineDecay");
  const Output t = FloatStep(s, step, "CosineDecay");
  const auto warmup = static_cast<double>(options.warmup_steps);
  const Output progress = ops::Minimum(
      s, ops::Maximum(s, ops::Sub(s, t, Float(s, warmup)), Float(s, 0)),
      Float(s, static_cast<double>(options.decay_steps)));
  const Output cosine = ops::Cos(
      s, ops::Mul(s, progress,
                  Float(s, std::numbers::pi / static_cast<double>(options.decay_steps))));
  // (1 - alpha) * (1 + cos) / 2 + alpha
  const Output factor = ops::AddV2(
      s, ops::Mul(s, ops::AddV2(s, cosine, Float(s, 1)), Float(s, (1 - options.alpha) / 2)),
      Float(s, options.alpha));
  const Output decayed = ops::Mul(s, factor, Float(s, options.learning_rate));
  if (options.warmup_steps == 0) return ops::Identity(s.WithOpName("learning_rate"), decayed);
  const Output warming = ops::AddV2(
      s, Float(s, options.warmup_start),
      ops::Mul(s, t, Float(s, (options.learning_rate - options.warmup_start) / warmup)));
  return ops::SelectV2(s.WithOpName("learning_rate"), ops::Less(s, t, Float(s, warmup)), warming,
                       decayed);
}

}  // namespace tensorgraph::train
