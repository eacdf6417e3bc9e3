// Array ops that make, relabel and fill tensors: definitions, gradients and
// builders. Ops that slice, join and reorder them are in slice_ops.cc.
//
// The shape functions here are also what the CPU kernels run on concrete
// inputs, so every check in them holds at build time when the inputs are
// known and at run time otherwise.
#include "ops/array_ops.h"

#include <limits>

#include "graph/gradients.h"
#include "ops/array_shape_util.h"
#include "ops/gradient_helpers.h"
#include "ops/math_ops.h"
#include "ops/reduction_ops.h"

namespace tensorgraph {
namespace {

using namespace array_shape_util;

void ReshapeShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  const PartialShape& shape_arg = c.input_shape(1);
  if (shape_arg.rank_known() && shape_arg.rank() > 1) {
    c.Fail("shape must be a vector, got shape ", shape_arg.ToString());
  }
  auto requested = c.input_value_as_ints(1);
  if (!requested) {
    // A scalar shape (legacy TensorFlow) means one dim.
    c.set_output(0, UnknownOfRank(shape_arg.rank() == 0 ? 1 : VectorLength(c, 1)));
    return;
  }
  std::vector<int64_t> dims = *requested;
  int inferred = -1;
  int64_t product = 1;  // of the known, non-zero requested dims
  bool requested_zero = false;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = dims[i];
    if (d == -1) {
      if (inferred >= 0) {
        c.Fail("shape ", DimsToString(dims), " has more than one -1 (at indices ", inferred,
               " and ", i, "): only one dim can be inferred");
      }
      inferred = static_cast<int>(i);
    } else if (d < 0) {
      c.Fail("shape[", i, "] is ", d, ": expected a size >= 0, or -1 to infer it");
    } else if (d == 0) {
      requested_zero = true;
    } else if (__builtin_mul_overflow(product, d, &product)) {
      c.Fail("shape ", DimsToString(dims), " has more elements than int64 can count");
    }
  }
  if (!input.fully_defined()) {
    c.set_output(0, MakeShape(c, dims));
    return;
  }
  const int64_t count = input.num_elements();
  if (inferred >= 0) {
    // As TensorFlow: when the requested shape has a zero dim, the input's
    // zero dims are left out of the count, so [0,3] reshaped to [-1,0]
    // infers 3 rather than dividing by zero.
    int64_t known = 1;
    bool input_zero = false;
    for (int64_t d : input.dims()) {
      if (d > 0 || !requested_zero) {
        known *= d;
      } else {
        input_zero = true;
      }
    }
    const int64_t missing = known / product;
    if (!input_zero && missing * product != known) {
      c.Fail("cannot reshape a tensor of ", count, " elements (shape ", input.ToString(), ") to ",
             DimsToString(dims), ": ", count, " is not a multiple of ", product);
    }
    dims[static_cast<size_t>(inferred)] = missing;
  }
  PartialShape output = MakeShape(c, dims);
  if (output.num_elements() != count) {
    c.Fail("cannot reshape a tensor of ", count, " elements (shape ", input.ToString(), ") to ",
           output.ToString(), " (", output.num_elements(), " elements)");
  }
  c.set_output(0, std::move(output));
}

void ExpandDimsShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  const PartialShape& dim_arg = c.input_shape(1);
  if (dim_arg.fully_defined() && dim_arg.num_elements() != 1) {
    c.Fail("dim must hold a single value, got shape ", dim_arg.ToString());
  }
  if (!input.rank_known()) {
    c.set_output(0, PartialShape::UnknownRank());
    return;
  }
  auto axis = c.input_value_as_ints(1);
  if (!axis) {
    c.set_output(0, PartialShape::Unknown(input.rank() + 1));
    return;
  }
  const int at = CanonicalAxis(c, axis->front(), input.rank() + 1, "dim", input);
  std::vector<int64_t> dims = input.dims();
  dims.insert(dims.begin() + at, 1);
  c.set_output(0, PartialShape(std::move(dims)));
}

void SqueezeShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  if (!input.rank_known()) {
    c.set_output(0, PartialShape::UnknownRank());
    return;
  }
  const auto& squeeze_dims = c.attr<std::vector<int64_t>>("squeeze_dims");
  std::vector<bool> drop(static_cast<size_t>(input.rank()), false);
  if (squeeze_dims.empty()) {
    for (int d = 0; d < input.rank(); ++d) {
      // Whether an unknown dim goes depends on its size: so does the rank.
      if (input.dim(d) == kUnknownDim) {
        c.set_output(0, PartialShape::UnknownRank());
        return;
      }
      drop[static_cast<size_t>(d)] = input.dim(d) == 1;
    }
  }
  for (int64_t s : squeeze_dims) {
    const int d = CanonicalAxis(c, s, input.rank(), "squeeze_dims entry", input);
    if (input.dim(d) != kUnknownDim && input.dim(d) != 1) {
      c.Fail("cannot squeeze dim ", d, " of shape ", input.ToString(), ": its size is ",
             input.dim(d), ", expected 1");
    }
    drop[static_cast<size_t>(d)] = true;
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < input.rank(); ++d) {
    if (!drop[static_cast<size_t>(d)]) dims.push_back(input.dim(d));
  }
  c.set_output(0, PartialShape(std::move(dims)));
}

void ShapeShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  if (c.attr<DataType>("out_type") == DT_INT32 && input.rank_known()) {
    for (int d = 0; d < input.rank(); ++d) {
      if (input.dim(d) > std::numeric_limits<int32_t>::max()) {
        c.Fail("dim ", d, " of shape ", input.ToString(),
               " does not fit in out_type int32: use int64");
      }
    }
  }
  c.set_output(0, PartialShape({input.rank()}));
}

void FillShape(InferenceContext& c) {
  RequireRank(c, 0, 1, "dims");
  RequireRank(c, 1, 0, "value");
  auto dims = c.input_value_as_ints(0);
  if (!dims) {
    c.set_output(0, UnknownOfRank(VectorLength(c, 0)));
    return;
  }
  for (size_t i = 0; i < dims->size(); ++i) {
    if ((*dims)[i] < 0) c.Fail("dims[", i, "] is ", (*dims)[i], ": expected a size >= 0");
  }
  c.set_output(0, MakeShape(c, *dims));
}

void BroadcastToShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  RequireRank(c, 1, 1, "shape");
  auto target = c.input_value_as_ints(1);
  if (!target) {
    c.set_output(0, UnknownOfRank(VectorLength(c, 1)));
    return;
  }
  for (size_t i = 0; i < target->size(); ++i) {
    if ((*target)[i] < 0) c.Fail("shape[", i, "] is ", (*target)[i], ": expected a size >= 0");
  }
  const PartialShape output = MakeShape(c, *target);
  if (!input.rank_known()) {
    c.set_output(0, output);
    return;
  }
  const int offset = output.rank() - input.rank();  // input dims align with the last ones
  if (offset < 0) {
    c.Fail("cannot broadcast input of shape ", input.ToString(), " to the lower-rank shape ",
           output.ToString());
  }
  for (int d = 0; d < input.rank(); ++d) {
    const int64_t from = input.dim(d), to = output.dim(offset + d);
    if (from != kUnknownDim && from != 1 && from != to) {
      c.Fail("cannot broadcast input of shape ", input.ToString(), " to ", output.ToString(),
             ": input dim ", d, " is ", from, ", expected 1 or ", to);
    }
  }
  c.set_output(0, output);
}

void SizeShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  if (c.attr<DataType>("out_type") == DT_INT32 && input.fully_defined() &&
      input.num_elements() > std::numeric_limits<int32_t>::max()) {
    c.Fail("input of shape ", input.ToString(), " has ", input.num_elements(),
           " elements, more than out_type int32 can count: use int64");
  }
  c.set_output(0, PartialShape({}));
}

// --- Gradients. Index inputs (shapes, axes, permutations) get none. ---------

void PassThroughGrad(GradientContext& g) { g.grad_inputs[0] = g.grad_outputs[0]; }

// Reshape, ExpandDims and Squeeze only relabel dims: the gradient takes the
// input's shape back.
void ReshapeGrad(GradientContext& g) {
  g.grad_inputs[0] = ops::Reshape(g.scope, g.grad_outputs[0], ops::Shape(g.scope, g.input(0)));
}

void BroadcastToGrad(GradientContext& g) {
  g.grad_inputs[0] = ReduceGradientToShape(g.scope, g.grad_outputs[0], g.input(0));
}

// Every element is the value: its gradient is the sum over all of them
// (flattened first, so any rank works).
void FillGrad(GradientContext& g) {
  g.grad_inputs[1] = ops::Sum(g.scope, ops::Reshape(g.scope, g.grad_outputs[0], {-1}), {0});
}

