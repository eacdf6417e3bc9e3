// CUDA kernels for nn ops, the counterparts of kernels/cpu/nn_ops.cc:
// BiasAdd and BiasAddGrad, the activations and their gradients (over the
// functors of kernels/functors/nn.h), Softmax and LogSoftmax, and the
// softmax cross-entropy losses. The checks on shapes are the CPU's, in
// the shells of kernels/nn_kernels.h; the values the CPU checks (sparse
// labels) cannot be read on the host, see SparseSoftmaxCrossEntropyKernel.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/cuda/elementwise.cuh"
#include "kernels/functors/math.h"
#include "kernels/functors/nn.h"
#include "kernels/nn_kernels.h"

namespace tensorgraph {
namespace {

using cuda::BinaryOpKernel;
using cuda::UnaryOpKernel;
using functors::ReluFn;
using functors::ReluGradFn;
using functors::SoftplusFn;
using functors::SoftplusGradFn;

constexpr int kWarp = 32;
constexpr int kThreads = 256;            // threads per block of every kernel here
constexpr int64_t kMaxBlocks = 1 << 16;  // grid cap; the kernels loop past it
constexpr int64_t kWarpRowLimit = 512;   // rows up to this long get a warp, longer a block
constexpr int kColumnLanes = 32;         // column sum: outputs per block (threadIdx.x)
constexpr int kColumnSplit = kThreads / kColumnLanes;  // threads splitting a column (threadIdx.y)

uint32_t Blocks(int64_t work_items, int64_t items_per_block) {
  return static_cast<uint32_t>(
      std::min((work_items + items_per_block - 1) / items_per_block, kMaxBlocks));
}

// --- row groups ----------------------------------------------------------
//
// The row kernels give each row to a group of kGroup threads: a warp
// (kGroup == kWarp, for rows up to kWarpRowLimit) or the whole block
// (kGroup == kThreads). Every thread of a group loops over the same rows,
// so the group's reductions (and the block's barriers) are uniform.

template <typename T>
struct MaxOp {
  // std::max(a, b), as the CPU's ShiftedExp: a NaN b never replaces a.
  __device__ T operator()(T a, T b) const { return a < b ? b : a; }
};
template <typename T>
struct PlusOp {
  __device__ T operator()(T a, T b) const { return a + b; }
};

// op over the group's values, in every thread of the group. `scratch`
// holds kThreads / kWarp values; each thread combines the warps' values in
// the same order, so all get the same result.
template <int kGroup, typename T, typename Op>
__device__ T GroupAllReduce(T v, Op op, T* scratch) {
#pragma unroll
  for (int delta = kWarp / 2; delta > 0; delta /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, delta));
  if constexpr (kGroup == kThreads) {
    const int warp = threadIdx.x / kWarp;
    if (threadIdx.x % kWarp == 0) scratch[warp] = v;
    __syncthreads();
    v = scratch[0];
    for (int w = 1; w < kThreads / kWarp; ++w) v = op(v, scratch[w]);
    __syncthreads();  // scratch is reused by the next reduction
  }
  return v;
}

// A row of logits reduced for softmax: its max, and the sum of
// exp(x - max), as the CPU's ShiftedExpSum (shifting by the max keeps exp
// from overflowing and makes the sum at least 1).
template <typename T>
struct ShiftedExpSum {
  T max;
  T sum;
};

// Reduces the row x[j * stride], j < n, over the group; `lane` is the
// thread's place in its group.
template <int kGroup, typename T>
__device__ ShiftedExpSum<T> RowShiftedExpSum(const T* x, int64_t n, int64_t stride, int lane,
                                             T* scratch) {
  T max = -std::numeric_limits<T>::infinity();
  for (int64_t j = lane; j < n; j += kGroup) max = MaxOp<T>{}(max, x[j * stride]);
  max = GroupAllReduce<kGroup>(max, MaxOp<T>{}, scratch);
  T sum = 0;
  for (int64_t j = lane; j < n; j += kGroup) sum += std::exp(x[j * stride] - max);
  sum = GroupAllReduce<kGroup>(sum, PlusOp<T>{}, scratch);
  return {max, sum};
}

// The first row of the group this thread is in, its lane, and the step
// to the group's next row.
template <int kGroup>
struct RowWalk {
  static constexpr int kRowsPerBlock = kThreads / kGroup;
  __device__ static int64_t First() { return int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / kGroup; }
  __device__ static int64_t Step() { return int64_t{gridDim.x} * kRowsPerBlock; }
  __device__ static int Lane() { return static_cast<int>(threadIdx.x % kGroup); }
};

// Launches kernel<kWarp or kThreads> over `rows` rows of length `n`.
template <typename KernelWarp, typename KernelBlock, typename... Args>
void LaunchRows(const OpKernelContext& ctx, const char* what, int64_t rows, int64_t n,
                KernelWarp warp_kernel, KernelBlock block_kernel, Args... args) {
  if (rows == 0) return;
  if (n <= kWarpRowLimit) {
    warp_kernel<<<Blocks(rows, kThreads / kWarp), kThreads, 0, cuda::StreamOf(ctx)>>>(args...);
  } else {
    block_kernel<<<Blocks(rows, 1), kThreads, 0, cuda::StreamOf(ctx)>>>(args...);
  }
  cuda::CheckLaunch(ctx, what);
}

// --- BiasAdd, BiasAddGrad --------------------------------------------------

// value + bias, bias viewed with value's rank (1 in every dim but the
// channel one) and broadcast by the elementwise launcher.
template <typename T>
class BiasAddOp final : public BiasAddOpKernel {
 public:
  using BiasAddOpKernel::BiasAddOpKernel;

