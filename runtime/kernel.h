// The kernel interface and registry. A kernel is made once per node when a
// Session compiles a plan (decode attrs in the constructor, not in Compute)
// and may then run from several threads at once: Compute must not change
// the kernel's members without a lock.
//
// Kernels register beside their code, keyed by (op, device type, dtype),
// where the dtype is the value of the op's kernel_type_attr:
//
//   TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_FLOAT, MatMulOp<float>);
//   TG_REGISTER_KERNEL("NoOp", kDeviceCpu, DT_INVALID, NoOpKernel);  // any dtype
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"
#include "runtime/device.h"
#include "runtime/resource.h"

namespace tensorgraph {

class OpKernelContext;

class OpKernel {
 public:
  OpKernel(const Node& node, Device& device) : node_(node), device_(device) {}
  virtual ~OpKernel() = default;
  OpKernel(const OpKernel&) = delete;
  OpKernel& operator=(const OpKernel&) = delete;

  virtual void Compute(OpKernelContext& ctx) = 0;

  const Node& node() const { return node_; }
  Device& device() const { return device_; }

 protected:
  template <typename T>
  const T& attr(std::string_view name) const { return node_.attr<T>(name); }

  // Throws kInvalidArgument naming this node and op.
  template <typename... Args>
  [[noreturn]] void Fail(Args&&... args) const {
    throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...), node_.name(),
                node_.op());
  }

 private:
  const Node& node_;
  Device& device_;
};

// The bytes one Run's kernels may hold in outputs they allocated
// (SessionOptions::memory_limit_bytes). A new output is charged before it
// is allocated; it is credited back when the Run drops its last reference.
// One per Run, used by the Run's thread only.
class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t limit) : limit_(limit) {}
  // Throws kResourceExhausted (saying what output `i` needed) when `bytes`
  // more would go over the limit.
  void Charge(int64_t bytes, int output, DataType dtype, const Shape& shape);
  // Records the buffer just allocated for a charge of `bytes`.
  void Track(const Tensor& tensor, int64_t bytes);
  // Called as the Run drops a reference: when it is the last one and the
  // buffer was charged, its bytes are free again.
  void Drop(const Tensor& tensor);

 private:
  int64_t limit_;
  int64_t in_use_ = 0;
  std::unordered_map<const void*, int64_t> charged_;
};

// What one Compute call sees: its inputs, where to put outputs, the device
// and the session's resources.
class OpKernelContext {
 public:
  OpKernelContext(const OpKernel& kernel, std::vector<const Tensor*> inputs,
                  std::vector<Tensor>* outputs, ResourceManager& resources,
                  MemoryBudget* budget = nullptr)
      : kernel_(kernel),
        inputs_(std::move(inputs)),
        outputs_(outputs),
        resources_(resources),
        budget_(budget) {}

  const Node& node() const { return kernel_.node(); }
  Device& device() const { return kernel_.device(); }
  ResourceManager& resources() const { return resources_; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  // The step holds one reference to each input, so RefCountIsOne() means
  // no one else can see the buffer and the kernel may write into it.
  const Tensor& input(int i) const { return *inputs_.at(i); }
  int num_outputs() const { return static_cast<int>(outputs_->size()); }

  // A new tensor of the node's output dtype in the device's memory,
  // charged to the Run's memory budget when it has one.
  Tensor& AllocateOutput(int i, const Shape& shape);
  // Output i in the buffer of the first of `inputs` that nobody else holds
  // and that matches the output's dtype and `shape`; else a new tensor.
  // Only for kernels whose element i of the output depends on element i of
  // that input alone (elementwise ops), which may then compute in place.
  Tensor& ForwardInputOrAllocateOutput(std::initializer_list<int> inputs, int i,
                                       const Shape& shape);
  // Sets an output to an existing tensor (e.g. an input passed through);
  // its dtype must be the node's output dtype.
  void SetOutput(int i, Tensor tensor);
  Tensor& output(int i) { return outputs_->at(i); }

  // Runs the node's shape function on this call's inputs (their shapes, and
  // the values of host inputs), so a kernel applies the same checks, with
  // the same messages, as graph building did when the values were known.
  // Throws, naming the node, on inputs the shape function rejects.
  InferenceContext InferShapes() const;

  template <typename... Args>
  [[noreturn]] void Fail(Args&&... args) const {
    throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...), node().name(),
                node().op());
  }

 private:
  const OpKernel& kernel_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor>* outputs_;
  ResourceManager& resources_;
  MemoryBudget* budget_;
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>(const Node&, Device&)>;

class KernelRegistry {
 public:
  static KernelRegistry& Global();

  // dtype DT_INVALID registers a kernel for every dtype of the op.
  void Register(std::string op, std::string_view device_type, DataType dtype,
                KernelFactory factory);
  // Whether a kernel exists for this node on this device type.
  bool Has(const Node& node, std::string_view device_type) const;
  bool Has(std::string_view op, std::string_view device_type, DataType dtype) const;
  // Throws kUnimplemented naming the node, op, device and dtype when none.
  std::unique_ptr<OpKernel> Create(const Node& node, Device& device) const;

 private:
  const KernelFactory* Find(std::string_view op, std::string_view device_type,
                            DataType dtype) const;
  std::map<std::tuple<std::string, std::string, DataType>, KernelFactory, std::less<>> kernels_;
};

// The dtype that selects a node's kernel (DT_INVALID when its op has no
// kernel_type_attr).
DataType KernelDataType(const Node& node);

struct KernelRegistration {
  KernelRegistration(std::string op, std::string_view device_type, DataType dtype,
                     KernelFactory factory) {
    KernelRegistry::Global().Register(std::move(op), device_type, dtype, std::move(factory));
  }
};

#define TG_REGISTER_KERNEL(op, device_type, dtype, ...)                                     \
  [[maybe_unused]] static ::tensorgraph::KernelRegistration TG_CONCAT(tg_kernel_reg_,       \
                                                                      __COUNTER__)(         \
      op, device_type, dtype, [](const ::tensorgraph::Node& node, ::tensorgraph::Device& d) \
          -> std::unique_ptr<::tensorgraph::OpKernel> {                                     \
        return std::make_unique<__VA_ARGS__>(node, d);                                      \
      })

}  // namespace tensorgraph
