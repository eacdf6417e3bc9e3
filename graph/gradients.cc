#include "graph/gradients.h"

#include <map>

namespace tensorgraph {
namespace {

// Gradients flow through floating tensors, and into variables through the
// resource handles their reads take.
bool CarriesGradient(DataType dtype) { return IsDifferentiable(dtype) || dtype == DT_RESOURCE; }

using TensorKey = std::pair<const Node*, int>;

class GradientBuilder {
 public:
  GradientBuilder(const Scope& scope, const std::vector<Output>& ys, const std::vector<Output>& xs)
      : graph_(scope.graph()), scope_(scope.NewSubScope("gradients")), ys_(ys), xs_(xs),
        num_nodes_(graph_.num_nodes()) {}

  std::vector<Output> Build(const std::vector<Output>& grad_ys, const GradientOptions& options) {
    CheckArguments(grad_ys);
    FindNodesBetween();
    for (size_t k = 0; k < ys_.size(); ++k) {
      const Output& y = ys_[k];
      Output seed = grad_ys.empty() ? Output(scope_.AddNode("OnesLike", {y})) : grad_ys[k];
      contributions_[{y.node, y.index}].push_back(seed);
    }
    // Insertion order is topological, so walking it backwards visits every
    // consumer before its producers.
    for (int id = num_nodes_ - 1; id >= 0; --id) {
      const Node* node = graph_.nodes()[static_cast<size_t>(id)].get();
      if (between_[static_cast<size_t>(id)]) Backpropagate(*node);
    }
    std::vector<Output> result;
    for (const Output& x : xs_) {
      if (Output g = Summed({x.node, x.index}); g.node != nullptr) {
        result.push_back(g);
      } else {
        result.push_back(options.unconnected == GradientOptions::Unconnected::kZeros ? Zeros(x)
                                                                                     : Output{});
      }
    }
    return result;
  }

 private:
  void CheckArguments(const std::vector<Output>& grad_ys) const {
    auto check = [&](const Output& o, const char* what) {
      if (o.node == nullptr || &o.node->graph() != &graph_) {
        ThrowInvalid("AddGradients: a tensor of ", what, " is not in the scope's graph");
      }
    };
    for (const Output& y : ys_) {
      check(y, "ys");
      if (!IsDifferentiable(y.dtype())) {
        throw Error(ErrorCode::kInvalidArgument,
                    StrCat("AddGradients: y '", y.name(), "' is ", DataTypeName(y.dtype()),
                           "; gradients are taken of floating tensors"),
                    y.node->name(), y.node->op());
      }
    }
    for (const Output& x : xs_) check(x, "xs");
    if (!grad_ys.empty() && grad_ys.size() != ys_.size()) {
      ThrowInvalid("AddGradients: ", grad_ys.size(), " grad_ys for ", ys_.size(), " ys");
    }
    for (size_t k = 0; k < grad_ys.size(); ++k) {
      check(grad_ys[k], "grad_ys");
      if (grad_ys[k].dtype() != ys_[k].dtype() ||
          !grad_ys[k].shape().IsCompatibleWith(ys_[k].shape())) {
        ThrowInvalid("AddGradients: grad_ys[", k, "] is ", DataTypeName(grad_ys[k].dtype()),
                     grad_ys[k].shape().ToString(), " but y '", ys_[k].name(), "' is ",
                     DataTypeName(ys_[k].dtype()), ys_[k].shape().ToString());
      }
    }
  }

  // The nodes that some x reaches and that reach some y, along data edges
  // (control edges carry no gradient).
  void FindNodesBetween() {
    const size_t n = static_cast<size_t>(num_nodes_);
    std::vector<char> from_xs(n, 0), to_ys(n, 0);
    for (const Output& x : xs_) from_xs[static_cast<size_t>(x.node->id())] = 1;
    for (size_t id = 0; id < n; ++id) {
      if (from_xs[id]) continue;
      for (const Output& in : graph_.nodes()[id]->inputs()) {
        if (from_xs[static_cast<size_t>(in.node->id())]) {
          from_xs[id] = 1;
          break;
        }
      }
    }
    for (const Output& y : ys_) to_ys[static_cast<size_t>(y.node->id())] = 1;
    for (size_t id = n; id-- > 0;) {
      if (!to_ys[id]) continue;
      for (const Output& in : graph_.nodes()[id]->inputs()) to_ys[static_cast<size_t>(in.node->id())] = 1;
    }
    between_.assign(n, 0);
    for (size_t id = 0; id < n; ++id) between_[id] = from_xs[id] && to_ys[id];
  }

