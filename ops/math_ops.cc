// Elementwise math ops: definitions and builders.
#include "ops/math_ops.h"

#include <algorithm>

#include "ops/array_ops.h"

namespace tensorgraph {
namespace {

// TensorFlow's shape function for Equal: with incompatible_shape_error
// false, shapes that may not broadcast give an output of unknown shape,
// since at run time the result is then a scalar.
void EqualShape(InferenceContext& c) {
  const PartialShape& x = c.input_shape(0);
  const PartialShape& y = c.input_shape(1);
  if (c.attr<bool>("incompatible_shape_error")) return shape_fns::BroadcastBinary(c);
  if (!x.rank_known() || !y.rank_known()) return c.set_output(0, PartialShape::UnknownRank());
  const int rank = std::max(x.rank(), y.rank());
  for (int i = 0; i < rank; ++i) {
    const int ix = x.rank() - rank + i, iy = y.rank() - rank + i;
    const int64_t dx = ix >= 0 ? x.dim(ix) : 1;
    const int64_t dy = iy >= 0 ? y.dim(iy) : 1;
    const bool broadcasts = dx == 1 || dy == 1 || (dx == dy && dx != kUnknownDim);
    if (!broadcasts) return c.set_output(0, PartialShape::UnknownRank());
  }
  c.set_output(0, *BroadcastShapes(x, y));
}

void SelectV2Shape(InferenceContext& c) {
  std::optional<PartialShape> out = BroadcastShapes(c.input_shape(1), c.input_shape(2));
  if (out) out = BroadcastShapes(c.input_shape(0), *out);
  if (!out) {
    c.Fail("shapes of condition ", c.input_shape(0).ToString(), ", t ",
           c.input_shape(1).ToString(), " and e ", c.input_shape(2).ToString(),
           " cannot be broadcast together");
  }
  c.set_output(0, *out);
}

TG_REGISTER_OP("AddV2")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x + y, with numpy broadcasting.");

TG_REGISTER_OP("Add")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x + y, with numpy broadcasting (the older form of AddV2).");

TG_REGISTER_OP("Sub")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x - y, with numpy broadcasting.");

TG_REGISTER_OP("Mul")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x * y, with numpy broadcasting.");

TG_REGISTER_OP("RealDiv")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x / y, with numpy broadcasting; integers divide truncating toward zero, and an "
         "integer division by zero fails with 'Integer division by zero' as in TensorFlow.");

TG_REGISTER_OP("Maximum")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("The larger of x and y (NaN if either is NaN), with numpy broadcasting.");

TG_REGISTER_OP("Minimum")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("The smaller of x and y (NaN if either is NaN), with numpy broadcasting.");

TG_REGISTER_OP("Pow")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x to the power y, with numpy broadcasting; a negative integer exponent is an error.");

TG_REGISTER_OP("Neg")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("-x.");

TG_REGISTER_OP("Square")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64, uint8}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("x * x.");

TG_REGISTER_OP("Sqrt")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("The square root of x (NaN below 0).");

TG_REGISTER_OP("Rsqrt")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("1 / sqrt(x) (inf at 0, NaN below).");

TG_REGISTER_OP("Exp")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("e to the power x.");

TG_REGISTER_OP("Log")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("The natural logarithm of x (-inf at 0, NaN below).");

TG_REGISTER_OP("Abs")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("|x|.");

TG_REGISTER_OP("Sign")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("-1, 0 or 1 as x is negative, zero or positive (NaN for NaN).");

TG_REGISTER_OP("Sigmoid")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("1 / (1 + exp(-x)), computed without overflow.");

TG_REGISTER_OP("Tanh")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("The hyperbolic tangent of x.");

TG_REGISTER_OP("Cast")
    .Input("x: SrcT")
    .Output("y: DstT")
    .Attr("SrcT: {float, double, int32, uint8, int64, bool}")
    .Attr("DstT: {float, double, int32, uint8, int64, bool}")
    .Attr("Truncate: bool = false")
    .SetShapeFn(shape_fns::Unchanged)
    .Doc("x converted to DstT: floats to integers truncate toward zero and saturate (NaN gives "
         "0), integers wrap, nonzero is true; Truncate rounds double to float toward zero.");

TG_REGISTER_OP("Equal")
    .Input("x: T")
    .Input("y: T")
    .Output("z: bool")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("incompatible_shape_error: bool = true")
    .SetShapeFn(EqualShape)
    .NotDifferentiable()
    .Doc("x == y, with numpy broadcasting; shapes that do not broadcast are an error, or a "
         "scalar false when incompatible_shape_error is false.");

TG_REGISTER_OP("Greater")
    .Input("x: T")
    .Input("y: T")
    .Output("z: bool")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .NotDifferentiable()
    .Doc("x > y, with numpy broadcasting.");

