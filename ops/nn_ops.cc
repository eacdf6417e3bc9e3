// Neural-network ops: definitions, gradients and builders. MatMul is
// TensorFlow's math op, kept here beside the dense-layer ops that use it.
// The gradients follow TensorFlow's nn_grad.py and math_grad.py.
#include "ops/nn_ops.h"

#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/gradient_helpers.h"
#include "ops/math_ops.h"
#include "ops/reduction_ops.h"

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

// The channel dimension of input 0 of BiasAdd or BiasAddGrad, whose rank
// must be known: the last for NHWC, 1 for NCHW.
int BiasChannelDim(InferenceContext& c) {
  const PartialShape& value = c.input_shape(0);
  const std::string& data_format = c.attr<std::string>("data_format");
  const bool channels_first = data_format == "NCHW";
  const int min_rank = channels_first ? 3 : 2;
  if (value.rank() < min_rank) {
    c.Fail(c.op_def().inputs[0].name, " must have rank at least ", min_rank,
           " with data_format ", data_format, ", got shape ", value.ToString());
  }
  return channels_first ? 1 : value.rank() - 1;
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
  const int channel_dim = BiasChannelDim(c);
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

void BiasAddGradShape(InferenceContext& c) {
  if (!c.input_shape(0).rank_known()) {
    c.set_output(0, PartialShape::Unknown(1));
    return;
  }
  c.set_output(0, PartialShape({c.input_shape(0).dim(BiasChannelDim(c))}));
}

// An activation's gradient op: gradients and features have one shape.
void ActivationGradShape(InferenceContext& c) {
  auto shape = c.input_shape(0).Merge(c.input_shape(1));
  if (!shape) {
    c.Fail("gradients ", c.input_shape(0).ToString(), " and features ",
           c.input_shape(1).ToString(), " must have the same shape");
  }
  c.set_output(0, *shape);
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

// --- gradients ---------------------------------------------------------------

// product = op(a) op(b). Each operand's gradient is a product of the
// incoming gradient with the other operand, its transposes folded into the
// MatMul attrs so no Transpose node is needed.
void MatMulGradient(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const bool ta = ctx.node.attr<bool>("transpose_a");
  const bool tb = ctx.node.attr<bool>("transpose_b");
  const Output a = ctx.input(0);
  const Output b = ctx.input(1);
  const Output g = ctx.grad_outputs[0];
  ctx.grad_inputs[0] =
      ta ? ops::MatMul(s, b, g, {.transpose_a = tb, .transpose_b = true, .grad_a = true})
         : ops::MatMul(s, g, b, {.transpose_b = !tb, .grad_a = true});
  ctx.grad_inputs[1] =
      tb ? ops::MatMul(s, g, a, {.transpose_a = true, .transpose_b = ta, .grad_b = true})
         : ops::MatMul(s, a, g, {.transpose_a = !ta, .grad_b = true});
}

void BiasAddGradient(GradientContext& ctx) {
  const Output g = ctx.grad_outputs[0];
  ctx.grad_inputs[0] = g;
  ctx.grad_inputs[1] =
      ops::BiasAddGrad(ctx.scope, g, {ctx.node.attr<std::string>("data_format")});
}

// ReluGrad reads the sign from the output, which is positive exactly where
// the features are, as TensorFlow does.
void ReluGradient(GradientContext& ctx) {
  ctx.grad_inputs[0] = ops::ReluGrad(ctx.scope, ctx.grad_outputs[0], ctx.output(0));
}

void SoftplusGradient(GradientContext& ctx) {
  ctx.grad_inputs[0] = ops::SoftplusGrad(ctx.scope, ctx.grad_outputs[0], ctx.input(0));
}

// The gradient with respect to the logits of y = softmax(logits), given
// the gradient g of y: the Jacobian (diag(y) - y y^T) applied row by row,
// (g - sum(g * y, -1)) * y.
Output SoftmaxBackprop(const Scope& s, Output y, Output g) {
  const Output gy = ops::Sum(s, ops::Mul(s, g, y), {-1}, {.keep_dims = true});
  return ops::Mul(s, ops::Sub(s, g, gy), y);
}

void SoftmaxGradient(GradientContext& ctx) {
  ctx.grad_inputs[0] = SoftmaxBackprop(ctx.scope, ctx.output(0), ctx.grad_outputs[0]);
}

// y = logits - log(sum(exp(logits))), so dy/dlogits = I - softmax^T per row.
void LogSoftmaxGradient(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0];
  const Output g_sum = ops::Sum(s, g, {-1}, {.keep_dims = true});
  ctx.grad_inputs[0] = ops::Sub(s, g, ops::Mul(s, ops::Exp(s, ctx.output(0)), g_sum));
}

// The gradient reaching the backprop output of a softmax cross-entropy op,
// or null when nothing reads that output (the usual case): the gradient
// pass then hands ZerosLike(backprop), whose terms TensorFlow skips too.
Output BackpropGradient(const GradientContext& ctx) {
  const Output g = ctx.grad_outputs[1];
  const bool zeros = g.node->op() == "ZerosLike" && g.node->input(0) == ctx.output(1);
  return zeros ? Output{} : g;
}

// The gradient with respect to the features of both softmax cross-entropy
// ops, given the per-row loss's gradient as a column [batch, 1]: it scales
// the backprop output, which is d(loss)/d(features). The backprop output,
// softmax(features) - labels, has the softmax Jacobian as its own
// derivative with respect to the features.
Output CrossEntropyFeaturesGrad(const GradientContext& ctx, Output grad_loss) {
  const Scope& s = ctx.scope;
  Output grad = ops::Mul(s, grad_loss, ctx.output(1));
  if (const Output grad_backprop = BackpropGradient(ctx); grad_backprop.node != nullptr) {
    const Output softmax = ops::Softmax(s, ctx.input(0));
    grad = ops::AddV2(s, grad, SoftmaxBackprop(s, softmax, grad_backprop));
  }
  return grad;
}

// Features and labels broadcast to [batch, classes], so each one's
// gradient is summed back to its own shape. The loss's derivative with
// respect to the labels is -log_softmax(features) and the backprop
// output's is -1. (TensorFlow leaves out the second term, which is wrong
// when the backprop output is read; the two agree when it is not.)
void SoftmaxCrossEntropyGradient(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output features = ctx.input(0);
  const Output grad_loss = ops::ExpandDims(s, ctx.grad_outputs[0], -1);
  ctx.grad_inputs[0] =
      ReduceGradientToShape(s, CrossEntropyFeaturesGrad(ctx, grad_loss), features);
  Output grad_labels = ops::Mul(s, grad_loss, ops::Neg(s, ops::LogSoftmax(s, features)));
  if (const Output grad_backprop = BackpropGradient(ctx); grad_backprop.node != nullptr) {
    grad_labels = ops::Sub(s, grad_labels, grad_backprop);
  }
  ctx.grad_inputs[1] = ReduceGradientToShape(s, grad_labels, ctx.input(1));
}

// The labels are class indices: they get no gradient.
void SparseSoftmaxCrossEntropyGradient(GradientContext& ctx) {
  ctx.grad_inputs[0] =
      CrossEntropyFeaturesGrad(ctx, ops::ExpandDims(ctx.scope, ctx.grad_outputs[0], -1));
}

// --- ops -------------------------------------------------------------------------

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
    .SetGradient(MatMulGradient)
    .Doc("Matrix product of a and b, each optionally transposed.");

TG_REGISTER_OP("BiasAdd")
    .Input("value: T")
    .Input("bias: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("data_format: {'NHWC', 'NCHW'} = 'NHWC'")
    .SetShapeFn(BiasAddShape)
    .SetGradient(BiasAddGradient)
    .Doc("value plus the vector bias along value's channel dimension (last for NHWC, 1 for NCHW).");

TG_REGISTER_OP("BiasAddGrad")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr("T: {float, double}")
    .Attr("data_format: {'NHWC', 'NCHW'} = 'NHWC'")
    .SetShapeFn(BiasAddGradShape)
    .NotDifferentiable()
    .Doc("out_backprop summed over all but its channel dimension (last for NHWC, 1 for NCHW): "
         "the gradient of BiasAdd's bias.");

TG_REGISTER_OP("Relu")
    .Input("features: T")
    .Output("activations: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(ReluGradient)
    .Doc("max(features, 0), elementwise.");

TG_REGISTER_OP("ReluGrad")
    .Input("gradients: T")
    .Input("features: T")
    .Output("backprops: T")
    .Attr("T: {float, double}")
    .SetShapeFn(ActivationGradShape)
    .NotDifferentiable()
    .Doc("gradients where features > 0, else 0: the gradient of Relu, given its gradients and "
         "its features (or its output, positive at the same places).");

TG_REGISTER_OP("Softplus")
    .Input("features: T")
    .Output("activations: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(SoftplusGradient)
    .Doc("log(1 + exp(features)), elementwise, without overflow for large features.");

TG_REGISTER_OP("SoftplusGrad")
    .Input("gradients: T")
    .Input("features: T")
    .Output("backprops: T")
    .Attr("T: {float, double}")
    .SetShapeFn(ActivationGradShape)
    .NotDifferentiable()
    .Doc("gradients * sigmoid(features): the gradient of Softplus.");

TG_REGISTER_OP("Softmax")
    .Input("logits: T")
    .Output("softmax: T")
    .Attr("T: {float, double}")
    .SetShapeFn(LogitsShape)
    .SetGradient(SoftmaxGradient)
    .Doc("exp(logits) / sum(exp(logits)) over the last dimension.");

TG_REGISTER_OP("LogSoftmax")
    .Input("logits: T")
    .Output("logsoftmax: T")
    .Attr("T: {float, double}")
    .SetShapeFn(LogitsShape)
    .SetGradient(LogSoftmaxGradient)
    .Doc("logits - log(sum(exp(logits))) over the last dimension.");

TG_REGISTER_OP("SoftmaxCrossEntropyWithLogits")
    .Input("features: T")
    .Input("labels: T")
    .Output("loss: T")
    .Output("backprop: T")
    .Attr("T: {float, double}")
    .SetShapeFn(SoftmaxCrossEntropyShape)
    .SetGradient(SoftmaxCrossEntropyGradient)
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
    .SetGradient(SparseSoftmaxCrossEntropyGradient)
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

Output BiasAddGrad(const Scope& scope, Output out_backprop, const BiasAddAttrs& attrs) {
  return scope.AddNode("BiasAddGrad", {out_backprop}, {{"data_format", attrs.data_format}});
}

Output Relu(const Scope& scope, Output features) { return scope.AddNode("Relu", {features}); }

Output ReluGrad(const Scope& scope, Output gradients, Output features) {
  return scope.AddNode("ReluGrad", {gradients, features});
}

Output Softplus(const Scope& scope, Output features) {
  return scope.AddNode("Softplus", {features});
}

Output SoftplusGrad(const Scope& scope, Output gradients, Output features) {
  return scope.AddNode("SoftplusGrad", {gradients, features});
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
