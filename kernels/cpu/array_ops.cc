// CPU kernels for array ops.
//
// These ops only move elements, so one kernel serves every dtype: it works
// on the bytes, with an unsigned integer type as wide as an element. Output
// shapes come from the executor, which has run the op's shape function (and
// its checks on index inputs) on the concrete inputs; index inputs (shapes,
// permutations, axes, paddings) are declared HostMemory and read here.
// ConcatV2, Slice, Pad and BroadcastTo decide on the host what to copy in
// the shells of kernels/array_kernels.h.
#include <algorithm>
#include <cstring>

#include "kernels/array_kernels.h"
#include "kernels/cpu/strided_walk.h"

namespace tensorgraph {
namespace {

// Calls fn(E{}) with E an unsigned integer type of the size of an element
// of `dtype`.
template <typename Fn>
void VisitElementSize(DataType dtype, Fn&& fn) {
  switch (DataTypeSize(dtype)) {
    case 1: return fn(uint8_t{});
    case 4: return fn(uint32_t{});
    case 8: return fn(uint64_t{});
    default:
      ThrowError(ErrorCode::kInternal, "no element-moving kernel for dtype ", DataTypeName(dtype));
  }
}

// Sets every element of `out` to the element at `value`.
void FillElements(Tensor& out, const void* value) {
  VisitElementSize(out.dtype(), [&](auto zero) {
    using E = decltype(zero);
    E v;
    std::memcpy(&v, value, sizeof(E));
    std::fill_n(static_cast<E*>(out.raw_data()), out.num_elements(), v);
  });
}

class PlaceholderOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    throw Error(ErrorCode::kFailedPrecondition,
                StrCat("placeholder must be fed: a tensor of dtype ",
                       DataTypeName(node().output_type(0)), " and shape ",
                       node().output_shape(0).ToString()),
                node().name(), node().op());
  }
};
// An unfed placeholder fails in the kernel, whatever its declared shape.
TG_REGISTER_KERNEL_DEF(KernelDef("Placeholder", kDeviceCpu).OnEveryDevice().ShapeFromKernel(), PlaceholderOp);

// Passes its input through, sharing the buffer.
class ForwardInputOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override { ctx.SetOutput(0, ctx.input(0)); }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Identity", kDeviceCpu).OnEveryDevice().OutputIsView(), ForwardInputOp);

// Its default, checked against the declared shape: the default's shape may
// be known only at run time, where the shape function could not check it.
class PlaceholderWithDefaultOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& value = ctx.input(0);
    const auto& declared = attr<PartialShape>("shape");
    if (!declared.IsCompatibleWith(PartialShape(value.shape()))) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("the default value has shape ", value.shape().ToString(),
                         ", which does not match the declared shape ", declared.ToString()),
                  node().name(), node().op());
    }
    ctx.SetOutput(0, value);
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("PlaceholderWithDefault", kDeviceCpu).OnEveryDevice().OutputIsView().ShapeFromKernel(),
                       PlaceholderWithDefaultOp);

class ConstOp : public OpKernel {
 public:
  ConstOp(const Node& node, Device& device)
      : OpKernel(node, device), value_(device.CopyFromHost(node.attr<Tensor>("value"))) {}
  void Compute(OpKernelContext& ctx) override { ctx.SetOutput(0, value_); }

 private:
  const Tensor value_;
};
TG_REGISTER_KERNEL_DEF(KernelDef("Const", kDeviceCpu).OnEveryDevice().PlanTimeConstant(), ConstOp);

// The input's buffer under the output's shape: no copy.
class ReshapeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    ctx.SetOutput(0, ctx.input(0).Reshaped(ctx.output_shape(0)));
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Reshape", kDeviceCpu).OnEveryDevice().HostMemory("shape").OutputIsView(),
                       ReshapeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("ExpandDims", kDeviceCpu).OnEveryDevice().HostMemory("dim").OutputIsView(),
                       ReshapeOp);
TG_REGISTER_KERNEL_DEF(KernelDef("Squeeze", kDeviceCpu).OnEveryDevice().OutputIsView(), ReshapeOp);

// A transpose with size-1 dims dropped and input dims that stay neighbours
// in the output merged: most transposes become a 2-D one or a batch of them.
struct TransposeLayout {
  std::vector<int64_t> dims;  // input dims
  std::vector<size_t> perm;   // output dim i is input dim perm[i]
};

