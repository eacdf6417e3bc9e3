// Elementwise loops for CPU kernels: a unary map, and a binary map with
// numpy broadcasting (a fast path for equal shapes and scalar operands, a
// strided walk otherwise).
#pragma once

#include <vector>

#include "runtime/kernel.h"

namespace tensorgraph::cpu {

template <typename In, typename Out, typename F>
void UnaryMap(const Tensor& x, Tensor& out, F f) {
  const In* px = x.data<In>();
  Out* po = out.data<Out>();
  const int64_t n = x.num_elements();
  for (int64_t i = 0; i < n; ++i) po[i] = f(px[i]);
}

// Strides (in elements) of `shape` viewed as `out_rank` dims broadcast to
// `out`: 0 along dims where it is broadcast.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out);

template <typename In, typename Out, typename F>
void BinaryMap(const Tensor& x, const Tensor& y, Tensor& out, F f) {
  const In* px = x.data<In>();
  const In* py = y.data<In>();
  Out* po = out.data<Out>();
  const int64_t n = out.num_elements();
  if (n == 0) return;
  if (x.shape() == y.shape()) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(px[i], py[i]);
    return;
  }
  if (y.num_elements() == 1 && x.num_elements() == n) {
    const In b = py[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(px[i], b);
    return;
  }
  if (x.num_elements() == 1 && y.num_elements() == n) {
    const In a = px[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(a, py[i]);
    return;
  }
  const Shape& shape = out.shape();
  const int rank = shape.rank();
  const std::vector<int64_t> sx = BroadcastStrides(x.shape(), shape);
  const std::vector<int64_t> sy = BroadcastStrides(y.shape(), shape);
  const int64_t inner = shape.dim(rank - 1);
  const int64_t ix = sx[static_cast<size_t>(rank - 1)], iy = sy[static_cast<size_t>(rank - 1)];
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t ox = 0, oy = 0;
  for (int64_t base = 0; base < n; base += inner) {
    for (int64_t j = 0; j < inner; ++j) po[base + j] = f(px[ox + j * ix], py[oy + j * iy]);
    // Advance the multi-index over the outer dims.
    for (int d = rank - 2; d >= 0; --d) {
      const size_t k = static_cast<size_t>(d);
      ox += sx[k];
      oy += sy[k];
      if (++index[k] < shape.dim(d)) break;
      ox -= sx[k] * shape.dim(d);
      oy -= sy[k] * shape.dim(d);
      index[k] = 0;
    }
  }
}

// A kernel for a binary op whose output has the broadcast shape. Fn is a
// functor type with `Out operator()(In, In) const`.
template <typename In, typename Out, typename Fn>
class BinaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    auto shape = BroadcastShapes(x.shape(), y.shape());
    if (!shape) {
      ctx.Fail("shapes ", x.shape().ToString(), " and ", y.shape().ToString(),
               " cannot be broadcast together");
    }
    Tensor& out = ctx.AllocateOutput(0, *shape);
    BinaryMap<In, Out>(x, y, out, Fn{});
  }
};

template <typename In, typename Out, typename Fn>
class UnaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& out = ctx.AllocateOutput(0, x.shape());
    UnaryMap<In, Out>(x, out, Fn{});
  }
};

}  // namespace tensorgraph::cpu
