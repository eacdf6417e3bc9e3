// CPU kernels for the update ops (ops/training_ops.cc has the formulas).
// Each kernel locks the variable and its slots, checks them against the
// gradient, and rewrites them in place; a buffer that a live read still
// shares is copied first, so reads made earlier in the step see the old
// value, as they would in TensorFlow with resource variables. The buffers
// are then exclusive, so the loops mark them __restrict, and the file is
// built without errno from sqrt (CMakeLists.txt) so that they vectorize.
#include <cmath>
#include <span>

#include "kernels/cpu/variable_handle.h"

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

  template <typename T>
  static T Scalar(const OpKernelContext& ctx, int i) {
    return ctx.input(i).data<T>()[0];
  }

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

template <typename T>
class ApplyGradientDescentOp : public ApplyOpKernel {
 public:
  ApplyGradientDescentOp(const Node& node, Device& device) : ApplyOpKernel(node, device, 1, 2) {}

 protected:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    T* __restrict var = values[0]->data<T>();
    const T* __restrict g = grad.data<T>();
    const T alpha = Scalar<T>(ctx, 1);
    for (int64_t i = 0, n = grad.num_elements(); i < n; ++i) var[i] -= alpha * g[i];
  }
};

template <typename T>
class ApplyMomentumOp : public ApplyOpKernel {
 public:
  ApplyMomentumOp(const Node& node, Device& device)
      : ApplyOpKernel(node, device, 2, 3), nesterov_(attr<bool>("use_nesterov")) {}

 protected:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    T* __restrict var = values[0]->data<T>();
    T* __restrict accum = values[1]->data<T>();
    const T* __restrict g = grad.data<T>();
    const T lr = Scalar<T>(ctx, 2), momentum = Scalar<T>(ctx, 4);
    const int64_t n = grad.num_elements();
    if (nesterov_) {
      for (int64_t i = 0; i < n; ++i) {
        accum[i] = accum[i] * momentum + g[i];
        var[i] -= g[i] * lr + accum[i] * momentum * lr;
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        accum[i] = accum[i] * momentum + g[i];
        var[i] -= accum[i] * lr;
      }
    }
  }

 private:
  const bool nesterov_;
};

template <typename T>
class ApplyAdamOp : public ApplyOpKernel {
 public:
  ApplyAdamOp(const Node& node, Device& device)
      : ApplyOpKernel(node, device, 3, 9), nesterov_(attr<bool>("use_nesterov")) {}

 protected:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    T* __restrict var = values[0]->data<T>();
    T* __restrict m = values[1]->data<T>();
    T* __restrict v = values[2]->data<T>();
    const T* __restrict g = grad.data<T>();
    const T beta1_power = Scalar<T>(ctx, 3), beta2_power = Scalar<T>(ctx, 4);
    const T lr = Scalar<T>(ctx, 5), beta1 = Scalar<T>(ctx, 6), beta2 = Scalar<T>(ctx, 7);
    const T epsilon = Scalar<T>(ctx, 8);
    const T alpha = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
    const int64_t n = grad.num_elements();
    // Nesterov weighs the gradient in by (1 - beta1) once more.
    const T nesterov_weight = nesterov_ ? T(1) - beta1 : T(0);
    const T m_weight = nesterov_ ? beta1 : T(1);
    for (int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (T(1) - beta1);
      v[i] += (g[i] * g[i] - v[i]) * (T(1) - beta2);
      const T step = g[i] * nesterov_weight + m_weight * m[i];
      var[i] -= step * alpha / (std::sqrt(v[i]) + epsilon);
    }
  }

 private:
  const bool nesterov_;
};

// ResourceApplyRMSProp and, with kCentered, ResourceApplyCenteredRMSProp,
// whose inputs are the same but for mg after var.
template <typename T, bool kCentered>
class ApplyRMSPropOp : public ApplyOpKernel {
 public:
  ApplyRMSPropOp(const Node& node, Device& device)
      : ApplyOpKernel(node, device, 3 + kShift, 7 + kShift) {}

 protected:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    T* __restrict var = values[0]->data<T>();
    T* __restrict mg = kCentered ? values[1]->data<T>() : nullptr;
    T* __restrict ms = values[1 + kShift]->data<T>();
    T* __restrict mom = values[2 + kShift]->data<T>();
    const T* __restrict g = grad.data<T>();
    const T lr = Scalar<T>(ctx, 3 + kShift), rho = Scalar<T>(ctx, 4 + kShift);
    const T momentum = Scalar<T>(ctx, 5 + kShift), epsilon = Scalar<T>(ctx, 6 + kShift);
    const int64_t n = grad.num_elements();
    for (int64_t i = 0; i < n; ++i) {
      ms[i] += (g[i] * g[i] - ms[i]) * (T(1) - rho);
      T mean_square = ms[i];
      if constexpr (kCentered) {
        mg[i] += (g[i] - mg[i]) * (T(1) - rho);
        mean_square -= mg[i] * mg[i];
      }
      mom[i] = mom[i] * momentum + g[i] * lr / std::sqrt(mean_square + epsilon);
      var[i] -= mom[i];
    }
  }

 private:
  static constexpr int kShift = kCentered ? 1 : 0;
};
template <typename T>
using ApplyPlainRMSPropOp = ApplyRMSPropOp<T, false>;
template <typename T>
using ApplyCenteredRMSPropOp = ApplyRMSPropOp<T, true>;

template <typename T>
class ApplyAdagradV2Op : public ApplyOpKernel {
 public:
  ApplyAdagradV2Op(const Node& node, Device& device)
      : ApplyOpKernel(node, device, 2, 4), update_slots_(attr<bool>("update_slots")) {}

 protected:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    T* __restrict var = values[0]->data<T>();
    T* __restrict accum = values[1]->data<T>();
    const T* __restrict g = grad.data<T>();
    const T lr = Scalar<T>(ctx, 2), epsilon = Scalar<T>(ctx, 3);
    const int64_t n = grad.num_elements();
    if (update_slots_) {
      for (int64_t i = 0; i < n; ++i) accum[i] += g[i] * g[i];
    }
    for (int64_t i = 0; i < n; ++i) var[i] -= g[i] * lr / (std::sqrt(accum[i]) + epsilon);
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
