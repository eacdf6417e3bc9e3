// Array ops that slice, join and reorder tensors (Transpose, ConcatV2,
// Slice, Pad and their index helpers): definitions, gradients and builders.
//
// As in array_ops.cc, the shape functions are also what the CPU kernels run
// on concrete inputs.
#include <limits>

#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/array_shape_util.h"
#include "ops/math_ops.h"

namespace tensorgraph {
namespace {

using namespace array_shape_util;

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

void InvertPermutationShape(InferenceContext& c) {
  RequireRank(c, 0, 1, "x");
  const int64_t n = VectorLength(c, 0);
  if (c.input_type(0) == DT_INT32 && n > std::numeric_limits<int32_t>::max()) {
    c.Fail("x has ", n, " entries, more than int32 can index");
  }
  if (auto perm = c.input_value_as_ints(0)) {
    std::vector<bool> seen(perm->size(), false);
    for (size_t i = 0; i < perm->size(); ++i) {
      const int64_t p = (*perm)[i];
      if (p < 0 || p >= n) c.Fail("x[", i, "] is ", p, ": expected a value in [0, ", n, ")");
      if (seen[static_cast<size_t>(p)]) c.Fail("x[", i, "] is ", p, ", which appears earlier too");
      seen[static_cast<size_t>(p)] = true;
    }
  }
  c.set_output(0, c.input_shape(0));
}

void PadShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  const PartialShape& paddings_shape = c.input_shape(1);
  if (paddings_shape.rank_known() &&
      (paddings_shape.rank() != 2 ||
       (paddings_shape.dim(1) != kUnknownDim && paddings_shape.dim(1) != 2))) {
    c.Fail("paddings must have shape [rank, 2], got ", paddings_shape.ToString());
  }
  const int64_t rows = paddings_shape.rank_known() ? paddings_shape.dim(0) : kUnknownDim;
  if (input.rank_known() && rows != kUnknownDim && rows != input.rank()) {
    c.Fail("paddings has ", rows, " rows, expected one per dim of input, of shape ",
           input.ToString());
  }
  const int64_t rank = input.rank_known() ? input.rank() : rows;
  auto paddings = c.input_value_as_ints(1);
  if (!paddings) {
    c.set_output(0, UnknownOfRank(rank));
    return;
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < static_cast<int>(rank); ++d) {
    const int64_t before = (*paddings)[2 * static_cast<size_t>(d)];
    const int64_t after = (*paddings)[2 * static_cast<size_t>(d) + 1];
    if (before < 0 || after < 0) {
      c.Fail("paddings[", d, "] is [", before, ",", after, "]: expected sizes >= 0");
    }
    int64_t size = input.rank_known() ? input.dim(d) : kUnknownDim;
    if (size != kUnknownDim && (__builtin_add_overflow(size, before, &size) ||
                                __builtin_add_overflow(size, after, &size))) {
      c.Fail("padding dim ", d, " of input shape ", input.ToString(),
             " gives more elements than int64 can count");
    }
    dims.push_back(size);
  }
  c.set_output(0, MakeShape(c, std::move(dims)));
}

// TensorFlow's checks: one shape per value, of one rank, agreeing on every
// dim but concat_dim. The offsets themselves are the kernel's.
void ConcatOffsetShape(InferenceContext& c) {
  RequireRank(c, 0, 0, "concat_dim");
  const int n = c.num_inputs() - 1;
  for (int i = 0; i < n; ++i) {
    RequireRank(c, i + 1, 1, StrCat("shape[", i, "]"));
    c.set_output(i, c.input_shape(i + 1));
  }
  auto axis_value = c.input_value_as_ints(0);
  auto first = c.input_value_as_ints(1);
  if (!axis_value || !first) return;
  const int rank = static_cast<int>(first->size());
  const int64_t a = axis_value->front();
  if (a < -rank || a >= rank) {
    c.Fail("concat_dim ", a, " is out of range [", -rank, ", ", rank, ") for shape[0] ",
           DimsToString(*first));
  }
  const int axis = static_cast<int>(a < 0 ? a + rank : a);
  // The offsets are running sums of the sizes at concat_dim: sizes are
  // non-negative and their total must be countable.
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    auto shape = c.input_value_as_ints(i + 1);
    if (!shape) continue;
    for (int64_t d : *shape) {
      if (d < 0) c.Fail("shape[", i, "] is ", DimsToString(*shape), ": sizes must be non-negative");
    }
    if (shape->size() == first->size() &&
        __builtin_add_overflow(total, (*shape)[static_cast<size_t>(axis)], &total)) {
      c.Fail("the sizes at concat_dim ", axis, " add up to more than int64 can count");
    }
    if (i == 0) continue;
    if (shape->size() != first->size()) {
      c.Fail("shape[", i, "] is ", DimsToString(*shape), " but shape[0] is ",
             DimsToString(*first), ": every shape must have the same rank");
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && (*shape)[static_cast<size_t>(d)] != (*first)[static_cast<size_t>(d)]) {
        c.Fail("shape[", i, "] is ", DimsToString(*shape), " but shape[0] is ",
               DimsToString(*first), ": they may differ only in dim ", axis);
      }
    }
  }
}

void TransposeGrad(GradientContext& g) {
  g.grad_inputs[0] =
      ops::Transpose(g.scope, g.grad_outputs[0], ops::InvertPermutation(g.scope, g.input(1)));
}

