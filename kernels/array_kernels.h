// The host side of the array kernels that both the CPU and CUDA backends
// register (kernels/cpu/array_ops.cc, kernels/cuda/array_ops.cu): when
// ConcatV2, Slice, Pad and BroadcastTo can share their input's buffer or
// have nothing to do, and otherwise what they copy where, from the shapes
// and the host-memory index inputs. Each backend moves the elements.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernel.h"

namespace tensorgraph {

// Copies a block of elements from src to dst (of one dtype and rank): with
// `scatter`, the whole of src into dst at dst_begin (Pad); else the whole
// of dst from src at src_begin (Slice).
using BlockCopy = void (*)(const OpKernelContext& ctx, const Tensor& src,
                           const std::vector<int64_t>& src_begin, Tensor& dst,
                           const std::vector<int64_t>& dst_begin, bool scatter);

// Slice: the whole input, or rows of dim 0 with every later dim whole (one
// contiguous run of the input), is a view of the input's buffer; any other
// slice is copied by kCopyBlock.
template <BlockCopy kCopyBlock>
class SliceOpKernel : public OpKernel {
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
    bool rows = true;
    for (int d = 1; d < shape.rank(); ++d) {
      rows &= begin[static_cast<size_t>(d)] == 0 && shape.dim(d) == x.dim(d);
    }
    if (rows) {
      ctx.SetOutput(0, x.Slice(begin[0], begin[0] + shape.dim(0)));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    kCopyBlock(ctx, x, begin, y, std::vector<int64_t>(static_cast<size_t>(shape.rank()), 0),
               false);
  }
};

// Pad: no padding shares the input's buffer; else zeros, then the input
// copied into the interior by kCopyBlock.
template <BlockCopy kCopyBlock>
class PadOpKernel : public OpKernel {
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
    kCopyBlock(ctx, x, std::vector<int64_t>(static_cast<size_t>(x.rank()), 0), y, before, true);
  }
};

// The output of ConcatV2 as [outer, y.dim(axis), inner] around its axis:
// input i's rows of x.dim(axis) * inner elements go to its columns of the
// output's rows.
struct ConcatLayout {
  int axis = 0;
  int64_t outer = 1, inner = 1;
};

// ConcatV2: inputs [0, n) are the values, input n (host memory) the axis.
class ConcatV2OpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  // Allocates the output and, unless it is empty, fills it by Concat.
  void Compute(OpKernelContext& ctx) final;

 protected:
  // Writes inputs [0, n) to y, laid out as `l`.
  virtual void Concat(const OpKernelContext& ctx, int n, const ConcatLayout& l, Tensor& y) = 0;
};

// BroadcastTo: as many elements out as in means that only size-1 dims were
// added, so the element order is kept and the output shares the input's
// buffer; else it is allocated and filled by Broadcast.
class BroadcastToOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Writes x broadcast to y's shape into y.
  virtual void Broadcast(const OpKernelContext& ctx, const Tensor& x, Tensor& y) = 0;
};

}  // namespace tensorgraph
