// Elementwise loops for CPU kernels: a unary map, and binary and ternary
// maps with numpy broadcasting. The functor is a template parameter so each
// inner loop is inlined and vectorized; the broadcasting walk only costs
// bookkeeping once per row of the innermost (merged) dimension.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "kernels/cpu/strided_walk.h"
#include "kernels/strided_layout.h"
#include "runtime/kernel.h"

namespace tensorgraph::cpu {

template <typename In, typename Out, typename F>
void UnaryMap(const Tensor& x, Tensor& out, F f) {
  const In* px = x.data<In>();
  Out* po = out.data<Out>();
  const int64_t n = x.num_elements();
  for (int64_t i = 0; i < n; ++i) po[i] = f(px[i]);
}

template <size_t N>
using BroadcastLayout = StridedLayout<N>;

// Calls row(out_offset, in_offsets) for each row of the layout's innermost
// dim, in output order; in_offsets[k] is where input k's row starts.
template <size_t N, typename Row>
void ForEachBroadcastRow(const BroadcastLayout<N>& layout, Row&& row) {
  const std::vector<int64_t> outer(layout.dims.begin(), layout.dims.end() - 1);
  std::array<const int64_t*, N> strides;
  for (size_t i = 0; i < N; ++i) strides[i] = layout.strides[i].data();
  const int64_t inner = layout.dims.back();
  int64_t out_offset = 0;
  ForEachStridedIndex(outer, strides, std::array<int64_t, N>{},
                      [&](const std::array<int64_t, N>& offsets) {
                        row(out_offset, offsets);
                        out_offset += inner;
                      });
}

// out = f(x, y) elementwise, x and y broadcast to out's shape (which the
// caller has allocated as their broadcast shape).
template <typename In, typename Out, typename F>
void BinaryMap(const Tensor& x, const Tensor& y, Tensor& out, F f) {
  const In* px = x.data<In>();
  const In* py = y.data<In>();
  Out* po = out.data<Out>();
  const int64_t n = out.num_elements();
  if (n == 0) return;
  // An input with as many elements as the output has the output's layout
  // (it can differ only by leading or size-1 dims).
  const bool x_full = x.num_elements() == n, y_full = y.num_elements() == n;
  if (x_full && y_full) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(px[i], py[i]);
    return;
  }
  if (x_full && y.num_elements() == 1) {
    const In b = py[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(px[i], b);
    return;
  }
  if (y_full && x.num_elements() == 1) {
    const In a = px[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(a, py[i]);
    return;
  }
  const BroadcastLayout<2> layout = MakeBroadcastLayout<2>({&x.shape(), &y.shape()}, out.shape());
  const int64_t inner = layout.dims.back();
  const bool x_row = layout.strides[0].back() != 0, y_row = layout.strides[1].back() != 0;
  ForEachBroadcastRow(layout, [&](int64_t o, const std::array<int64_t, 2>& in) {
    Out* dst = po + o;
    const In* a = px + in[0];
    const In* b = py + in[1];
    if (x_row && y_row) {
      for (int64_t j = 0; j < inner; ++j) dst[j] = f(a[j], b[j]);
    } else if (x_row) {
      const In bj = *b;
      for (int64_t j = 0; j < inner; ++j) dst[j] = f(a[j], bj);
    } else {
      const In aj = *a;
      for (int64_t j = 0; j < inner; ++j) dst[j] = f(aj, b[j]);
    }
  });
}

// out = f(a, b, c) elementwise, the inputs broadcast to out's shape.
template <typename A, typename B, typename C, typename Out, typename F>
void TernaryMap(const Tensor& a, const Tensor& b, const Tensor& c, Tensor& out, F f) {
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  const C* pc = c.data<C>();
  Out* po = out.data<Out>();
  const int64_t n = out.num_elements();
  if (n == 0) return;
  if (a.num_elements() == n && b.num_elements() == n && c.num_elements() == n) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
    return;
  }
  const BroadcastLayout<3> layout =
      MakeBroadcastLayout<3>({&a.shape(), &b.shape(), &c.shape()}, out.shape());
  const int64_t inner = layout.dims.back();
  const int64_t sa = layout.strides[0].back(), sb = layout.strides[1].back(),
                sc = layout.strides[2].back();
  ForEachBroadcastRow(layout, [&](int64_t o, const std::array<int64_t, 3>& in) {
    for (int64_t j = 0; j < inner; ++j) {
      po[o + j] = f(pa[in[0] + j * sa], pb[in[1] + j * sb], pc[in[2] + j * sc]);
    }
  });
}

// Allocates output 0 (the broadcast shape of inputs 0 and 1, which the
// op's shape function has checked) and fills it with f.
template <typename In, typename Out, typename F>
void ComputeBroadcastBinary(OpKernelContext& ctx, F f) {
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  Tensor& out = std::is_same_v<In, Out> ? ctx.ForwardInputOrAllocateOutput({0, 1}, 0)
                                         : ctx.AllocateOutput(0);
  BinaryMap<In, Out>(x, y, out, f);
}

// A kernel for a binary op whose output has the broadcast shape. Fn is a
// functor type with `Out operator()(In, In) const`.
template <typename In, typename Out, typename Fn>
class BinaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override { ComputeBroadcastBinary<In, Out>(ctx, Fn{}); }
};

template <typename In, typename Out, typename Fn>
class UnaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& out = std::is_same_v<In, Out> ? ctx.ForwardInputOrAllocateOutput({0}, 0)
                                          : ctx.AllocateOutput(0);
    UnaryMap<In, Out>(x, out, Fn{});
  }
};

// A binary op on two inputs of one shape (checked by the op's shape
// function), without broadcasting: the gradient ops SigmoidGrad, ReluGrad...
template <typename T, typename Fn>
class SameShapeBinaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    BinaryMap<T, T>(a, b, ctx.ForwardInputOrAllocateOutput({0, 1}, 0), Fn{});
  }
};

}  // namespace tensorgraph::cpu
