#include "kernels/apply_op.h"

#include "kernels/variable_handle.h"

namespace tensorgraph {
namespace {

int GradientInput(const Node& node) {
  const auto& inputs = node.op_def().inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].name == "grad" || inputs[i].name == "delta") return static_cast<int>(i);
  }
  ThrowError(ErrorCode::kInternal, node.op(), " has no input named grad or delta");
}

}  // namespace

ApplyOpKernel::ApplyOpKernel(const Node& node, Device& device, int num_variables)
    : OpKernel(node, device),
      dtype_(attr<DataType>("T")),
      num_variables_(num_variables),
      grad_(GradientInput(node)) {}

void ApplyOpKernel::Compute(OpKernelContext& ctx) {
  std::vector<Variable*> variables;
  for (int i = 0; i < num_variables_; ++i) {
    Variable* variable = &HandleVariable(ctx, i, dtype_);
    for (const Variable* other : variables) {
      if (other == variable) {
        ctx.Fail("'", InputName(i), "' is the same variable '", variable->name(),
                 "' as an earlier input; each slot needs its own variable");
      }
    }
    variables.push_back(variable);
  }
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (IsScalarInput(i) && ctx.input(i).rank() != 0) {
      ctx.Fail("'", InputName(i), "' must be a scalar, got shape ",
               ctx.input(i).shape().ToString());
    }
  }
  std::vector<Tensor*> values;
  AsNodeError(ctx, [&] { LockAndApply(ctx, variables, values); });
}

// Takes the variables' locks in input order (the variable first, then its
// slots, as every update op lists them) and applies with all held.
void ApplyOpKernel::LockAndApply(const OpKernelContext& ctx, std::span<Variable* const> variables,
                                 std::vector<Tensor*>& values) {
  if (values.size() < variables.size()) {
    variables[values.size()]->Update([&](Tensor& value) {
      values.push_back(&value);
      LockAndApply(ctx, variables, values);
    });
    return;
  }
  const Tensor& grad = ctx.input(grad_);
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k]->shape() != grad.shape()) {
      ctx.Fail("variable '", variables[k]->name(), "' ('", InputName(static_cast<int>(k)),
               "') has shape ", values[k]->shape().ToString(), " but the gradient has shape ",
               grad.shape().ToString());
    }
  }
  for (Tensor* value : values) CopyOnWrite(ctx.device(), *value);
  Apply(ctx, values, grad);
}

}  // namespace tensorgraph
