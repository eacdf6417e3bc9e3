// The host side of the nn kernels (BiasAdd, BiasAddGrad, Softmax,
// LogSoftmax and the softmax cross-entropy losses), shared by the CPU and
// CUDA backends (kernels/cpu/nn_ops.cc, kernels/cuda/nn_ops.cu): the
// checks on the inputs' shapes, data_format's channel layout, the outputs'
// allocation, and the [rows, classes] views the backends compute over.
// Only shapes are read here; the values the CPU checks (sparse labels) are
// the backends' own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kernel.h"

namespace tensorgraph {

// A tensor laid out as [outer, channels, inner] around its channel
// dimension, as BiasAdd's data_format places it; inner is 1 for NHWC.
struct ChannelLayout {
  int channel_dim = 0;
  int64_t outer = 0, channels = 0, inner = 1;
};

// BiasAdd: value (input 0) of a rank that data_format allows, plus bias
// (input 1), a vector of one element per channel. The output takes
// value's buffer when it can: element i depends on element i of value
// alone.
class BiasAddOpKernel : public OpKernel {
 public:
  BiasAddOpKernel(const Node& node, Device& device);

  void Compute(OpKernelContext& ctx) final;

 protected:
  // out = value + bias along the channel dim of `l` (out may be value).
  virtual void Add(const OpKernelContext& ctx, const Tensor& value, const Tensor& bias,
                   const ChannelLayout& l, Tensor& out) = 0;

 private:
  const std::string data_format_;
};

// BiasAddGrad: the sum of out_backprop (input 0, of a rank that
// data_format allows) over every dimension but the channel one.
class BiasAddGradOpKernel : public OpKernel {
 public:
  BiasAddGradOpKernel(const Node& node, Device& device);

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Writes to `sum` (allocated, l.channels elements) the sums of grad.
  virtual void SumChannels(const OpKernelContext& ctx, const Tensor& grad, const ChannelLayout& l,
                           Tensor& sum) = 0;

 private:
  const std::string data_format_;
};

// Softmax and LogSoftmax over the last dimension of logits (rank >= 1).
class SoftmaxOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Fills out from logits, both seen as [rows, classes] (not empty).
  virtual void Softmax(const OpKernelContext& ctx, const Tensor& logits, int64_t rows,
                       int64_t classes, Tensor& out) = 0;
};

// SoftmaxCrossEntropyWithLogits' inputs, broadcast to [batch, classes]:
// the strides (in elements) of features and labels along the two dims, 0
// along a broadcast dim.
struct CrossEntropyLayout {
  int64_t batch = 0, classes = 0;
  std::vector<int64_t> features_strides, labels_strides;
};

// SoftmaxCrossEntropyWithLogits: features and labels must broadcast to a
// matrix [batch, classes]; the loss is [batch], the backprop [batch,
// classes].
class SoftmaxCrossEntropyOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Fills the allocated loss and backprop.
  virtual void CrossEntropy(const OpKernelContext& ctx, const Tensor& features,
                            const Tensor& labels, const CrossEntropyLayout& l, Tensor& loss,
                            Tensor& backprop) = 0;
};

// SparseSoftmaxCrossEntropyWithLogits' checks: features a matrix [batch,
// classes], labels a vector [batch].
void CheckSparseSoftmaxCrossEntropy(const OpKernelContext& ctx, const Tensor& features,
                                    const Tensor& labels);

// SparseSoftmaxCrossEntropyWithLogits, checked, then computed by
//   template <typename Label>
//   void Derived::ComputeWithLabels(OpKernelContext&, const Tensor& features,
//                                   const Tensor& labels) const;
// (public) with Label the labels' dtype, int32_t or int64_t.
template <typename Derived>
class SparseSoftmaxCrossEntropyOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;

  void Compute(OpKernelContext& ctx) final {
    const Tensor& features = ctx.input(0);
    const Tensor& labels = ctx.input(1);
    CheckSparseSoftmaxCrossEntropy(ctx, features, labels);
    const Derived& self = static_cast<const Derived&>(*this);
    if (labels.dtype() == DT_INT32) {
      self.template ComputeWithLabels<int32_t>(ctx, features, labels);
    } else {
      self.template ComputeWithLabels<int64_t>(ctx, features, labels);
    }
  }
};

}  // namespace tensorgraph
