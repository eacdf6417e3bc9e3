// Reduction ops: definitions and builders.
//
// As for array ops, the CPU kernels run these shape functions on concrete
// inputs, so the axis checks here hold at run time too.
#include "ops/reduction_ops.h"

#include <limits>

#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"

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

// --- Gradients. The axes get none. ------------------------------------------

// The shape of the reduction's output with keep_dims: the input's shape with
// each reduced dim 1. With constant axes and a known rank it is the input's
// (run-time) shape with the reduced entries set to 1 by a mask; otherwise
// which dims are reduced is known only at run time, and the shape comes from
// a keep_dims Sum of the input.
Output KeptDimsShape(const Scope& s, const Node& node) {
  const Output input = node.input(0), axes = node.input(1);
  const PartialShape& shape = input.shape();
  if (axes.node->op() == "Const" && shape.rank_known()) {
    const Tensor& value = axes.node->attr<Tensor>("value");
    std::vector<int64_t> axis_values;
    if (value.dtype() == DT_INT32) {
      for (int32_t a : value.flat<int32_t>()) axis_values.push_back(a);
    } else {
      axis_values = value.ToVector<int64_t>();
    }
    const int rank = shape.rank();
    std::vector<int64_t> kept(static_cast<size_t>(rank), 1), reduced(static_cast<size_t>(rank), 0);
    for (int64_t a : axis_values) {
      const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
      kept[d] = 0;
      reduced[d] = 1;
    }
    std::vector<int64_t> dims = shape.dims();
    bool known = true;
    for (int d = 0; d < rank; ++d) {
      const size_t k = static_cast<size_t>(d);
      dims[k] = kept[k] ? dims[k] : 1;
      known = known && dims[k] != kUnknownDim;
    }
    if (known) return ops::IndexConst(s, dims);
    return ops::AddV2(s, ops::Mul(s, ops::Shape(s, input), ops::IndexConst(s, kept)),
                      ops::IndexConst(s, reduced));
  }
  return ops::Shape(s, ops::Sum(s, input, axes, {.keep_dims = true}));
}

// `grad` (of the reduction's output) with the reduced dims restored as size 1.
Output WithKeptDims(const GradientContext& g, Output grad) {
  if (g.node.attr<bool>("keep_dims")) return grad;
  return ops::Reshape(g.scope, grad, KeptDimsShape(g.scope, g.node));
}

// Each input element contributes once to its output element.
Output SumGradient(const GradientContext& g) {
  return ops::BroadcastTo(g.scope, WithKeptDims(g, g.grad_outputs[0]),
                          ops::Shape(g.scope, g.input(0)));
}

void SumGrad(GradientContext& g) { g.grad_inputs[0] = SumGradient(g); }

// Sum's gradient over the count of elements each output averages, from the
// run-time sizes so that unknown dims work. An empty output (so an empty
// input) divides by 1 rather than 0.
void MeanGrad(GradientContext& g) {
  const Scope& s = g.scope;
  const DataType dtype = g.input(0).dtype();
  const Output count = ops::RealDiv(
      s, ops::Cast(s, ops::Size(s, g.input(0), {DT_INT64}), dtype),
      ops::Maximum(s, ops::Cast(s, ops::Size(s, g.output(0), {DT_INT64}), dtype),
                   ops::ScalarConst(s, dtype, 1)));
  g.grad_inputs[0] = ops::RealDiv(s, SumGradient(g), count);
}

// As TensorFlow: the gradient goes to the elements equal to the maximum,
// split equally among ties.
void MaxGrad(GradientContext& g) {
  const Scope& s = g.scope;
  const Output x = g.input(0);
  const Output selected =
      ops::Cast(s, ops::Equal(s, x, WithKeptDims(g, g.output(0))), x.dtype());
  const Output ties = ops::Sum(s, selected, g.input(1), {.keep_dims = true});
  g.grad_inputs[0] =
      ops::Mul(s, ops::RealDiv(s, selected, ties), WithKeptDims(g, g.grad_outputs[0]));
}

TG_REGISTER_OP("Sum")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .SetGradient(SumGrad)
    .Doc("The sum of input over the dims in reduction_indices.");

TG_REGISTER_OP("Mean")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .SetGradient(MeanGrad)
    .Doc("The mean of input over the dims in reduction_indices.");

TG_REGISTER_OP("Max")
    .Input("input: T")
    .Input("reduction_indices: Tidx")
    .Output("output: T")
    .Attr("keep_dims: bool = false")
    .Attr("T: {float, double, int32, uint8, int64}")
    .Attr("Tidx: {int32, int64} = int32")
    .SetShapeFn(ReductionShape)
    .SetGradient(MaxGrad)
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
