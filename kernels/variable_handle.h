// Variable handles and the host side of the variable kernels, shared by
// the CPU and CUDA backends (kernels/cpu/state_ops.cc, training_ops.cc and
// their kernels/cuda/ counterparts). A DT_RESOURCE tensor is a host scalar
// whose bytes hold a Variable*; the variable belongs to the session's
// ResourceManager, which outlives every tensor a run makes. Nothing here
// reads device memory: values are reached through the Variable and copied
// through the Device.
#pragma once

#include <cstring>

#include "runtime/kernel.h"
#include "runtime/resource.h"

namespace tensorgraph {

// The ResourceManager and Variable do not know which node called them;
// their errors are reported as this node's.
template <typename Fn>
decltype(auto) AsNodeError(const OpKernelContext& ctx, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    if (!e.node().empty()) throw;
    throw Error(e.code(), e.message(), ctx.node().name(), ctx.node().op());
  }
}

// The variable behind input `i`, which must hold `dtype`.
inline Variable& HandleVariable(const OpKernelContext& ctx, int i, DataType dtype) {
  Variable* variable = nullptr;
  std::memcpy(&variable, ctx.input(i).raw_data(), sizeof variable);
  if (variable->dtype() != dtype) {
    ctx.Fail("variable '", variable->name(), "' has dtype ", DataTypeName(variable->dtype()),
             " but this op's dtype is ", DataTypeName(dtype));
  }
  return *variable;
}

// Makes `value` (a variable's, on `device`) safe to write in place: a
// reader holding its buffer (a ReadVariableOp output still alive in this
// step) keeps the old contents.
inline Tensor& CopyOnWrite(Device& device, Tensor& value) {
  if (!value.RefCountIsOne()) value = device.Duplicate(value);
  return value;
}

// A kernel whose input 0 is a variable handle and whose attr dtype must be
// the variable's dtype.
class VariableOpKernel : public OpKernel {
 public:
  VariableOpKernel(const Node& node, Device& device)
      : OpKernel(node, device), dtype_(attr<DataType>("dtype")) {}

 protected:
  Variable& HandleVariable(const OpKernelContext& ctx) const {
    return tensorgraph::HandleVariable(ctx, 0, dtype_);
  }

  const DataType dtype_;
};

// AssignAddVariableOp and AssignSubVariableOp: value = value op delta under
// the variable's lock, once delta's shape is checked against the value's.
// A buffer that a live read shares is not written: the result goes to a
// new buffer from the variable's allocator, which the variable then holds
// (copy on write), so the reader keeps the old value.
class AssignUpdateVariableOpKernel : public VariableOpKernel {
 public:
  using VariableOpKernel::VariableOpKernel;

  void Compute(OpKernelContext& ctx) final;

 protected:
  // Writes value op delta, elementwise, to `result` (of value's shape; it
  // may be value itself).
  virtual void Combine(const OpKernelContext& ctx, const Tensor& value, const Tensor& delta,
                       Tensor& result) const = 0;
};

}  // namespace tensorgraph