TransposeLayout SimplifyTranspose(const Shape& shape, const std::vector<int64_t>& perm) {
  std::vector<int> kept_index(perm.size(), -1);
  std::vector<int64_t> kept_dims;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape.dim(d) == 1) continue;
    kept_index[static_cast<size_t>(d)] = static_cast<int>(kept_dims.size());
    kept_dims.push_back(shape.dim(d));
  }
  std::vector<int> kept_perm;
  for (int64_t p : perm) {
    const int k = kept_index[static_cast<size_t>(p)];
    if (k >= 0) kept_perm.push_back(k);
  }
  // Runs of consecutive input dims in output order, by first input dim.
  std::vector<std::pair<int, int>> runs;  // [first, last] input dims
  for (size_t i = 0; i < kept_perm.size(); ++i) {
    if (i > 0 && kept_perm[i] == kept_perm[i - 1] + 1) {
      runs.back().second = kept_perm[i];
    } else {
      runs.emplace_back(kept_perm[i], kept_perm[i]);
    }
  }
  std::vector<std::pair<int, int>> by_input = runs;
  std::sort(by_input.begin(), by_input.end());
  TransposeLayout layout;
  for (const auto& [first, last] : by_input) {
    int64_t size = 1;
    for (int d = first; d <= last; ++d) size *= kept_dims[static_cast<size_t>(d)];
    layout.dims.push_back(size);
  }
  for (const auto& run : runs) {
    const auto at = std::lower_bound(by_input.begin(), by_input.end(), run);
    layout.perm.push_back(static_cast<size_t>(at - by_input.begin()));
  }
  return layout;
}

template <typename E>
void TransposeElements(const E* in, E* out, const TransposeLayout& layout) {
  const size_t rank = layout.perm.size();
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * layout.dims[d + 1];
  // Per output dim: its extent, and its stride in the input and the output.
  std::vector<int64_t> extent(rank), src(rank), dst(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    extent[i] = layout.dims[layout.perm[i]];
    src[i] = in_stride[layout.perm[i]];
  }
  for (size_t i = rank - 1; i-- > 0;) dst[i] = dst[i + 1] * extent[i + 1];
  const size_t last = rank - 1;
  // The output dim read contiguously (the input's last dim).
  const size_t q = static_cast<size_t>(std::find(src.begin(), src.end(), 1) - src.begin());
  const int64_t cols = extent[last];

  // Copies the (q, last) plane at `from` to `to`: whole rows when the input
  // and output agree on their last dim, else a 2-D transpose in tiles small
  // enough for both the strided reads and the contiguous writes to stay in
  // cache.
  auto copy_plane = [&](const E* from, E* to) {
    if (q == last) {
      std::copy_n(from, cols, to);
      return;
    }
    constexpr int64_t kTile = 32;
    const int64_t rows = extent[q], to_row = dst[q], from_col = src[last];
    for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
      const int64_t i1 = std::min(rows, i0 + kTile);
      for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
        const int64_t j1 = std::min(cols, j0 + kTile);
        for (int64_t i = i0; i < i1; ++i) {
          for (int64_t j = j0; j < j1; ++j) to[i * to_row + j] = from[i + j * from_col];
        }
      }
    }
  };

  // Walk the other output dims with a running index, O(1) per plane.
  std::vector<int64_t> outer_extent, outer_src, outer_dst;
  for (size_t i = 0; i < last; ++i) {
    if (i == q) continue;
    outer_extent.push_back(extent[i]);
    outer_src.push_back(src[i]);
    outer_dst.push_back(dst[i]);
  }
  cpu::ForEachStridedIndex<2>(outer_extent, {outer_src.data(), outer_dst.data()}, {0, 0},
                              [&](const std::array<int64_t, 2>& at) {
                                copy_plane(in + at[0], out + at[1]);
                              });
}

class TransposeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    const TransposeLayout layout = SimplifyTranspose(x.shape(), ctx.HostInputAsInts(1));
    // Moving only size-1 dims keeps the element order: share the buffer.
    if (layout.perm.size() <= 1) {
      ctx.SetOutput(0, x.Reshaped(shape));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    if (y.num_elements() == 0) return;
    VisitElementSize(x.dtype(), [&](auto zero) {
      using E = decltype(zero);
      TransposeElements(static_cast<const E*>(x.raw_data()), static_cast<E*>(y.raw_data()), layout);
    });
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Transpose", kDeviceCpu).HostMemory("perm"), TransposeOp);

class ConcatV2Op final : public ConcatV2OpKernel {
 public:
  using ConcatV2OpKernel::ConcatV2OpKernel;

 private:
  void Concat(const OpKernelContext& ctx, int n, const ConcatLayout& l, Tensor& y) override {
    const int64_t inner = static_cast<int64_t>(DataTypeSize(y.dtype())) * l.inner;  // in bytes
    auto* to = static_cast<char*>(y.raw_data());
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int i = 0; i < n; ++i) {
        const Tensor& x = ctx.input(i);
        const size_t bytes = static_cast<size_t>(x.dim(l.axis) * inner);
        if (bytes == 0) continue;
        std::memcpy(to, static_cast<const char*>(x.raw_data()) + o * static_cast<int64_t>(bytes),
                    bytes);
        to += bytes;
      }
    }
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("ConcatV2", kDeviceCpu).HostMemory("axis"), ConcatV2Op);

// The BlockCopy of kernels/array_kernels.h (rank >= 1). Trailing dims the
// block spans whole in both make each contiguous run reach back to dim
// `last`; the dims before it are walked with a running index.
void CopyBlock(const OpKernelContext& ctx, const Tensor& src, const std::vector<int64_t>& src_begin,
               Tensor& dst, const std::vector<int64_t>& dst_begin, bool scatter) {
  const Shape& block = scatter ? src.shape() : dst.shape();
  if (block.num_elements() == 0) return;
  size_t last = static_cast<size_t>(block.rank() - 1);
  int64_t bytes = static_cast<int64_t>(DataTypeSize(src.dtype()));  // per index of `last`
  while (last > 0) {
    const int d = static_cast<int>(last);
    if (block.dim(d) != src.dim(d) || block.dim(d) != dst.dim(d)) break;
    bytes *= block.dim(d);
    --last;
  }
  const size_t run = static_cast<size_t>(block.dim(static_cast<int>(last)) * bytes);
  // Bytes per index of each dim up to `last`, in the source and destination.
  std::vector<int64_t> src_stride(last + 1, bytes), dst_stride(last + 1, bytes);
  for (size_t k = last; k-- > 0;) {
    src_stride[k] = src_stride[k + 1] * src.dim(static_cast<int>(k) + 1);
    dst_stride[k] = dst_stride[k + 1] * dst.dim(static_cast<int>(k) + 1);
  }
  int64_t from = 0, to = 0;
  for (size_t k = 0; k <= last; ++k) {
    from += src_begin[k] * src_stride[k];
    to += dst_begin[k] * dst_stride[k];
  }
  const auto* in = static_cast<const char*>(src.raw_data());
  auto* out = static_cast<char*>(dst.raw_data());
  const std::vector<int64_t> outer(block.dims().begin(), block.dims().begin() + last);
  cpu::ForEachStridedIndex<2>(outer, {src_stride.data(), dst_stride.data()}, {from, to},
                              [&](const std::array<int64_t, 2>& at) {
                                std::memcpy(out + at[1], in + at[0], run);
                              });
}

TG_REGISTER_KERNEL_DEF(KernelDef("Slice", kDeviceCpu).HostMemory("begin").HostMemory("size"),
                       SliceOpKernel<CopyBlock>);

class ShapeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    Tensor& y = ctx.AllocateOutput(0);
    VisitDataType(y.dtype(), "Shape", [&](auto zero) {
      using T = decltype(zero);
      for (int d = 0; d < shape.rank(); ++d) y.data<T>()[d] = static_cast<T>(shape.dim(d));
    });
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Shape", kDeviceCpu).OnEveryDevice().ShapeOnly("input").HostMemory("output"),
                       ShapeOp);

class FillOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    Tensor& y = ctx.AllocateOutput(0);
    FillElements(y, ctx.input(1).raw_data());
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Fill", kDeviceCpu).HostMemory("dims"), FillOp);

class ZerosLikeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    Tensor& y = ctx.AllocateOutput(0);
    // All-zero bytes are zero (and false) in every dtype.
    ctx.device().ZeroFill(y);
  }
};
TG_REGISTER_KERNEL("ZerosLike", kDeviceCpu, DT_INVALID, ZerosLikeOp);

class OnesLikeOp : public OpKernel {
 public:
  OnesLikeOp(const Node& node, Device& device)
      : OpKernel(node, device),
        one_(VisitDataType(node.attr<DataType>("T"), "OnesLike", [](auto zero) {
          return Tensor::Scalar(static_cast<decltype(zero)>(1));
        })) {}
  void Compute(OpKernelContext& ctx) override {
    Tensor& y = ctx.AllocateOutput(0);
    FillElements(y, one_.raw_data());
  }

