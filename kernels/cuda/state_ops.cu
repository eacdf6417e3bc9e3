// CUDA kernels for AssignAddVariableOp and AssignSubVariableOp, the
// counterparts of kernels/cpu/state_ops.cc. VarHandleOp, ReadVariableOp and
// AssignVariableOp are registered on the CPU for every device and serve the
// GPU as they are.
#include "kernels/cpu/variable_handle.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/functors/math.h"

namespace tensorgraph {
namespace {

using cpu::AsNodeError;

// value = Fn(value, delta) under the variable's lock, elementwise on the
// GPU. A buffer that a live read shares is not written: the result goes to
// a new buffer from the variable's allocator, which the variable then
// holds (copy on write), so the reader keeps the old value.
template <typename T, typename Fn>
class AssignUpdateVariableOp : public OpKernel {
 public:
  AssignUpdateVariableOp(const Node& node, Device& device)
      : OpKernel(node, device), dtype_(attr<DataType>("dtype")) {}

  void Compute(OpKernelContext& ctx) override {
    Variable& variable = cpu::HandleVariable(ctx, 0, dtype_);
    const Tensor& delta = ctx.input(1);
    AsNodeError(ctx, [&] {
      variable.Update([&](Tensor& value) {
        if (value.shape() != delta.shape()) {
          ctx.Fail("cannot update variable '", variable.name(), "' of shape ",
                   value.shape().ToString(), " with a value of shape ", delta.shape().ToString());
        }
        Tensor result = value.RefCountIsOne()
                            ? value
                            : Tensor(value.dtype(), value.shape(), value.allocator());
        cuda::LaunchElementwise<T, T, T>(ctx, Fn{}, result, {&value, &delta});
        value = std::move(result);
      });
    });
  }

 private:
  const DataType dtype_;
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
