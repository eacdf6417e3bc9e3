// Builders for neural-network ops: matrix product, bias, activations,
// softmax and the softmax cross-entropy losses.
#pragma once

#include <string>

#include "graph/scope.h"

namespace tensorgraph::ops {

struct MatMulAttrs {
  bool transpose_a = false;
  bool transpose_b = false;
  // Set by the gradient pass on the products it builds; no effect on the value.
  bool grad_a = false;
  bool grad_b = false;
};
// The matrix product op(a) * op(b) of two rank-2 tensors, op transposing when asked.
Output MatMul(const Scope& scope, Output a, Output b, const MatMulAttrs& attrs = {});

struct BiasAddAttrs {
  std::string data_format = "NHWC";  // "NHWC": bias is along the last dim; "NCHW": along dim 1
};
// value + bias, with the vector bias added along value's channel dimension.
Output BiasAdd(const Scope& scope, Output value, Output bias, const BiasAddAttrs& attrs = {});

// out_backprop summed over all but its channel dimension, as BiasAdd's
// data_format places it: the gradient of BiasAdd's bias.
Output BiasAddGrad(const Scope& scope, Output out_backprop, const BiasAddAttrs& attrs = {});

// max(features, 0).
Output Relu(const Scope& scope, Output features);
// gradients where features > 0, else 0: Relu's gradient.
Output ReluGrad(const Scope& scope, Output gradients, Output features);
// log(1 + exp(features)), computed without overflow.
Output Softplus(const Scope& scope, Output features);
// gradients * sigmoid(features): Softplus's gradient.
Output SoftplusGrad(const Scope& scope, Output gradients, Output features);
// exp(logits) normalized to sum to 1 over the last dimension.
Output Softmax(const Scope& scope, Output logits);
// log(softmax(logits)) over the last dimension, computed without overflow.
Output LogSoftmax(const Scope& scope, Output logits);

// The per-example loss [batch] and its gradient with respect to the
// logits [batch, classes].
struct SoftmaxCrossEntropyOutputs {
  Output loss;
  Output backprop;
};
// Cross-entropy of softmax(features) against a probability distribution
// `labels`; features and labels broadcast to [batch, classes].
SoftmaxCrossEntropyOutputs SoftmaxCrossEntropyWithLogits(const Scope& scope, Output features,
                                                         Output labels);
// Cross-entropy of softmax(features) [batch, classes] against class
// indices `labels` [batch] (int32 or int64).
SoftmaxCrossEntropyOutputs SparseSoftmaxCrossEntropyWithLogits(const Scope& scope, Output features,
                                                               Output labels);

}  // namespace tensorgraph::ops
