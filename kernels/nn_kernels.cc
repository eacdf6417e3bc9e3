#include "kernels/nn_kernels.h"

#include "kernels/strided_layout.h"

namespace tensorgraph {
namespace {

// Fails the kernel when `value` (input 0, named as in the op's signature)
// has too small a rank for data_format.
ChannelLayout BiasChannelLayout(const OpKernelContext& ctx, const Tensor& value,
                                const std::string& data_format) {
  const bool channels_first = data_format == "NCHW";
  const int min_rank = channels_first ? 3 : 2;
  if (value.rank() < min_rank) {
    ctx.Fail(ctx.node().op_def().inputs[0].name, " must have rank at least ", min_rank,
             " with data_format ", data_format, ", got shape ", value.shape().ToString());
  }
  ChannelLayout layout;
  layout.channel_dim = channels_first ? 1 : value.rank() - 1;
  layout.channels = value.dim(layout.channel_dim);
  for (int d = layout.channel_dim + 1; d < value.rank(); ++d) layout.inner *= value.dim(d);
  layout.outer = 1;
  for (int d = 0; d < layout.channel_dim; ++d) layout.outer *= value.dim(d);
  return layout;
}

}  // namespace

BiasAddOpKernel::BiasAddOpKernel(const Node& node, Device& device)
    : OpKernel(node, device), data_format_(attr<std::string>("data_format")) {}

void BiasAddOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& value = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  const ChannelLayout l = BiasChannelLayout(ctx, value, data_format_);
  if (bias.rank() != 1) ctx.Fail("bias must be a vector, got shape ", bias.shape().ToString());
  if (bias.dim(0) != l.channels) {
    ctx.Fail("bias has ", bias.dim(0), " elements but value ", value.shape().ToString(), " has ",
             l.channels, " channels (dimension ", l.channel_dim, " with data_format ",
             data_format_, ")");
  }
  Add(ctx, value, bias, l, ctx.ForwardInputOrAllocateOutput({0}, 0));
}

BiasAddGradOpKernel::BiasAddGradOpKernel(const Node& node, Device& device)
    : OpKernel(node, device), data_format_(attr<std::string>("data_format")) {}

void BiasAddGradOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& grad = ctx.input(0);
  const ChannelLayout l = BiasChannelLayout(ctx, grad, data_format_);
  SumChannels(ctx, grad, l, ctx.AllocateOutput(0));
}

void SoftmaxOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  if (logits.rank() == 0) ctx.Fail("logits must have rank at least 1, got a scalar");
  Tensor& out = ctx.AllocateOutput(0);
  if (logits.num_elements() == 0) return;
  const int64_t classes = logits.dim(logits.rank() - 1);
  Softmax(ctx, logits, logits.num_elements() / classes, classes, out);
}

void SoftmaxCrossEntropyOpKernel::Compute(OpKernelContext& ctx) {
  const Tensor& features = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  auto shape = BroadcastShapes(features.shape(), labels.shape());
  if (!shape) {
    ctx.Fail("features ", features.shape().ToString(), " and labels ", labels.shape().ToString(),
             " cannot be broadcast together");
  }
  if (shape->rank() != 2) {
    ctx.Fail("features and labels must broadcast to a matrix [batch, classes], got features ",
             features.shape().ToString(), " and labels ", labels.shape().ToString());
  }
  CrossEntropyLayout l;
  l.batch = shape->dim(0);
  l.classes = shape->dim(1);
  Tensor& loss = ctx.AllocateOutput(0);
  Tensor& backprop = ctx.AllocateOutput(1);
  l.features_strides = BroadcastStrides(features.shape(), *shape);
  l.labels_strides = BroadcastStrides(labels.shape(), *shape);
  CrossEntropy(ctx, features, labels, l, loss, backprop);
}

void CheckSparseSoftmaxCrossEntropy(const OpKernelContext& ctx, const Tensor& features,
                                    const Tensor& labels) {
  if (features.rank() != 2) {
    ctx.Fail("features must be a matrix [batch, classes], got shape ",
             features.shape().ToString());
  }
  if (labels.rank() != 1) {
    ctx.Fail("labels must be a vector [batch], got shape ", labels.shape().ToString());
  }
  if (labels.dim(0) != features.dim(0)) {
    ctx.Fail("features has ", features.dim(0), " rows but labels has ", labels.dim(0),
             " entries");
  }
}

}  // namespace tensorgraph
