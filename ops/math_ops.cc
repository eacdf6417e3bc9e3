// Elementwise math ops: definitions and builders.
#include "ops/math_ops.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/gradient_helpers.h"

namespace tensorgraph {
namespace {

// TensorFlow's shape function for Equal: with incompatible_shape_error
// false, shapes that may not broadcast give an output of unknown shape,
// since at run time the result is then a scalar; known shapes that do not
// broadcast give that scalar.
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
    if (!broadcasts) {
      // Known shapes that do not broadcast give the scalar false.
      const bool known = x.fully_defined() && y.fully_defined();
      return c.set_output(0, known ? PartialShape(Shape{}) : PartialShape::UnknownRank());
    }
  }
  c.set_output(0, *BroadcastShapes(x, y));
}

// AddN and the *Grad ops take inputs of one shape, which is the output's.
void AllInputsOneShape(InferenceContext& c) {
  PartialShape merged = PartialShape::UnknownRank();
  for (int i = 0; i < c.num_inputs(); ++i) {
    std::optional<PartialShape> next = merged.Merge(c.input_shape(i));
    if (!next) {
      c.Fail("input ", i, " has shape ", c.input_shape(i).ToString(), " but the inputs before it have ",
             merged.ToString(), ": every input must have the same shape");
    }
    merged = std::move(*next);
  }
  c.set_output(0, std::move(merged));
}

void BroadcastGradientArgsShape(InferenceContext& c) {
  for (int i = 0; i < 2; ++i) {
    const PartialShape& s = c.input_shape(i);
    if (s.rank_known() && s.rank() != 1) {
      c.Fail("s", i, " must be a vector (a shape) but has shape ", s.ToString());
    }
  }
  // With both shapes' values (constants, or host tensors when the plan
  // runs it), the outputs' lengths: the axes along which each was
  // broadcast. The kernel makes the same checks and the same axes.
  const auto s0 = c.input_value_as_ints(0);
  const auto s1 = c.input_value_as_ints(1);
  if (!s0 || !s1) {
    c.set_output(0, PartialShape::Unknown(1));
    c.set_output(1, PartialShape::Unknown(1));
    return;
  }
  int64_t reduced[2] = {0, 0};
  if (*s0 != *s1) {
    const size_t rank = std::max(s0->size(), s1->size());
    for (size_t axis = 0; axis < rank; ++axis) {
      int64_t dims[2];
      const std::vector<int64_t>* shapes[2] = {&*s0, &*s1};
      for (int i = 0; i < 2; ++i) {
        const size_t pad = rank - shapes[i]->size();
        dims[i] = axis < pad ? 1 : (*shapes[i])[axis - pad];
      }
      if (dims[0] != dims[1] && dims[0] != 1 && dims[1] != 1) {
        c.Fail("Incompatible shapes: ", PartialShape(*s0).ToString(), " vs. ",
               PartialShape(*s1).ToString());
      }
      for (int i = 0; i < 2; ++i) reduced[i] += dims[i] == 1 ? 1 : 0;
    }
  }
  c.set_output(0, PartialShape({reduced[0]}));
  c.set_output(1, PartialShape({reduced[1]}));
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

// --- gradients -------------------------------------------------------------
//
// The formulas are TensorFlow's (python/ops/math_grad.py), built from
// registered ops so that gradient graphs save and reload like any other.
// The pass calls these only for floating tensors, so integer dtypes need no
// care here.

Output ScalarLike(const Scope& s, const Output& like, double value) {
  return ops::ScalarConst(s, like.dtype(), value);
}

void GradOfAdd(GradientContext& ctx) {
  const Output g = ctx.grad_outputs[0];
  ctx.grad_inputs = {ReduceGradientToShape(ctx.scope, g, ctx.input(0)),
                     ReduceGradientToShape(ctx.scope, g, ctx.input(1))};
}

void GradOfSub(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0];
  ctx.grad_inputs = {ReduceGradientToShape(s, g, ctx.input(0)),
                     ReduceGradientToShape(s, ops::Neg(s, g), ctx.input(1))};
}

void GradOfMul(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], x = ctx.input(0), y = ctx.input(1);
  ctx.grad_inputs = {ReduceGradientToShape(s, ops::Mul(s, g, y), x),
                     ReduceGradientToShape(s, ops::Mul(s, x, g), y)};
}

void GradOfRealDiv(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], x = ctx.input(0), y = ctx.input(1);
  // d(x/y)/dy = -x / y^2, divided twice rather than squared so that a
  // large y does not overflow.
  const Output dy = ops::RealDiv(s, ops::RealDiv(s, ops::Neg(s, x), y), y);
  ctx.grad_inputs = {ReduceGradientToShape(s, ops::RealDiv(s, g, y), x),
                     ReduceGradientToShape(s, ops::Mul(s, g, dy), y)};
}

