#include "kernels/array_kernels.h"

namespace tensorgraph {

void ConcatV2OpKernel::Compute(OpKernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  Tensor& y = ctx.AllocateOutput(0);
  if (y.num_elements() == 0) return;
  const int rank = y.rank();
  const int64_t axis_value = ctx.HostInputAsInts(n).front();
  ConcatLayout l;
  l.axis = static_cast<int>(axis_value < 0 ? axis_value + rank : axis_value);
  for (int d = 0; d < l.axis; ++d) l.outer *= y.dim(d);
  for (int d = l.axis + 1; d < rank; ++d) l.inner *= y.dim(d);
  Concat(ctx, n, l, y);
}

void BroadcastToOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape& shape = ctx.output_shape(0);
  if (shape.num_elements() == x.num_elements()) {
    ctx.SetOutput(0, x.Reshaped(shape));
    return;
  }
  Broadcast(ctx, x, ctx.AllocateOutput(0));
}

}  // namespace tensorgraph
