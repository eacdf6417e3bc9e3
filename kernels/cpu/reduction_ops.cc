// CPU kernels for reductions. Output shapes and the checks on axes come from
// the op's shape function run on the concrete inputs.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/functors/reducers.h"
#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

using functors::MaxReducer;
using functors::MeanReducer;
using functors::SumReducer;

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

// The input viewed with size-1 dims dropped and neighbouring dims that are
// both reduced or both kept merged: a row reduction becomes [kept, reduced],
// a column reduction [reduced, kept].
struct ReductionLayout {
  std::vector<int64_t> dims;
  std::vector<bool> reduced;
  std::vector<int64_t> in_stride;   // elements per index of each dim
  std::vector<int64_t> out_stride;  // output elements per index; 0 when reduced
};

ReductionLayout MakeLayout(const Shape& shape, const std::vector<bool>& reduced) {
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
class ReductionOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    using T = typename R::Value;
    const Tensor& x = ctx.input(0);
    const Shape& shape = ctx.output_shape(0);
    const int rank = x.rank();
    std::vector<bool> reduced(static_cast<size_t>(rank), false);
    const std::vector<int64_t> axes = ctx.HostInputAsInts(1);
    for (int64_t a : axes) reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
    int64_t count = 1;  // input values per output value
    for (int d = 0; d < rank; ++d) {
      if (reduced[static_cast<size_t>(d)]) count *= x.dim(d);
    }
    if (count == 1) {  // each output is its one input value
      ctx.SetOutput(0, x.Reshaped(shape));
      return;
    }
    Tensor& y = ctx.AllocateOutput(0);
    const int64_t n = y.num_elements();
    if (n == 0) return;
    std::vector<typename R::Acc> acc(static_cast<size_t>(n), R::Identity());
    if (count > 0) Accumulate<R>(MakeLayout(x.shape(), reduced), 0, x.data<T>(), acc.data());
    T* out = y.data<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = R::Finish(acc[static_cast<size_t>(i)], count);
  }
};

#define TG_REGISTER_REDUCTION(op, T, R)                                                        \
  TG_REGISTER_KERNEL_DEF(KernelDef(op, kDeviceCpu, kDataTypeOf<T>).HostMemory("reduction_indices"), \
                         ReductionOp<R<T>>)
#define TG_REGISTER_REDUCTIONS(T)              \
  TG_REGISTER_REDUCTION("Sum", T, SumReducer);   \
  TG_REGISTER_REDUCTION("Mean", T, MeanReducer); \
  TG_REGISTER_REDUCTION("Max", T, MaxReducer)

TG_REGISTER_REDUCTIONS(float);
TG_REGISTER_REDUCTIONS(double);
TG_REGISTER_REDUCTIONS(int32_t);
TG_REGISTER_REDUCTIONS(uint8_t);
TG_REGISTER_REDUCTIONS(int64_t);

// Whether `a` replaces `best` as the maximum so far: a greater value, or the
// first NaN.
template <typename T>
bool Beats(T a, T best) {
  return a > best || (a != a && best == best);
}

template <typename T>
class ArgMaxOp : public OpKernel {
 public:
  ArgMaxOp(const Node& node, Device& device)
      : OpKernel(node, device), int32_output_(node.attr<DataType>("output_type") == DT_INT32) {}

  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.AllocateOutput(0);
    if (y.num_elements() == 0) return;
    const int64_t a = ctx.HostInputAsInts(1).front();
    const int axis = static_cast<int>(a < 0 ? a + x.rank() : a);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    if (int32_output_) {
      Run(x.data<T>(), y.data<int32_t>(), outer, x.dim(axis), inner);
    } else {
      Run(x.data<T>(), y.data<int64_t>(), outer, x.dim(axis), inner);
    }
  }

 private:
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

  const bool int32_output_;
};

TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_FLOAT).HostMemory("dimension"), ArgMaxOp<float>);
TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_DOUBLE).HostMemory("dimension"), ArgMaxOp<double>);
TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_INT32).HostMemory("dimension"), ArgMaxOp<int32_t>);
TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_UINT8).HostMemory("dimension"), ArgMaxOp<uint8_t>);
TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_INT64).HostMemory("dimension"), ArgMaxOp<int64_t>);
TG_REGISTER_KERNEL_DEF(KernelDef("ArgMax", kDeviceCpu, DT_BOOL).HostMemory("dimension"), ArgMaxOp<bool>);

}  // namespace
}  // namespace tensorgraph
