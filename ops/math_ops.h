// Builders for elementwise math, and the operator overloads that make
// graph-building read as math: relu(matmul(x, w) + b).
#pragma once

#include "graph/scope.h"

namespace tensorgraph::ops {

// numpy-broadcasting binary ops.
Output AddV2(const Scope& scope, Output x, Output y);

}  // namespace tensorgraph::ops

namespace tensorgraph {

// Each builds in the scope of its left operand (Scope::ForOutput). A number
// operand becomes a scalar Const of the other operand's dtype.
Output operator+(Output x, Output y);
Output operator+(Output x, double y);
Output operator+(double x, Output y);

}  // namespace tensorgraph
