// Builders for ops that order execution.
#pragma once

#include "graph/scope.h"

namespace tensorgraph::ops {

// Does nothing; with control inputs it groups them into one node to run
// (an optimizer's train node, an init node).
Node* NoOp(const Scope& scope);
// A NoOp whose control inputs are `deps`.
Node* Group(const Scope& scope, const std::vector<Node*>& deps);

}  // namespace tensorgraph::ops
