// Shared by the kernels that take a variable handle (state_ops.cc,
// training_ops.cc). A DT_RESOURCE tensor is a host scalar whose bytes hold
// a Variable*; the variable belongs to the session's ResourceManager, which
// outlives every tensor a run makes.
#pragma once

#include <cstring>

#include "runtime/kernel.h"
#include "runtime/resource.h"

namespace tensorgraph::cpu {

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

}  // namespace tensorgraph::cpu
