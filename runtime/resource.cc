#include "runtime/resource.h"

#include "runtime/device.h"

namespace tensorgraph {

std::optional<Tensor> Variable::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_;
}

bool Variable::initialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_.has_value();
}

const void* Variable::buffer_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_ ? value_->buffer_id() : nullptr;
}

bool Variable::HoldsAlone(const void* buffer) const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_ && value_->buffer_id() == buffer && value_->RefCountIsOne();
}

void Variable::Assign(Tensor value) {
  if (value.valid() && value.num_elements() > 0 && DeviceOf(value) != device_) {
    ThrowError(ErrorCode::kInternal, "variable '", name_, "' lives on ", device_->name(),
               " but was assigned a value in ", value.allocator()->name(), " memory");
  }
  std::lock_guard<std::mutex> lock(mu_);
  value_ = std::move(value);
}

Variable* ResourceManager::LookupOrCreateVariable(const std::string& name, DataType dtype,
                                                  const PartialShape& shape,
                                                  const std::string& node, Device* device) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = variables_.find(name);
  if (it == variables_.end()) {
    it = variables_.emplace(name, std::make_unique<Variable>(name, dtype, shape, node, device)).first;
    return it->second.get();
  }
  const Variable& existing = *it->second;
  if (existing.dtype() != dtype || existing.declared_shape() != shape) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("variable '", name, "' is declared as ", DataTypeName(dtype),
                       shape.ToString(), " here but as ", DataTypeName(existing.dtype()),
                       existing.declared_shape().ToString(), " by '", existing.declared_by(),
                       "'; handles sharing a variable must agree on its dtype and shape"),
                node, "VarHandleOp");
  }
  if (existing.device() != device) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("variable '", name, "' lives on ", existing.device()->name(),
                       " (made by '", existing.declared_by(), "'), but this handle runs on ",
                       device->name(), "; handles sharing a variable must be on its device"),
                node, "VarHandleOp");
  }
  return it->second.get();
}

Variable* ResourceManager::FindVariable(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = variables_.find(name);
  return it == variables_.end() ? nullptr : it->second.get();
}

std::map<std::string, Variable*> ResourceManager::Variables() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Variable*> out;
  for (const auto& [name, v] : variables_) out[name] = v.get();
  return out;
}

}  // namespace tensorgraph
