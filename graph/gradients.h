// The gradient pass: adds to a graph the nodes that compute gradients, as
// ordinary nodes of registered ops, so a graph with gradients saves,
// reloads and runs like any other.
//
//   std::vector<Output> grads = AddGradients(root, {loss}, {w, b});
//
// Each op's gradient function lives with its definition in ops/ and is
// registered with OpDefBuilder::SetGradient; an op that has none says so
// with NotDifferentiable().
#pragma once

#include <vector>

#include "graph/scope.h"

namespace tensorgraph {

// What an op's gradient function sees and fills in.
struct GradientContext {
  // Where to build: a sub-scope "gradients/<node name>" of the pass's scope.
  Scope scope;
  // The forward node.
  const Node& node;
  // d(sum of ys)/d(output i) for each output of the node; always set (an
  // output no gradient reaches gets zeros).
  std::vector<Output> grad_outputs;
  // To fill in: d(sum of ys)/d(input i) for each input, with the input's
  // shape and dtype. Leave an entry null (Output{}) for an input that gets
  // no gradient (an index, a shape).
  std::vector<Output> grad_inputs;

  Output input(int i) const { return node.input(i); }
  Output output(int i) const { return node.output(i); }
};

struct GradientOptions {
  // What to return for an x that no y depends on.
  enum class Unconnected { kNone, kZeros };
  Unconnected unconnected = Unconnected::kNone;
};

// Adds nodes computing d(sum of ys)/d(x) for each x, weighted by grad_ys
// (default: ones of each y's shape), under scope's "gradients" name scope.
// Contributions along several paths are summed. Gradients stop at
// StopGradient nodes, at ops marked not differentiable, and at integer
// tensors. Returns one Output per x; for an x no y depends on it is null
// (Output{}) or zeros, as options say. Throws, naming the node, when a
// differentiable path crosses an op with no gradient function.
std::vector<Output> AddGradients(const Scope& scope, const std::vector<Output>& ys,
                                 const std::vector<Output>& xs,
                                 const std::vector<Output>& grad_ys = {},
                                 const GradientOptions& options = {});

// Whether gradients can flow through tensors of this dtype.
inline bool IsDifferentiable(DataType dtype) { return IsFloating(dtype); }

}  // namespace tensorgraph
