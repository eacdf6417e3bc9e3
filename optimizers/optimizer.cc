#include "optimizers/optimizer.h"

#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/math_ops.h"
#include "ops/reduction_ops.h"
#include "optimizers/variables.h"

namespace tensorgraph::train {

Output Hyperparameter::ToTensor(const Scope& scope, DataType dtype) const {
  if (!is_tensor()) return ops::ScalarConst(scope, dtype, value_);
  if (!tensor_.shape().IsCompatibleWith(Shape{})) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("a hyperparameter must be a scalar, but '", tensor_.name(), "' has shape ",
                       tensor_.shape().ToString()));
  }
  return tensor_.dtype() == dtype ? tensor_ : ops::Cast(scope, tensor_, dtype);
}

std::vector<GradAndVar> Optimizer::ComputeGradients(
    const Scope& scope, Output loss, std::vector<ops::ResourceVariable> var_list) const {
  if (var_list.empty()) var_list = TrainableVariables(scope.graph());
  if (var_list.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat(name_, ": there are no trainable variables to optimize; create them with "
                              "train::Variable or pass var_list"));
  }
  std::vector<Output> xs;
  for (const ops::ResourceVariable& var : var_list) xs.push_back(var.handle);
  const std::vector<Output> grads = AddGradients(scope, {loss}, xs);
  std::vector<GradAndVar> result;
  for (size_t i = 0; i < var_list.size(); ++i) result.push_back({grads[i], var_list[i]});
  return result;
}

Node* Optimizer::ApplyGradients(const Scope& scope, const std::vector<GradAndVar>& grads_and_vars,
                                const std::optional<ops::ResourceVariable>& global_step,
                                const std::string& name) {
  const Scope opt_scope = scope.NewSubScope(name_);
  apply_scope_ = opt_scope;
  hypers_.clear();
  Prepare();
  std::vector<Node*> updates;
  try {
    for (const GradAndVar& gv : grads_and_vars) {
      if (gv.grad.node == nullptr) continue;
      const std::string& var_name = gv.var.handle.node->name();
      updates.push_back(ApplyDense(
          opt_scope.WithNamePrefix(opt_scope.name_prefix() + "update_" + var_name)
              .WithDevice(gv.var.handle.node->device()),
          gv.grad, gv.var));
    }
  } catch (...) {
    apply_scope_.reset();
    throw;
  }
  apply_scope_.reset();
  if (updates.empty()) {
    std::string names;
    for (const GradAndVar& gv : grads_and_vars) {
      names += (names.empty() ? "" : ", ") + gv.var.handle.node->name();
    }
    throw Error(ErrorCode::kInvalidArgument,
                StrCat(name_, ": no gradients for any variable (", names,
                       "); does the loss depend on them?"));
  }
  const Scope after_updates = opt_scope.WithControlDependencies(updates);
  for (Node* node : Finish(after_updates)) updates.push_back(node);
  if (global_step) {
    const Output one = ops::ScalarConst(opt_scope, global_step->dtype, 1);
    updates.push_back(global_step->AssignAdd(
        opt_scope.WithControlDependencies(updates).WithOpName("increment_global_step"), one));
  }
  return ops::Group(scope.WithOpName(name), updates);
}

Node* Optimizer::Minimize(const Scope& scope, Output loss, const MinimizeOptions& options) {
  std::vector<GradAndVar> grads_and_vars = ComputeGradients(scope, loss, options.var_list);
  if (options.clip_norm > 0) {
    std::vector<Output> grads;
    for (const GradAndVar& gv : grads_and_vars) grads.push_back(gv.grad);
    const std::vector<Output> clipped =
        ClipByGlobalNorm(scope, grads, options.clip_norm).first;
    for (size_t i = 0; i < grads.size(); ++i) grads_and_vars[i].grad = clipped[i];
  }
  return ApplyGradients(scope, grads_and_vars, options.global_step, options.name);
}

