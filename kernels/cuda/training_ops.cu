// CUDA kernels for the ResourceApply* update ops, the counterparts of
// kernels/cpu/training_ops.cc over the same update rules
// (kernels/functors/training.h) and in the same shell (kernels/apply_op.h),
// which locks the variable and its slots in input order, checks them
// against the gradient and copies a buffer that a live read still shares
// (ctx.device().Duplicate, on the stream) before the kernel updates them in
// place. The scalar hyperparameters stay in device memory: the kernel gets
// pointers to them and every thread makes the rule from them, so a step
// never copies one to the host.
#include <span>
#include <type_traits>
#include <utility>

#include "kernels/apply_op.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/functors/training.h"

namespace tensorgraph {
namespace {

// More than any rule takes (Adam: 6).
constexpr int kMaxScalars = 8;

// What the update kernel gets by value: the scalar inputs in the op's
// order, the rule's bool attr (use_nesterov, update_slots) if it has one,
// the gradient and the variable then its slots.
template <typename T, int kValues>
struct UpdateArgs {
  const T* scalars[kMaxScalars];
  bool option;
  const T* grad;
  T* values[kValues];
};

template <typename Rule, typename T>
__device__ Rule MakeRule(const T* const* scalars, bool option) {
  if constexpr (std::is_constructible_v<Rule, const T* const*, bool>) {
    return Rule(scalars, option);
  } else {
    return Rule(scalars);
  }
}

template <typename T, typename Rule, int kValues, size_t... K>
__device__ void ApplyAt(const Rule& rule, const UpdateArgs<T, kValues>& args, int64_t i,
                        std::index_sequence<K...>) {
  rule(args.grad[i], args.values[K][i]...);
}

// Each thread reads the scalars once, into its own rule, then updates its
// elements of the variable and slots.
template <typename T, typename Rule>
__global__ void UpdateKernel(int64_t n, UpdateArgs<T, 1 + Rule::kSlots> args) {
  const Rule rule = MakeRule<Rule>(args.scalars, args.option);
  TG_CUDA_LOOP(i, n) { ApplyAt(rule, args, i, std::make_index_sequence<1 + Rule::kSlots>{}); }
}

// The bool attrs that rules take.
constexpr char kUseNesterov[] = "use_nesterov";
constexpr char kUpdateSlots[] = "update_slots";

// An update op: inputs [0, 1 + kSlots) are the variable and its slots.
// kOption names the rule's bool attr, or is null.
template <typename T, typename Rule, const char* kOption = nullptr>
class ApplyOp final : public ApplyOpKernel {
 public:
  static constexpr int kValues = 1 + Rule::kSlots;

  ApplyOp(const Node& node, Device& device)
      : ApplyOpKernel(node, device, kValues), option_(ReadOption(node)) {}

 private:
  void Apply(const OpKernelContext& ctx, std::span<Tensor* const> values,
             const Tensor& grad) override {
    UpdateArgs<T, kValues> args{};
    int s = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (IsScalarInput(i)) args.scalars[s++] = cuda::DevicePtr<T>(ctx.input(i));
    }
    args.option = option_;
    args.grad = cuda::DevicePtr<T>(grad);
    for (int k = 0; k < kValues; ++k) args.values[k] = cuda::DevicePtr<T>(*values[k]);
    const int64_t n = grad.num_elements();
    cuda::Launch1D(ctx, "update kernel", n, 1, UpdateKernel<T, Rule>, n, args);
  }

  static bool ReadOption(const Node& node) {
    if constexpr (kOption == nullptr) {
      return false;
    } else {
      return node.attr<bool>(kOption);
    }
  }

  const bool option_;
};

template <typename T>
using ApplyGradientDescentOp = ApplyOp<T, functors::GradientDescentRule<T>>;
template <typename T>
using ApplyMomentumOp = ApplyOp<T, functors::MomentumRule<T>, kUseNesterov>;
template <typename T>
using ApplyAdamOp = ApplyOp<T, functors::AdamRule<T>, kUseNesterov>;
template <typename T>
using ApplyPlainRMSPropOp = ApplyOp<T, functors::RMSPropRule<T, false>>;
template <typename T>
using ApplyCenteredRMSPropOp = ApplyOp<T, functors::RMSPropRule<T, true>>;
template <typename T>
using ApplyAdagradV2Op = ApplyOp<T, functors::AdagradV2Rule<T>, kUpdateSlots>;

#define TG_REGISTER_GPU_APPLY(op, kernel)                       \
  TG_REGISTER_KERNEL(op, kDeviceGpu, DT_FLOAT, kernel<float>); \
  TG_REGISTER_KERNEL(op, kDeviceGpu, DT_DOUBLE, kernel<double>)

TG_REGISTER_GPU_APPLY("ResourceApplyGradientDescent", ApplyGradientDescentOp);
TG_REGISTER_GPU_APPLY("ResourceApplyMomentum", ApplyMomentumOp);
TG_REGISTER_GPU_APPLY("ResourceApplyAdam", ApplyAdamOp);
TG_REGISTER_GPU_APPLY("ResourceApplyRMSProp", ApplyPlainRMSPropOp);
TG_REGISTER_GPU_APPLY("ResourceApplyCenteredRMSProp", ApplyCenteredRMSPropOp);
TG_REGISTER_GPU_APPLY("ResourceApplyAdagradV2", ApplyAdagradV2Op);

}  // namespace
}  // namespace tensorgraph
