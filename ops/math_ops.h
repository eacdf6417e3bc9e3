// Builders for elementwise math, and the operator overloads that make
// graph-building read as math: relu(matmul(x, w) + b).
#pragma once

#include <vector>

#include "graph/scope.h"

namespace tensorgraph::ops {

// numpy-broadcasting binary ops.

// x + y.
Output AddV2(const Scope& scope, Output x, Output y);
// x + y; the older op TensorFlow still writes for some graphs (same value as AddV2).
Output Add(const Scope& scope, Output x, Output y);
// x - y.
Output Sub(const Scope& scope, Output x, Output y);
// x * y.
Output Mul(const Scope& scope, Output x, Output y);
// x / y; on integers it truncates toward zero and a zero divisor is a run-time error.
Output RealDiv(const Scope& scope, Output x, Output y);
// The larger of x and y; NaN if either is NaN.
Output Maximum(const Scope& scope, Output x, Output y);
// The smaller of x and y; NaN if either is NaN.
Output Minimum(const Scope& scope, Output x, Output y);
// x to the power y; on integers a negative exponent is a run-time error.
Output Pow(const Scope& scope, Output x, Output y);

// Unary ops.

// -x.
Output Neg(const Scope& scope, Output x);
// x * x.
Output Square(const Scope& scope, Output x);
// The square root of x (NaN below 0).
Output Sqrt(const Scope& scope, Output x);
// 1 / sqrt(x).
Output Rsqrt(const Scope& scope, Output x);
// e to the power x.
Output Exp(const Scope& scope, Output x);
// The natural logarithm of x (-inf at 0, NaN below).
Output Log(const Scope& scope, Output x);
// |x|.
Output Sin(const Scope& scope, Output x);
Output Cos(const Scope& scope, Output x);
Output Floor(const Scope& scope, Output x);
Output Abs(const Scope& scope, Output x);
// -1, 0 or 1 as x is negative, zero or positive (NaN for NaN).
Output Sign(const Scope& scope, Output x);
// 1 / (1 + exp(-x)), computed without overflow.
Output Sigmoid(const Scope& scope, Output x);
// The hyperbolic tangent of x.
Output Tanh(const Scope& scope, Output x);

struct CastAttrs {
  // double -> float: round toward zero instead of to nearest.
  bool truncate = false;
};
// x converted to dst_type; see the op's doc for float -> integer and -> bool.
Output Cast(const Scope& scope, Output x, DataType dst_type, const CastAttrs& attrs = {});

// Comparisons, with numpy broadcasting, giving bool tensors.

struct EqualAttrs {
  // When false, shapes that do not broadcast compare unequal (a scalar
  // false) instead of failing.
  bool incompatible_shape_error = true;
};
// x == y.
Output Equal(const Scope& scope, Output x, Output y, const EqualAttrs& attrs = {});
// x > y.
Output Greater(const Scope& scope, Output x, Output y);
// x < y.
Output Less(const Scope& scope, Output x, Output y);

// t where condition is true, else e; the three broadcast together.
Output SelectV2(const Scope& scope, Output condition, Output t, Output e);

// The sum of `inputs` (one or more, of one shape and dtype).
Output AddN(const Scope& scope, const std::vector<Output>& inputs);

// Gradient ops: each takes the forward op's output y and the gradient dy
// reaching it, and gives the gradient with respect to the forward input.

// dy * y * (1 - y), for y = Sigmoid(x).
Output SigmoidGrad(const Scope& scope, Output y, Output dy);
// dy * (1 - y * y), for y = Tanh(x).
Output TanhGrad(const Scope& scope, Output y, Output dy);
// 0.5 * dy / y, for y = Sqrt(x).
Output SqrtGrad(const Scope& scope, Output y, Output dy);
// -0.5 * dy * y^3, for y = Rsqrt(x).
Output RsqrtGrad(const Scope& scope, Output y, Output dy);

struct BroadcastGradientArgsOutputs {
  Output r0;  // the axes along which s0 was broadcast
  Output r1;  // the axes along which s1 was broadcast
};
// For two shape vectors (int32 or int64) that broadcast together, the axes
// of the broadcast shape along which each was broadcast: those where its
// dim, padded with 1s on the left to the broadcast rank, is 1. Both are
// empty when s0 and s1 are equal.
BroadcastGradientArgsOutputs BroadcastGradientArgs(const Scope& scope, Output s0, Output s1);

}  // namespace tensorgraph::ops

namespace tensorgraph {

// Each builds in the scope of its first Output operand (Scope::ForOutput). A
// number operand becomes a scalar Const of the other operand's dtype.
Output operator+(Output x, Output y);
Output operator+(Output x, double y);
Output operator+(double x, Output y);
Output operator-(Output x, Output y);
Output operator-(Output x, double y);
Output operator-(double x, Output y);
Output operator*(Output x, Output y);
Output operator*(Output x, double y);
Output operator*(double x, Output y);
Output operator/(Output x, Output y);
Output operator/(Output x, double y);
Output operator/(double x, Output y);
Output operator-(Output x);

}  // namespace tensorgraph
