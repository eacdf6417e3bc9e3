// CPU kernels for nn ops: bias, activations, softmax and the softmax
// cross-entropy losses, and the gradient ops of bias and activations.
// (MatMul is in matmul.cc.) The checks on shapes, the channel layout and
// the outputs' allocation are the shells of kernels/nn_kernels.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu/elementwise.h"
#include "kernels/functors/nn.h"
#include "kernels/nn_kernels.h"

namespace tensorgraph {
namespace {

template <typename T>
class BiasAddOp final : public BiasAddOpKernel {
 public:
  using BiasAddOpKernel::BiasAddOpKernel;

 private:
  void Add(const OpKernelContext& ctx, const Tensor& value, const Tensor& bias,
           const ChannelLayout& l, Tensor& out) override {
    if (value.num_elements() == 0) return;
    const T* x = value.data<T>();
    const T* b = bias.data<T>();
    T* y = out.data<T>();
    if (l.inner == 1) {
      // NHWC: add the bias row to each row, a loop that vectorizes.
      for (int64_t o = 0; o < l.outer; ++o, x += l.channels, y += l.channels) {
        for (int64_t c = 0; c < l.channels; ++c) y[c] = static_cast<T>(x[c] + b[c]);
      }
      return;
    }
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        for (int64_t i = 0; i < l.inner; ++i, ++x, ++y) *y = static_cast<T>(*x + b[c]);
      }
    }
  }
};

template <typename T>
class BiasAddGradOp final : public BiasAddGradOpKernel {
 public:
  using BiasAddGradOpKernel::BiasAddGradOpKernel;

 private:
  void SumChannels(const OpKernelContext& ctx, const Tensor& grad, const ChannelLayout& l,
                   Tensor& out) override {
    T* sum = out.data<T>();
    std::fill(sum, sum + l.channels, T{0});
    const T* g = grad.data<T>();
    if (l.inner == 1) {
      // NHWC: accumulate each row into the sums (the same additions, in the
      // same order, as the general loop), a loop that vectorizes.
      for (int64_t o = 0; o < l.outer; ++o, g += l.channels) {
        for (int64_t c = 0; c < l.channels; ++c) sum[c] += g[c];
      }
      return;
    }
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        T acc = 0;
        for (int64_t i = 0; i < l.inner; ++i, ++g) acc += *g;
        sum[c] += acc;
      }
    }
  }
};

using functors::ReluFn;
using functors::ReluGradFn;
using functors::SoftplusFn;
using functors::SoftplusGradFn;

// A row of logits reduced for softmax: its max, and the sum of
// exp(x - max). Shifting by the max keeps exp from overflowing on large
// logits and makes the sum at least 1.
template <typename T>
struct ShiftedExpSum {
  T max;
  T sum;
};

// Reduces the row x[j * stride], j < n, and writes exp(x - max) to e[j].
template <typename T>
ShiftedExpSum<T> ShiftedExp(const T* x, int64_t n, int64_t stride, T* e) {
  T max = -std::numeric_limits<T>::infinity();
  for (int64_t j = 0; j < n; ++j) max = std::max(max, x[j * stride]);
  T sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    e[j] = std::exp(x[j * stride] - max);
    sum += e[j];
  }
  return {max, sum};
}

// Softmax (kLog false) or LogSoftmax (kLog true) over the last dimension.
template <typename T, bool kLog>
class SoftmaxOp final : public SoftmaxOpKernel {
 public:
  using SoftmaxOpKernel::SoftmaxOpKernel;

 private:
  void Softmax(const OpKernelContext& ctx, const Tensor& logits, int64_t rows, int64_t classes,
               Tensor& out) override {
    const T* x = logits.data<T>();
    T* y = out.data<T>();
    for (int64_t r = 0; r < rows; ++r, x += classes, y += classes) {
      const ShiftedExpSum<T> s = ShiftedExp(x, classes, 1, y);
      if constexpr (kLog) {
        const T log_sum = std::log(s.sum);
        for (int64_t j = 0; j < classes; ++j) y[j] = (x[j] - s.max) - log_sum;
      } else {
        for (int64_t j = 0; j < classes; ++j) y[j] /= s.sum;
      }
    }
  }
};

template <typename T>
class SoftmaxCrossEntropyOp final : public SoftmaxCrossEntropyOpKernel {
 public:
  using SoftmaxCrossEntropyOpKernel::SoftmaxCrossEntropyOpKernel;

 private:
  void CrossEntropy(const OpKernelContext& ctx, const Tensor& features, const Tensor& labels,
                    const CrossEntropyLayout& layout, Tensor& loss, Tensor& backprop) override {
    const int64_t classes = layout.classes;
    const std::vector<int64_t>& fs = layout.features_strides;
    const std::vector<int64_t>& ls = layout.labels_strides;
    for (int64_t b = 0; b < layout.batch; ++b) {
      const T* f = features.data<T>() + b * fs[0];
      const T* l = labels.data<T>() + b * ls[0];
      T* g = backprop.data<T>() + b * classes;
      const ShiftedExpSum<T> s = ShiftedExp(f, classes, fs[1], g);
      const T log_sum = std::log(s.sum);
      T row_loss = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const T label = l[c * ls[1]];
        row_loss += label * (log_sum - (f[c * fs[1]] - s.max));
        g[c] = g[c] / s.sum - label;
      }
      loss.data<T>()[b] = row_loss;
    }
  }
};