 private:
  void Add(const OpKernelContext& ctx, const Tensor& value, const Tensor& bias,
           const ChannelLayout& l, Tensor& out) override {
    std::vector<int64_t> bias_dims(static_cast<size_t>(value.rank()), 1);
    bias_dims[static_cast<size_t>(l.channel_dim)] = l.channels;
    const Tensor bias_view = bias.Reshaped(Shape(std::move(bias_dims)));
    cuda::LaunchElementwise<T, T, T>(ctx, functors::AddFn{}, out, {&value, &bias_view});
  }
};

// BiasAddGrad for NHWC, grad as [outer, channels]: a column sum. A block
// takes kColumnLanes neighbouring channels (coalesced reads along a row);
// kColumnSplit threads share each channel's loop over the rows and their
// sums are added through shared memory.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    ColumnSumKernel(int64_t outer, int64_t channels, const T* grad, T* sum) {
  __shared__ T partials[kColumnSplit][kColumnLanes];
  for (int64_t g = blockIdx.x; g * kColumnLanes < channels; g += gridDim.x) {  // uniform
    const int64_t c = g * kColumnLanes + threadIdx.x;
    T acc = 0;
    if (c < channels) {
      for (int64_t o = threadIdx.y; o < outer; o += kColumnSplit) acc += grad[o * channels + c];
    }
    partials[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < channels) {
      for (int s = 1; s < kColumnSplit; ++s) acc += partials[s][threadIdx.x];
      sum[c] = acc;
    }
    __syncthreads();  // partials are reused by the next group
  }
}

// BiasAddGrad for NCHW, grad as [outer, channels, inner]: a block per
// channel walks its outer * inner elements (runs of inner contiguous
// elements, so reads coalesce) and sums them over the block.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    ChannelSumKernel(int64_t outer, int64_t channels, int64_t inner, const T* grad, T* sum) {
  __shared__ T scratch[kThreads / kWarp];
  // The walk's linear index o * inner + i advances by kThreads per step.
  const int64_t step_o = kThreads / inner, step_i = kThreads % inner;
  for (int64_t c = blockIdx.x; c < channels; c += gridDim.x) {  // uniform
    T acc = 0;
    int64_t o = threadIdx.x / inner, i = threadIdx.x % inner;
    while (o < outer) {
      acc += grad[(o * channels + c) * inner + i];
      o += step_o;
      i += step_i;
      if (i >= inner) {
        i -= inner;
        ++o;
      }
    }
    acc = GroupAllReduce<kThreads>(acc, PlusOp<T>{}, scratch);
    if (threadIdx.x == 0) sum[c] = acc;
  }
}

