// Pieces shared by the gradient functions of several op families.
#pragma once

#include "graph/scope.h"

namespace tensorgraph {

// `grad`, a gradient with respect to the result of an op that broadcast `x`
// (numpy style) to grad's shape, summed over the axes along which x was
// broadcast and reshaped to x's shape: the gradient with respect to x.
// When the static shapes of both are fully known and equal, no broadcast
// happened and `grad` itself is returned, adding no nodes.
Output ReduceGradientToShape(const Scope& s, Output grad, Output x);

}  // namespace tensorgraph
