// Array ops: definitions and builders.
#include "ops/array_ops.h"

namespace tensorgraph {
namespace {

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

Output Identity(const Scope& scope, Output input) { return scope.AddNode("Identity", {input}); }

}  // namespace ops
}  // namespace tensorgraph
