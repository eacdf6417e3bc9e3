// Random ops: definitions and builders.
#include "ops/random_ops.h"

#include "ops/array_ops.h"

namespace tensorgraph {
namespace {

// The output's shape is the value of the `shape` input, a vector: known
// when that is a constant, else of known rank when its length is known.
void RandomShape(InferenceContext& c) {
  const PartialShape& shape = c.input_shape(0);
  if (shape.rank_known() && shape.rank() != 1) {
    c.Fail("shape must be a vector, got a tensor of shape ", shape.ToString());
  }
  auto dims = c.input_value_as_ints(0);
  if (!dims) {
    c.set_output(0, shape.dim(0) == kUnknownDim
                        ? PartialShape::UnknownRank()
                        : PartialShape::Unknown(static_cast<int>(shape.dim(0))));
    return;
  }
  for (size_t i = 0; i < dims->size(); ++i) {
    if ((*dims)[i] < 0) c.Fail("shape has negative dimension ", (*dims)[i], " at index ", i);
  }
  try {
    c.set_output(0, Shape(*dims));
  } catch (const Error& e) {
    c.Fail(e.message());  // too many elements; rethrown naming this node
  }
}

// The three ops share a signature; only the distribution differs.
#define TG_REGISTER_RANDOM_OP(name, doc)                                                 \
  TG_REGISTER_OP(name)                                                                   \
      .Input("shape: T")                                                                 \
      .Output("output: dtype")                                                           \
      .Attr("seed: int = 0")                                                             \
      .Attr("seed2: int = 0")                                                            \
      .Attr("dtype: {float, double}")                                                    \
      .Attr("T: {int32, int64}")                                                         \
      .SetShapeFn(RandomShape)                                                           \
      .SetIsStateful()                                                                   \
      .KernelTypeAttr("dtype")                                                           \
      .NotDifferentiable()                                                               \
      .Doc(doc                                                                           \
           ", from TensorFlow's Philox stream for (seed, seed2); both 0 picks a random " \
           "seed per session (nondeterministic).")

TG_REGISTER_RANDOM_OP("RandomUniform", "Uniform samples in [0, 1) of the given shape");
TG_REGISTER_RANDOM_OP("RandomStandardNormal",
                      "Normal samples (mean 0, standard deviation 1) of the given shape");
TG_REGISTER_RANDOM_OP("TruncatedNormal",
                      "Normal samples of the given shape, redrawn until within 2 standard "
                      "deviations");

#undef TG_REGISTER_RANDOM_OP

Output AddRandomNode(const Scope& scope, std::string_view op, Output shape, DataType dtype,
                     const ops::RandomAttrs& attrs) {
  return scope.AddNode(op, {shape},
                       {{"dtype", dtype}, {"seed", attrs.seed}, {"seed2", attrs.seed2}});
}

}  // namespace

namespace ops {

Output RandomUniform(const Scope& scope, Output shape, DataType dtype,
                     const RandomUniformAttrs& attrs) {
  return AddRandomNode(scope, "RandomUniform", shape, dtype, attrs);
}

Output RandomStandardNormal(const Scope& scope, Output shape, DataType dtype,
                            const RandomStandardNormalAttrs& attrs) {
  return AddRandomNode(scope, "RandomStandardNormal", shape, dtype, attrs);
}

Output TruncatedNormal(const Scope& scope, Output shape, DataType dtype,
                       const TruncatedNormalAttrs& attrs) {
  return AddRandomNode(scope, "TruncatedNormal", shape, dtype, attrs);
}

Output RandomUniform(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype,
                     const RandomUniformAttrs& attrs) {
  return RandomUniform(scope, IndexConst(scope, shape.dims()), dtype, attrs);
}

Output RandomStandardNormal(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype,
                            const RandomStandardNormalAttrs& attrs) {
  return RandomStandardNormal(scope, IndexConst(scope, shape.dims()), dtype, attrs);
}

Output TruncatedNormal(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype,
                       const TruncatedNormalAttrs& attrs) {
  return TruncatedNormal(scope, IndexConst(scope, shape.dims()), dtype, attrs);
}

}  // namespace ops
}  // namespace tensorgraph
