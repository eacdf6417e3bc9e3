// CUDA kernels for the array ops that the CPU registrations in
// kernels/cpu/array_ops.cc do not already serve on every device:
// Transpose, ConcatV2, Slice, Pad, Fill, ZerosLike, OnesLike and
// BroadcastTo.
//
// As on the CPU, these ops only move elements, so one kernel serves every
// dtype, working on unsigned words as wide as an element. Every copy is one
// strided walk (kernels/strided_layout.h) built on the host: either a
// gather (a contiguous output read from the input at strided offsets:
// Transpose, Slice, BroadcastTo) or a scatter (a contiguous input written
// at strided offsets: each input of ConcatV2, the interior of Pad). The
// index inputs (perm, axis, begin/size, paddings, dims, shape) are
// HostMemory, as on the CPU, and read on the host; ConcatV2, Slice, Pad
// and BroadcastTo decide what to copy in the CPU's shells
// (kernels/array_kernels.h).
#include <cstdint>
#include <vector>

#include "kernels/array_kernels.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/strided_layout.h"

namespace tensorgraph {
namespace {

using cuda::IndexPiece;
using cuda::OffsetCalculator;

// Calls fn(E{}) with E an unsigned integer type of `size` bytes.
template <typename Fn>
void VisitElementSize(size_t size, Fn&& fn) {
  switch (size) {
    case 1: return fn(uint8_t{});
    case 4: return fn(uint32_t{});
    case 8: return fn(uint64_t{});
    default:
      ThrowError(ErrorCode::kInternal, "no element-moving CUDA kernel for ", size, "-byte elements");
  }
}

// Row-major strides (in elements) of `shape`.
std::vector<int64_t> ContiguousStrides(const Shape& shape) {
  std::vector<int64_t> strides(static_cast<size_t>(shape.rank()), 1);
  for (int d = shape.rank() - 1; d > 0; --d) {
    strides[static_cast<size_t>(d - 1)] = strides[static_cast<size_t>(d)] * shape.dim(d);
  }
  return strides;
}

// One thread per element i of the walk: the contiguous side is at i, the
// strided side at the calculator's offset. Gather: out[i] = in[at];
// scatter: out[at] = in[i].
template <typename E, bool kScatter>
__global__ void CopyKernel(uint32_t n, OffsetCalculator<1> calc, const E* in, E* out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    const uint32_t at = calc.Get(i)[0];
    if constexpr (kScatter) {
      out[at] = in[i];
    } else {
      out[i] = in[at];
    }
  }
}

// Moves elements `w` at a time as one wider word (8 or 4 bytes) where the
// layout allows: the strided side's innermost dim is contiguous and a
// multiple of w long, every other stride is a multiple of w, and both
// pointers are aligned for the wider word. A float concatenation then
// moves two floats per thread.
void WidenElements(StridedLayout<1>& layout, size_t& element_size, const void* in,
                   const void* out) {
  std::vector<int64_t>& dims = layout.dims;
  std::vector<int64_t>& strides = layout.strides[0];
  for (size_t wide : {size_t{8}, size_t{4}}) {
    if (element_size >= wide) return;
    const int64_t w = static_cast<int64_t>(wide / element_size);
    bool fits = strides.back() == 1 && dims.back() % w == 0 &&
                reinterpret_cast<uintptr_t>(in) % wide == 0 &&
                reinterpret_cast<uintptr_t>(out) % wide == 0;
    for (size_t d = 0; d + 1 < dims.size() && fits; ++d) fits = strides[d] % w == 0;
    if (!fits) continue;
    dims.back() /= w;
    for (size_t d = 0; d + 1 < dims.size(); ++d) strides[d] /= w;
    element_size = wide;
    return;
  }
}

// Copies elements of `element_size` bytes along `layout` (one strided
// operand: the input for a gather, the output for a scatter), in pieces
// that 32-bit offsets address.
void LaunchCopy(const OpKernelContext& ctx, StridedLayout<1> layout, size_t element_size,
                const void* in, void* out, bool scatter) {
  if (layout.num_elements() == 0) return;
  WidenElements(layout, element_size, in, out);
  VisitElementSize(element_size, [&](auto zero) {
    using E = decltype(zero);
    for (const IndexPiece<1>& piece : cuda::SplitFor32BitIndexing<1>(layout)) {
      const int64_t contiguous_base = piece.output_base;
      const int64_t strided_base = piece.input_bases[0];
      const E* from = static_cast<const E*>(in) + (scatter ? contiguous_base : strided_base);
      E* to = static_cast<E*>(out) + (scatter ? strided_base : contiguous_base);
      const int64_t n = piece.layout.num_elements();
      cuda::Launch1D(ctx, scatter ? "strided scatter copy" : "strided gather copy", n, 1,
                     scatter ? CopyKernel<E, true> : CopyKernel<E, false>,
                     static_cast<uint32_t>(n), cuda::MakeOffsetCalculator<1>(piece.layout), from,
                     to);
    }
  });
}

// The BlockCopy of kernels/array_kernels.h: the whole side is contiguous,
// the other walked at its strides.
void CopyBlock(const OpKernelContext& ctx, const Tensor& src, const std::vector<int64_t>& src_begin,
               Tensor& dst, const std::vector<int64_t>& dst_begin, bool scatter) {
  const Shape& block = scatter ? src.shape() : dst.shape();
  if (block.num_elements() == 0) return;
  const Tensor& strided = scatter ? dst : src;
  const std::vector<int64_t>& begin = scatter ? dst_begin : src_begin;
  const std::vector<int64_t> strides = ContiguousStrides(strided.shape());
  int64_t base = 0;
  for (size_t d = 0; d < strides.size(); ++d) base += begin[d] * strides[d];
  const size_t size = DataTypeSize(src.dtype());
  char* strided_data = static_cast<char*>(strided.raw_data()) + base * static_cast<int64_t>(size);
  LaunchCopy(ctx, MergeDims<1>(block.dims(), {strides}), size,
             scatter ? src.raw_data() : strided_data, scatter ? strided_data : dst.raw_data(),
             scatter);
}

class TransposeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    const std::vector<int64_t> perm = ctx.HostInputAsInts(1);
    // Output dim i walks input dim perm[i].
    const std::vector<int64_t> in_strides = ContiguousStrides(x.shape());
    std::vector<int64_t> strides;
    for (int64_t p : perm) strides.push_back(in_strides[static_cast<size_t>(p)]);
    const StridedLayout<1> layout = MergeDims<1>(shape.dims(), {strides});
    // Moving only size-1 dims keeps the element order: share the buffer.
    if (layout.dims.size() == 1 && (layout.strides[0][0] == 1 || layout.dims[0] == 1)) {
      ctx.SetOutput(0, x.Reshaped(shape));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    LaunchCopy(ctx, layout, DataTypeSize(x.dtype()), x.raw_data(), y.raw_data(), false);
  }
};

