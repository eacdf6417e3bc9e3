// CPU kernels for the update ops: a device-neutral shell (ApplyOpKernel,
// UpdateOp) around the update rules of kernels/functors/training.h, which
// the CUDA kernels share. Each kernel locks the variable and its slots,
// checks them against the gradient, and rewrites them in place; a buffer
// that a live read still shares is copied first (on the variable's
// device), so reads made earlier in the step see the old value, as they
// would in TensorFlow with resource variables. The buffers are then
// exclusive, so the loops mark them __restrict, and the file is built
// without errno from sqrt (CMakeLists.txt) so that they vectorize.
#include <cmath>
#include <span>

#include "kernels/cpu/variable_handle.h"
#include "kernels/functors/training.h"

namespace tensorgraph {
namespace {

class ApplyOpKernel : public OpKernel {
 public:
  // Inputs [0, num_variables) are handles; input `grad` is the gradient and
  // every other input a scalar hyperparameter.
  ApplyOpKernel(const Node& node, Device& device, int num_variables, int grad)
      : OpKernel(node, device),
        dtype_(attr<DataType>("T")),
        num_variables_(num_variables),
        grad_(grad) {}

  void Compute(OpKernelContext& ctx) override {
    std::vector<Variable*> variables;
    for (int i = 0; i < num_variables_; ++i) {
      Variable* variable = &cpu::HandleVariable(ctx, i, dtype_);
      for (const Variable* other : variables) {
        if (other == variable) {
          ctx.Fail("'", InputName(i), "' is the same variable '", variable->name(),
                   "' as an earlier input; each slot needs its own variable");
        }
      }
      variables.push_back(variable);
    }
    for (int i = num_variables_; i < ctx.num_inputs(); ++i) {
      if (i != grad_ && ctx.input(i).rank() != 0) {
        ctx.Fail("'", InputName(i), "' must be a scalar, got shape ",
                 ctx.input(i).shape().ToString());
      }
    }
    std::vector<Tensor*> values;
    cpu::AsNodeError(ctx, [&] { LockAndApply(ctx, variables, values); });
  }

 protected:
  // Applies the update to values[k], the contents of input k's variable.
  virtual void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
                     const Tensor& grad) = 0;

 private:
  const std::string& InputName(int i) const { return node().op_def().inputs.at(i).name; }

  // Takes the variables' locks in input order (the variable first, then its
  // slots, as every update op lists them) and applies with all held.
  void LockAndApply(const OpKernelContext& ctx, std::span<Variable* const> variables,
                    std::vector<Tensor*>& values) {
    if (values.size() == variables.size()) {
      const Tensor& grad = ctx.input(grad_);
      for (size_t k = 0; k < values.size(); ++k) {
        if (values[k]->shape() != grad.shape()) {
          ctx.Fail("variable '", variables[k]->name(), "' ('", InputName(static_cast<int>(k)),
                   "') has shape ", values[k]->shape().ToString(), " but the gradient has shape ",
                   grad.shape().ToString());
        }
      }
      for (Tensor* value : values) cpu::CopyOnWrite(ctx.device(), *value);
      Apply(ctx, values, grad);
      return;
    }
    variables[values.size()]->Update([&](Tensor& value) {
      values.push_back(&value);
      LockAndApply(ctx, variables, values);
    });
  }

  const DataType dtype_;
  const int num_variables_;
  const int grad_;
};

// The CPU's launch of an update rule: one pass over the elements, the
// buffers exclusive (so __restrict), the rule inlined.
template <typename T, typename Rule>
void RunRule(const Rule& rule, std::span<Tensor* const> values, const Tensor& grad) {
  const int64_t n = grad.num_elements();
  const T* __restrict g = grad.data<T>();
  T* __restrict var = values[0]->data<T>();
  if constexpr (Rule::kSlots == 0) {
    for (int64_t i = 0; i < n; ++i) rule(g[i], var[i]);
  } else {
    T* __restrict s1 = values[1]->data<T>();
    if constexpr (Rule::kSlots == 1) {
      for (int64_t i = 0; i < n; ++i) rule(g[i], var[i], s1[i]);
    } else {
      T* __restrict s2 = values[2]->data<T>();
      if constexpr (Rule::kSlots == 2) {
        for (int64_t i = 0; i < n; ++i) rule(g[i], var[i], s1[i], s2[i]);
      } else {
        T* __restrict s3 = values[3]->data<T>();
        for (int64_t i = 0; i < n; ++i) rule(g[i], var[i], s1[i], s2[i], s3[i]);
      }
    }
  }
}

// The device-neutral shell of an update op: ApplyOpKernel checks and locks;
// this makes the rule from the scalar inputs, in the variable's memory, and
// runs it. The input named "grad" (or "delta") is the gradient.
template <typename T, typename Rule>
class UpdateOp : public ApplyOpKernel {
 public:
  UpdateOp(const Node& node, Device& device)
      : ApplyOpKernel(node, device, 1 + Rule::kSlots, GradientInput(node)) {}