// Maximum and Minimum: the gradient goes to the input that was selected,
// to x on ties. z == x is TensorFlow's x >= y (x <= y for Minimum) on
// numbers and false where either is NaN, so a NaN result sends the
// gradient to y as there.
void GradOfMaximumMinimum(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], x = ctx.input(0), y = ctx.input(1);
  const Output x_selected = ops::Equal(s, ctx.output(0), x);
  const Output zero = ScalarLike(s, g, 0);
  ctx.grad_inputs = {ReduceGradientToShape(s, ops::SelectV2(s, x_selected, g, zero), x),
                     ReduceGradientToShape(s, ops::SelectV2(s, x_selected, zero, g), y)};
}

void GradOfPow(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], x = ctx.input(0), y = ctx.input(1), z = ctx.output(0);
  const Output one = ScalarLike(s, x, 1), zero = ScalarLike(s, x, 0);
  const Output dx = ops::Mul(s, ops::Mul(s, g, y), ops::Pow(s, x, ops::Sub(s, y, one)));
  // dz/dy = z * log(x). Where x <= 0 it is taken as 0, and log is fed 1
  // there, so that neither it nor its own gradient produces NaN.
  const Output positive = ops::Greater(s, x, zero);
  const Output log_x =
      ops::SelectV2(s, positive, ops::Log(s, ops::SelectV2(s, positive, x, one)), zero);
  const Output dy = ops::Mul(s, ops::Mul(s, g, z), log_x);
  ctx.grad_inputs = {ReduceGradientToShape(s, dx, x), ReduceGradientToShape(s, dy, y)};
}

void GradOfNeg(GradientContext& ctx) { ctx.grad_inputs = {ops::Neg(ctx.scope, ctx.grad_outputs[0])}; }

void GradOfSquare(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output x = ctx.input(0);
  ctx.grad_inputs = {ops::Mul(s, ctx.grad_outputs[0], ops::Mul(s, x, ScalarLike(s, x, 2)))};
}

void GradOfSqrt(GradientContext& ctx) {
  ctx.grad_inputs = {ops::SqrtGrad(ctx.scope, ctx.output(0), ctx.grad_outputs[0])};
}

void GradOfRsqrt(GradientContext& ctx) {
  ctx.grad_inputs = {ops::RsqrtGrad(ctx.scope, ctx.output(0), ctx.grad_outputs[0])};
}

void GradOfExp(GradientContext& ctx) {
  ctx.grad_inputs = {ops::Mul(ctx.scope, ctx.grad_outputs[0], ctx.output(0))};
}

void GradOfSin(GradientContext& ctx) {
  ctx.grad_inputs = {ops::Mul(ctx.scope, ctx.grad_outputs[0], ops::Cos(ctx.scope, ctx.input(0)))};
}

void GradOfCos(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  ctx.grad_inputs = {ops::Neg(s, ops::Mul(s, ctx.grad_outputs[0], ops::Sin(s, ctx.input(0))))};
}

void GradOfLog(GradientContext& ctx) {
  ctx.grad_inputs = {ops::RealDiv(ctx.scope, ctx.grad_outputs[0], ctx.input(0))};
}

void GradOfAbs(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  ctx.grad_inputs = {ops::Mul(s, ctx.grad_outputs[0], ops::Sign(s, ctx.input(0)))};
}

// Sign is flat wherever it has a derivative; TensorFlow registers zeros
// rather than marking it not differentiable, so paths through it connect.
void GradOfSign(GradientContext& ctx) {
  ctx.grad_inputs = {ops::ZerosLike(ctx.scope, ctx.input(0))};
}

void GradOfSigmoid(GradientContext& ctx) {
  ctx.grad_inputs = {ops::SigmoidGrad(ctx.scope, ctx.output(0), ctx.grad_outputs[0])};
}

void GradOfTanh(GradientContext& ctx) {
  ctx.grad_inputs = {ops::TanhGrad(ctx.scope, ctx.output(0), ctx.grad_outputs[0])};
}

// Only a cast between floating dtypes passes a gradient, cast back; one
// from or to an integer or bool has none, as in TensorFlow.
void GradOfCast(GradientContext& ctx) {
  const DataType src = ctx.node.attr<DataType>("SrcT");
  const DataType dst = ctx.node.attr<DataType>("DstT");
  if (IsFloating(src) && IsFloating(dst)) {
    ctx.grad_inputs = {ops::Cast(ctx.scope, ctx.grad_outputs[0], src)};
  } else {
    ctx.grad_inputs = {Output{}};
  }
}

