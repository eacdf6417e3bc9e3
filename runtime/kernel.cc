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
  charged_[tensor.buffer_id()] += bytes;
}

void MemoryBudget::Drop(const Tensor& tensor) {
  if (!tensor.valid() || !tensor.RefCountIsOne()) return;
  auto it = charged_.find(tensor.buffer_id());
  if (it == charged_.end()) return;
  in_use_ -= it->second;
  charged_.erase(it);
}

KernelDef::KernelDef(std::string op, std::string_view device_type, DataType dtype)
    : op_(std::move(op)), device_type_(device_type), dtype_(dtype) {}

KernelDef& KernelDef::HostMemory(std::string arg) {
  host_memory_.push_back(std::move(arg));
  return *this;
}

KernelDef& KernelDef::ShapeOnly(std::string arg) {
  shape_only_.push_back(std::move(arg));
  return *this;
}

KernelDef& KernelDef::OutputIsView() {
  output_is_view_ = true;
  return *this;
}

KernelDef& KernelDef::PlanTimeConstant() {
  plan_time_constant_ = true;
  return *this;
}

KernelDef& KernelDef::ShapeFromKernel() {
  shape_from_kernel_ = true;
  return *this;
}

KernelDef& KernelDef::OnEveryDevice() {
  on_every_device_ = true;
  return *this;
}

KernelDef& KernelDef::NotCapturable(std::string reason) {
  not_capturable_ = std::move(reason);
  return *this;
}

const Shape& OpKernelContext::output_shape(int i) const {
  if (static_cast<size_t>(i) >= output_shapes_.size()) {
    throw Error(ErrorCode::kInternal,
                StrCat("output ", i, "'s shape is not known before the kernel runs; a kernel ",
                       "registered ShapeFromKernel() must set it with SetOutput"),
                node().name(), node().op());
  }
  return output_shapes_[static_cast<size_t>(i)];
}

Allocator* OpKernelContext::OutputAllocator(int i) const {
  return kernel_.output_memory(i) == MemoryType::kHost ? CpuDevice()->allocator()
                                                       : device().allocator();
}

Tensor& OpKernelContext::AllocateOutput(int i) {
  Tensor& out = outputs_->at(static_cast<size_t>(i));
  const DataType dtype = node().output_type(i);
  const Shape& shape = output_shape(i);
  if (tape_ != nullptr) {
    out = tape_->Allocate(dtype, shape, OutputAllocator(i));
    return out;
  }
  if (budget_ == nullptr) {
    out = Tensor(dtype, shape, OutputAllocator(i));
    return out;
  }
  // An unrepresentable size is refused by the Tensor constructor below.
  const int64_t bytes = ByteSize(shape.num_elements(), DataTypeSize(dtype)).value_or(0);
  budget_->Charge(bytes, i, dtype, shape);
  out = Tensor(dtype, shape, OutputAllocator(i));
  budget_->Track(out, bytes);
  return out;
}

Tensor& OpKernelContext::ForwardInputOrAllocateOutput(std::initializer_list<int> inputs, int i) {
  for (int k : inputs) {
    const Tensor& in = input(k);
    if (in.RefCountIsOne() && in.dtype() == node().output_type(i) &&
        in.shape() == output_shape(i) && in.allocator() == OutputAllocator(i)) {
      Tensor& out = outputs_->at(static_cast<size_t>(i));
      out = in;
      return out;
    }
  }
  return AllocateOutput(i);
}

void OpKernelContext::SetOutput(int i, Tensor tensor) {
  const bool shape_known = static_cast<size_t>(i) < output_shapes_.size();
  if (tensor.dtype() != node().output_type(i) ||
      (shape_known && tensor.shape() != output_shapes_[static_cast<size_t>(i)])) {
    throw Error(ErrorCode::kInternal,
                StrCat("output ", i, " set to ", DataTypeName(tensor.dtype()),
                       tensor.shape().ToString(), "; the output is ",
                       DataTypeName(node().output_type(i)),
                       shape_known ? output_shapes_[static_cast<size_t>(i)].ToString()
                                   : std::string("[?]")),
                node().name(), node().op());
  }
  outputs_->at(static_cast<size_t>(i)) = std::move(tensor);
}

std::vector<int64_t> OpKernelContext::HostInputAsInts(int i) const {
  const Tensor& t = input(i);
  if (kernel_.input_memory(i) != MemoryType::kHost || !t.on_host()) {
    throw Error(ErrorCode::kInternal,
                StrCat("the kernel reads input ", i, " ('",
                       i < static_cast<int>(node().op_def().inputs.size())
                           ? node().op_def().inputs[static_cast<size_t>(i)].name
                           : std::string("?"),
                       "') on the host, but its registration does not declare it HostMemory"),
                node().name(), node().op());
  }
  std::vector<int64_t> out(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DT_INT32) {
    const int32_t* p = t.data<int32_t>();
    for (size_t k = 0; k < out.size(); ++k) out[k] = p[k];
  } else {
    const int64_t* p = t.data<int64_t>();
    for (size_t k = 0; k < out.size(); ++k) out[k] = p[k];
  }
  return out;
}

Tensor OpKernelContext::AllocateTemp(DataType dtype, const Shape& shape) const {
  if (tape_ != nullptr) return tape_->Allocate(dtype, shape, device().allocator());
  return Tensor(dtype, shape, device().allocator());
}

