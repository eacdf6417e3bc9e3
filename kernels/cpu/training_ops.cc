// CPU kernels for the update ops: the update rules of
// kernels/functors/training.h, which the CUDA kernels share, run in the
// device-neutral shell of kernels/apply_op.h (checks, locks, copy on
// write). The buffers are then exclusive, so the loops mark them
// __restrict, and the file is built without errno from sqrt
// (CMakeLists.txt) so that they vectorize.
#include <cmath>
#include <span>

#include "kernels/apply_op.h"
#include "kernels/functors/training.h"

namespace tensorgraph {
namespace {

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

// An update op: makes the rule from the scalar inputs, in the variable's
// memory, and runs it.
template <typename T, typename Rule>
class UpdateOp : public ApplyOpKernel {
 public:
  UpdateOp(const Node& node, Device& device) : ApplyOpKernel(node, device, 1 + Rule::kSlots) {}

 protected:
  virtual Rule MakeRule(const T* const* scalars) const = 0;

  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    const T* scalars[8] = {};
    int k = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (IsScalarInput(i)) scalars[k++] = ctx.input(i).data<T>();
    }
    RunRule<T>(MakeRule(scalars), values, grad);
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