void GradOfSelectV2(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], condition = ctx.input(0);
  const Output zero = ScalarLike(s, g, 0);
  ctx.grad_inputs = {
      Output{},
      ReduceGradientToShape(s, ops::SelectV2(s, condition, g, zero), ctx.input(1)),
      ReduceGradientToShape(s, ops::SelectV2(s, condition, zero, g), ctx.input(2))};
}

void GradOfAddN(GradientContext& ctx) {
  ctx.grad_inputs.assign(static_cast<size_t>(ctx.node.num_inputs()), ctx.grad_outputs[0]);
}

// Second-order gradients: the *Grad ops' inputs are (y, dy), the forward
// op's output and the gradient reaching it.

void GradOfSigmoidGrad(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], y = ctx.input(0), dy = ctx.input(1);
  // d/dy of dy * y * (1 - y) is dy * (1 - 2y).
  const Output g_dy = ops::Mul(s, g, dy);
  const Output two_g_dy_y = ops::Mul(s, ops::Mul(s, ScalarLike(s, g, 2), g_dy), y);
  ctx.grad_inputs = {ops::Sub(s, g_dy, two_g_dy_y), ops::SigmoidGrad(s, y, g)};
}

void GradOfTanhGrad(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], y = ctx.input(0), dy = ctx.input(1);
  // d/dy of dy * (1 - y^2) is -2 * dy * y.
  const Output dyy = ops::Mul(s, ops::Mul(s, ops::Mul(s, g, ScalarLike(s, g, -2)), dy), y);
  ctx.grad_inputs = {dyy, ops::TanhGrad(s, y, g)};
}

void GradOfSqrtGrad(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], y = ctx.input(0), z = ctx.output(0);
  // z = 0.5 * dy / y: dz/dy = -z / y and dz/d(dy) = 0.5 / y.
  const Output g_over_y = ops::RealDiv(s, g, y);
  ctx.grad_inputs = {ops::Mul(s, ops::Neg(s, g_over_y), z),
                     ops::Mul(s, ScalarLike(s, g, 0.5), g_over_y)};
}

void GradOfRsqrtGrad(GradientContext& ctx) {
  const Scope& s = ctx.scope;
  const Output g = ctx.grad_outputs[0], y = ctx.input(0), dy = ctx.input(1);
  // z = -0.5 * dy * y^3: dz/dy = -1.5 * dy * y^2 and dz/d(dy) = -0.5 * y^3.
  const Output dyy =
      ops::Mul(s, ops::Mul(s, ops::Mul(s, ScalarLike(s, g, -1.5), g), dy), ops::Square(s, y));
  ctx.grad_inputs = {dyy, ops::RsqrtGrad(s, y, g)};
}

TG_REGISTER_OP("AddV2")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfAdd)
    .Doc("x + y, with numpy broadcasting.");

TG_REGISTER_OP("Add")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfAdd)
    .Doc("x + y, with numpy broadcasting (the older form of AddV2).");

TG_REGISTER_OP("Sub")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfSub)
    .Doc("x - y, with numpy broadcasting.");

TG_REGISTER_OP("Mul")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfMul)
    .Doc("x * y, with numpy broadcasting.");

TG_REGISTER_OP("RealDiv")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfRealDiv)
    .Doc("x / y, with numpy broadcasting; integers divide truncating toward zero, and an "
         "integer division by zero fails with 'Integer division by zero' as in TensorFlow.");

TG_REGISTER_OP("Maximum")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfMaximumMinimum)
    .Doc("The larger of x and y (NaN if either is NaN), with numpy broadcasting.");

TG_REGISTER_OP("Minimum")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfMaximumMinimum)
    .Doc("The smaller of x and y (NaN if either is NaN), with numpy broadcasting.");

TG_REGISTER_OP("Pow")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .SetGradient(GradOfPow)
    .Doc("x to the power y, with numpy broadcasting; a negative integer exponent is an error.");

TG_REGISTER_OP("Neg")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfNeg)
    .Doc("-x.");

TG_REGISTER_OP("Square")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64, uint8}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfSquare)
    .Doc("x * x.");

TG_REGISTER_OP("Sqrt")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfSqrt)
    .Doc("The square root of x (NaN below 0).");

TG_REGISTER_OP("Rsqrt")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfRsqrt)
    .Doc("1 / sqrt(x) (inf at 0, NaN below).");

TG_REGISTER_OP("Exp")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfExp)
    .Doc("e to the power x.");

TG_REGISTER_OP("Log")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfLog)
    .Doc("The natural logarithm of x (-inf at 0, NaN below).");

TG_REGISTER_OP("Sin")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfSin)
    .Doc("The sine of x (radians).");

TG_REGISTER_OP("Cos")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfCos)
    .Doc("The cosine of x (radians).");

