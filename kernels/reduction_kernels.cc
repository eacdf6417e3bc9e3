#include "kernels/reduction_kernels.h"

namespace tensorgraph {

ReductionLayout MakeReductionLayout(const Shape& shape, const std::vector<bool>& reduced) {
  ReductionLayout l;
  for (int d = 0; d < shape.rank(); ++d) {
    const int64_t n = shape.dim(d);
    const bool r = reduced[static_cast<size_t>(d)];
    if (n == 1) continue;
    if (!l.dims.empty() && l.reduced.back() == r) {
      l.dims.back() *= n;
    } else {
      l.dims.push_back(n);
      l.reduced.push_back(r);
    }
  }
  const size_t rank = l.dims.size();
  l.in_stride.assign(rank, 1);
  l.out_stride.assign(rank, 0);
  int64_t in = 1, out = 1;
  for (size_t d = rank; d-- > 0;) {
    l.in_stride[d] = in;
    in *= l.dims[d];
    if (!l.reduced[d]) {
      l.out_stride[d] = out;
      out *= l.dims[d];
    }
  }
  return l;
}

void ReductionOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape& shape = ctx.output_shape(0);
  const int rank = x.rank();
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t a : ctx.HostInputAsInts(1)) {
    reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  }
  int64_t count = 1;  // input values per output value
  for (int d = 0; d < rank; ++d) {
    if (reduced[static_cast<size_t>(d)]) count *= x.dim(d);
  }
  if (count == 1) {  // each output is its one input value
    ctx.SetOutput(0, x.Reshaped(shape));
    return;
  }
  Tensor& y = ctx.AllocateOutput(0);
  if (y.num_elements() == 0) return;
  Reduce(ctx, x, reduced, count, y);
}

ArgMaxOpKernel::ArgMaxOpKernel(const Node& node, Device& device)
    : OpKernel(node, device), int32_output_(node.attr<DataType>("output_type") == DT_INT32) {}

void ArgMaxOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.AllocateOutput(0);
  if (y.num_elements() == 0) return;
  const int64_t a = ctx.HostInputAsInts(1).front();
  ArgMax(ctx, x, static_cast<int>(a < 0 ? a + x.rank() : a), y);
}

}  // namespace tensorgraph
