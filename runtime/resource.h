// Session state: resource variables, looked up by their shared name. A
// variable lives on one device from creation to destruction (where its
// VarHandleOp runs); its value is always in that device's memory. Reads
// share the buffer and writes replace or update it under the variable's
// lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "graph/tensor.h"

namespace tensorgraph {

class Device;

class Variable {
 public:
  Variable(std::string name, DataType dtype, PartialShape shape, std::string declared_by,
           Device* device)
      : name_(std::move(name)),
        dtype_(dtype),
        shape_(std::move(shape)),
        declared_by_(std::move(declared_by)),
        device_(device) {}

  const std::string& name() const { return name_; }
  DataType dtype() const { return dtype_; }
  // The shape declared by the VarHandleOp (may be partial).
  const PartialShape& declared_shape() const { return shape_; }
  // The VarHandleOp that made the variable.
  const std::string& declared_by() const { return declared_by_; }
  // The device whose memory holds the value.
  Device* device() const { return device_; }

  // The current value; nullopt until the first assignment.
  std::optional<Tensor> Read() const;
  bool initialized() const;
  // Identifies the value's buffer (null when uninitialized).
  const void* buffer_id() const;
  // Whether the value is in `buffer` and nothing but the variable holds it
  // (no read of it is alive).
  bool HoldsAlone(const void* buffer) const;
  // `value` must be in the memory of the variable's device (kInternal
  // otherwise: the plan copies a value there before assigning it).
  void Assign(Tensor value);
  // Runs fn on the value with the lock held; fn may write it in place when
  // the buffer is not shared (Tensor::RefCountIsOne()), else it must
  // replace it. Throws kFailedPrecondition when uninitialized.
  template <typename Fn>
  void Update(Fn&& fn);

 private:
  std::string name_;
  DataType dtype_;
  PartialShape shape_;
  std::string declared_by_;
  Device* device_;
  mutable std::mutex mu_;
  std::optional<Tensor> value_;
};

class ResourceManager {
 public:
  // The variable named `name`, created on `device` on first use by the
  // VarHandleOp `node`. Every handle to one variable must declare its dtype
  // and shape and be on its device: throws kInvalidArgument, naming `node`
  // and the variable's first declarer, when one is not.
  Variable* LookupOrCreateVariable(const std::string& name, DataType dtype,
                                   const PartialShape& shape, const std::string& node,
                                   Device* device);
  Variable* FindVariable(const std::string& name) const;
  // Every variable, by name.
  std::map<std::string, Variable*> Variables() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Variable>> variables_;
};

template <typename Fn>
void Variable::Update(Fn&& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_) {
    throw Error(ErrorCode::kFailedPrecondition,
                StrCat("variable '", name_, "' is uninitialized: run its initializer first"));
  }
  fn(*value_);
}

}  // namespace tensorgraph