 private:
  const Tensor one_;
};
TG_REGISTER_KERNEL("OnesLike", kDeviceCpu, DT_INVALID, OnesLikeOp);


TG_REGISTER_KERNEL_DEF(KernelDef("StopGradient", kDeviceCpu).OnEveryDevice().OutputIsView(), ForwardInputOp);

class BroadcastToOp final : public BroadcastToOpKernel {
 public:
  using BroadcastToOpKernel::BroadcastToOpKernel;

 private:
  void Broadcast(const OpKernelContext& ctx, const Tensor& x, Tensor& y) override {
    if (y.num_elements() == 0) return;
    const Shape& shape = y.shape();
    const int rank = shape.rank();
    // Input elements per index of each output dim; 0 where it is broadcast.
    std::vector<int64_t> stride(static_cast<size_t>(rank), 0);
    int64_t step = 1;
    for (int d = x.rank() - 1, o = rank - 1; d >= 0; --d, --o) {
      if (x.dim(d) != 1) stride[static_cast<size_t>(o)] = step;
      step *= x.dim(d);
    }
    VisitElementSize(x.dtype(), [&](auto zero) {
      using E = decltype(zero);
      const E* in = static_cast<const E*>(x.raw_data());
      E* out = static_cast<E*>(y.raw_data());
      // Each output row (last dim) is a copy of an input row or one
      // input element repeated.
      const int64_t cols = shape.dim(rank - 1);
      const bool repeat = stride[static_cast<size_t>(rank - 1)] == 0;
      const std::vector<int64_t> outer(shape.dims().begin(), shape.dims().end() - 1);
      cpu::ForEachStridedIndex<1>(outer, {stride.data()}, {0},
                                  [&](const std::array<int64_t, 1>& at) {
                                    if (repeat) {
                                      std::fill_n(out, cols, in[at[0]]);
                                    } else {
                                      std::copy_n(in + at[0], cols, out);
                                    }
                                    out += cols;
                                  });
    });
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("BroadcastTo", kDeviceCpu).HostMemory("shape"), BroadcastToOp);

// The shape function has checked that x is a permutation.
template <typename T>
class InvertPermutationOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.AllocateOutput(0);
    const T* perm = x.data<T>();
    T* inverse = y.data<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) inverse[perm[i]] = static_cast<T>(i);
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("InvertPermutation", kDeviceCpu, DT_INT32).OnEveryDevice().HostMemory("x").HostMemory("y"),
                       InvertPermutationOp<int32_t>);
TG_REGISTER_KERNEL_DEF(KernelDef("InvertPermutation", kDeviceCpu, DT_INT64).OnEveryDevice().HostMemory("x").HostMemory("y"),
                       InvertPermutationOp<int64_t>);

TG_REGISTER_KERNEL_DEF(KernelDef("Pad", kDeviceCpu).HostMemory("paddings"), PadOpKernel<CopyBlock>);

// The shape function has checked the shapes agree but at concat_dim.
class ConcatOffsetOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const int n = ctx.num_inputs() - 1;
    const int64_t rank = ctx.input(1).num_elements();
    const int64_t a = ctx.HostInputAsInts(0).front();
    const size_t axis = static_cast<size_t>(a < 0 ? a + rank : a);
    int64_t offset = 0;
    for (int i = 0; i < n; ++i) {
      Tensor& y = ctx.AllocateOutput(i);
      VisitDataType(y.dtype(), "ConcatOffset", [&](auto zero) {
        using T = decltype(zero);
        std::fill_n(y.data<T>(), rank, T{0});
        y.data<T>()[axis] = static_cast<T>(offset);
      });
      offset += ctx.HostInputAsInts(i + 1)[axis];
    }
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("ConcatOffset", kDeviceCpu).OnEveryDevice()
                           .HostMemory("concat_dim")
                           .HostMemory("shape")
                           .HostMemory("offset"),
                       ConcatOffsetOp);

class SizeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const int64_t count = ctx.input(0).num_elements();
    Tensor& y = ctx.AllocateOutput(0);
    VisitDataType(y.dtype(), "Size", [&](auto zero) {
      using T = decltype(zero);
      *y.data<T>() = static_cast<T>(count);
    });
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("Size", kDeviceCpu).OnEveryDevice().ShapeOnly("input").HostMemory("output"),
                       SizeOp);

}  // namespace
}  // namespace tensorgraph
