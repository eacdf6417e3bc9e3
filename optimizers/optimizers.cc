// Each optimizer's ApplyDense: its slots, its hyperparameters as tensors of
// the variable's dtype, and one update op.
#include "optimizers/optimizers.h"

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/training_ops.h"

namespace tensorgraph::train {

GradientDescent::GradientDescent(GradientDescentOptions options)
    : Optimizer("GradientDescent"), options_(std::move(options)) {}

Node* GradientDescent::ApplyDense(const Scope& scope, Output grad,
                                  const ops::ResourceVariable& var) {
  return ops::ResourceApplyGradientDescent(
      scope, var.handle, Hyper("learning_rate", options_.learning_rate, var.dtype), grad);
}

Momentum::Momentum(MomentumOptions options)
    : Optimizer("Momentum"), options_(std::move(options)) {}

Node* Momentum::ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) {
  const ops::ResourceVariable accum = Slot(var, "momentum", 0);
  return ops::ResourceApplyMomentum(scope, var.handle, accum.handle,
                                    Hyper("learning_rate", options_.learning_rate, var.dtype),
                                    grad, Hyper("momentum", options_.momentum, var.dtype),
                                    {.use_nesterov = options_.nesterov});
}

Adam::Adam(AdamOptions options) : Adam("Adam", std::move(options)) {}

Adam::Adam(std::string name, AdamOptions options)
    : Optimizer(std::move(name)), options_(std::move(options)) {}

Node* Adam::ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) {
  const ops::ResourceVariable m = Slot(var, "m", 0), v = Slot(var, "v", 0);
  auto powers = powers_.find(var.dtype);
  if (powers == powers_.end()) {
    Graph& graph = scope.graph();
    // Read outside the caller's scope, which may carry control dependencies.
    auto made = [&graph, dtype = var.dtype, this](const char* name, double beta) {
      const ops::ResourceVariable power = NonSlot(graph, name, dtype, beta);
      return BetaPower{power, beta, power.Read(Scope(graph).WithOpName(
                                        graph.UniqueName(power.handle.node->name() + "/read")))};
    };
    powers = powers_
                 .emplace(var.dtype, std::vector<BetaPower>{made("beta1_power", options_.beta1),
                                                            made("beta2_power", options_.beta2)})
                 .first;
  }
  return ops::ResourceApplyAdam(scope, var.handle, m.handle, v.handle, powers->second[0].value,
                                powers->second[1].value,
                                Hyper("learning_rate", options_.learning_rate, var.dtype),
                                Hyper("beta1", options_.beta1, var.dtype),
                                Hyper("beta2", options_.beta2, var.dtype),
                                Hyper("epsilon", options_.epsilon, var.dtype), grad,
                                {.use_nesterov = options_.nesterov});
}

std::vector<Node*> Adam::Finish(const Scope& scope) {
  // beta^t -> beta^(t+1), from the values this step's updates read; each
  // update is named after its variable, which is unique per dtype.
  std::vector<Node*> nodes;
  for (const auto& [dtype, powers] : powers_) {
    for (const BetaPower& power : powers) {
      nodes.push_back(power.var.Assign(
          scope.WithOpName("update_" + power.var.handle.node->name()),
          ops::Mul(scope, power.value, ops::ScalarConst(scope, dtype, power.beta))));
    }
  }
  return nodes;
}

AdamW::AdamW(AdamWOptions options)
    : Adam("AdamW", {.learning_rate = options.learning_rate,
                     .beta1 = options.beta1,
                     .beta2 = options.beta2,
                     .epsilon = options.epsilon}),
      options_(std::move(options)) {}

Node* AdamW::ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) {
  // var -= lr * wd * var first; the Adam update then runs on the decayed
  // value, as in PyTorch's AdamW. The decay waits for the gradient, so the
  // step's forward and backward passes read the weights before it.
  const Scope after_grad = scope.WithControlDependencies(std::vector<Node*>{grad.node});
  const Output lr = Hyper("learning_rate", options_.learning_rate, var.dtype);
  const Output decay_rate = ops::Mul(scope, lr, Hyper("weight_decay", options_.weight_decay,
                                                      var.dtype));
  Node* decay = ops::AssignSubVariableOp(scope.WithOpName("weight_decay"), var.handle,
                                         ops::Mul(scope, var.Read(after_grad), decay_rate));
  return Adam::ApplyDense(scope.WithControlDependencies(std::vector<Node*>{decay}), grad, var);
}

RMSProp::RMSProp(RMSPropOptions options) : Optimizer("RMSProp"), options_(std::move(options)) {}

Node* RMSProp::ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) {
  const ops::ResourceVariable ms = Slot(var, "rms", 0), mom = Slot(var, "momentum", 0);
  const Output lr = Hyper("learning_rate", options_.learning_rate, var.dtype);
  const Output rho = Hyper("decay", options_.decay, var.dtype);
  const Output momentum = Hyper("momentum", options_.momentum, var.dtype);
  const Output epsilon = Hyper("epsilon", options_.epsilon, var.dtype);
  if (options_.centered) {
    const ops::ResourceVariable mg = Slot(var, "mg", 0);
    return ops::ResourceApplyCenteredRMSProp(scope, var.handle, mg.handle, ms.handle, mom.handle,
                                             lr, rho, momentum, epsilon, grad);
  }
  return ops::ResourceApplyRMSProp(scope, var.handle, ms.handle, mom.handle, lr, rho, momentum,
                                   epsilon, grad);
}

Adagrad::Adagrad(AdagradOptions options) : Optimizer("Adagrad"), options_(std::move(options)) {}

Node* Adagrad::ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) {
  const ops::ResourceVariable accum =
      Slot(var, "accumulator", options_.initial_accumulator_value);
  return ops::ResourceApplyAdagradV2(scope, var.handle, accum.handle,
                                     Hyper("learning_rate", options_.learning_rate, var.dtype),
                                     Hyper("epsilon", options_.epsilon, var.dtype), grad);
}

}  // namespace tensorgraph::train