template <typename T>
class SparseSoftmaxCrossEntropyOp final
    : public SparseSoftmaxCrossEntropyOpKernel<SparseSoftmaxCrossEntropyOp<T>> {
  using Base = SparseSoftmaxCrossEntropyOpKernel<SparseSoftmaxCrossEntropyOp<T>>;

 public:
  using Base::Base;

  // Fails on a label outside [0, classes).
  template <typename Label>
  void ComputeWithLabels(OpKernelContext& ctx, const Tensor& features, const Tensor& labels) const {
    const int64_t batch = features.dim(0);
    const int64_t classes = features.dim(1);
    const Label* label = labels.data<Label>();
    for (int64_t b = 0; b < batch; ++b) {
      if (label[b] < 0 || label[b] >= classes) {
        ctx.Fail("labels[", b, "] = ", label[b], " is outside the valid range [0, ", classes,
                 ") for ", classes, " classes");
      }
    }
    Tensor& loss = ctx.AllocateOutput(0);
    Tensor& backprop = ctx.AllocateOutput(1);
    for (int64_t b = 0; b < batch; ++b) {
      const T* f = features.data<T>() + b * classes;
      T* g = backprop.data<T>() + b * classes;
      const ShiftedExpSum<T> s = ShiftedExp(f, classes, 1, g);
      const int64_t target = static_cast<int64_t>(label[b]);
      loss.data<T>()[b] = std::log(s.sum) - (f[target] - s.max);
      for (int64_t c = 0; c < classes; ++c) g[c] /= s.sum;
      g[target] -= T{1};
    }
  }
};

TG_REGISTER_KERNEL("BiasAdd", kDeviceCpu, DT_FLOAT, BiasAddOp<float>);
TG_REGISTER_KERNEL("BiasAdd", kDeviceCpu, DT_DOUBLE, BiasAddOp<double>);
TG_REGISTER_KERNEL("BiasAdd", kDeviceCpu, DT_INT32, BiasAddOp<int32_t>);
TG_REGISTER_KERNEL("BiasAdd", kDeviceCpu, DT_UINT8, BiasAddOp<uint8_t>);
TG_REGISTER_KERNEL("BiasAdd", kDeviceCpu, DT_INT64, BiasAddOp<int64_t>);

TG_REGISTER_KERNEL("BiasAddGrad", kDeviceCpu, DT_FLOAT, BiasAddGradOp<float>);
TG_REGISTER_KERNEL("BiasAddGrad", kDeviceCpu, DT_DOUBLE, BiasAddGradOp<double>);

TG_REGISTER_KERNEL("Relu", kDeviceCpu, DT_FLOAT, cpu::UnaryOpKernel<float, float, ReluFn>);
TG_REGISTER_KERNEL("Relu", kDeviceCpu, DT_DOUBLE, cpu::UnaryOpKernel<double, double, ReluFn>);
TG_REGISTER_KERNEL("Relu", kDeviceCpu, DT_INT32, cpu::UnaryOpKernel<int32_t, int32_t, ReluFn>);
TG_REGISTER_KERNEL("Relu", kDeviceCpu, DT_UINT8, cpu::UnaryOpKernel<uint8_t, uint8_t, ReluFn>);
TG_REGISTER_KERNEL("Relu", kDeviceCpu, DT_INT64, cpu::UnaryOpKernel<int64_t, int64_t, ReluFn>);

TG_REGISTER_KERNEL("ReluGrad", kDeviceCpu, DT_FLOAT, cpu::SameShapeBinaryOpKernel<float, ReluGradFn>);
TG_REGISTER_KERNEL("ReluGrad", kDeviceCpu, DT_DOUBLE, cpu::SameShapeBinaryOpKernel<double, ReluGradFn>);

TG_REGISTER_KERNEL("Softplus", kDeviceCpu, DT_FLOAT, cpu::UnaryOpKernel<float, float, SoftplusFn>);
TG_REGISTER_KERNEL("Softplus", kDeviceCpu, DT_DOUBLE,
                   cpu::UnaryOpKernel<double, double, SoftplusFn>);

TG_REGISTER_KERNEL("SoftplusGrad", kDeviceCpu, DT_FLOAT, cpu::SameShapeBinaryOpKernel<float, SoftplusGradFn>);
TG_REGISTER_KERNEL("SoftplusGrad", kDeviceCpu, DT_DOUBLE,
                   cpu::SameShapeBinaryOpKernel<double, SoftplusGradFn>);

TG_REGISTER_KERNEL("Softmax", kDeviceCpu, DT_FLOAT, SoftmaxOp<float, false>);
TG_REGISTER_KERNEL("Softmax", kDeviceCpu, DT_DOUBLE, SoftmaxOp<double, false>);
TG_REGISTER_KERNEL("LogSoftmax", kDeviceCpu, DT_FLOAT, SoftmaxOp<float, true>);
TG_REGISTER_KERNEL("LogSoftmax", kDeviceCpu, DT_DOUBLE, SoftmaxOp<double, true>);

TG_REGISTER_KERNEL("SoftmaxCrossEntropyWithLogits", kDeviceCpu, DT_FLOAT,
                   SoftmaxCrossEntropyOp<float>);
TG_REGISTER_KERNEL("SoftmaxCrossEntropyWithLogits", kDeviceCpu, DT_DOUBLE,
                   SoftmaxCrossEntropyOp<double>);
TG_REGISTER_KERNEL("SparseSoftmaxCrossEntropyWithLogits", kDeviceCpu, DT_FLOAT,
                   SparseSoftmaxCrossEntropyOp<float>);
TG_REGISTER_KERNEL("SparseSoftmaxCrossEntropyWithLogits", kDeviceCpu, DT_DOUBLE,
                   SparseSoftmaxCrossEntropyOp<double>);

}  // namespace
}  // namespace tensorgraph