// As TensorFlow, Floor has no gradient: it is flat wherever it is
// differentiable, and learning-rate schedules use it on the step alone.
TG_REGISTER_OP("Floor")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .NotDifferentiable()
    .Doc("The largest integer not greater than x.");

TG_REGISTER_OP("Abs")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfAbs)
    .Doc("|x|.");

TG_REGISTER_OP("Sign")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfSign)
    .Doc("-1, 0 or 1 as x is negative, zero or positive (NaN for NaN).");

TG_REGISTER_OP("Sigmoid")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfSigmoid)
    .Doc("1 / (1 + exp(-x)), computed without overflow.");

TG_REGISTER_OP("Tanh")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfTanh)
    .Doc("The hyperbolic tangent of x.");

TG_REGISTER_OP("Cast")
    .Input("x: SrcT")
    .Output("y: DstT")
    .Attr("SrcT: {float, double, int32, uint8, int64, bool}")
    .Attr("DstT: {float, double, int32, uint8, int64, bool}")
    .Attr("Truncate: bool = false")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(GradOfCast)
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
    .SetGradient(GradOfSelectV2)
    .Doc("t where condition is true, else e; the three broadcast together as in numpy.");

TG_REGISTER_OP("AddN")
    .Input("inputs: N * T")
    .Output("sum: T")
    .Attr("N: int >= 1")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(AllInputsOneShape)
    .SetGradient(GradOfAddN)
    .Doc("The sum of the inputs, which all have one shape.");

TG_REGISTER_OP("SigmoidGrad")
    .Input("y: T")
    .Input("dy: T")
    .Output("z: T")
    .Attr("T: {float, double}")
    .SetShapeFn(AllInputsOneShape)
    .SetGradient(GradOfSigmoidGrad)
    .Doc("dy * y * (1 - y): the gradient of Sigmoid from its output y and the gradient dy.");

TG_REGISTER_OP("TanhGrad")
    .Input("y: T")
    .Input("dy: T")
    .Output("z: T")
    .Attr("T: {float, double}")
    .SetShapeFn(AllInputsOneShape)
    .SetGradient(GradOfTanhGrad)
    .Doc("dy * (1 - y * y): the gradient of Tanh from its output y and the gradient dy.");

TG_REGISTER_OP("SqrtGrad")
    .Input("y: T")
    .Input("dy: T")
    .Output("z: T")
    .Attr("T: {float, double}")
    .SetShapeFn(AllInputsOneShape)
    .SetGradient(GradOfSqrtGrad)
    .Doc("0.5 * dy / y: the gradient of Sqrt from its output y and the gradient dy.");

TG_REGISTER_OP("RsqrtGrad")
    .Input("y: T")
    .Input("dy: T")
    .Output("z: T")
    .Attr("T: {float, double}")
    .SetShapeFn(AllInputsOneShape)
    .SetGradient(GradOfRsqrtGrad)
    .Doc("-0.5 * dy * y^3: the gradient of Rsqrt from its output y and the gradient dy.");

TG_REGISTER_OP("BroadcastGradientArgs")
    .Input("s0: T")
    .Input("s1: T")
    .Output("r0: T")
    .Output("r1: T")
    .Attr("T: {int32, int64} = int32")
    .SetShapeFn(BroadcastGradientArgsShape)
    .NotDifferentiable()
    .Doc("For shapes s0 and s1 that broadcast together, the axes of the broadcast shape along "
         "which each was broadcast (where its dim, 1-padded on the left, is 1), which a "
         "gradient is summed over; both empty when s0 equals s1.");

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
Output Sin(const Scope& scope, Output x) { return scope.AddNode("Sin", {x}); }
Output Cos(const Scope& scope, Output x) { return scope.AddNode("Cos", {x}); }
Output Floor(const Scope& scope, Output x) { return scope.AddNode("Floor", {x}); }
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

Output AddN(const Scope& scope, const std::vector<Output>& inputs) {
  return scope.AddNode("AddN", inputs, {{"N", static_cast<int64_t>(inputs.size())}});
}

Output SigmoidGrad(const Scope& scope, Output y, Output dy) {
  return scope.AddNode("SigmoidGrad", {y, dy});
}
Output TanhGrad(const Scope& scope, Output y, Output dy) {
  return scope.AddNode("TanhGrad", {y, dy});
}
Output SqrtGrad(const Scope& scope, Output y, Output dy) {
  return scope.AddNode("SqrtGrad", {y, dy});
}
Output RsqrtGrad(const Scope& scope, Output y, Output dy) {
  return scope.AddNode("RsqrtGrad", {y, dy});
}

BroadcastGradientArgsOutputs BroadcastGradientArgs(const Scope& scope, Output s0, Output s1) {
  Node* node = scope.AddNode("BroadcastGradientArgs", {s0, s1});
  return {node->output(0), node->output(1)};
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