TG_REGISTER_OP("Placeholder")
    .Output("output: dtype")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .Attr("shape: shape = <unknown>")
    .SetShapeFn([](InferenceContext& c) { c.set_output(0, c.attr<PartialShape>("shape")); })
    .NotDifferentiable()
    .Doc("A tensor that must be fed when the graph runs.");

TG_REGISTER_OP("PlaceholderWithDefault")
    .Input("input: dtype")
    .Output("output: dtype")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .Attr("shape: shape")
    .SetShapeFn([](InferenceContext& c) {
      const auto& declared = c.attr<PartialShape>("shape");
      if (!declared.IsCompatibleWith(c.input_shape(0))) {
        c.Fail("default value of shape ", c.input_shape(0).ToString(),
               " does not match the declared shape ", declared.ToString());
      }
      c.set_output(0, declared);
    })
    .SetGradient(PassThroughGrad)
    .Doc("Its input, unless the output is fed.");

TG_REGISTER_OP("Const")
    .Output("output: dtype")
    .Attr("value: tensor")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn([](InferenceContext& c) {
      const Tensor& value = c.attr<Tensor>("value");
      const DataType dtype = c.attr<DataType>("dtype");
      if (value.dtype() != dtype) {
        c.Fail("value is a ", DataTypeName(value.dtype()), " tensor but attr dtype is ",
               DataTypeName(dtype));
      }
      c.set_output(0, value.shape());
    })
    .NotDifferentiable()
    .Doc("A constant tensor.");

TG_REGISTER_OP("Identity")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool, resource}")
    .SetShapeFn(shape_fns::Unchanged)
    .SetGradient(PassThroughGrad)
    .Doc("Its input, unchanged.");

TG_REGISTER_OP("Reshape")
    .Input("tensor: T")
    .Input("shape: Tshape")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tshape: {int32, int64} = int32")
    .SetShapeFn(ReshapeShape)
    .SetGradient(ReshapeGrad)
    .Doc("tensor with the dims in shape, one of which may be -1 (inferred).");

TG_REGISTER_OP("ExpandDims")
    .Input("input: T")
    .Input("dim: Tdim")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tdim: {int32, int64} = int32")
    .SetShapeFn(ExpandDimsShape)
    .SetGradient(ReshapeGrad)
    .Doc("input with a dim of size 1 inserted at index dim.");

TG_REGISTER_OP("Squeeze")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("squeeze_dims: list(int) = []")
    .SetShapeFn(SqueezeShape)
    .SetGradient(ReshapeGrad)
    .Doc("input without the size-1 dims in squeeze_dims (all of them when empty).");

TG_REGISTER_OP("Shape")
    .Input("input: T")
    .Output("output: out_type")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("out_type: {int32, int64} = int32")
    .SetShapeFn(ShapeShape)
    .NotDifferentiable()
    .Doc("The shape of input, as a vector.");

TG_REGISTER_OP("Fill")
    .Input("dims: index_type")
    .Input("value: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("index_type: {int32, int64} = int32")
    .SetShapeFn(FillShape)
    .SetGradient(FillGrad)
    .Doc("A tensor of shape dims with every element the scalar value.");

TG_REGISTER_OP("ZerosLike")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn(shape_fns::Unchanged)
    .NotDifferentiable()
    .Doc("Zeros of the shape and dtype of x.");

TG_REGISTER_OP("OnesLike")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn(shape_fns::Unchanged)
    .NotDifferentiable()
    .Doc("Ones of the shape and dtype of x.");

TG_REGISTER_OP("StopGradient")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn(shape_fns::Unchanged)
    .NotDifferentiable()  // the gradient pass stops here: that is the op's purpose
    .Doc("Its input, unchanged; no gradient flows back through it.");

TG_REGISTER_OP("BroadcastTo")
    .Input("input: T")
    .Input("shape: Tidx")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(BroadcastToShape)
    .SetGradient(BroadcastToGrad)
    .Doc("input broadcast (as numpy does) to shape.");

TG_REGISTER_OP("Size")
    .Input("input: T")
    .Output("output: out_type")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("out_type: {int32, int64} = int32")
    .SetShapeFn(SizeShape)
    .NotDifferentiable()
    .Doc("The number of elements of input, as a scalar.");

}  // namespace