TG_REGISTER_OP("Less")
    .Input("x: T")
    .Input("y: T")
    .Output("z: bool")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .NotDifferentiable()
    .Doc("x < y, with numpy broadcasting.");

TG_REGISTER_OP("SelectV2")
    .Input("condition: bool")
    .Input("t: T")
    .Input("e: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn(SelectV2Shape)
    .Doc("t where condition is true, else e; the three broadcast together as in numpy.");

using BinaryBuilder = Output (*)(const Scope&, Output, Output);

Output WithScalarRight(BinaryBuilder build, Output x, double y) {
  const Scope scope = Scope::ForOutput(x);
  return build(scope, x, ops::ScalarConst(scope, x.dtype(), y));
}

Output WithScalarLeft(BinaryBuilder build, double x, Output y) {
  const Scope scope = Scope::ForOutput(y);
  return build(scope, ops::ScalarConst(scope, y.dtype(), x), y);
}

}  // namespace

namespace ops {

Output AddV2(const Scope& scope, Output x, Output y) { return scope.AddNode("AddV2", {x, y}); }
Output Add(const Scope& scope, Output x, Output y) { return scope.AddNode("Add", {x, y}); }
Output Sub(const Scope& scope, Output x, Output y) { return scope.AddNode("Sub", {x, y}); }
Output Mul(const Scope& scope, Output x, Output y) { return scope.AddNode("Mul", {x, y}); }
Output RealDiv(const Scope& scope, Output x, Output y) { return scope.AddNode("RealDiv", {x, y}); }
Output Maximum(const Scope& scope, Output x, Output y) { return scope.AddNode("Maximum", {x, y}); }
Output Minimum(const Scope& scope, Output x, Output y) { return scope.AddNode("Minimum", {x, y}); }
Output Pow(const Scope& scope, Output x, Output y) { return scope.AddNode("Pow", {x, y}); }

Output Neg(const Scope& scope, Output x) { return scope.AddNode("Neg", {x}); }
Output Square(const Scope& scope, Output x) { return scope.AddNode("Square", {x}); }
Output Sqrt(const Scope& scope, Output x) { return scope.AddNode("Sqrt", {x}); }
Output Rsqrt(const Scope& scope, Output x) { return scope.AddNode("Rsqrt", {x}); }
Output Exp(const Scope& scope, Output x) { return scope.AddNode("Exp", {x}); }
Output Log(const Scope& scope, Output x) { return scope.AddNode("Log", {x}); }
Output Abs(const Scope& scope, Output x) { return scope.AddNode("Abs", {x}); }
Output Sign(const Scope& scope, Output x) { return scope.AddNode("Sign", {x}); }
Output Sigmoid(const Scope& scope, Output x) { return scope.AddNode("Sigmoid", {x}); }
Output Tanh(const Scope& scope, Output x) { return scope.AddNode("Tanh", {x}); }

Output Cast(const Scope& scope, Output x, DataType dst_type, const CastAttrs& attrs) {
  return scope.AddNode("Cast", {x}, {{"DstT", dst_type}, {"Truncate", attrs.truncate}});
}

Output Equal(const Scope& scope, Output x, Output y, const EqualAttrs& attrs) {
  return scope.AddNode("Equal", {x, y},
                       {{"incompatible_shape_error", attrs.incompatible_shape_error}});
}
Output Greater(const Scope& scope, Output x, Output y) { return scope.AddNode("Greater", {x, y}); }
Output Less(const Scope& scope, Output x, Output y) { return scope.AddNode("Less", {x, y}); }

Output SelectV2(const Scope& scope, Output condition, Output t, Output e) {
  return scope.AddNode("SelectV2", {condition, t, e});
}

}  // namespace ops

Output operator+(Output x, Output y) { return ops::AddV2(Scope::ForOutput(x), x, y); }
Output operator+(Output x, double y) { return WithScalarRight(ops::AddV2, x, y); }
Output operator+(double x, Output y) { return WithScalarLeft(ops::AddV2, x, y); }
Output operator-(Output x, Output y) { return ops::Sub(Scope::ForOutput(x), x, y); }
Output operator-(Output x, double y) { return WithScalarRight(ops::Sub, x, y); }
Output operator-(double x, Output y) { return WithScalarLeft(ops::Sub, x, y); }
Output operator*(Output x, Output y) { return ops::Mul(Scope::ForOutput(x), x, y); }
Output operator*(Output x, double y) { return WithScalarRight(ops::Mul, x, y); }
Output operator*(double x, Output y) { return WithScalarLeft(ops::Mul, x, y); }
Output operator/(Output x, Output y) { return ops::RealDiv(Scope::ForOutput(x), x, y); }
Output operator/(Output x, double y) { return WithScalarRight(ops::RealDiv, x, y); }
Output operator/(double x, Output y) { return WithScalarLeft(ops::RealDiv, x, y); }
Output operator-(Output x) { return ops::Neg(Scope::ForOutput(x), x); }

}  // namespace tensorgraph
