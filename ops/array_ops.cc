// Array ops: definitions and builders.
//
// The shape functions here are also what the CPU kernels run on concrete
// inputs, so every check in them holds at build time when the inputs are
// known and at run time otherwise.
#include "ops/array_ops.h"

#include <limits>

namespace tensorgraph {
namespace {

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// A shape of `dims` (-1 unknown), failing as the node when the element
// count overflows int64.
PartialShape MakeShape(const InferenceContext& c, std::vector<int64_t> dims) {
  try {
    return PartialShape(std::move(dims));
  } catch (const Error& e) {
    c.Fail(e.message());
  }
}

// Fails unless input `i` (named `what`) has rank `rank` or an unknown one.
void RequireRank(const InferenceContext& c, int i, int rank, std::string_view what) {
  const PartialShape& shape = c.input_shape(i);
  if (shape.rank_known() && shape.rank() != rank) {
    c.Fail(what, " must be a ", rank == 0 ? "scalar" : "vector", ", got shape ", shape.ToString());
  }
}

// The length of vector input `i`; -1 when unknown.
int64_t VectorLength(const InferenceContext& c, int i) { return c.input_shape(i).dim(0); }

// Every dim unknown; the rank too when `rank` is -1.
PartialShape UnknownOfRank(int64_t rank) {
  return rank >= 0 ? PartialShape::Unknown(static_cast<int>(rank)) : PartialShape::UnknownRank();
}

// `axis` in [-n, n) made non-negative; `what` names it and `shape` is what
// it indexes, for the message.
int CanonicalAxis(const InferenceContext& c, int64_t axis, int n, std::string_view what,
                  const PartialShape& shape) {
  if (axis < -n || axis >= n) {
    c.Fail(what, " ", axis, " is out of range [", -n, ", ", n, ") for shape ", shape.ToString());
  }
  return static_cast<int>(axis < 0 ? axis + n : axis);
}

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

void TransposeShape(InferenceContext& c) {
  const PartialShape& x = c.input_shape(0);
  RequireRank(c, 1, 1, "perm");
  const int64_t length = VectorLength(c, 1);
  if (x.rank_known() && length >= 0 && length != x.rank()) {
    c.Fail("perm has ", length, " entries, expected one per dim of x, of shape ", x.ToString());
  }
  const int64_t rank = x.rank_known() ? x.rank() : length;
  auto perm = c.input_value_as_ints(1);
  if (!perm) {
    c.set_output(0, UnknownOfRank(rank));
    return;
  }
  const int64_t n = static_cast<int64_t>(perm->size());
  std::vector<bool> seen(perm->size(), false);
  std::vector<int64_t> dims;
  for (size_t i = 0; i < perm->size(); ++i) {
    const int64_t p = (*perm)[i];
    if (p < 0 || p >= n) c.Fail("perm[", i, "] is ", p, ": expected a value in [0, ", n, ")");
    if (seen[static_cast<size_t>(p)]) {
      c.Fail("perm ", DimsToString(*perm), " names dim ", p,
             " twice: expected a permutation of [0, ", n, ")");
    }
    seen[static_cast<size_t>(p)] = true;
    dims.push_back(x.dim(static_cast<int>(p)));
  }
  c.set_output(0, PartialShape(std::move(dims)));
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

void ConcatV2Shape(InferenceContext& c) {
  const int n = c.num_inputs() - 1;
  RequireRank(c, n, 0, "axis");
  int first_known = -1;  // the first value of known rank
  for (int i = 0; i < n; ++i) {
    const PartialShape& s = c.input_shape(i);
    if (!s.rank_known()) continue;
    if (first_known < 0) {
      first_known = i;
    } else if (s.rank() != c.input_shape(first_known).rank()) {
      c.Fail("values[", i, "] has shape ", s.ToString(), " but values[", first_known,
             "] has shape ", c.input_shape(first_known).ToString(),
             ": every value must have the same rank");
    }
  }
  if (first_known < 0) {
    c.set_output(0, PartialShape::UnknownRank());
    return;
  }
  const PartialShape& reference = c.input_shape(first_known);
  const int rank = reference.rank();
  if (rank == 0) c.Fail("cannot concatenate scalars: values[", first_known, "] is a scalar");
  auto axis_value = c.input_value_as_ints(n);
  if (!axis_value) {
    c.set_output(0, PartialShape::Unknown(rank));
    return;
  }
  const int axis = CanonicalAxis(c, axis_value->front(), rank, "axis", reference);
  std::vector<int64_t> dims(static_cast<size_t>(rank), kUnknownDim);
  std::vector<int> source(static_cast<size_t>(rank), -1);  // the value each known dim is from
  int64_t axis_size = 0;
  for (int i = 0; i < n; ++i) {
    const PartialShape& s = c.input_shape(i);
    if (axis_size != kUnknownDim) {
      const int64_t d = s.dim(axis);
      if (d == kUnknownDim) {
        axis_size = kUnknownDim;
      } else if (__builtin_add_overflow(axis_size, d, &axis_size)) {
        c.Fail("the concatenated dim ", axis, " has more elements than int64 can count");
      }
    }
    for (int d = 0; d < rank; ++d) {
      const size_t k = static_cast<size_t>(d);
      if (d == axis || s.dim(d) == kUnknownDim) continue;
      if (dims[k] == kUnknownDim) {
        dims[k] = s.dim(d);
        source[k] = i;
      } else if (dims[k] != s.dim(d)) {
        c.Fail("values[", i, "] has shape ", s.ToString(), " but values[", source[k],
               "] has shape ", c.input_shape(source[k]).ToString(),
               ": they may differ only in dim ", axis);
      }
    }
  }
  dims[static_cast<size_t>(axis)] = axis_size;
  c.set_output(0, MakeShape(c, std::move(dims)));
}

void SliceShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  RequireRank(c, 1, 1, "begin");
  RequireRank(c, 2, 1, "size");
  const int64_t begin_length = VectorLength(c, 1), size_length = VectorLength(c, 2);
  if (begin_length >= 0 && size_length >= 0 && begin_length != size_length) {
    c.Fail("begin has ", begin_length, " entries but size has ", size_length);
  }
  const int64_t length = std::max(begin_length, size_length);
  if (input.rank_known() && length >= 0 && length != input.rank()) {
    c.Fail("begin and size have ", length, " entries, expected one per dim of input, of shape ",
           input.ToString());
  }
  const int64_t rank = input.rank_known() ? input.rank() : length;
  auto begin = c.input_value_as_ints(1);
  auto size = c.input_value_as_ints(2);
  if (!size) {
    c.set_output(0, UnknownOfRank(rank));
    return;
  }
  std::vector<int64_t> dims;
  for (size_t i = 0; i < size->size(); ++i) {
    const int64_t s = (*size)[i];
    if (s < -1) {
      c.Fail("size[", i, "] is ", s, ": expected a size >= 0, or -1 for the rest of the dim");
    }
    const int64_t d = input.dim(static_cast<int>(i));
    if (!begin) {
      dims.push_back(s);
      continue;
    }
    const int64_t b = (*begin)[i];
    if (b < 0 || (d != kUnknownDim && b > d)) {
      c.Fail("begin[", i, "] is ", b, ": expected a value in [0, ",
             d == kUnknownDim ? "?" : std::to_string(d), "] for dim ", i, " of input shape ",
             input.ToString());
    }
    if (s == -1) {
      dims.push_back(d == kUnknownDim ? kUnknownDim : d - b);
      continue;
    }
    if (d != kUnknownDim && s > d - b) {
      c.Fail("begin[", i, "] + size[", i, "] is ", b, " + ", s, ", past the end of dim ", i,
             " of input shape ", input.ToString());
    }
    dims.push_back(s);
  }
  c.set_output(0, MakeShape(c, std::move(dims)));
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
    .Doc("Its input, unchanged.");

TG_REGISTER_OP("Reshape")
    .Input("tensor: T")
    .Input("shape: Tshape")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tshape: {int32, int64} = int32")
    .SetShapeFn(ReshapeShape)
    .Doc("tensor with the dims in shape, one of which may be -1 (inferred).");

TG_REGISTER_OP("Transpose")
    .Input("x: T")
    .Input("perm: Tperm")
    .Output("y: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tperm: {int32, int64} = int32")
    .SetShapeFn(TransposeShape)
    .Doc("x with its dims permuted: output dim i is input dim perm[i].");

TG_REGISTER_OP("ExpandDims")
    .Input("input: T")
    .Input("dim: Tdim")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tdim: {int32, int64} = int32")
    .SetShapeFn(ExpandDimsShape)
    .Doc("input with a dim of size 1 inserted at index dim.");

TG_REGISTER_OP("Squeeze")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("squeeze_dims: list(int) = []")
    .SetShapeFn(SqueezeShape)
    .Doc("input without the size-1 dims in squeeze_dims (all of them when empty).");

TG_REGISTER_OP("ConcatV2")
    .Input("values: N * T")
    .Input("axis: Tidx")
    .Output("output: T")
    .Attr("N: int >= 2")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ConcatV2Shape)
    .Doc("The values joined along axis.");

TG_REGISTER_OP("Slice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("size: Index")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Index: {int32, int64}")
    .SetShapeFn(SliceShape)
    .Doc("The block of input at begin of extent size (-1: to the end of the dim).");

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

namespace {

Output AddIndexConst(const Scope& scope, const std::vector<int64_t>& values,
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

}  // namespace

Output IndexConst(const Scope& scope, const std::vector<int64_t>& values) {
  return AddIndexConst(scope, values, tensorgraph::Shape{static_cast<int64_t>(values.size())});
}

Output ScalarIndexConst(const Scope& scope, int64_t value) {
  return AddIndexConst(scope, {value}, tensorgraph::Shape{});
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

Output Transpose(const Scope& scope, Output x, Output perm) {
  return scope.AddNode("Transpose", {x, perm});
}
Output Transpose(const Scope& scope, Output x, const std::vector<int64_t>& perm) {
  return Transpose(scope, x, IndexConst(scope, perm));
}
Output Transpose(const Scope& scope, Output x, std::initializer_list<int64_t> perm) {
  return Transpose(scope, x, std::vector<int64_t>(perm));
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

Output ConcatV2(const Scope& scope, const std::vector<Output>& values, Output axis) {
  std::vector<Output> inputs = values;
  inputs.push_back(axis);
  return scope.AddNode("ConcatV2", std::move(inputs),
                       {{"N", static_cast<int64_t>(values.size())}});
}
Output ConcatV2(const Scope& scope, const std::vector<Output>& values, int64_t axis) {
  return ConcatV2(scope, values, ScalarIndexConst(scope, axis));
}

Output Slice(const Scope& scope, Output input, Output begin, Output size) {
  return scope.AddNode("Slice", {input, begin, size});
}
Output Slice(const Scope& scope, Output input, const std::vector<int64_t>& begin,
             const std::vector<int64_t>& size) {
  return Slice(scope, input, IndexConst(scope, begin), IndexConst(scope, size));
}
Output Slice(const Scope& scope, Output input, std::initializer_list<int64_t> begin,
             std::initializer_list<int64_t> size) {
  return Slice(scope, input, std::vector<int64_t>(begin), std::vector<int64_t>(size));
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

}  // namespace ops
}  // namespace tensorgraph
