#include "optimizers/variables.h"

#include "ops/control_flow_ops.h"

namespace tensorgraph::train {

ops::ResourceVariable Variable(const Scope& scope, const Shape& shape,
                               const Initializer& initializer, const VariableOptions& options) {
  ops::ResourceVariable var = ops::Variable(scope, options.dtype, PartialShape(shape));
  Node* handle = var.handle.node;
  // The initializer must not inherit the caller's control dependencies: it
  // runs once, before anything else.
  const Scope init_scope = Scope(scope.graph())
                               .WithDevice(scope.device())
                               .WithNamePrefix(handle->name());
  const Output value = initializer(init_scope.NewSubScope("Initializer"),
                                   {options.dtype, shape, handle->name()});
  if (value.dtype() != options.dtype || !value.shape().IsCompatibleWith(shape)) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("the initializer of variable '", handle->name(), "' made a ",
                       DataTypeName(value.dtype()), " tensor of shape ", value.shape().ToString(),
                       ", not ", DataTypeName(options.dtype), " ", shape.ToString()));
  }
  Node* assign = var.Assign(init_scope.WithOpName("Assign"), value);
  Graph& graph = scope.graph();
  graph.AddToCollection(kGlobalVariables, handle);
  if (options.trainable) graph.AddToCollection(kTrainableVariables, handle);
  graph.AddToCollection(kInitializers, assign);
  return var;
}

ops::ResourceVariable VariableOf(Node* var_handle) {
  if (var_handle == nullptr || var_handle->op() != "VarHandleOp") {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("expected a VarHandleOp node, got ",
                       var_handle == nullptr ? "null" : var_handle->op()));
  }
  return {Output(var_handle), var_handle->attr<DataType>("dtype")};
}

Shape VariableShape(const ops::ResourceVariable& var) {
  const PartialShape& shape = var.handle.node->attr<PartialShape>("shape");
  if (!shape.fully_defined()) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("variable '", var.handle.node->name(), "' has shape ", shape.ToString(),
                       ", which is not fully defined"));
  }
  return shape.ToShape();
}

namespace {
std::vector<ops::ResourceVariable> Collected(const Graph& graph, const std::string& key) {
  std::vector<ops::ResourceVariable> vars;
  for (Node* node : graph.GetCollection(key)) vars.push_back(VariableOf(node));
  return vars;
}
}  // namespace

std::vector<ops::ResourceVariable> GlobalVariables(const Graph& graph) {
  return Collected(graph, kGlobalVariables);
}

std::vector<ops::ResourceVariable> TrainableVariables(const Graph& graph) {
  return Collected(graph, kTrainableVariables);
}

Node* GlobalVariablesInitializer(const Scope& scope, const std::string& name) {
  return ops::Group(scope.WithOpName(name), scope.graph().GetCollection(kInitializers));
}

ops::ResourceVariable GetOrCreateGlobalStep(const Scope& scope) {
  const std::vector<Node*>& existing = scope.graph().GetCollection(kGlobalStep);
  if (!existing.empty()) return VariableOf(existing.front());
  const ops::ResourceVariable step =
      Variable(Scope(scope.graph()).WithOpName("global_step"), Shape{}, Zeros(),
               {.dtype = DT_INT64, .trainable = false});
  scope.graph().AddToCollection(kGlobalStep, step.handle.node);
  return step;
}

}  // namespace tensorgraph::train
