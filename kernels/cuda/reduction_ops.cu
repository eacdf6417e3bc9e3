// CUDA kernels for reductions: Sum, Mean and Max over the axes in a
// host-memory reduction_indices, and ArgMax over a host-memory dimension,
// the counterparts of kernels/cpu/reduction_ops.cc. The math is the
// reducers of kernels/functors/reducers.h (accumulator type, identity,
// NaN handling and Mean's division are the CPU's); the GPU only changes the
// order in which partial accumulators are merged.
//
// The host side is the CPU's (kernels/reduction_kernels.h): the same
// shortcuts, and the input viewed in the same layout (size-1 dims dropped,
// neighbouring dims that are both reduced or both kept merged), for which
// ChooseStrategy picks one of four kernels: a row, a column, a
// whole-tensor (two-pass) or a general strided reduction. ArgMax goes
// through the same kernels with a reducer of (value, index) pairs.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/reduction_kernels.h"
#include "kernels/strided_layout.h"

namespace tensorgraph {
namespace {

constexpr int kWarp = 32;
constexpr int kThreads = 256;              // threads per block of every kernel
constexpr int64_t kMaxBlocks = 1 << 16;    // grid cap; the kernels loop past it
constexpr int64_t kWarpRowLimit = 512;     // rows up to this long get a warp, longer a block
constexpr int kColumnLanes = 32;           // column kernel: outputs per block (threadIdx.x)
constexpr int kColumnSplit = kThreads / kColumnLanes;  // threads splitting a column (threadIdx.y)
constexpr int64_t kMaxPartials = 1024;     // whole-tensor reduction: blocks of the first pass

// --- reduction policies --------------------------------------------------
//
// The kernels are written against a policy P: P::Acc accumulates P::Value
// elements (Add, which also gets the element's index along the reduced
// walk), joins partial accumulators (Merge, associative and commutative)
// and turns the total of `count` elements into a P::Out (Finish).

// A reducer of kernels/functors/reducers.h (the index is not used).
template <typename R>
struct ReducerPolicy {
  using Value = typename R::Value;
  using Acc = typename R::Acc;
  using Out = Value;
  __device__ static Acc Identity() { return R::Identity(); }
  __device__ static Acc Add(Acc a, Value x, int64_t) { return R::Add(a, x); }
  __device__ static Acc Merge(Acc a, Acc b) { return R::Merge(a, b); }
  __device__ static Out Finish(Acc a, int64_t count) { return R::Finish(a, count); }
};

// ArgMax: the best (value, index) so far; index -1 before any value. No
// default member initializers, so that it can live in __shared__ memory.
template <typename T>
struct ArgMaxAcc {
  T value;
  int64_t index;
};

template <typename T>
__device__ bool IsNan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

// The CPU scans each run in order and keeps the first maximum, or the first
// NaN once there is one (ArgMaxOp's Beats). Merging by "greater value, a
// NaN over a number, else the smaller index" gives the same answer in any
// order.
template <typename T, typename Index>
struct ArgMaxPolicy {
  using Value = T;
  using Acc = ArgMaxAcc<T>;
  using Out = Index;
  __device__ static bool Beats(T a, T b) { return a > b || (IsNan(a) && !IsNan(b)); }
  __device__ static Acc Identity() { return {T{}, -1}; }
  __device__ static Acc Merge(Acc a, Acc b) {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    if (Beats(b.value, a.value)) return b;
    if (Beats(a.value, b.value)) return a;
    return b.index < a.index ? b : a;
  }
  __device__ static Acc Add(Acc a, T x, int64_t k) { return Merge(a, Acc{x, k}); }
  __device__ static Out Finish(Acc a, int64_t) { return static_cast<Index>(a.index); }
};

// --- warp and block reductions -------------------------------------------

// __shfl_down_sync has no overloads below 32 bits (uint8_t, bool): those
// travel as int.
template <typename V>
__device__ V ShuffleDown(V v, int delta) {
  if constexpr (sizeof(V) < 4) {
    return static_cast<V>(__shfl_down_sync(0xffffffffu, static_cast<int>(v), delta));
  } else {
    return __shfl_down_sync(0xffffffffu, v, delta);
  }
}

template <typename T>
__device__ ArgMaxAcc<T> ShuffleDown(ArgMaxAcc<T> a, int delta) {
  return {ShuffleDown(a.value, delta), ShuffleDown(a.index, delta)};
}

// The merge of the warp's 32 accumulators, in lane 0. Every lane must call.
template <typename P>
__device__ typename P::Acc WarpReduce(typename P::Acc a) {
#pragma unroll
  for (int delta = kWarp / 2; delta > 0; delta /= 2) a = P::Merge(a, ShuffleDown(a, delta));
  return a;
}

// The merge of a row group's accumulators (a warp, or the whole block of
// kThreads when kGroup is kThreads), in the group's first thread. Every
// thread of the group must call; `scratch` holds kThreads / kWarp entries.
template <typename P, int kGroup>
__device__ typename P::Acc GroupReduce(typename P::Acc a, typename P::Acc* scratch) {
  a = WarpReduce<P>(a);
  if constexpr (kGroup == kThreads) {
    const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
    if (lane == 0) scratch[warp] = a;
    __syncthreads();
    if (warp == 0) a = WarpReduce<P>(lane < kThreads / kWarp ? scratch[lane] : P::Identity());
    __syncthreads();  // scratch is reused by the block's next row
  }
  return a;
}

// --- kernels ---------------------------------------------------------------

// Row reduction, x as [rows, n] with n reduced: each row is reduced by a
// group of kGroup threads (a warp for short rows, the block for long ones)
// reading it with a stride of kGroup (coalesced), merged by warp shuffles
// and, for a block, shared memory.
template <typename P, int kGroup>
__global__ void __launch_bounds__(kThreads)
    RowReduceKernel(int64_t rows, int64_t n, const typename P::Value* x, typename P::Out* y) {
  using Acc = typename P::Acc;
  __shared__ Acc scratch[kThreads / kWarp];
  constexpr int kRowsPerBlock = kThreads / kGroup;
  const int lane = static_cast<int>(threadIdx.x) % kGroup;
  // Uniform over the group: every thread of a group loops over the same rows.
  for (int64_t row = int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / kGroup; row < rows;
       row += int64_t{gridDim.x} * kRowsPerBlock) {
    const typename P::Value* xr = x + row * n;
    Acc acc = P::Identity();
    for (int64_t k = lane; k < n; k += kGroup) acc = P::Add(acc, xr[k], k);
    acc = GroupReduce<P, kGroup>(acc, scratch);
    if (lane == 0) y[row] = P::Finish(acc, n);
  }
}

// Column reduction, x as [outer, n, inner] with n reduced: a block takes
// kColumnLanes consecutive outputs (threadIdx.x, neighbours in memory
// along inner, so reads coalesce); kColumnSplit threads (threadIdx.y)
// share each output's loop over n, and their accumulators are merged
// through shared memory.
template <typename P>
__global__ void __launch_bounds__(kThreads)
    ColumnReduceKernel(int64_t outer, int64_t n, int64_t inner, const typename P::Value* x,
                       typename P::Out* y) {
  using Acc = typename P::Acc;
  __shared__ Acc partials[kColumnSplit][kColumnLanes];
  const int64_t outputs = outer * inner;
  const int64_t groups = (outputs + kColumnLanes - 1) / kColumnLanes;
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {  // uniform over the block
    const int64_t j = g * kColumnLanes + threadIdx.x;
    Acc acc = P::Identity();
    if (j < outputs) {
      const int64_t o = j / inner;
      const typename P::Value* column = x + o * n * inner + (j - o * inner);
      for (int64_t k = threadIdx.y; k < n; k += kColumnSplit) acc = P::Add(acc, column[k * inner], k);
    }
    partials[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && j < outputs) {
      for (int s = 1; s < kColumnSplit; ++s) acc = P::Merge(acc, partials[s][threadIdx.x]);
      y[j] = P::Finish(acc, n);
    }
    __syncthreads();  // partials are reused by the next group
  }
}

// Whole-tensor reduction, first pass: each block reduces a grid-stride
// share of the n elements into one partial accumulator.
template <typename P>
__global__ void __launch_bounds__(kThreads)
    PartialReduceKernel(int64_t n, const typename P::Value* x, typename P::Acc* partials) {
  using Acc = typename P::Acc;
  __shared__ Acc scratch[kThreads / kWarp];
  Acc acc = P::Identity();
  TG_CUDA_LOOP(i, n) { acc = P::Add(acc, x[i], i); }
  acc = GroupReduce<P, kThreads>(acc, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

// Whole-tensor reduction, second pass: one block merges the partials and
// finishes the total of `count` elements.
template <typename P>
__global__ void __launch_bounds__(kThreads)
    FinishPartialsKernel(int num_partials, const typename P::Acc* partials, int64_t count,
                         typename P::Out* y) {
  using Acc = typename P::Acc;
  __shared__ Acc scratch[kThreads / kWarp];
  Acc acc = P::Identity();
  for (int i = threadIdx.x; i < num_partials; i += kThreads) acc = P::Merge(acc, partials[i]);
  acc = GroupReduce<P, kThreads>(acc, scratch);
  if (threadIdx.x == 0) *y = P::Finish(acc, count);
}

// General reduction (reduced and kept dims interleaved more than the
// cases above): one thread per output, whose first input is found by the
// kept walk's calculator and whose `count` inputs by the reduced walk's.
template <typename P>
__global__ void StridedReduceKernel(uint32_t outputs, cuda::OffsetCalculator<1> kept,
                                    cuda::OffsetCalculator<1> reduced, uint32_t count,
                                    const typename P::Value* x, typename P::Out* y) {
  for (uint32_t j = blockIdx.x * blockDim.x + threadIdx.x; j < outputs;
       j += blockDim.x * gridDim.x) {
    const typename P::Value* base = x + kept.Get(j)[0];
    typename P::Acc acc = P::Identity();
    for (uint32_t r = 0; r < count; ++r) acc = P::Add(acc, base[reduced.Get(r)[0]], r);
    y[j] = P::Finish(acc, count);
  }
}

template <typename T>
__global__ void FillKernel(int64_t n, T value, T* y) {
  TG_CUDA_LOOP(i, n) { y[i] = value; }
}

// --- host side -------------------------------------------------------------

enum class Strategy { kWhole, kRows, kColumns, kStrided };

// The chosen kernel, and the layout as [outer, n, inner] with n reduced
// (for every strategy but kStrided).
struct ReductionPlan {
  Strategy strategy = Strategy::kStrided;
  int64_t outer = 1, n = 1, inner = 1;
};

// How a layout with at least one reduced dim (R) is reduced on the GPU,
// from its alternating reduced and kept (K) dims:
//   [R]                  kWhole: two passes, a partial accumulator per block,
//                        then one block merging them;
//   [K, R]               kRows: a warp (rows up to kWarpRowLimit) or a block
//                        per output row;
//   [R, K] or [K, R, K]  kColumns: threads over the outputs along the inner
//                        kept dim, each looping over R (coalesced);
//   anything longer, or [R, K, R]
//                        kStrided: a thread per output, offsets from
//                        OffsetCalculators.
ReductionPlan ChooseStrategy(const ReductionLayout& l) {
  const std::vector<int64_t>& d = l.dims;
  const size_t rank = d.size();
  if (rank == 1 && l.reduced[0]) return {Strategy::kWhole, 1, d[0], 1};
  if (rank == 2 && l.reduced[1]) return {Strategy::kRows, d[0], d[1], 1};
  if (rank == 2 && l.reduced[0]) return {Strategy::kColumns, 1, d[0], d[1]};
  if (rank == 3 && l.reduced[1]) return {Strategy::kColumns, d[0], d[1], d[2]};
  return {};
}

uint32_t Blocks(int64_t work_items, int64_t items_per_block) {
  return static_cast<uint32_t>(
      std::min((work_items + items_per_block - 1) / items_per_block, kMaxBlocks));
}

// The general case: the kept dims form the output walk (split into pieces
// that 32-bit offsets address) and the reduced dims the inner walk, which
// must fit in 32 bits itself.
template <typename P>
void LaunchStrided(const OpKernelContext& ctx, const ReductionLayout& l,
                   const typename P::Value* x, typename P::Out* y) {
  StridedLayout<1> kept, reduced;
  for (size_t d = 0; d < l.dims.size(); ++d) {
    StridedLayout<1>& walk = l.reduced[d] ? reduced : kept;
    walk.dims.push_back(l.dims[d]);
    walk.strides[0].push_back(l.in_stride[d]);
  }
  const std::vector<cuda::IndexPiece<1>> reduced_pieces = cuda::SplitFor32BitIndexing<1>(reduced);
  if (reduced_pieces.size() != 1) {
    ThrowError(ErrorCode::kUnimplemented, "a CUDA reduction over ", reduced.num_elements(),
               " elements per output, in a layout that is neither a row, a column nor the "
               "whole tensor, whose offsets do not fit in 32 bits");
  }
  const cuda::OffsetCalculator<1> reduced_calc = cuda::MakeOffsetCalculator<1>(reduced);
  const auto count = static_cast<uint32_t>(reduced.num_elements());
  for (const cuda::IndexPiece<1>& piece : cuda::SplitFor32BitIndexing<1>(kept)) {
    const int64_t outputs = piece.layout.num_elements();
    const cuda::LaunchShape grid = cuda::GridFor(outputs, 1, kThreads, kMaxBlocks);
    StridedReduceKernel<P><<<grid.blocks, grid.threads, 0, cuda::StreamOf(ctx)>>>(
        static_cast<uint32_t>(outputs), cuda::MakeOffsetCalculator<1>(piece.layout), reduced_calc,
        count, x + piece.input_bases[0], y + piece.output_base);
    cuda::CheckLaunch(ctx, "strided reduction kernel");
  }
}

// Reduces x (viewed as `l`, with at least one reduced dim and no empty
// one) into y, contiguous in the order of the kept dims.
template <typename P>
void LaunchReduction(const OpKernelContext& ctx, const ReductionLayout& l,
                     const typename P::Value* x, typename P::Out* y) {
  using Acc = typename P::Acc;
  const cudaStream_t stream = cuda::StreamOf(ctx);
  const ReductionPlan plan = ChooseStrategy(l);
  switch (plan.strategy) {
    case Strategy::kWhole: {
      const int num_partials = static_cast<int>(
          std::min<int64_t>((plan.n + kThreads * 8 - 1) / (kThreads * 8), kMaxPartials));
      const Tensor temp = ctx.AllocateTemp(
          DT_UINT8, Shape{static_cast<int64_t>(num_partials * sizeof(Acc))});
      Acc* partials = static_cast<Acc*>(temp.raw_data());
      PartialReduceKernel<P><<<num_partials, kThreads, 0, stream>>>(plan.n, x, partials);
      cuda::CheckLaunch(ctx, "reduction kernel (partials)");
      FinishPartialsKernel<P><<<1, kThreads, 0, stream>>>(num_partials, partials, plan.n, y);
      cuda::CheckLaunch(ctx, "reduction kernel (final)");
      return;
    }
    case Strategy::kRows:
      if (plan.n <= kWarpRowLimit) {
        RowReduceKernel<P, kWarp><<<Blocks(plan.outer, kThreads / kWarp), kThreads, 0, stream>>>(
            plan.outer, plan.n, x, y);
      } else {
        RowReduceKernel<P, kThreads><<<Blocks(plan.outer, 1), kThreads, 0, stream>>>(
            plan.outer, plan.n, x, y);
      }
      cuda::CheckLaunch(ctx, "row reduction kernel");
      return;
    case Strategy::kColumns:
      ColumnReduceKernel<P>
          <<<Blocks(plan.outer * plan.inner, kColumnLanes), dim3(kColumnLanes, kColumnSplit), 0,
             stream>>>(plan.outer, plan.n, plan.inner, x, y);
      cuda::CheckLaunch(ctx, "column reduction kernel");
      return;
    case Strategy::kStrided:
      LaunchStrided<P>(ctx, l, x, y);
      return;
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
    T* out = cuda::DevicePtr<T>(y);
    if (count == 0) {  // an empty reduction: the reducer's total of no values
      const int64_t n = y.num_elements();
      cuda::Launch1D(ctx, "reduction fill kernel", n, 4, FillKernel<T>, n,
                     R::Finish(R::Identity(), 0), out);
      return;
    }
    LaunchReduction<ReducerPolicy<R>>(ctx, MakeReductionLayout(x.shape(), reduced),
                                      cuda::DevicePtr<T>(x), out);
  }
};

// ArgMax over one axis (never empty: the shape function rejects that),
// through the same kernels as the reductions.
template <typename T>
class ArgMaxOp final : public ArgMaxOpKernel {
 public:
  using ArgMaxOpKernel::ArgMaxOpKernel;

 private:
  void ArgMax(const OpKernelContext& ctx, const Tensor& x, int axis, Tensor& y) override {
    if (x.dim(axis) == 1) {  // every index is 0
      CheckCuda(cudaMemsetAsync(y.raw_data(), 0, y.bytes(), cuda::StreamOf(ctx)), "cudaMemset");
      return;
    }
    std::vector<bool> reduced(static_cast<size_t>(x.rank()), false);
    reduced[static_cast<size_t>(axis)] = true;
    const ReductionLayout l = MakeReductionLayout(x.shape(), reduced);
    if (int32_output_) {
      LaunchReduction<ArgMaxPolicy<T, int32_t>>(ctx, l, cuda::DevicePtr<T>(x),
                                                cuda::DevicePtr<int32_t>(y));
    } else {
      LaunchReduction<ArgMaxPolicy<T, int64_t>>(ctx, l, cuda::DevicePtr<T>(x),
                                                cuda::DevicePtr<int64_t>(y));
    }
  }
};

TG_REGISTER_REDUCTION_KERNELS(kDeviceGpu, ReductionOp, ArgMaxOp);

}  // namespace
}  // namespace tensorgraph