// The sums in T, as on the CPU.
template <typename T>
class BiasAddGradOp final : public BiasAddGradOpKernel {
 public:
  using BiasAddGradOpKernel::BiasAddGradOpKernel;

 private:
  void SumChannels(const OpKernelContext& ctx, const Tensor& grad, const ChannelLayout& l,
                   Tensor& out) override {
    if (l.channels == 0) return;
    const T* g = cuda::DevicePtr<T>(grad);
    T* sum = cuda::DevicePtr<T>(out);
    const cudaStream_t stream = cuda::StreamOf(ctx);
    if (l.inner == 1) {
      ColumnSumKernel<T><<<Blocks(l.channels, kColumnLanes), dim3(kColumnLanes, kColumnSplit), 0,
                           stream>>>(l.outer, l.channels, g, sum);
    } else {
      ChannelSumKernel<T><<<Blocks(l.channels, 1), kThreads, 0, stream>>>(l.outer, l.channels,
                                                                          l.inner, g, sum);
    }
    cuda::CheckLaunch(ctx, "BiasAddGrad kernel");
  }
};

// --- Softmax, LogSoftmax ---------------------------------------------------

// A row group per row of [rows, classes]: the row's max, then the sum of
// exp(x - max), then each output from x, the max and the sum, as the CPU
// computes it (exp recomputed rather than stored).
template <int kGroup, typename T, bool kLog>
__global__ void __launch_bounds__(kThreads)
    SoftmaxKernel(int64_t rows, int64_t classes, const T* x, T* y) {
  __shared__ T scratch[kThreads / kWarp];
  using Walk = RowWalk<kGroup>;
  const int lane = Walk::Lane();
  for (int64_t row = Walk::First(); row < rows; row += Walk::Step()) {
    const T* xr = x + row * classes;
    T* yr = y + row * classes;
    const ShiftedExpSum<T> s = RowShiftedExpSum<kGroup>(xr, classes, 1, lane, scratch);
    if constexpr (kLog) {
      const T log_sum = std::log(s.sum);
      for (int64_t j = lane; j < classes; j += kGroup) yr[j] = (xr[j] - s.max) - log_sum;
    } else {
      for (int64_t j = lane; j < classes; j += kGroup) yr[j] = std::exp(xr[j] - s.max) / s.sum;
    }
  }
}

// Softmax (kLog false) or LogSoftmax (kLog true) over the last dimension.
template <typename T, bool kLog>
class SoftmaxOp final : public SoftmaxOpKernel {
 public:
  using SoftmaxOpKernel::SoftmaxOpKernel;

 private:
  void Softmax(const OpKernelContext& ctx, const Tensor& logits, int64_t rows, int64_t classes,
               Tensor& out) override {
    LaunchRows(ctx, "softmax kernel", rows, classes, SoftmaxKernel<kWarp, T, kLog>,
               SoftmaxKernel<kThreads, T, kLog>, rows, classes, cuda::DevicePtr<T>(logits),
               cuda::DevicePtr<T>(out));
  }
};

// --- softmax cross-entropy ---------------------------------------------------

// The strides (in elements) of features and labels over [batch, classes]:
// 0 along a broadcast dim.
struct RowStrides {
  int64_t row, column;
};

