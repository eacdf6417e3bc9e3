// CPU kernels for reductions, in the shells of kernels/reduction_kernels.h
// (axes, shortcuts, the layout, the registrations) over the reducers of
// kernels/functors/reducers.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/reduction_kernels.h"

namespace tensorgraph {
namespace {

// Reduces a contiguous run of `n` values. Eight independent partial
// accumulators let the loop vectorize without reassociating floating-point
// adds, and keep the order (so the result) fixed.
template <typename R>
typename R::Acc ReduceRun(const typename R::Value* x, int64_t n) {
  constexpr int kLanes = 8;
  typename R::Acc lanes[kLanes];
  for (auto& lane : lanes) lane = R::Identity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] = R::Add(lanes[k], x[i + k]);
  }
  typename R::Acc acc = R::Identity();
  for (const auto& lane : lanes) acc = R::Merge(acc, lane);
  for (; i < n; ++i) acc = R::Add(acc, x[i]);
  return acc;
}

// Folds the block of dims d.. at `x` into the outputs at `acc`. The last dim
// is a contiguous loop: a run reduced into one output, or one element added
// into each of a row of outputs.
template <typename R>
void Accumulate(const ReductionLayout& l, size_t d, const typename R::Value* x,
                typename R::Acc* acc) {
  const int64_t n = l.dims[d];
  if (d + 1 == l.dims.size()) {
    if (l.reduced[d]) {
      *acc = R::Merge(*acc, ReduceRun<R>(x, n));
    } else {
      for (int64_t j = 0; j < n; ++j) acc[j] = R::Add(acc[j], x[j]);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    Accumulate<R>(l, d + 1, x + i * l.in_stride[d], acc + i * l.out_stride[d]);
  }
}

template <typename R>
class ReductionOp final : public ReductionOpKernel {
 public:
  using ReductionOpKernel::ReductionOpKernel;

 private:
  void Reduce(const OpKernelContext& ctx, const Tensor& x, const std::vector<bool>& reduced,
              int64_t count, Tensor& y) override {
    using T = typename R::Value;
    const int64_t n = y.num_elements();
    std::vector<typename R::Acc> acc(static_cast<size_t>(n), R::Identity());
    if (count > 0) {
      Accumulate<R>(MakeReductionLayout(x.shape(), reduced), 0, x.data<T>(), acc.data());
    }
    T* out = y.data<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = R::Finish(acc[static_cast<size_t>(i)], count);
  }
};

// Whether `a` replaces `best` as the maximum so far: a greater value, or the
// first NaN.
template <typename T>
bool Beats(T a, T best) {
  return a > best || (a != a && best == best);
}

template <typename T>
class ArgMaxOp final : public ArgMaxOpKernel {
 public:
  using ArgMaxOpKernel::ArgMaxOpKernel;

 private:
  void ArgMax(const OpKernelContext& ctx, const Tensor& x, int axis, Tensor& y) override {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    if (int32_output_) {
      Run(x.data<T>(), y.data<int32_t>(), outer, x.dim(axis), inner);
    } else {
      Run(x.data<T>(), y.data<int64_t>(), outer, x.dim(axis), inner);
    }
  }

  // x is [outer, n, inner]; each step scans one contiguous row of `inner`
  // candidates against the best so far.
  template <typename Index>
  static void Run(const T* x, Index* out, int64_t outer, int64_t n, int64_t inner) {
    std::vector<T> best(static_cast<size_t>(inner));
    for (int64_t o = 0; o < outer; ++o, x += n * inner, out += inner) {
      std::copy_n(x, inner, best.begin());
      std::fill_n(out, inner, Index{0});
      for (int64_t k = 1; k < n; ++k) {
        const T* row = x + k * inner;
        for (int64_t j = 0; j < inner; ++j) {
          if (Beats<T>(row[j], best[static_cast<size_t>(j)])) {
            best[static_cast<size_t>(j)] = row[j];
            out[j] = static_cast<Index>(k);
          }
        }
      }
    }
  }
};

TG_REGISTER_REDUCTION_KERNELS(kDeviceCpu, ReductionOp, ArgMaxOp);

}  // namespace
}  // namespace tensorgraph
