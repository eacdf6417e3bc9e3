// CUDA kernels for AssignAddVariableOp and AssignSubVariableOp, the
// counterparts of kernels/cpu/state_ops.cc. VarHandleOp, ReadVariableOp and
// AssignVariableOp are registered on the CPU for every device and serve the
// GPU as they are.
#include "kernels/cuda/elementwise.cuh"
#include "kernels/functors/math.h"
#include "kernels/variable_handle.h"

namespace tensorgraph {
namespace {

// value = Fn(value, delta) elementwise on the GPU, in the shell of
// kernels/variable_handle.h (the lock, the shape check, copy on write).
template <typename T, typename Fn>
class AssignUpdateVariableOp final : public AssignUpdateVariableOpKernel {
 public:
  using AssignUpdateVariableOpKernel::AssignUpdateVariableOpKernel;

 private:
  void Combine(const OpKernelContext& ctx, const Tensor& value, const Tensor& delta,
               Tensor& result) const override {
    cuda::LaunchElementwise<T, T, T>(ctx, Fn{}, result, {&value, &delta});
  }
};

template <typename T>
using AssignAddVariableOp = AssignUpdateVariableOp<T, functors::AddFn>;
template <typename T>
using AssignSubVariableOp = AssignUpdateVariableOp<T, functors::SubFn>;

TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceGpu, DT_FLOAT, AssignAddVariableOp<float>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceGpu, DT_DOUBLE, AssignAddVariableOp<double>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceGpu, DT_INT32, AssignAddVariableOp<int32_t>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceGpu, DT_UINT8, AssignAddVariableOp<uint8_t>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceGpu, DT_INT64, AssignAddVariableOp<int64_t>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceGpu, DT_FLOAT, AssignSubVariableOp<float>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceGpu, DT_DOUBLE, AssignSubVariableOp<double>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceGpu, DT_INT32, AssignSubVariableOp<int32_t>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceGpu, DT_INT64, AssignSubVariableOp<int64_t>);

}  // namespace
}  // namespace tensorgraph
