// Resource variable ops: definitions and builders. A VarHandleOp's output
// carries the variable's dtype and declared shape as handle data, so reads
// infer their shape and assignments of the wrong dtype or shape fail when
// the node is built; the kernels check again against the live variable.
#include "ops/state_ops.h"

#include "graph/gradients.h"

namespace tensorgraph {
namespace {

// The handle data of a resource input, checked against the op's dtype attr.
const HandleData* CheckedHandle(InferenceContext& c) {
  const HandleData* handle = c.input_handle_data(0);
  if (handle != nullptr && handle->dtype != c.attr<DataType>("dtype")) {
    c.Fail("the variable holds ", DataTypeName(handle->dtype), ", but the op's dtype is ",
           DataTypeName(c.attr<DataType>("dtype")));
  }
  return handle;
}

void AssignShape(InferenceContext& c) {
  const HandleData* handle = CheckedHandle(c);
  if (handle != nullptr && !handle->shape.IsCompatibleWith(c.input_shape(1))) {
    c.Fail("value of shape ", c.input_shape(1).ToString(), " does not fit the variable's shape ",
           handle->shape.ToString());
  }
}

TG_REGISTER_OP("VarHandleOp")
    .Output("resource: resource")
    .Attr("container: string = ''")
    .Attr("shared_name: string = ''")
    .Attr("debug_name: string = ''")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .Attr("shape: shape")
    .Attr("allowed_devices: list(string) = []")
    .SetShapeFn([](InferenceContext& c) {
      c.set_output(0, PartialShape(Shape{}));
      c.set_output_handle_data(0, {c.attr<DataType>("dtype"), c.attr<PartialShape>("shape")});
    })
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("A handle to the session's variable named shared_name (the node name when empty).");

TG_REGISTER_OP("ReadVariableOp")
    .Input("resource: resource")
    .Output("value: dtype")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .SetShapeFn([](InferenceContext& c) {
      const HandleData* handle = CheckedHandle(c);
      c.set_output(0, handle != nullptr ? handle->shape : PartialShape::UnknownRank());
    })
    .SetIsStateful()
    // The gradient with respect to the handle is the gradient of the value
    // read, so AddGradients with a VarHandleOp's output as an x returns
    // d(loss)/d(variable), as TensorFlow's resource variables do.
    .SetGradient([](GradientContext& ctx) { ctx.grad_inputs[0] = ctx.grad_outputs[0]; })
    .Doc("The current value of a variable.");

TG_REGISTER_OP("AssignVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr("dtype: {float, double, int32, uint8, int64, bool}")
    .Attr("validate_shape: bool = false")
    .SetShapeFn(AssignShape)
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("Sets a variable to value.");

TG_REGISTER_OP("AssignAddVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr("dtype: {float, double, int32, uint8, int64}")
    .SetShapeFn(AssignShape)
    .SetIsStateful()
    .NotDifferentiable()
    .Doc("Adds value to a variable, in place when no reader shares its buffer.");

}  // namespace

namespace ops {

Output VarHandleOp(const Scope& scope, DataType dtype, PartialShape shape,
                   const std::string& shared_name) {
  // An empty shared_name is the node's name here, but in TensorFlow every
  // handle with an empty shared_name reaches one and the same variable; so,
  // as TensorFlow's Python does, the attr spells the node's name out.
  const std::string name = scope.GetUniqueNameForOp("VarHandleOp");
  return scope.WithOpName(name.substr(scope.name_prefix().size()))
      .AddNode("VarHandleOp", {},
               {{"dtype", dtype},
                {"shape", std::move(shape)},
                {"shared_name", shared_name.empty() ? name : shared_name}});
}

Output ReadVariableOp(const Scope& scope, Output resource, DataType dtype) {
  return scope.AddNode("ReadVariableOp", {resource}, {{"dtype", dtype}});
}

Node* AssignVariableOp(const Scope& scope, Output resource, Output value, bool validate_shape) {
  return scope.AddNode("AssignVariableOp", {resource, value},
                       {{"validate_shape", validate_shape}});
}

Node* AssignAddVariableOp(const Scope& scope, Output resource, Output value) {
  return scope.AddNode("AssignAddVariableOp", {resource, value});
}

Output ResourceVariable::Read(const Scope& scope) const {
  // Named from the variable, as TensorFlow names `<variable>/Read/
  // ReadVariableOp`, not from the order reads happen to be built in, which
  // within one expression is up to the compiler.
  const Scope named =
      scope.op_name().empty() ? scope.WithNamePrefix(handle.node->name() + "/Read") : scope;
  return ReadVariableOp(named, handle, dtype);
}

Node* ResourceVariable::Assign(const Scope& scope, Output value) const {
  return AssignVariableOp(scope, handle, value);
}

Node* ResourceVariable::AssignAdd(const Scope& scope, Output value) const {
  return AssignAddVariableOp(scope, handle, value);
}

ResourceVariable Variable(const Scope& scope, DataType dtype, PartialShape shape) {
  return {VarHandleOp(scope, dtype, std::move(shape)), dtype};
}

}  // namespace ops
}  // namespace tensorgraph