// One scatter per input, to its columns of the output's rows.
class ConcatV2Op final : public ConcatV2OpKernel {
 public:
  using ConcatV2OpKernel::ConcatV2OpKernel;

 private:
  void Concat(const OpKernelContext& ctx, int n, const ConcatLayout& l, Tensor& y) override {
    const int64_t row = y.dim(l.axis) * l.inner;
    const size_t size = DataTypeSize(y.dtype());
    int64_t column = 0;
    for (int i = 0; i < n; ++i) {
      const Tensor& x = ctx.input(i);
      const int64_t cols = x.dim(l.axis) * l.inner;
      if (cols == 0) continue;
      LaunchCopy(ctx, MergeDims<1>({l.outer, cols}, {{{row, 1}}}), size, x.raw_data(),
                 static_cast<char*>(y.raw_data()) + column * static_cast<int64_t>(size), true);
      column += cols;
    }
  }
};

// Every element of out from the one element at `value`, in device memory.
template <typename E>
__global__ void FillKernel(int64_t n, const E* value, E* out) {
  const E v = *value;
  TG_CUDA_LOOP(i, n) { out[i] = v; }
}

void FillElements(const OpKernelContext& ctx, Tensor& out, const Tensor& value) {
  VisitElementSize(DataTypeSize(out.dtype()), [&](auto zero) {
    using E = decltype(zero);
    const int64_t n = out.num_elements();
    cuda::Launch1D(ctx, "fill kernel", n, 4, FillKernel<E>, n,
                   static_cast<const E*>(value.raw_data()), static_cast<E*>(out.raw_data()));
  });
}

// The value is a device scalar: the kernel reads it there.
class FillOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    FillElements(ctx, ctx.AllocateOutput(0), ctx.input(1));
  }
};

class ZerosLikeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    // All-zero bytes are zero (and false) in every dtype.
    ctx.device().ZeroFill(ctx.AllocateOutput(0));
  }
};

// The one is uploaded to the GPU once, when the kernel is made (as Const
// does), and filled from there like Fill's value.
class OnesLikeOp : public OpKernel {
 public:
  OnesLikeOp(const Node& node, Device& device)
      : OpKernel(node, device),
        one_(device.CopyFromHost(VisitDataType(node.attr<DataType>("T"), "OnesLike", [](auto zero) {
          return Tensor::Scalar(static_cast<decltype(zero)>(1));
        }))) {}
  void Compute(OpKernelContext& ctx) override { FillElements(ctx, ctx.AllocateOutput(0), one_); }

 private:
  const Tensor one_;
};

// A gather at the input's broadcast strides (0 along broadcast dims).
class BroadcastToOp final : public BroadcastToOpKernel {
 public:
  using BroadcastToOpKernel::BroadcastToOpKernel;

 private:
  void Broadcast(const OpKernelContext& ctx, const Tensor& x, Tensor& y) override {
    LaunchCopy(ctx, MergeDims<1>(y.shape().dims(), {BroadcastStrides(x.shape(), y.shape())}),
               DataTypeSize(x.dtype()), x.raw_data(), y.raw_data(), false);
  }
};

TG_REGISTER_KERNEL_DEF(KernelDef("Transpose", kDeviceGpu).HostMemory("perm"), TransposeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("ConcatV2", kDeviceGpu).HostMemory("axis"), ConcatV2Op);
TG_REGISTER_KERNEL_DEF(KernelDef("Slice", kDeviceGpu).HostMemory("begin").HostMemory("size"),
                       SliceOpKernel<CopyBlock>);
TG_REGISTER_KERNEL_DEF(KernelDef("Pad", kDeviceGpu).HostMemory("paddings"),
                       PadOpKernel<CopyBlock>);
TG_REGISTER_KERNEL_DEF(KernelDef("Fill", kDeviceGpu).HostMemory("dims"), FillOp);
TG_REGISTER_KERNEL("ZerosLike", kDeviceGpu, DT_INVALID, ZerosLikeOp);
TG_REGISTER_KERNEL("OnesLike", kDeviceGpu, DT_INVALID, OnesLikeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("BroadcastTo", kDeviceGpu).HostMemory("shape"), BroadcastToOp);

}  // namespace
}  // namespace tensorgraph
