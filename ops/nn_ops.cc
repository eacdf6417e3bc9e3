// Neural-network ops: definitions and builders. MatMul is TensorFlow's
// math op, kept here beside the dense-layer ops that use it.
#include "ops/nn_ops.h"

namespace tensorgraph {
namespace {

void MatMulShape(InferenceContext& c) {
  const PartialShape& a = c.input_shape(0);
  const PartialShape& b = c.input_shape(1);
  if (a.rank_known() && a.rank() != 2) {
    c.Fail("a must be a matrix (rank 2), got shape ", a.ToString());
  }
  if (b.rank_known() && b.rank() != 2) {
    c.Fail("b must be a matrix (rank 2), got shape ", b.ToString());
  }
  const bool transpose_a = c.attr<bool>("transpose_a");
  const bool transpose_b = c.attr<bool>("transpose_b");
  const int64_t inner_a = a.dim(transpose_a ? 0 : 1);
  const int64_t inner_b = b.dim(transpose_b ? 1 : 0);
  if (inner_a != kUnknownDim && inner_b != kUnknownDim && inner_a != inner_b) {
    c.Fail("inner dimensions differ: a is ", a.ToString(), transpose_a ? " (transposed)" : "",
           ", b is ", b.ToString(), transpose_b ? " (transposed)" : "");
  }
  c.set_output(0, PartialShape({a.dim(transpose_a ? 1 : 0), b.dim(transpose_b ? 0 : 1)}));
}

void BiasAddShape(InferenceContext& c) {
  const PartialShape& value = c.input_shape(0);
  const PartialShape& bias = c.input_shape(1);
  const std::string& data_format = c.attr<std::string>("data_format");
  if (bias.rank_known() && bias.rank() != 1) {
    c.Fail("bias must be a vector, got shape ", bias.ToString());
  }
  if (!value.rank_known()) {
    c.set_output(0, value);
    return;
  }
  const bool channels_first = data_format == "NCHW";
  const int min_rank = channels_first ? 3 : 2;
  if (value.rank() < min_rank) {
    c.Fail("value must have rank at least ", min_rank, " with data_format ", data_format,
           ", got shape ", value.ToString());
  }
  const int channel_dim = channels_first ? 1 : value.rank() - 1;
  std::vector<int64_t> dims = value.dims();
  int64_t& channels = dims[static_cast<size_t>(channel_dim)];
  const int64_t bias_size = bias.dim(0);
  if (channels != kUnknownDim && bias_size != kUnknownDim && channels != bias_size) {
    c.Fail("bias has ", bias_size, " elements but value ", value.ToString(), " has ", channels,
           " channels (dimension ", channel_dim, " with data_format ", data_format, ")");
  }
  if (channels == kUnknownDim) channels = bias_size;
  c.set_output(0, PartialShape(std::move(dims)));
}

// Softmax and LogSoftmax normalize over the last dimension, so they need one.
void LogitsShape(InferenceContext& c) {
  if (c.input_shape(0).rank() == 0) c.Fail("logits must have rank at least 1, got a scalar");
  shape_fns::Unchanged(c);
}

void SoftmaxCrossEntropyShape(InferenceContext& c) {
  const PartialShape& features = c.input_shape(0);
  const PartialShape& labels = c.input_shape(1);
  auto shape = BroadcastShapes(features, labels);
  if (!shape) {
    c.Fail("features ", features.ToString(), " and labels ", labels.ToString(),
           " cannot be broadcast together");
  }
  if (features.rank() > 2 || labels.rank() > 2 || (shape->rank_known() && shape->rank() != 2)) {
    c.Fail("features and labels must broadcast to a matrix [batch, classes], got features ",
           features.ToString(), " and labels ", labels.ToString());
  }
  c.set_output(0, PartialShape({shape->dim(0)}));
  c.set_output(1, shape->rank_known() ? *shape : PartialShape::Unknown(2));
}

void SparseSoftmaxCrossEntropyShape(InferenceContext& c) {
  const PartialShape& features = c.input_shape(0);
  const PartialShape& labels = c.input_shape(1);
  if (features.rank_known() && features.rank() != 2) {
    c.Fail("features must be a matrix [batch, classes], got shape ", features.ToString());
  }
  if (labels.rank_known() && labels.rank() != 1) {
    c.Fail("labels must be a vector [batch], got shape ", labels.ToString());
  }
  int64_t batch = features.dim(0);
  const int64_t num_labels = labels.dim(0);
  if (batch != kUnknownDim && num_labels != kUnknownDim && batch != num_labels) {
    c.Fail("features has ", batch, " rows but labels has ", num_labels, " entries");
  }
  if (batch == kUnknownDim) batch = num_labels;
  c.set_output(0, PartialShape({batch}));
  c.set_output(1, PartialShape({batch, features.dim(1)}));
}

TG_REGISTER_OP("MatMul")
    .Input("a: T")
    .Input("b: T")
    .Output("product: T")
    .Attr("transpose_a: bool = false")
    .Attr("transpose_b: bool = false")
    .Attr("T: {float, double, int32, int64, uint8}")
    .Attr("grad_a: bool = false")
    .Attr("grad_b: bool = false")
    .SetShapeFn(MatMulShape)
    .Doc("Matrix product of a and b, each optionally transposed.");

TG_REGISTER_OP("BiasAdd")
    .Input("value: T")
    .Input("bias: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("data_format: {'NHWC', 'NCHW'} = 'NHWC'")
    .SetShapeFn(BiasAddShape)
    .Doc("value plus the vector bias along value's channel dimension (last for NHWC, 1 for NCHW).");

TG_REGISTER_OP("Relu")
    .Input("features: T")
    .Output("activations: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("max(features, 0), elementwise.");

TG_REGISTER_OP("Softplus")
    .Input("features: T")
    .Output("activations: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("log(1 + exp(features)), elementwise, without overflow for large features.");

TG_REGISTER_OP("Softmax")
    .Input("logits: T")
    .Output("softmax: T")
    .Attr("T: {float, double}")
    .SetShapeFn(LogitsShape)
    .Doc("exp(logits) / sum(exp(logits)) over the last dimension.");

TG_REGISTER_OP("LogSoftmax")
    .Input("logits: T")
    .Output("logsoftmax: T")
    .Attr("T: {float, double}")
    .SetShapeFn(LogitsShape)
    .Doc("logits - log(sum(exp(logits))) over the last dimension.");

TG_REGISTER_OP("SoftmaxCrossEntropyWithLogits")
    .Input("features: T")
    .Input("labels: T")
    .Output("loss: T")
    .Output("backprop: T")
    .Attr("T: {float, double}")
    .SetShapeFn(SoftmaxCrossEntropyShape)
    .Doc("Per-row cross-entropy of softmax(features) against the distribution labels "
         "(broadcast to [batch, classes]), and softmax(features) - labels.");

TG_REGISTER_OP("SparseSoftmaxCrossEntropyWithLogits")
    .Input("features: T")
    .Input("labels: Tlabels")
    .Output("loss: T")
    .Output("backprop: T")
    .Attr("T: {float, double}")
    .Attr("Tlabels: {int32, int64} = int64")
    .SetShapeFn(SparseSoftmaxCrossEntropyShape)
    .Doc("Per-row cross-entropy of softmax(features) [batch, classes] against class "
         "indices labels [batch], and softmax(features) - one_hot(labels).");

}  // namespace

namespace ops {

Output MatMul(const Scope& scope, Output a, Output b, const MatMulAttrs& attrs) {
  return scope.AddNode("MatMul", {a, b},
                       {{"transpose_a", attrs.transpose_a},
                        {"transpose_b", attrs.transpose_b},
                        {"grad_a", attrs.grad_a},
                        {"grad_b", attrs.grad_b}});
}

Output BiasAdd(const Scope& scope, Output value, Output bias, const BiasAddAttrs& attrs) {
  return scope.AddNode("BiasAdd", {value, bias}, {{"data_format", attrs.data_format}});
}

Output Relu(const Scope& scope, Output features) { return scope.AddNode("Relu", {features}); }

Output Softplus(const Scope& scope, Output features) {
  return scope.AddNode("Softplus", {features});
}

Output Softmax(const Scope& scope, Output logits) { return scope.AddNode("Softmax", {logits}); }

Output LogSoftmax(const Scope& scope, Output logits) {
  return scope.AddNode("LogSoftmax", {logits});
}

SoftmaxCrossEntropyOutputs SoftmaxCrossEntropyWithLogits(const Scope& scope, Output features,
                                                         Output labels) {
  Node* node = scope.AddNode("SoftmaxCrossEntropyWithLogits", {features, labels});
  return {node->output(0), node->output(1)};
}

SoftmaxCrossEntropyOutputs SparseSoftmaxCrossEntropyWithLogits(const Scope& scope, Output features,
                                                               Output labels) {
  Node* node = scope.AddNode("SparseSoftmaxCrossEntropyWithLogits", {features, labels});
  return {node->output(0), node->output(1)};
}

}  // namespace ops
}  // namespace tensorgraph
