// CPU kernels for resource variables (handles, and the shell of the update
// kernels: kernels/variable_handle.h).
#include <cstring>
#include <functional>

#include "kernels/cpu/elementwise.h"
#include "kernels/variable_handle.h"

namespace tensorgraph {
namespace {

class VarHandleOp : public OpKernel {
 public:
  VarHandleOp(const Node& node, Device& device)
      : OpKernel(node, device),
        // Like TensorFlow, an empty shared_name names the variable after the
        // node. The container attr is not used: each session is one container.
        name_(attr<std::string>("shared_name").empty() ? node.name()
                                                       : attr<std::string>("shared_name")),
        dtype_(attr<DataType>("dtype")),
        shape_(attr<PartialShape>("shape")) {}

  void Compute(OpKernelContext& ctx) override {
    Variable* variable = ctx.resources().LookupOrCreateVariable(name_, dtype_, shape_,
                                                                ctx.node().name(), &device());
    Tensor handle(DT_RESOURCE, Shape{}, CpuAllocator());
    std::memcpy(handle.raw_data(), &variable, sizeof variable);
    ctx.SetOutput(0, std::move(handle));
  }

 private:
  const std::string name_;
  const DataType dtype_;
  const PartialShape shape_;
};
TG_REGISTER_KERNEL_DEF(KernelDef("VarHandleOp", kDeviceCpu).OnEveryDevice().PlanTimeConstant(), VarHandleOp);

class ReadVariableOp : public VariableOpKernel {
 public:
  using VariableOpKernel::VariableOpKernel;

  void Compute(OpKernelContext& ctx) override {
    const Variable& variable = HandleVariable(ctx);
    std::optional<Tensor> value = variable.Read();
    if (!value) {
      throw Error(ErrorCode::kFailedPrecondition,
                  StrCat("variable '", variable.name(),
                         "' is uninitialized: run its initializer first"),
                  ctx.node().name(), ctx.node().op());
    }
    // The read shares the variable's buffer; an update made while this
    // tensor is alive copies instead of writing in place.
    ctx.SetOutput(0, *std::move(value));
  }
};
TG_REGISTER_KERNEL_DEF(KernelDef("ReadVariableOp", kDeviceCpu).OnEveryDevice().OutputIsView().ShapeFromKernel(), ReadVariableOp);

// As TensorFlow: a value must always fit the handle's declared shape;
// validate_shape further requires an initialized variable to keep its shape.
// The variable adopts the value's buffer when nothing else holds it, and
// copies it otherwise (a constant, a caller's feed), so later in-place
// updates never write into memory another owner sees.
class AssignVariableOp : public VariableOpKernel {
 public:
  AssignVariableOp(const Node& node, Device& device)
      : VariableOpKernel(node, device), validate_shape_(attr<bool>("validate_shape")) {}

  void Compute(OpKernelContext& ctx) override {
    Variable& variable = HandleVariable(ctx);
    const Tensor& value = ctx.input(1);
    if (!variable.declared_shape().IsCompatibleWith(value.shape())) {
      ctx.Fail("cannot assign a value of shape ", value.shape().ToString(), " to variable '",
               variable.name(), "' declared with shape ", variable.declared_shape().ToString());
    }
    // A variable never becomes uninitialized again, so once initialized()
    // holds, Update checks and replaces the value under one lock. A value of
    // the variable's shape is copied into its buffer when nobody else holds
    // that, so the variable stays where it is (a recorded step's device
    // work keeps addressing it); else the variable takes a buffer of its own.
    if (variable.initialized()) {
      bool assigned = false;
      variable.Update([&](Tensor& current) {
        if (validate_shape_ && current.shape() != value.shape()) {
          ctx.Fail("validate_shape: cannot assign a value of shape ", value.shape().ToString(),
                   " to variable '", variable.name(), "' of shape ", current.shape().ToString());
        }
        if (current.shape() == value.shape() && current.RefCountIsOne() &&
            DeviceOf(current) == &ctx.device()) {
          if (current.buffer_id() != value.buffer_id()) ctx.device().CopyWithin(value, current);
          assigned = true;
        }
      });
      if (assigned) return;
    }
    const Tensor owned = value.RefCountIsOne() ? value : ctx.device().Duplicate(value);
    if (validate_shape_ && variable.initialized()) {
      variable.Update([&](Tensor& current) { current = owned; });
    } else {
      variable.Assign(owned);
    }
  }

 private:
  const bool validate_shape_;
};
TG_REGISTER_KERNEL_DEF(KernelDef("AssignVariableOp", kDeviceCpu).OnEveryDevice(), AssignVariableOp);

// AssignAddVariableOp and AssignSubVariableOp: Op is std::plus or std::minus.
template <typename T, typename Op>
class AssignUpdateVariableOp final : public AssignUpdateVariableOpKernel {
 public:
  using AssignUpdateVariableOpKernel::AssignUpdateVariableOpKernel;

 private:
  void Combine(const OpKernelContext& ctx, const Tensor& value, const Tensor& delta,
               Tensor& result) const override {
    cpu::BinaryMap<T, T>(value, delta, result, [](T a, T b) { return static_cast<T>(Op()(a, b)); });
  }
};
template <typename T>
using AssignAddVariableOp = AssignUpdateVariableOp<T, std::plus<T>>;
template <typename T>
using AssignSubVariableOp = AssignUpdateVariableOp<T, std::minus<T>>;
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceCpu, DT_FLOAT, AssignAddVariableOp<float>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceCpu, DT_DOUBLE, AssignAddVariableOp<double>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceCpu, DT_INT32, AssignAddVariableOp<int32_t>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceCpu, DT_UINT8, AssignAddVariableOp<uint8_t>);
TG_REGISTER_KERNEL("AssignAddVariableOp", kDeviceCpu, DT_INT64, AssignAddVariableOp<int64_t>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceCpu, DT_FLOAT, AssignSubVariableOp<float>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceCpu, DT_DOUBLE, AssignSubVariableOp<double>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceCpu, DT_INT32, AssignSubVariableOp<int32_t>);
TG_REGISTER_KERNEL("AssignSubVariableOp", kDeviceCpu, DT_INT64, AssignSubVariableOp<int64_t>);

}  // namespace
}  // namespace tensorgraph
