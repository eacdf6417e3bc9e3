// Op definitions: an op's signature, attrs with defaults and allowed values,
// shape function and doc line, registered from the op family's file under
// ops/ with TG_REGISTER_OP. The signature strings follow TensorFlow's op
// definition language:
//
//   TG_REGISTER_OP("MatMul")
//       .Input("a: T")
//       .Input("b: T")
//       .Output("product: T")
//       .Attr("transpose_a: bool = false")
//       .Attr("transpose_b: bool = false")
//       .Attr("T: {float, double, int32, int64}")
//       .SetShapeFn(MatMulShape)
//       .Doc("Matrix product of a and b, each optionally transposed.");
//
// An input or output is "name: T" (its dtype is attr T), "name: float" (a
// fixed dtype) or "name: N * T" (N tensors of dtype T). An attr is
// "name: TYPE [= DEFAULT]" with TYPE one of int, float, bool, string, type,
// shape, tensor, list(int), list(float), list(string), list(type),
// list(shape); "{float, double}" is a type restricted to those values,
// "{'SAME', 'VALID'}" a string restricted to those, and "int >= 2" an int
// with a minimum.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/attr.h"
#include "graph/error.h"

namespace tensorgraph {

struct ArgDef {
  std::string name;
  DataType fixed_type = DT_INVALID;  // set when the dtype is fixed
  std::string type_attr;             // else the attr naming the dtype
  std::string number_attr;           // set for "N * T": a list of N tensors
};

struct AttrDef {
  std::string name;
  AttrType type = AttrType::kInt;
  std::optional<AttrValue> default_value;
  std::vector<DataType> allowed_types;      // empty: any supported dtype
  std::vector<std::string> allowed_strings;  // empty: any string
  std::optional<int64_t> minimum;
};

// What a resource output refers to (a variable's dtype and shape), so that
// shape inference sees through a handle to the value it reads.
struct HandleData {
  DataType dtype = DT_INVALID;
  PartialShape shape;
};

class InferenceContext;
using ShapeFn = std::function<void(InferenceContext&)>;

// The gradient slot; GradientContext is defined by the gradient pass.
struct GradientContext;
using GradientFn = std::function<void(GradientContext&)>;

struct OpDef {
  std::string name;
  std::vector<ArgDef> inputs;
  std::vector<ArgDef> outputs;
  std::vector<AttrDef> attrs;
  ShapeFn shape_fn;
  std::string doc;
  // Stateful ops (variables, random numbers) are never merged or folded.
  bool stateful = false;
  // The attr whose dtype selects a kernel ("" when kernels take any dtype).
  std::string kernel_type_attr;
  GradientFn gradient;
  bool not_differentiable = false;

  const AttrDef* FindAttr(std::string_view attr_name) const;
};

class OpRegistry {
 public:
  static OpRegistry& Global();

  // Throws kInternal on a duplicate name or a malformed definition.
  void Register(OpDef def);
  // nullptr when unknown.
  const OpDef* Find(std::string_view name) const;
  // Throws kNotFound naming the op.
  const OpDef& Get(std::string_view name) const;
  // Every registered op, sorted by name.
  std::vector<const OpDef*> List() const;

 private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
};

class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string name);
  OpDefBuilder& Input(std::string_view spec);
  OpDefBuilder& Output(std::string_view spec);
  OpDefBuilder& Attr(std::string_view spec);
  OpDefBuilder& SetShapeFn(ShapeFn fn);
  OpDefBuilder& Doc(std::string doc);
  OpDefBuilder& SetIsStateful();
  OpDefBuilder& KernelTypeAttr(std::string attr_name);
  OpDefBuilder& SetGradient(GradientFn fn);
  OpDefBuilder& NotDifferentiable();

  OpDef Build() &&;

 private:
  OpDef def_;
  bool kernel_type_attr_set_ = false;
};

struct OpRegistration {
  OpRegistration(OpDefBuilder& builder);  // NOLINT: used by TG_REGISTER_OP
};

#define TG_CONCAT_INNER(a, b) a##b
#define TG_CONCAT(a, b) TG_CONCAT_INNER(a, b)
#define TG_REGISTER_OP(name)                                                      \
  [[maybe_unused]] static ::tensorgraph::OpRegistration TG_CONCAT(tg_op_reg_, \
                                                                  __COUNTER__) =  \
      ::tensorgraph::OpDefBuilder(name)

// What a shape function sees of a node being built: its attrs and its
// inputs' dtypes, shapes and (for constants) values. It sets each output's
// shape; output dtypes come from the signature.
class InferenceContext {
 public:
  struct Input {
    DataType dtype;
    PartialShape shape;
    const Tensor* value = nullptr;  // set when the input is a known constant
    const HandleData* handle = nullptr;  // set for a resource with known contents
  };

  InferenceContext(const OpDef& op, std::string_view node_name, const AttrMap& attrs,
                   std::vector<Input> inputs, int num_outputs);

  const OpDef& op_def() const { return op_; }
  std::string_view node_name() const { return node_name_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  DataType input_type(int i) const { return inputs_.at(i).dtype; }
  const PartialShape& input_shape(int i) const { return inputs_.at(i).shape; }
  // The input's value when known; asking for one that is not is recorded
  // (missing_values()), since the outputs may then be less checked than
  // they would be with it.
  const Tensor* input_value(int i) const {
    const Tensor* value = inputs_.at(i).value;
    if (value == nullptr) missing_values_ = true;
    return value;
  }
  // The input's value as int64s (from an int32 or int64 constant), if known.
  std::optional<std::vector<int64_t>> input_value_as_ints(int i) const;

  const HandleData* input_handle_data(int i) const { return inputs_.at(i).handle; }
  // Whether the shape function asked for an input value it did not have.
  bool missing_values() const { return missing_values_; }

  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  void set_output(int i, PartialShape shape) { outputs_.at(i) = std::move(shape); }
  const std::vector<PartialShape>& outputs() const { return outputs_; }
  void set_output_handle_data(int i, HandleData data) { handles_.at(i) = std::move(data); }
  const std::vector<std::optional<HandleData>>& output_handle_data() const { return handles_; }

  template <typename T>
  const T& attr(std::string_view attr_name) const;

  // Throws kInvalidArgument naming this node and op.
  template <typename... Args>
  [[noreturn]] void Fail(Args&&... args) const {
    throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...),
                std::string(node_name_), op_.name);
  }

 private:
  const OpDef& op_;
  std::string_view node_name_;
  const AttrMap& attrs_;
  std::vector<Input> inputs_;
  std::vector<PartialShape> outputs_;
  std::vector<std::optional<HandleData>> handles_;
  mutable bool missing_values_ = false;
};

template <typename T>
const T& InferenceContext::attr(std::string_view attr_name) const {
  auto it = attrs_.find(attr_name);
  if (it == attrs_.end() || !std::holds_alternative<T>(it->second)) {
    throw Error(ErrorCode::kInternal, StrCat("shape function reads missing attr '", attr_name, "'"),
                std::string(node_name_), op_.name);
  }
  return std::get<T>(it->second);
}

// Shape functions shared by many ops.
namespace shape_fns {
void Unchanged(InferenceContext& c);         // output 0 = input 0 (and its handle data)
void Scalar(InferenceContext& c);            // every output is a scalar
void BroadcastBinary(InferenceContext& c);   // numpy broadcast of inputs 0 and 1
void NoOutputs(InferenceContext& c);
}  // namespace shape_fns

}  // namespace tensorgraph
