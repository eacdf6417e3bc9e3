// Builders for array ops: placeholders, constants, identity, and ops that
// reshape, reorder or combine tensors.
#pragma once

#include <vector>

#include "graph/scope.h"

namespace tensorgraph::ops {

// A value fed at run time; `shape` may have unknown dims (-1) or rank.
Output Placeholder(const Scope& scope, DataType dtype,
                   PartialShape shape = PartialShape::UnknownRank());
// `input` unless the output is fed.
Output PlaceholderWithDefault(const Scope& scope, Output input, PartialShape shape);

Output Const(const Scope& scope, const Tensor& value);
template <typename T>
Output Const(const Scope& scope, const std::vector<T>& values, Shape shape) {
  return Const(scope, Tensor::FromVector(values, std::move(shape)));
}
template <typename T>
Output Const(const Scope& scope, const std::vector<T>& values) {
  return Const(scope, Tensor::FromVector(values));
}
// A scalar of `dtype` holding `value` (converted).
Output ScalarConst(const Scope& scope, DataType dtype, double value);

Output Identity(const Scope& scope, Output input);

}  // namespace tensorgraph::ops
