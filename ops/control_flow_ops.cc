#include "ops/control_flow_ops.h"

namespace tensorgraph {
namespace {

TG_REGISTER_OP("NoOp")
    .SetShapeFn(shape_fns::NoOutputs)
    .NotDifferentiable()
    .Doc("Does nothing; runs its control inputs.");

}  // namespace

namespace ops {

Node* NoOp(const Scope& scope) { return scope.AddNode("NoOp", {}); }

Node* Group(const Scope& scope, const std::vector<Node*>& deps) {
  return NoOp(scope.WithControlDependencies(deps));
}

}  // namespace ops
}  // namespace tensorgraph
