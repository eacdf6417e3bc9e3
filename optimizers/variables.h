// Variables for training: created with an initializer, recorded in the
// graph's collections, initialized all at once by one node.
//
//   Scope root(graph);
//   auto w = train::Variable(root.WithOpName("w"), {784, 512}, train::GlorotUniform(1));
//   auto b = train::Variable(root.WithOpName("b"), {512}, train::Zeros());
//   ... build the loss, then the optimizer (it adds slot variables) ...
//   Node* init = train::GlobalVariablesInitializer(root);  // node "init"
//   session.Run({}, {}, {init});
#pragma once

#include <string>
#include <vector>

#include "ops/state_ops.h"
#include "optimizers/initializers.h"

namespace tensorgraph::train {

// Collection keys (Graph::GetCollection). Each holds VarHandleOp nodes,
// except kInitializers, which holds their initializing AssignVariableOps.
inline constexpr char kGlobalVariables[] = "variables";
inline constexpr char kTrainableVariables[] = "trainable_variables";
inline constexpr char kInitializers[] = "initializers";
inline constexpr char kGlobalStep[] = "global_step";

struct VariableOptions {
  DataType dtype = DT_FLOAT;
  // Whether Optimizer::Minimize updates it by default.
  bool trainable = true;
};

// A variable named after the scope's op name, with an initializer node
// "<name>/Assign" that sets it to initializer's value (built under
// "<name>/Initializer/"). The initializer runs when GlobalVariablesInitializer's
// node does.
ops::ResourceVariable Variable(const Scope& scope, const Shape& shape,
                               const Initializer& initializer, const VariableOptions& options = {});

// The variables recorded in the graph, in creation order.
std::vector<ops::ResourceVariable> GlobalVariables(const Graph& graph);
std::vector<ops::ResourceVariable> TrainableVariables(const Graph& graph);

// A NoOp named `name` that runs every variable initializer recorded so far:
// build it after the optimizer, whose slots are variables too.
Node* GlobalVariablesInitializer(const Scope& scope, const std::string& name = "init");

// The int64 scalar variable "global_step" (zero-initialized, not
// trainable), created on first use. Optimizers increment it once per step
// when given it; learning-rate schedules read it.
ops::ResourceVariable GetOrCreateGlobalStep(const Scope& scope);

// The variable behind a VarHandleOp node.
ops::ResourceVariable VariableOf(Node* var_handle);
// The shape a variable was declared with; throws if it is not fully known.
Shape VariableShape(const ops::ResourceVariable& var);

}  // namespace tensorgraph::train