// Each value's gradient is the block of the output gradient it was copied to.
void ConcatV2Grad(GradientContext& g) {
  const int n = g.node.num_inputs() - 1;
  Output axis = g.input(n);
  if (axis.dtype() != DT_INT32) axis = ops::Cast(g.scope, axis, DT_INT32);
  std::vector<Output> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(ops::Shape(g.scope, g.input(i)));
  const std::vector<Output> offsets = ops::ConcatOffset(g.scope, axis, shapes);
  for (int i = 0; i < n; ++i) {
    g.grad_inputs[static_cast<size_t>(i)] =
        ops::Slice(g.scope, g.grad_outputs[0], offsets[static_cast<size_t>(i)],
                   shapes[static_cast<size_t>(i)]);
  }
}

// The slice's gradient padded with zeros back to the input's extent: begin
// before each dim, and what the slice left over after it.
void SliceGrad(GradientContext& g) {
  const Output begin = g.input(1);
  const ops::ShapeAttrs index{begin.dtype()};
  const Output after = ops::Sub(
      g.scope,
      ops::Sub(g.scope, ops::Shape(g.scope, g.input(0), index),
               ops::Shape(g.scope, g.output(0), index)),
      begin);
  const Output paddings = ops::ConcatV2(
      g.scope, {ops::ExpandDims(g.scope, begin, 1), ops::ExpandDims(g.scope, after, 1)}, 1);
  g.grad_inputs[0] = ops::Pad(g.scope, g.grad_outputs[0], paddings);
}

// The block of the gradient where the input was placed.
void PadGrad(GradientContext& g) {
  const Output paddings = g.input(1);
  const Output before = ops::Reshape(g.scope, ops::Slice(g.scope, paddings, {0, 0}, {-1, 1}), {-1});
  g.grad_inputs[0] = ops::Slice(g.scope, g.grad_outputs[0], before,
                                ops::Shape(g.scope, g.input(0), {paddings.dtype()}));
}

TG_REGISTER_OP("Transpose")
    .Input("x: T")
    .Input("perm: Tperm")
    .Output("y: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tperm: {int32, int64} = int32")
    .SetShapeFn(TransposeShape)
    .SetGradient(TransposeGrad)
    .Doc("x with its dims permuted: output dim i is input dim perm[i].");

TG_REGISTER_OP("ConcatV2")
    .Input("values: N * T")
    .Input("axis: Tidx")
    .Output("output: T")
    .Attr("N: int >= 2")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ConcatV2Shape)
    .SetGradient(ConcatV2Grad)
    .Doc("The values joined along axis.");

TG_REGISTER_OP("Slice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("size: Index")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Index: {int32, int64}")
    .SetShapeFn(SliceShape)
    .SetGradient(SliceGrad)
    .Doc("The block of input at begin of extent size (-1: to the end of the dim).");

TG_REGISTER_OP("InvertPermutation")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {int32, int64} = int32")
    .SetShapeFn(InvertPermutationShape)
    .NotDifferentiable()
    .Doc("The inverse of the permutation x: y[x[i]] = i.");

TG_REGISTER_OP("Pad")
    .Input("input: T")
    .Input("paddings: Tpaddings")
    .Output("output: T")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tpaddings: {int32, int64} = int32")
    .SetShapeFn(PadShape)
    .SetGradient(PadGrad)
    .Doc("input with paddings[d][0] zeros before and paddings[d][1] after each dim d.");

TG_REGISTER_OP("ConcatOffset")
    .Input("concat_dim: int32")
    .Input("shape: N * shape_type")
    .Output("offset: N * shape_type")
    .Attr("N: int >= 2")
    .Attr("shape_type: {int32, int64} = int32")
    .SetShapeFn(ConcatOffsetShape)
    .NotDifferentiable()
    .Doc("Where each of N tensors of the given shapes starts in their concatenation along "
         "concat_dim.");

}  // namespace

namespace ops {

Output Transpose(const Scope& scope, Output x, Output perm) {
  return scope.AddNode("Transpose", {x, perm});
}

Output Transpose(const Scope& scope, Output x, const std::vector<int64_t>& perm) {
  return Transpose(scope, x, IndexConst(scope, perm));
}

Output Transpose(const Scope& scope, Output x, std::initializer_list<int64_t> perm) {
  return Transpose(scope, x, std::vector<int64_t>(perm));
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

Output InvertPermutation(const Scope& scope, Output x) {
  return scope.AddNode("InvertPermutation", {x});
}

Output Pad(const Scope& scope, Output input, Output paddings) {
  return scope.AddNode("Pad", {input, paddings});
}

Output Pad(const Scope& scope, Output input,
           const std::vector<std::pair<int64_t, int64_t>>& paddings) {
  std::vector<int64_t> values;
  for (const auto& [before, after] : paddings) {
    values.push_back(before);
    values.push_back(after);
  }
  const tensorgraph::Shape shape{static_cast<int64_t>(paddings.size()), 2};
  return Pad(scope, input, IndexConst(scope, values, shape));
}

std::vector<Output> ConcatOffset(const Scope& scope, Output concat_dim,
                                 const std::vector<Output>& shapes) {
  std::vector<Output> inputs = {concat_dim};
  inputs.insert(inputs.end(), shapes.begin(), shapes.end());
  Node* node = scope.AddNode("ConcatOffset", std::move(inputs),
                             {{"N", static_cast<int64_t>(shapes.size())}});
  std::vector<Output> offsets;
  for (int i = 0; i < node->num_outputs(); ++i) offsets.push_back(node->output(i));
  return offsets;
}

}  // namespace ops
}  // namespace tensorgraph
