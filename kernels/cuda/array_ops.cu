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
// HostMemory, as on the CPU, and read on the host.
#include <cstdint>
#include <vector>

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

// The CPU's CopyBlock for the two cases it serves (same dtype and rank):
// scatter copies the whole of `src` into `dst` at `dst_begin` (Pad);
// gather fills the whole of `dst` from `src` at `src_begin` (Slice). The
// whole side is contiguous, the other walked at its strides.
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

// One scatter per input: the input's rows of `x.dim(axis) * inner`
// elements go to its columns of the output's rows.
class ConcatV2Op : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const int n = ctx.num_inputs() - 1;
    Tensor& y = ctx.AllocateOutput(0);
    if (y.num_elements() == 0) return;
    const int rank = y.rank();
    const int64_t axis_value = ctx.HostInputAsInts(n).front();
    const int axis = static_cast<int>(axis_value < 0 ? axis_value + rank : axis_value);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= y.dim(d);
    for (int d = axis + 1; d < rank; ++d) inner *= y.dim(d);
    const int64_t row = y.dim(axis) * inner;
    const size_t size = DataTypeSize(y.dtype());
    int64_t column = 0;
    for (int i = 0; i < n; ++i) {
      const Tensor& x = ctx.input(i);
      const int64_t cols = x.dim(axis) * inner;
      if (cols == 0) continue;
      LaunchCopy(ctx, MergeDims<1>({outer, cols}, {{{row, 1}}}), size, x.raw_data(),
                 static_cast<char*>(y.raw_data()) + column * static_cast<int64_t>(size), true);
      column += cols;
    }
  }
};

class SliceOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    if (shape == x.shape()) {  // the whole input
      ctx.SetOutput(0, x);
      return;
    }
    const std::vector<int64_t> begin = ctx.HostInputAsInts(1);
    // Rows of dim 0 with every later dim whole are one contiguous run of
    // the input: a view of its buffer.
    bool rows = true;
    for (int d = 1; d < shape.rank(); ++d) {
      rows &= begin[static_cast<size_t>(d)] == 0 && shape.dim(d) == x.dim(d);
    }
    if (rows) {
      ctx.SetOutput(0, x.Slice(begin[0], begin[0] + shape.dim(0)));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    CopyBlock(ctx, x, begin, y, std::vector<int64_t>(static_cast<size_t>(shape.rank()), 0), false);
  }
};

// Zeros, then the input scattered into the interior.
class PadOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    if (shape == x.shape()) {  // no padding
      ctx.SetOutput(0, x);
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    // All-zero bytes are zero (and false) in every dtype.
    ctx.device().ZeroFill(y);
    const std::vector<int64_t> paddings = ctx.HostInputAsInts(1);
    std::vector<int64_t> before;
    for (size_t d = 0; d < paddings.size(); d += 2) before.push_back(paddings[d]);
    CopyBlock(ctx, x, std::vector<int64_t>(static_cast<size_t>(x.rank()), 0), y, before, true);
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
class BroadcastToOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    // As many elements out as in: only size-1 dims were added, so the
    // element order is kept and the buffer can be shared.
    if (shape.num_elements() == x.num_elements()) {
      ctx.SetOutput(0, x.Reshaped(shape));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    LaunchCopy(ctx, MergeDims<1>(shape.dims(), {BroadcastStrides(x.shape(), shape)}),
               DataTypeSize(x.dtype()), x.raw_data(), y.raw_data(), false);
  }
};

TG_REGISTER_KERNEL_DEF(KernelDef("Transpose", kDeviceGpu).HostMemory("perm"), TransposeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("ConcatV2", kDeviceGpu).HostMemory("axis"), ConcatV2Op);
TG_REGISTER_KERNEL_DEF(KernelDef("Slice", kDeviceGpu).HostMemory("begin").HostMemory("size"),
                       SliceOp);
TG_REGISTER_KERNEL_DEF(KernelDef("Pad", kDeviceGpu).HostMemory("paddings"), PadOp);
TG_REGISTER_KERNEL_DEF(KernelDef("Fill", kDeviceGpu).HostMemory("dims"), FillOp);
TG_REGISTER_KERNEL("ZerosLike", kDeviceGpu, DT_INVALID, ZerosLikeOp);
TG_REGISTER_KERNEL("OnesLike", kDeviceGpu, DT_INVALID, OnesLikeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("BroadcastTo", kDeviceGpu).HostMemory("shape"), BroadcastToOp);

}  // namespace
}  // namespace tensorgraph