std::optional<ops::ResourceVariable> Optimizer::GetSlot(const ops::ResourceVariable& var,
                                                        const std::string& slot) const {
  auto it = slots_.find({var.handle.node, slot});
  if (it == slots_.end()) return std::nullopt;
  return it->second;
}

ops::ResourceVariable Optimizer::Slot(const ops::ResourceVariable& var, const std::string& slot,
                                      double initial_value) {
  auto it = slots_.find({var.handle.node, slot});
  if (it != slots_.end()) return it->second;
  Node* handle = var.handle.node;
  Graph& graph = handle->graph();
  const std::string slot_name = graph.UniqueName(handle->name() + "/" + name_);
  const ops::ResourceVariable slot_var =
      Variable(Scope(graph).WithDevice(handle->device()).WithOpName(slot_name),
               VariableShape(var), Constant(initial_value),
               {.dtype = var.dtype, .trainable = false});
  slots_.emplace(std::make_pair(handle, slot), slot_var);
  return slot_var;
}

ops::ResourceVariable Optimizer::NonSlot(Graph& graph, const std::string& base_name,
                                         DataType dtype, double initial_value) {
  auto it = non_slots_.find({base_name, dtype});
  if (it != non_slots_.end()) return it->second;
  const ops::ResourceVariable var =
      Variable(Scope(graph).WithOpName(graph.UniqueName(base_name)), Shape{},
               Constant(initial_value), {.dtype = dtype, .trainable = false});
  non_slots_.emplace(std::make_pair(base_name, dtype), var);
  return var;
}

Output Optimizer::Hyper(const std::string& key, const Hyperparameter& h, DataType dtype) {
  auto it = hypers_.find({key, dtype});
  if (it != hypers_.end()) return it->second;
  // In the optimizer's scope ("Adam/learning_rate"), free of any update's
  // control dependencies.
  Graph& graph = apply_scope_->graph();
  const Output value = h.ToTensor(
      Scope(graph).WithOpName(graph.UniqueName(apply_scope_->name_prefix() + key)), dtype);
  hypers_.emplace(std::make_pair(key, dtype), value);
  return value;
}

std::pair<std::vector<Output>, Output> ClipByGlobalNorm(const Scope& scope,
                                                        const std::vector<Output>& grads,
                                                        double clip_norm) {
  const Scope s = scope.NewSubScope("clip_by_global_norm");
  std::vector<Output> squares;
  DataType dtype = DT_INVALID;
  for (const Output& g : grads) {
    if (g.node == nullptr) continue;
    if (dtype == DT_INVALID) dtype = g.dtype();
    if (g.dtype() != dtype) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("ClipByGlobalNorm: gradients must share one dtype, but '", g.name(),
                         "' is ", DataTypeName(g.dtype()), " and others ", DataTypeName(dtype)));
    }
    const int rank = g.shape().rank();
    if (rank < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("ClipByGlobalNorm: gradient '", g.name(), "' has unknown rank"));
    }
    std::vector<int64_t> axes;
    for (int i = 0; i < rank; ++i) axes.push_back(i);
    squares.push_back(ops::Sum(s, ops::Square(s, g), axes));
  }
  if (squares.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "ClipByGlobalNorm: every gradient is null");
  }
  const Output global_norm = ops::Sqrt(
      s.WithOpName("global_norm"), squares.size() == 1 ? squares[0] : ops::AddN(s, squares));
  const Output limit = ops::ScalarConst(s, dtype, clip_norm);
  const Output scale =
      ops::RealDiv(s.WithOpName("scale"), limit, ops::Maximum(s, global_norm, limit));
  std::vector<Output> clipped;
  for (const Output& g : grads) {
    clipped.push_back(g.node == nullptr ? Output() : ops::Mul(s, g, scale));
  }
  return {clipped, global_norm};
}

}  // namespace tensorgraph::train
