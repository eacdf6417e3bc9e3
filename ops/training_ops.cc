// Update ops: definitions and builders. Signatures, formulas and slot
// orders are TensorFlow's (core/ops/training_ops.cc), so graphs that train
// load in either framework. The shape functions check, when the graph is
// built, what the kernels check again on each run: every variable and slot
// holds T with the gradient's shape, and hyperparameters are scalars.
#include "ops/training_ops.h"

#include "graph/op_registry.h"

namespace tensorgraph {
namespace {

// Inputs [0, num_variables) are resources; `grad` is the gradient's input
// index; every other input is a scalar hyperparameter.
ShapeFn ApplyShape(int num_variables, int grad) {
  return [num_variables, grad](InferenceContext& c) {
    const DataType t = c.attr<DataType>("T");
    PartialShape shape = c.input_shape(grad);
    for (int i = 0; i < c.num_inputs(); ++i) {
      const std::string& name = c.op_def().inputs[i].name;
      if (i < num_variables) {
        const HandleData* handle = c.input_handle_data(i);
        if (handle == nullptr) continue;
        if (handle->dtype != t) {
          c.Fail("'", name, "' holds ", DataTypeName(handle->dtype), " but T is ",
                 DataTypeName(t));
        }
        std::optional<PartialShape> merged = shape.Merge(handle->shape);
        if (!merged) {
          c.Fail("'", name, "' has shape ", handle->shape.ToString(),
                 " but the gradient has shape ", c.input_shape(grad).ToString());
        }
        shape = *std::move(merged);
      } else if (i != grad && !c.input_shape(i).IsCompatibleWith(Shape{})) {
        c.Fail("'", name, "' must be a scalar, got shape ", c.input_shape(i).ToString());
      }
    }
  };
}

TG_REGISTER_OP("ResourceApplyGradientDescent")
    .Input("var: resource")
    .Input("alpha: T")
    .Input("delta: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape(1, 2))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("var -= alpha * delta. Updates always hold the variable's lock; use_locking is kept for "
         "compatibility.");

TG_REGISTER_OP("ResourceApplyMomentum")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("grad: T")
    .Input("momentum: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetShapeFn(ApplyShape(2, 3))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("accum = accum * momentum + grad; var -= lr * accum, or with use_nesterov "
         "var -= lr * grad + lr * momentum * accum.");

TG_REGISTER_OP("ResourceApplyAdam")
    .Input("var: resource")
    .Input("m: resource")
    .Input("v: resource")
    .Input("beta1_power: T")
    .Input("beta2_power: T")
    .Input("lr: T")
    .Input("beta1: T")
    .Input("beta2: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetShapeFn(ApplyShape(3, 9))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (grad - m) * (1 - beta1); "
         "v += (grad^2 - v) * (1 - beta2); var -= lr_t * m / (sqrt(v) + epsilon), or with "
         "use_nesterov var -= lr_t * (beta1 * m + (1 - beta1) * grad) / (sqrt(v) + epsilon).");

TG_REGISTER_OP("ResourceApplyRMSProp")
    .Input("var: resource")
    .Input("ms: resource")
    .Input("mom: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape(3, 7))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("ms += (grad^2 - ms) * (1 - rho); mom = mom * momentum + lr * grad / sqrt(ms + epsilon); "
         "var -= mom.");

TG_REGISTER_OP("ResourceApplyCenteredRMSProp")
    .Input("var: resource")
    .Input("mg: resource")
    .Input("ms: resource")
    .Input("mom: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape(4, 8))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("ms += (grad^2 - ms) * (1 - rho); mg += (grad - mg) * (1 - rho); mom = mom * momentum + "
         "lr * grad / sqrt(ms - mg^2 + epsilon); var -= mom.");

TG_REGISTER_OP("ResourceApplyAdagradV2")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("update_slots: bool = true")
    .SetShapeFn(ApplyShape(2, 4))
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("accum += grad^2 (when update_slots); var -= lr * grad / (sqrt(accum) + epsilon).");

TG_REGISTER_OP("AssignSubVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr("dtype: {float, double, int32, int64}")
    .SetShapeFn([](InferenceContext& c) {
      const HandleData* handle = c.input_handle_data(0);
      if (handle == nullptr) return;
      if (handle->dtype != c.attr<DataType>("dtype")) {
        c.Fail("the variable holds ", DataTypeName(handle->dtype), ", but the op's dtype is ",
               DataTypeName(c.attr<DataType>("dtype")));
      }
      if (!handle->shape.IsCompatibleWith(c.input_shape(1))) {
        c.Fail("value of shape ", c.input_shape(1).ToString(),
               " does not fit the variable's shape ", handle->shape.ToString());
      }
    })
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("Subtracts value from a variable, in place when no reader shares its buffer.");

}  // namespace

namespace ops {

Node* ResourceApplyGradientDescent(const Scope& scope, Output var, Output alpha, Output delta) {
  return scope.AddNode("ResourceApplyGradientDescent", {var, alpha, delta});
}

Node* ResourceApplyMomentum(const Scope& scope, Output var, Output accum, Output lr, Output grad,
                            Output momentum, const MomentumAttrs& attrs) {
  return scope.AddNode("ResourceApplyMomentum", {var, accum, lr, grad, momentum},
                       {{"use_nesterov", attrs.use_nesterov}});
}

Node* ResourceApplyAdam(const Scope& scope, Output var, Output m, Output v, Output beta1_power,
                        Output beta2_power, Output lr, Output beta1, Output beta2, Output epsilon,
                        Output grad, const AdamAttrs& attrs) {
  return scope.AddNode("ResourceApplyAdam",
                       {var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad},
                       {{"use_nesterov", attrs.use_nesterov}});
}

Node* ResourceApplyRMSProp(const Scope& scope, Output var, Output ms, Output mom, Output lr,
                           Output rho, Output momentum, Output epsilon, Output grad) {
  return scope.AddNode("ResourceApplyRMSProp", {var, ms, mom, lr, rho, momentum, epsilon, grad});
}

Node* ResourceApplyCenteredRMSProp(const Scope& scope, Output var, Output mg, Output ms,
                                   Output mom, Output lr, Output rho, Output momentum,
                                   Output epsilon, Output grad) {
  return scope.AddNode("ResourceApplyCenteredRMSProp",
                       {var, mg, ms, mom, lr, rho, momentum, epsilon, grad});
}

Node* ResourceApplyAdagradV2(const Scope& scope, Output var, Output accum, Output lr,
                             Output epsilon, Output grad, const AdagradAttrs& attrs) {
  return scope.AddNode("ResourceApplyAdagradV2", {var, accum, lr, epsilon, grad},
                       {{"update_slots", attrs.update_slots}});
}

Node* AssignSubVariableOp(const Scope& scope, Output resource, Output value) {
  return scope.AddNode("AssignSubVariableOp", {resource, value});
}

}  // namespace ops
}  // namespace tensorgraph