namespace ops {

Output Placeholder(const Scope& scope, DataType dtype, PartialShape shape) {
  return scope.AddNode("Placeholder", {}, {{"dtype", dtype}, {"shape", std::move(shape)}});
}

Output PlaceholderWithDefault(const Scope& scope, Output input, PartialShape shape) {
  return scope.AddNode("PlaceholderWithDefault", {input}, {{"shape", std::move(shape)}});
}

Output Const(const Scope& scope, const Tensor& value) {
  return scope.AddNode("Const", {}, {{"value", value}, {"dtype", value.dtype()}});
}

Output ScalarConst(const Scope& scope, DataType dtype, double value) {
  return VisitDataType(dtype, "ScalarConst", [&](auto zero) {
    using T = decltype(zero);
    return Const(scope, Tensor::Scalar<T>(static_cast<T>(value)));
  });
}

Output IndexConst(const Scope& scope, const std::vector<int64_t>& values,
                  tensorgraph::Shape shape) {
  bool fits_int32 = true;
  for (int64_t v : values) {
    fits_int32 = fits_int32 && v >= std::numeric_limits<int32_t>::min() &&
                 v <= std::numeric_limits<int32_t>::max();
  }
  const Tensor value =
      fits_int32
          ? Tensor::FromVector(std::vector<int32_t>(values.begin(), values.end()), std::move(shape))
          : Tensor::FromVector(values, std::move(shape));
  // A WithOpName scope names the op this feeds, not the constant.
  return Const(scope.WithoutOpName(), value);
}

Output IndexConst(const Scope& scope, const std::vector<int64_t>& values) {
  return IndexConst(scope, values, tensorgraph::Shape{static_cast<int64_t>(values.size())});
}

Output ScalarIndexConst(const Scope& scope, int64_t value) {
  return IndexConst(scope, {value}, tensorgraph::Shape{});
}

Output Identity(const Scope& scope, Output input) { return scope.AddNode("Identity", {input}); }

Output Reshape(const Scope& scope, Output tensor, Output shape) {
  return scope.AddNode("Reshape", {tensor, shape});
}
Output Reshape(const Scope& scope, Output tensor, const std::vector<int64_t>& shape) {
  return Reshape(scope, tensor, IndexConst(scope, shape));
}
Output Reshape(const Scope& scope, Output tensor, std::initializer_list<int64_t> shape) {
  return Reshape(scope, tensor, std::vector<int64_t>(shape));
}

Output ExpandDims(const Scope& scope, Output input, Output axis) {
  return scope.AddNode("ExpandDims", {input, axis});
}
Output ExpandDims(const Scope& scope, Output input, int64_t axis) {
  return ExpandDims(scope, input, ScalarIndexConst(scope, axis));
}

Output Squeeze(const Scope& scope, Output input, const SqueezeAttrs& attrs) {
  return scope.AddNode("Squeeze", {input}, {{"squeeze_dims", attrs.squeeze_dims}});
}

Output Shape(const Scope& scope, Output input, const ShapeAttrs& attrs) {
  return scope.AddNode("Shape", {input}, {{"out_type", attrs.out_type}});
}

Output Fill(const Scope& scope, Output dims, Output value) {
  return scope.AddNode("Fill", {dims, value});
}
Output Fill(const Scope& scope, const std::vector<int64_t>& dims, Output value) {
  return Fill(scope, IndexConst(scope, dims), value);
}
Output Fill(const Scope& scope, std::initializer_list<int64_t> dims, Output value) {
  return Fill(scope, std::vector<int64_t>(dims), value);
}

Output ZerosLike(const Scope& scope, Output x) { return scope.AddNode("ZerosLike", {x}); }

Output OnesLike(const Scope& scope, Output x) { return scope.AddNode("OnesLike", {x}); }

Output StopGradient(const Scope& scope, Output input) {
  return scope.AddNode("StopGradient", {input});
}

Output BroadcastTo(const Scope& scope, Output input, Output shape) {
  return scope.AddNode("BroadcastTo", {input, shape});
}
Output BroadcastTo(const Scope& scope, Output input, const std::vector<int64_t>& shape) {
  return BroadcastTo(scope, input, IndexConst(scope, shape));
}
Output BroadcastTo(const Scope& scope, Output input, std::initializer_list<int64_t> shape) {
  return BroadcastTo(scope, input, std::vector<int64_t>(shape));
}

Output Size(const Scope& scope, Output input, const ShapeAttrs& attrs) {
  return scope.AddNode("Size", {input}, {{"out_type", attrs.out_type}});
}

}  // namespace ops
}  // namespace tensorgraph
