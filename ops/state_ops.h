// Builders for resource variables. A variable lives in the Session, keyed by
// its shared name; the graph holds a handle to it (VarHandleOp) and ops that
// read, assign and update it through that handle.
//
//   auto w = ops::Variable(scope.WithOpName("w"), DT_FLOAT, {784, 512});
//   Node* init = w.Assign(scope, initial_value);
//   Output value = w.Read(scope);
#pragma once

#include "graph/scope.h"

namespace tensorgraph::ops {

// A handle to the variable named `shared_name`, or after the node when that
// is empty (the attr is then set to the node's name, so TensorFlow finds
// the same variable); `shape` is the declared shape every assigned value
// must match.
Output VarHandleOp(const Scope& scope, DataType dtype, PartialShape shape,
                   const std::string& shared_name = "");
// The variable's current value; fails if it was never assigned.
Output ReadVariableOp(const Scope& scope, Output resource, DataType dtype);
// Sets the variable to `value`; with validate_shape, a later value must
// also keep the shape of the current one.
Node* AssignVariableOp(const Scope& scope, Output resource, Output value,
                       bool validate_shape = false);
// Adds `value` (of the variable's shape) to the variable.
Node* AssignAddVariableOp(const Scope& scope, Output resource, Output value);

// A VarHandleOp together with its dtype, for building reads and updates.
struct ResourceVariable {
  Output handle;
  DataType dtype = DT_FLOAT;

  Output Read(const Scope& scope) const;
  Node* Assign(const Scope& scope, Output value) const;
  Node* AssignAdd(const Scope& scope, Output value) const;
};

// A variable named after the scope's op name (its VarHandleOp's node name).
ResourceVariable Variable(const Scope& scope, DataType dtype, PartialShape shape);

}  // namespace tensorgraph::ops