  // The sum of the contributions to a tensor's gradient, made once.
  Output Summed(const TensorKey& key) {
    if (auto it = summed_.find(key); it != summed_.end()) return it->second;
    auto it = contributions_.find(key);
    if (it == contributions_.end()) return {};
    const std::vector<Output>& parts = it->second;
    Output sum = parts.size() == 1 ? parts.front() : Output(scope_.AddNode("AddN", parts));
    summed_.emplace(key, sum);
    return sum;
  }

  void Backpropagate(const Node& node) {
    bool reached = false;
    for (int i = 0; i < node.num_outputs(); ++i) reached = reached || contributions_.count({&node, i});
    if (!reached || node.op_def().not_differentiable) return;

    bool wanted = false;  // does any input need a gradient?
    for (const Output& in : node.inputs()) {
      wanted = wanted || (between_[static_cast<size_t>(in.node->id())] && CarriesGradient(in.dtype()));
    }
    if (!wanted) return;
    if (!node.op_def().gradient) {
      throw Error(ErrorCode::kUnimplemented,
                  "no gradient function for this op, which lies on a path from the xs to the ys "
                  "(an op without one must be marked not differentiable)",
                  node.name(), node.op());
    }

    GradientContext ctx{scope_.WithNamePrefix(scope_.name_prefix() + node.name() + "_grad"), node,
                        {}, std::vector<Output>(static_cast<size_t>(node.num_inputs()))};
    for (int i = 0; i < node.num_outputs(); ++i) {
      Output g = Summed({&node, i});
      if (g.node == nullptr && IsDifferentiable(node.output_type(i))) g = Zeros(node.output(i));
      ctx.grad_outputs.push_back(g);
    }
    node.op_def().gradient(ctx);
    if (ctx.grad_inputs.size() != static_cast<size_t>(node.num_inputs())) {
      throw Error(ErrorCode::kInternal,
                  StrCat("gradient function gave ", ctx.grad_inputs.size(), " input gradients for ",
                         node.num_inputs(), " inputs"),
                  node.name(), node.op());
    }
    for (int i = 0; i < node.num_inputs(); ++i) {
      const Output& g = ctx.grad_inputs[static_cast<size_t>(i)];
      const Output& in = node.input(i);
      if (g.node == nullptr || !between_[static_cast<size_t>(in.node->id())] ||
          !CarriesGradient(in.dtype())) {
        continue;
      }
      const HandleData* handle = in.node->output_handle_data(in.index);
      const DataType want = in.dtype() == DT_RESOURCE && handle ? handle->dtype : in.dtype();
      if (g.dtype() != want) {
        throw Error(ErrorCode::kInternal,
                    StrCat("gradient function gave a ", DataTypeName(g.dtype()),
                           " gradient for input ", i, ", which is ", DataTypeName(want)),
                    node.name(), node.op());
      }
      contributions_[{in.node, in.index}].push_back(g);
    }
  }

  // Zeros shaped like `x`; for a variable's handle, like the variable.
  Output Zeros(const Output& x) {
    if (x.dtype() != DT_RESOURCE) return scope_.AddNode("ZerosLike", {x});
    const HandleData* handle = x.node->output_handle_data(x.index);
    if (handle == nullptr || !handle->shape.fully_defined()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "zeros for an unconnected variable need its full shape", x.node->name(), x.node->op());
    }
    return scope_.AddNode("Const", {},
                          {{"value", Tensor::Zeros(handle->dtype, handle->shape.ToShape())},
                           {"dtype", handle->dtype}});
  }

  Graph& graph_;
  Scope scope_;
  const std::vector<Output>& ys_;
  const std::vector<Output>& xs_;
  const int num_nodes_;  // nodes added by the pass are never visited
  std::vector<char> between_;
  std::map<TensorKey, std::vector<Output>> contributions_;
  std::map<TensorKey, Output> summed_;
};

}  // namespace

std::vector<Output> AddGradients(const Scope& scope, const std::vector<Output>& ys,
                                 const std::vector<Output>& xs,
                                 const std::vector<Output>& grad_ys,
                                 const GradientOptions& options) {
  return GradientBuilder(scope, ys, xs).Build(grad_ys, options);
}

}  // namespace tensorgraph
