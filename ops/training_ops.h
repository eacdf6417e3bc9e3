// Update ops: TensorFlow's ResourceApply* ops, which change a variable (and
// its optimizer slots) in place from a gradient, plus AssignSubVariableOp.
// Optimizers (optimizers/) build these; each op's doc gives its formula.
// Every hyperparameter is a scalar tensor of the variable's dtype, so a
// learning rate may be a schedule computed in the graph.
#pragma once

#include "graph/scope.h"

namespace tensorgraph::ops {

// var -= alpha * delta.
Node* ResourceApplyGradientDescent(const Scope& scope, Output var, Output alpha, Output delta);

struct MomentumAttrs {
  bool use_nesterov = false;
};
// accum = momentum * accum + grad; var -= lr * accum
// (Nesterov: var -= lr * (grad + momentum * accum)).
Node* ResourceApplyMomentum(const Scope& scope, Output var, Output accum, Output lr, Output grad,
                            Output momentum, const MomentumAttrs& attrs = {});

struct AdamAttrs {
  bool use_nesterov = false;
};
// m, v: first and second moments; beta1_power, beta2_power: beta^t for the
// bias correction.
Node* ResourceApplyAdam(const Scope& scope, Output var, Output m, Output v, Output beta1_power,
                        Output beta2_power, Output lr, Output beta1, Output beta2, Output epsilon,
                        Output grad, const AdamAttrs& attrs = {});

// ms: mean square; mom: momentum accumulator.
Node* ResourceApplyRMSProp(const Scope& scope, Output var, Output ms, Output mom, Output lr,
                           Output rho, Output momentum, Output epsilon, Output grad);
// As ResourceApplyRMSProp, normalising by the variance (mg: mean gradient).
Node* ResourceApplyCenteredRMSProp(const Scope& scope, Output var, Output mg, Output ms,
                                   Output mom, Output lr, Output rho, Output momentum,
                                   Output epsilon, Output grad);

struct AdagradAttrs {
  bool update_slots = true;
};
Node* ResourceApplyAdagradV2(const Scope& scope, Output var, Output accum, Output lr,
                             Output epsilon, Output grad, const AdagradAttrs& attrs = {});

// Subtracts `value` (of the variable's shape) from the variable.
Node* AssignSubVariableOp(const Scope& scope, Output resource, Output value);

}  // namespace tensorgraph::ops
