// Reduction ops: definitions and builders.
//
// As for array ops, the CPU kernels run these shape functions on concrete
// inputs, so the axis checks here hold at run time too.
#include "ops/reduction_ops.h"

#include <limits>

#include "ops/array_ops.h"

namespace tensorgraph {
namespace {

// Which dims of `input` (of known rank) `axes` reduce: each axis in
// [-rank, rank), and none named twice, as TensorFlow requires. `what`
// names an axis in messages.
std::vector<bool> ReducedDims(const InferenceContext& c, const std::vector<int64_t>& axes,
                              const PartialShape& input, std::string_view what) {
  const int rank = input.rank();
  std::vector<int> entry(static_cast<size_t>(rank), -1);  // the axis naming each dim
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i];
    if (a < -rank || a >= rank) {
      c.Fail(what, " ", a, " is out of range [", -rank, ", ", rank, ") for input shape ",
             input.ToString());
    }
    const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
    if (entry[d] >= 0) {
      c.Fail("reduction_indices entries ", entry[d], " and ", i, " both name dim ", d);
    }
    entry[d] = static_cast<int>(i);
  }
  std::vector<bool> reduced(static_cast<size_t>(rank));
  for (size_t d = 0; d < reduced.size(); ++d) reduced[d] = entry[d] >= 0;
  return reduced;
}

void ReductionShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  const PartialShape& axes_shape = c.input_shape(1);
  if (axes_shape.rank() > 1) {
    c.Fail("reduction_indices must be a scalar or a vector, got shape ", axes_shape.ToString());
  }
  const bool keep_dims = c.attr<bool>("keep_dims");
  auto axes = c.input_value_as_ints(1);
  if (axes_shape.num_elements() == 0) {
    c.set_output(0, input);  // no axes: nothing to reduce
    return;
  }
  if (!axes || !input.rank_known()) {
    c.set_output(0, keep_dims && input.rank_known() ? PartialShape::Unknown(input.rank())
                                                    : PartialShape::UnknownRank());
    return;
  }
  const std::vector<bool> reduced = ReducedDims(c, *axes, input, "reduction_indices entry");
  std::vector<int64_t> dims;
  for (int d = 0; d < input.rank(); ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      dims.push_back(input.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  c.set_output(0, PartialShape(std::move(dims)));
}

void ArgMaxShape(InferenceContext& c) {
  const PartialShape& input = c.input_shape(0);
  const PartialShape& dimension_shape = c.input_shape(1);
  if (dimension_shape.rank_known() && dimension_shape.rank() != 0) {
    c.Fail("dimension must be a scalar, got shape ", dimension_shape.ToString());
  }
  if (!input.rank_known()) {
    c.set_output(0, PartialShape::UnknownRank());
    return;
  }
  if (input.rank() == 0) c.Fail("input must have rank >= 1, got a scalar");
  auto axis = c.input_value_as_ints(1);
  if (!axis) {
    c.set_output(0, PartialShape::Unknown(input.rank() - 1));
    return;
  }
  const std::vector<bool> reduced = ReducedDims(c, *axis, input, "dimension");
  std::vector<int64_t> dims;
  for (int d = 0; d < input.rank(); ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      dims.push_back(input.dim(d));
      continue;
    }
    const int64_t n = input.dim(d);
    if (n == 0) {
      c.Fail("cannot take the argmax over dim ", d, " of input shape ", input.ToString(),
             ": it is empty");
    }
    if (n > std::numeric_limits<int32_t>::max() && c.attr<DataType>("output_type") == DT_INT32) {
      c.Fail("dim ", d, " of input shape ", input.ToString(),
             " has more entries than output_type int32 can index: use int64");
    }
  }
  c.set_output(0, PartialShape(std::move(dims)));
}

TG_REGISTER_OP("Sum")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .Doc("The sum of input over the dims in reduction_indices.");

TG_REGISTER_OP("Mean")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .Doc("The mean of input over the dims in reduction_indices.");

TG_REGISTER_OP("Max")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .Doc("The maximum of input over the dims in reduction_indices.");

TG_REGISTER_OP("ArgMax")
    .Input("input: T")
    .Input("dimension: Tidx")
    .Output("output: output_type")
    .Attr("T: {float, double, int32, uint8, int64, bool}")
    .Attr("Tidx: {int32, int64} = int32")
    .Attr("output_type: {int32, int64} = int64")
    .SetShapeFn(ArgMaxShape)
    .NotDifferentiable()
    .Doc("The index of the first maximum of input along dimension.");

}  // namespace

namespace ops {
namespace {

Output Reduction(std::string_view op, const Scope& scope, Output input, Output axes,
                 const ReductionAttrs& attrs) {
  return scope.AddNode(op, {input, axes}, {{"keep_dims", attrs.keep_dims}});
}

}  // namespace

Output Sum(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs) {
  return Reduction("Sum", scope, input, axes, attrs);
}
Output Sum(const Scope& scope, Output input, const std::vector<int64_t>& axes,
           const ReductionAttrs& attrs) {
  return Reduction("Sum", scope, input, IndexConst(scope, axes), attrs);
}
Output Sum(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
           const ReductionAttrs& attrs) {
  return Sum(scope, input, std::vector<int64_t>(axes), attrs);
}

Output Mean(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs) {
  return Reduction("Mean", scope, input, axes, attrs);
}
Output Mean(const Scope& scope, Output input, const std::vector<int64_t>& axes,
            const ReductionAttrs& attrs) {
  return Reduction("Mean", scope, input, IndexConst(scope, axes), attrs);
}
Output Mean(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
            const ReductionAttrs& attrs) {
  return Mean(scope, input, std::vector<int64_t>(axes), attrs);
}

Output Max(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs) {
  return Reduction("Max", scope, input, axes, attrs);
}
Output Max(const Scope& scope, Output input, const std::vector<int64_t>& axes,
           const ReductionAttrs& attrs) {
  return Reduction("Max", scope, input, IndexConst(scope, axes), attrs);
}
Output Max(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
           const ReductionAttrs& attrs) {
  return Max(scope, input, std::vector<int64_t>(axes), attrs);
}

Output ArgMax(const Scope& scope, Output input, Output axis, const ArgMaxAttrs& attrs) {
  return scope.AddNode("ArgMax", {input, axis}, {{"output_type", attrs.output_type}});
}
Output ArgMax(const Scope& scope, Output input, int64_t axis, const ArgMaxAttrs& attrs) {
  return ArgMax(scope, input, ScalarIndexConst(scope, axis), attrs);
}

}  // namespace ops
}  // namespace tensorgraph