// A row group per row b: the loss sum_c label * (log(sum) - (f - max)) and
// the backprop exp(f - max) / sum - label, as the CPU computes them.
template <int kGroup, typename T>
__global__ void __launch_bounds__(kThreads)
    SoftmaxCrossEntropyKernel(int64_t batch, int64_t classes, const T* features, RowStrides fs,
                              const T* labels, RowStrides ls, T* loss, T* backprop) {
  __shared__ T scratch[kThreads / kWarp];
  using Walk = RowWalk<kGroup>;
  const int lane = Walk::Lane();
  for (int64_t b = Walk::First(); b < batch; b += Walk::Step()) {
    const T* f = features + b * fs.row;
    const T* l = labels + b * ls.row;
    T* g = backprop + b * classes;
    const ShiftedExpSum<T> s = RowShiftedExpSum<kGroup>(f, classes, fs.column, lane, scratch);
    const T log_sum = std::log(s.sum);
    T row_loss = 0;
    for (int64_t c = lane; c < classes; c += kGroup) {
      const T label = l[c * ls.column];
      const T shifted = f[c * fs.column] - s.max;
      row_loss += label * (log_sum - shifted);
      g[c] = std::exp(shifted) / s.sum - label;
    }
    row_loss = GroupAllReduce<kGroup>(row_loss, PlusOp<T>{}, scratch);
    if (lane == 0) loss[b] = row_loss;
  }
}

template <typename T>
class SoftmaxCrossEntropyOp final : public SoftmaxCrossEntropyOpKernel {
 public:
  using SoftmaxCrossEntropyOpKernel::SoftmaxCrossEntropyOpKernel;

 private:
  void CrossEntropy(const OpKernelContext& ctx, const Tensor& features, const Tensor& labels,
                    const CrossEntropyLayout& layout, Tensor& loss, Tensor& backprop) override {
    const std::vector<int64_t>& fs = layout.features_strides;
    const std::vector<int64_t>& ls = layout.labels_strides;
    LaunchRows(ctx, "softmax cross-entropy kernel", layout.batch, layout.classes,
               SoftmaxCrossEntropyKernel<kWarp, T>, SoftmaxCrossEntropyKernel<kThreads, T>,
               layout.batch, layout.classes, cuda::DevicePtr<T>(features),
               RowStrides{fs[0], fs[1]}, cuda::DevicePtr<T>(labels), RowStrides{ls[0], ls[1]},
               cuda::DevicePtr<T>(loss), cuda::DevicePtr<T>(backprop));
  }
};

// A row group per row b of features [batch, classes]: the loss
// log(sum) - (f[label] - max) and the backprop exp(f - max) / sum, less 1
// at the label. The CPU kernel fails on a label outside [0, classes); the
// labels are in device memory, so here (as in TensorFlow's GPU kernel) such
// a row gets a NaN loss and a NaN backprop row instead.
template <int kGroup, typename T, typename Label>
__global__ void __launch_bounds__(kThreads)
    SparseSoftmaxCrossEntropyKernel(int64_t batch, int64_t classes, const T* features,
                                    const Label* labels, T* loss, T* backprop) {
  __shared__ T scratch[kThreads / kWarp];
  using Walk = RowWalk<kGroup>;
  const int lane = Walk::Lane();
  for (int64_t b = Walk::First(); b < batch; b += Walk::Step()) {
    const T* f = features + b * classes;
    T* g = backprop + b * classes;
    const auto target = static_cast<int64_t>(labels[b]);
    if (target < 0 || target >= classes) {  // the same label for the whole group: uniform
      const T nan = std::numeric_limits<T>::quiet_NaN();
      for (int64_t c = lane; c < classes; c += kGroup) g[c] = nan;
      if (lane == 0) loss[b] = nan;
      continue;
    }
    const ShiftedExpSum<T> s = RowShiftedExpSum<kGroup>(f, classes, 1, lane, scratch);
    for (int64_t c = lane; c < classes; c += kGroup) {
      const T p = std::exp(f[c] - s.max) / s.sum;
      g[c] = c == target ? p - T{1} : p;
    }
    if (lane == 0) loss[b] = std::log(s.sum) - (f[target] - s.max);
  }
}