KernelRegistry& KernelRegistry::Global() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::Register(KernelDef def, KernelFactory factory) {
  auto key = std::make_tuple(def.op(), def.device_type(), def.dtype());
  if (kernels_.count(key)) {
    ThrowError(ErrorCode::kInternal, "kernel for ", def.op(), " on ", def.device_type(),
               " with dtype ", DataTypeName(def.dtype()), " registered twice");
  }
  kernels_.emplace(std::move(key), Entry{std::move(def), std::move(factory)});
}

const KernelRegistry::Entry* KernelRegistry::Find(std::string_view op,
                                                  std::string_view device_type,
                                                  DataType dtype) const {
  for (DataType d : {dtype, DT_INVALID}) {
    auto it = kernels_.find(std::make_tuple(std::string(op), std::string(device_type), d));
    if (it != kernels_.end()) return &it->second;
  }
  if (device_type != kDeviceCpu) {
    for (DataType d : {dtype, DT_INVALID}) {
      auto it = kernels_.find(std::make_tuple(std::string(op), std::string(kDeviceCpu), d));
      if (it != kernels_.end() && it->second.def.on_every_device()) return &it->second;
    }
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

const KernelDef* KernelRegistry::FindDef(const Node& node, std::string_view device_type) const {
  const Entry* e = Find(node.op(), device_type, KernelDataType(node));
  return e ? &e->def : nullptr;
}

void KernelRegistry::ForEach(
    const std::function<void(const KernelDef&, const KernelFactory&)>& fn) const {
  for (const auto& [key, entry] : kernels_) fn(entry.def, entry.factory);
}

namespace {

// The node's tensor indices of each argument of its op, in signature order:
// one for a plain argument, N for "N * T".
std::vector<std::pair<const ArgDef*, std::pair<int, int>>> ArgRanges(
    const Node& node, const std::vector<ArgDef>& args) {
  std::vector<std::pair<const ArgDef*, std::pair<int, int>>> ranges;
  int next = 0;
  for (const ArgDef& arg : args) {
    const int n = arg.number_attr.empty() ? 1 : static_cast<int>(node.attr<int64_t>(arg.number_attr));
    ranges.push_back({&arg, {next, next + n}});
    next += n;
  }
  return ranges;
}

// Marks the tensors of each named argument; throws when a name is not an
// argument of the op (a typo in a registration).
void MarkArgs(const Node& node, const KernelDef& def, const std::vector<std::string>& names,
              bool inputs_only, std::vector<char>& inputs, std::vector<char>& outputs) {
  for (const std::string& name : names) {
    bool found = false;
    for (int side = 0; side < (inputs_only ? 1 : 2); ++side) {
      const auto& args = side == 0 ? node.op_def().inputs : node.op_def().outputs;
      std::vector<char>& marks = side == 0 ? inputs : outputs;
      for (const auto& [arg, range] : ArgRanges(node, args)) {
        if (arg->name != name) continue;
        found = true;
        for (int k = range.first; k < range.second; ++k) marks[static_cast<size_t>(k)] = 1;
      }
    }
    if (!found) {
      throw Error(ErrorCode::kInternal,
                  StrCat("the ", def.device_type(), " kernel's registration names argument '",
                         name, "', which ", def.op(), " does not have",
                         inputs_only ? " as an input" : ""),
                  node.name(), node.op());
    }
  }
}

}  // namespace

std::unique_ptr<OpKernel> KernelRegistry::Create(const Node& node, Device& device) const {
  const DataType dtype = KernelDataType(node);
  const Entry* entry = Find(node.op(), device.type(), dtype);
  if (entry == nullptr) {
    throw Error(ErrorCode::kUnimplemented,
                StrCat("no ", device.type(), " kernel for ", node.op(),
                       dtype == DT_INVALID ? std::string()
                                           : StrCat(" with ", node.op_def().kernel_type_attr, "=",
                                                    DataTypeName(dtype))),
                node.name(), node.op());
  }
  std::unique_ptr<OpKernel> kernel = entry->factory(node, device);
  const KernelDef& def = entry->def;
  std::vector<char> host_in(static_cast<size_t>(node.num_inputs()), 0);
  std::vector<char> host_out(static_cast<size_t>(node.num_outputs()), 0);
  std::vector<char> shape_only(static_cast<size_t>(node.num_inputs()), 0);
  std::vector<char> unused(static_cast<size_t>(node.num_outputs()), 0);
  MarkArgs(node, def, def.host_memory_args(), false, host_in, host_out);
  MarkArgs(node, def, def.shape_only_args(), true, shape_only, unused);
  const auto memory = [](bool host) { return host ? MemoryType::kHost : MemoryType::kDevice; };
  // Resource handles are host scalars wherever their variable lives.
  for (int i = 0; i < node.num_inputs(); ++i) {
    kernel->input_memory_.push_back(
        memory(host_in[static_cast<size_t>(i)] || node.input(i).dtype() == DT_RESOURCE));
  }
  for (int i = 0; i < node.num_outputs(); ++i) {
    kernel->output_memory_.push_back(
        memory(host_out[static_cast<size_t>(i)] || node.output_type(i) == DT_RESOURCE));
  }
  kernel->shape_only_ = std::move(shape_only);
  kernel->def_ = &def;
  return kernel;
}

}  // namespace tensorgraph
