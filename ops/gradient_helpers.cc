#include "ops/gradient_helpers.h"

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/reduction_ops.h"

namespace tensorgraph {

Output ReduceGradientToShape(const Scope& s, Output grad, Output x) {
  const PartialShape& x_static = x.shape();
  if (x_static.fully_defined() && grad.shape().fully_defined() && x_static == grad.shape()) {
    return grad;
  }
  const Output x_shape = ops::Shape(s, x);
  const Output axes = ops::BroadcastGradientArgs(s, x_shape, ops::Shape(s, grad)).r0;
  // A constant target keeps x's static shape on the result for the shape
  // inference of whatever consumes it; the Shape node serves otherwise.
  const Output sum = ops::Sum(s, grad, axes);
  return x_static.fully_defined() ? ops::Reshape(s, sum, x_static.dims())
                                  : ops::Reshape(s, sum, x_shape);
}

}  // namespace tensorgraph