 protected:
  virtual Rule MakeRule(const T* const* scalars) const = 0;

  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    const T* scalars[8] = {};
    int k = 0;
    for (int i = 1 + Rule::kSlots; i < ctx.num_inputs(); ++i) {
      if (&ctx.input(i) != &grad) scalars[k++] = ctx.input(i).data<T>();
    }
    RunRule<T>(MakeRule(scalars), values, grad);
  }

 private:
  static int GradientInput(const Node& node) {
    const auto& inputs = node.op_def().inputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].name == "grad" || inputs[i].name == "delta") return static_cast<int>(i);
    }
    ThrowError(ErrorCode::kInternal, node.op(), " has no input named grad or delta");
  }
};

template <typename T>
class ApplyGradientDescentOp final : public UpdateOp<T, functors::GradientDescentRule<T>> {
 public:
  using UpdateOp<T, functors::GradientDescentRule<T>>::UpdateOp;

 protected:
  functors::GradientDescentRule<T> MakeRule(const T* const* s) const override {
    return functors::GradientDescentRule<T>(s);
  }
};

template <typename T>
class ApplyMomentumOp final : public UpdateOp<T, functors::MomentumRule<T>> {
 public:
  ApplyMomentumOp(const Node& node, Device& device)
      : UpdateOp<T, functors::MomentumRule<T>>(node, device),
        nesterov_(node.attr<bool>("use_nesterov")) {}

 protected:
  functors::MomentumRule<T> MakeRule(const T* const* s) const override {
    return functors::MomentumRule<T>(s, nesterov_);
  }

 private:
  const bool nesterov_;
};

template <typename T>
class ApplyAdamOp final : public UpdateOp<T, functors::AdamRule<T>> {
 public:
  ApplyAdamOp(const Node& node, Device& device)
      : UpdateOp<T, functors::AdamRule<T>>(node, device),
        nesterov_(node.attr<bool>("use_nesterov")) {}

 protected:
  functors::AdamRule<T> MakeRule(const T* const* s) const override {
    return functors::AdamRule<T>(s, nesterov_);
  }

 private:
  const bool nesterov_;
};

// ResourceApplyRMSProp and, with kCentered, ResourceApplyCenteredRMSProp,
// whose inputs are the same but for mg after var.
template <typename T, bool kCentered>
class ApplyRMSPropOp final : public UpdateOp<T, functors::RMSPropRule<T, kCentered>> {
 public:
  using UpdateOp<T, functors::RMSPropRule<T, kCentered>>::UpdateOp;

 protected:
  functors::RMSPropRule<T, kCentered> MakeRule(const T* const* s) const override {
    return functors::RMSPropRule<T, kCentered>(s);
  }
};
template <typename T>
using ApplyPlainRMSPropOp = ApplyRMSPropOp<T, false>;
template <typename T>
using ApplyCenteredRMSPropOp = ApplyRMSPropOp<T, true>;

template <typename T>
class ApplyAdagradV2Op final : public UpdateOp<T, functors::AdagradV2Rule<T>> {
 public:
  ApplyAdagradV2Op(const Node& node, Device& device)
      : UpdateOp<T, functors::AdagradV2Rule<T>>(node, device),
        update_slots_(node.attr<bool>("update_slots")) {}

 protected:
  functors::AdagradV2Rule<T> MakeRule(const T* const* s) const override {
    return functors::AdagradV2Rule<T>(s, update_slots_);
  }

 private:
  const bool update_slots_;
};

#define TG_REGISTER_APPLY(op, kernel)                                 \
  TG_REGISTER_KERNEL(op, kDeviceCpu, DT_FLOAT, kernel<float>);        \
  TG_REGISTER_KERNEL(op, kDeviceCpu, DT_DOUBLE, kernel<double>)

TG_REGISTER_APPLY("ResourceApplyGradientDescent", ApplyGradientDescentOp);
TG_REGISTER_APPLY("ResourceApplyMomentum", ApplyMomentumOp);
TG_REGISTER_APPLY("ResourceApplyAdam", ApplyAdamOp);
TG_REGISTER_APPLY("ResourceApplyRMSProp", ApplyPlainRMSPropOp);
TG_REGISTER_APPLY("ResourceApplyCenteredRMSProp", ApplyCenteredRMSPropOp);
TG_REGISTER_APPLY("ResourceApplyAdagradV2", ApplyAdagradV2Op);

}  // namespace
}  // namespace tensorgraph