template <typename T>
class SparseSoftmaxCrossEntropyOp final
    : public SparseSoftmaxCrossEntropyOpKernel<SparseSoftmaxCrossEntropyOp<T>> {
  using Base = SparseSoftmaxCrossEntropyOpKernel<SparseSoftmaxCrossEntropyOp<T>>;

 public:
  using Base::Base;

  template <typename Label>
  static void ComputeWithLabels(OpKernelContext& ctx, const Tensor& features,
                                const Tensor& labels) {
    const int64_t batch = features.dim(0);
    const int64_t classes = features.dim(1);
    Tensor& loss = ctx.AllocateOutput(0);
    Tensor& backprop = ctx.AllocateOutput(1);
    LaunchRows(ctx, "sparse softmax cross-entropy kernel", batch, classes,
               SparseSoftmaxCrossEntropyKernel<kWarp, T, Label>,
               SparseSoftmaxCrossEntropyKernel<kThreads, T, Label>, batch, classes,
               cuda::DevicePtr<T>(features), cuda::DevicePtr<Label>(labels),
               cuda::DevicePtr<T>(loss), cuda::DevicePtr<T>(backprop));
  }
};

// --- registration ----------------------------------------------------------

#define TG_REGISTER_GPU(op, T, ...) TG_REGISTER_KERNEL(op, kDeviceGpu, kDataTypeOf<T>, __VA_ARGS__)

TG_REGISTER_GPU("BiasAdd", float, BiasAddOp<float>);
TG_REGISTER_GPU("BiasAdd", double, BiasAddOp<double>);
TG_REGISTER_GPU("BiasAdd", int32_t, BiasAddOp<int32_t>);
TG_REGISTER_GPU("BiasAdd", uint8_t, BiasAddOp<uint8_t>);
TG_REGISTER_GPU("BiasAdd", int64_t, BiasAddOp<int64_t>);

TG_REGISTER_GPU("BiasAddGrad", float, BiasAddGradOp<float>);
TG_REGISTER_GPU("BiasAddGrad", double, BiasAddGradOp<double>);

TG_REGISTER_GPU("Relu", float, UnaryOpKernel<float, float, ReluFn>);
TG_REGISTER_GPU("Relu", double, UnaryOpKernel<double, double, ReluFn>);
TG_REGISTER_GPU("Relu", int32_t, UnaryOpKernel<int32_t, int32_t, ReluFn>);
TG_REGISTER_GPU("Relu", uint8_t, UnaryOpKernel<uint8_t, uint8_t, ReluFn>);
TG_REGISTER_GPU("Relu", int64_t, UnaryOpKernel<int64_t, int64_t, ReluFn>);

TG_REGISTER_GPU("ReluGrad", float, BinaryOpKernel<float, float, ReluGradFn>);
TG_REGISTER_GPU("ReluGrad", double, BinaryOpKernel<double, double, ReluGradFn>);

TG_REGISTER_GPU("Softplus", float, UnaryOpKernel<float, float, SoftplusFn>);
TG_REGISTER_GPU("Softplus", double, UnaryOpKernel<double, double, SoftplusFn>);

TG_REGISTER_GPU("SoftplusGrad", float, BinaryOpKernel<float, float, SoftplusGradFn>);
TG_REGISTER_GPU("SoftplusGrad", double, BinaryOpKernel<double, double, SoftplusGradFn>);

TG_REGISTER_GPU("Softmax", float, SoftmaxOp<float, false>);
TG_REGISTER_GPU("Softmax", double, SoftmaxOp<double, false>);
TG_REGISTER_GPU("LogSoftmax", float, SoftmaxOp<float, true>);
TG_REGISTER_GPU("LogSoftmax", double, SoftmaxOp<double, true>);

TG_REGISTER_GPU("SoftmaxCrossEntropyWithLogits", float, SoftmaxCrossEntropyOp<float>);
TG_REGISTER_GPU("SoftmaxCrossEntropyWithLogits", double, SoftmaxCrossEntropyOp<double>);
TG_REGISTER_GPU("SparseSoftmaxCrossEntropyWithLogits", float, SparseSoftmaxCrossEntropyOp<float>);
TG_REGISTER_GPU("SparseSoftmaxCrossEntropyWithLogits", double,
                SparseSoftmaxCrossEntropyOp<double>);

}  // namespace
}  // namespace tensorgraph
