// The optimizer base class: adds to a graph the nodes that compute the
// gradients of a loss and update the variables from them, and one train
// node that runs a whole step.
//
//   train::Adam adam({.learning_rate = 1e-3});
//   Node* train_op = adam.Minimize(root, loss, {.global_step = train::GetOrCreateGlobalStep(root)});
//   Node* init = train::GlobalVariablesInitializer(root);
//   session.Run({}, {}, {init});
//   for (...) session.Run(feeds, {loss}, {train_op});   // one step
//
// The train node is a NoOp whose control inputs are every update (one
// ResourceApply* node per variable, the optimizer's own bookkeeping, the
// global-step increment), so fetching nothing but running it does the step.
// Updates run where their variable lives and change it in place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ops/state_ops.h"

namespace tensorgraph::train {

// A hyperparameter: a number, or a scalar tensor computed in the graph (a
// learning-rate schedule of the global step).
class Hyperparameter {
 public:
  Hyperparameter(double value) : value_(value) {}  // NOLINT: a number is a hyperparameter
  Hyperparameter(Output tensor) : tensor_(tensor) {}  // NOLINT: so is a scalar tensor

  // The value as a scalar of `dtype`: a Const, or the tensor (cast when its
  // dtype differs).
  Output ToTensor(const Scope& scope, DataType dtype) const;
  bool is_tensor() const { return tensor_.node != nullptr; }
  double value() const { return value_; }

 private:
  double value_ = 0;
  Output tensor_;
};

struct GradAndVar {
  Output grad;  // null when the loss does not depend on the variable
  ops::ResourceVariable var;
};

struct MinimizeOptions {
  // The variables to train; empty: every trainable variable of the graph.
  std::vector<ops::ResourceVariable> var_list;
  // When set, incremented by one after the step's updates.
  std::optional<ops::ResourceVariable> global_step;
  // When > 0, the gradients are clipped together to this global norm
  // (ClipByGlobalNorm) before they are applied.
  double clip_norm = 0;
  // The train node's name.
  std::string name = "train";
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Names the optimizer's scope ("Adam/") and its slots ("w/Adam").
  const std::string& name() const { return name_; }

  // d(loss)/d(var) for each variable (default: the trainable ones), built
  // under scope's "gradients/".
  std::vector<GradAndVar> ComputeGradients(const Scope& scope, Output loss,
                                           std::vector<ops::ResourceVariable> var_list = {}) const;
  // One update per variable with a gradient, plus the optimizer's own
  // bookkeeping and, when given, the global-step increment after them.
  // Returns the train node, a NoOp named `name`. Throws when no variable has
  // a gradient.
  Node* ApplyGradients(const Scope& scope, const std::vector<GradAndVar>& grads_and_vars,
                       const std::optional<ops::ResourceVariable>& global_step = std::nullopt,
                       const std::string& name = "train");
  // ComputeGradients, optional clipping, then ApplyGradients.
  Node* Minimize(const Scope& scope, Output loss, const MinimizeOptions& options = {});

  // The slot variable `slot` ("m", "v", "momentum"...) this optimizer made
  // for `var`; nullopt when it has none.
  std::optional<ops::ResourceVariable> GetSlot(const ops::ResourceVariable& var,
                                               const std::string& slot) const;

 protected:
  explicit Optimizer(std::string name) : name_(std::move(name)) {}

  // Called first in each ApplyGradients: forgets per-call state, such as
  // tensors built by an earlier (possibly failed) call.
  virtual void Prepare() {}
  // Builds the update of `var` from `grad` in `scope` ("Adam/update_w/").
  virtual Node* ApplyDense(const Scope& scope, Output grad, const ops::ResourceVariable& var) = 0;
  // Nodes that must run after every update of the step (Adam's beta powers);
  // `scope` carries control dependencies on the updates.
  virtual std::vector<Node*> Finish(const Scope& scope) { return {}; }

  // The slot `slot` of var, created on first use as a variable named
  // "<var>/<name()>" (made unique: "<var>/<name()>_1"...) of var's dtype,
  // shape and device, filled with `initial_value`.
  ops::ResourceVariable Slot(const ops::ResourceVariable& var, const std::string& slot,
                             double initial_value);
  // A variable of the optimizer's own ("beta1_power"), created on first use
  // as a non-trainable scalar of `dtype` holding `initial_value`.
  ops::ResourceVariable NonSlot(Graph& graph, const std::string& base_name, DataType dtype,
                                double initial_value);
  // `h` as a scalar of `dtype`, built once per ApplyGradients in the
  // optimizer's scope as "<key>" (a Const) or a cast of h's tensor.
  Output Hyper(const std::string& key, const Hyperparameter& h, DataType dtype);

 private:
  std::string name_;
  std::map<std::pair<const Node*, std::string>, ops::ResourceVariable> slots_;
  std::map<std::pair<std::string, DataType>, ops::ResourceVariable> non_slots_;
  // Valid during ApplyGradients.
  std::optional<Scope> apply_scope_;
  std::map<std::pair<std::string, DataType>, Output> hypers_;
};

// Scales `grads` together so that their global norm, sqrt(sum of squares of
// every element), is at most clip_norm: each becomes
// g * clip_norm / max(global_norm, clip_norm). Null entries stay null.
// Returns the clipped gradients and the global norm before clipping.
std::pair<std::vector<Output>, Output> ClipByGlobalNorm(const Scope& scope,
                                                        const std::vector<Output>& grads,
                                                        double clip_norm);

}  // namespace tensorgraph::train
