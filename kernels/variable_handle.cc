#include "kernels/variable_handle.h"

#include <utility>

namespace tensorgraph {

void AssignUpdateVariableOpKernel::Compute(OpKernelContext& ctx) {
  Variable& variable = HandleVariable(ctx);
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
      Combine(ctx, value, delta, result);
      value = std::move(result);
    });
  });
}

}  // namespace tensorgraph
