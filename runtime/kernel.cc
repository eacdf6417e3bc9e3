#include "runtime/kernel.h"

namespace tensorgraph {

void MemoryBudget::Charge(int64_t bytes, int output, DataType dtype, const Shape& shape) {
  if (bytes <= limit_ - in_use_) {
    in_use_ += bytes;
    return;
  }
  ThrowError(ErrorCode::kResourceExhausted, "output ", output, " (", DataTypeName(dtype),
             shape.ToString(), ", ", bytes, " bytes) would take this Run's tensors to more than ",
             "the session's memory limit of ", limit_, " bytes (", in_use_,
             " already in use; SessionOptions::memory_limit_bytes)");
}

void MemoryBudget::Track(const Tensor& tensor, int64_t bytes) {
  charged_[tensor.raw_data()] += bytes;
}

void MemoryBudget::Drop(const Tensor& tensor) {
  if (!tensor.valid() || !tensor.RefCountIsOne()) return;
  auto it = charged_.find(tensor.raw_data());
  if (it == charged_.end()) return;
  in_use_ -= it->second;
  charged_.erase(it);
}

Tensor& OpKernelContext::AllocateOutput(int i, const Shape& shape) {
  Tensor& out = outputs_->at(static_cast<size_t>(i));
  const DataType dtype = node().output_type(i);
  if (budget_ == nullptr) {
    out = Tensor(dtype, shape, device().allocator());
    return out;
  }
  // An unrepresentable size is refused by the Tensor constructor below.
  const int64_t bytes = ByteSize(shape.num_elements(), DataTypeSize(dtype)).value_or(0);
  budget_->Charge(bytes, i, dtype, shape);
  out = Tensor(dtype, shape, device().allocator());
  budget_->Track(out, bytes);
  return out;
}

Tensor& OpKernelContext::ForwardInputOrAllocateOutput(std::initializer_list<int> inputs, int i,
                                                      const Shape& shape) {
  for (int k : inputs) {
    const Tensor& in = input(k);
    if (in.RefCountIsOne() && in.dtype() == node().output_type(i) && in.shape() == shape &&
        in.allocator() == device().allocator()) {
      Tensor& out = outputs_->at(static_cast<size_t>(i));
      out = in;
      return out;
    }
  }
  return AllocateOutput(i, shape);
}

void OpKernelContext::SetOutput(int i, Tensor tensor) {
  if (tensor.dtype() != node().output_type(i)) {
    throw Error(ErrorCode::kInternal,
                StrCat("output ", i, " set to a ", DataTypeName(tensor.dtype()),
                       " tensor; the node's output is ", DataTypeName(node().output_type(i))),
                node().name(), node().op());
  }
  outputs_->at(static_cast<size_t>(i)) = std::move(tensor);
}

InferenceContext OpKernelContext::InferShapes() const {
  const Node& n = node();
  std::vector<InferenceContext::Input> inputs;
  inputs.reserve(inputs_.size());
  for (const Tensor* t : inputs_) {
    inputs.push_back({t->dtype(), t->shape(), t->on_host() ? t : nullptr});
  }
  InferenceContext c(n.op_def(), n.name(), n.attrs(), std::move(inputs), n.num_outputs());
  n.op_def().shape_fn(c);
  return c;
}

KernelRegistry& KernelRegistry::Global() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::Register(std::string op, std::string_view device_type, DataType dtype,
                              KernelFactory factory) {
  auto key = std::make_tuple(std::move(op), std::string(device_type), dtype);
  if (kernels_.count(key)) {
    ThrowError(ErrorCode::kInternal, "kernel for ", std::get<0>(key), " on ", device_type,
               " with dtype ", DataTypeName(dtype), " registered twice");
  }
  kernels_.emplace(std::move(key), std::move(factory));
}

const KernelFactory* KernelRegistry::Find(std::string_view op, std::string_view device_type,
                                          DataType dtype) const {
  for (DataType d : {dtype, DT_INVALID}) {
    auto it = kernels_.find(std::make_tuple(std::string(op), std::string(device_type), d));
    if (it != kernels_.end()) return &it->second;
  }
  return nullptr;
}

DataType KernelDataType(const Node& node) {
  const std::string& attr = node.op_def().kernel_type_attr;
  return attr.empty() ? DT_INVALID : node.attr<DataType>(attr);
}

bool KernelRegistry::Has(const Node& node, std::string_view device_type) const {
  return Find(node.op(), device_type, KernelDataType(node)) != nullptr;
}

bool KernelRegistry::Has(std::string_view op, std::string_view device_type, DataType dtype) const {
  return Find(op, device_type, dtype) != nullptr;
}

std::unique_ptr<OpKernel> KernelRegistry::Create(const Node& node, Device& device) const {
  const DataType dtype = KernelDataType(node);
  const KernelFactory* factory = Find(node.op(), device.type(), dtype);
  if (factory == nullptr) {
    throw Error(ErrorCode::kUnimplemented,
                StrCat("no ", device.type(), " kernel for ", node.op(),
                       dtype == DT_INVALID ? std::string()
                                           : StrCat(" with ", node.op_def().kernel_type_attr, "=",
                                                    DataTypeName(dtype))),
                node.name(), node.op());
  }
  return (*factory)(node, device);
}

}  // namespace tensorgraph
