// The kernel interface and registry, and the contract between kernels and
// the executor.
//
// A kernel is made once per node when a Session compiles a plan (decode
// attrs in the constructor, not in Compute) and may then run from several
// threads at once: Compute must not change the kernel's members without a
// lock.
//
// Kernels register beside their code, keyed by (op, device type, dtype),
// where the dtype is the value of the op's kernel_type_attr, with what the
// executor must know about their arguments:
//
//   TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_FLOAT, MatMulOp<float>);
//   TG_REGISTER_KERNEL("NoOp", kDeviceCpu, DT_INVALID, NoOpKernel);  // any dtype
//   TG_REGISTER_KERNEL_DEF(KernelDef("Reshape", kDeviceCpu).HostMemory("shape").OutputIsView(),
//                          ReshapeOp);
//
// The contract:
// - Memory. Every argument is in the memory of the kernel's device, except
//   those the registration declares HostMemory (and resource handles, which
//   are host scalars everywhere): the executor delivers those inputs in host
//   memory and expects those outputs there. A kernel reads on the host only
//   its host-memory inputs (a Reshape's shape, a reduction's axes); device
//   memory is read by the device's own code alone.
// - Shapes. The executor computes every output's shape before Compute, at
//   plan time when the feed shapes and the host values it depends on are
//   known, else just before the call from the inputs' shapes and the values
//   of the host-memory inputs; the op's shape function has then checked the
//   inputs. A kernel allocates output i with AllocateOutput(i) and never
//   runs a shape function.
// - Device. The context carries the device's DeviceContext (its stream and
//   library handles) and hands out scratch memory (AllocateTemp). Work a
//   kernel queues on the stream may still be running when Compute returns.
// - Buffers. An input the executor hands over (RefCountIsOne()) may be
//   written in place; a kernel whose output is always a view of an input
//   declares OutputIsView() so that memory planning does not count it.
#pragma once

#include <cstdint>
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

// Where an argument's tensor is while a kernel runs.
enum class MemoryType : uint8_t { kDevice, kHost };

// A kernel registration: the key and the facts about its arguments that the
// plan compiler uses. Argument names are the op signature's.
class KernelDef {
 public:
  // dtype DT_INVALID: a kernel for every dtype of the op.
  KernelDef(std::string op, std::string_view device_type, DataType dtype = DT_INVALID);

  // The named input or output is in host memory, wherever the kernel runs
  // (TensorFlow's HostMemory): the kernel reads or writes it on the host.
  KernelDef& HostMemory(std::string arg);
  // The kernel reads only the dtype and shape of the named input, never its
  // contents (Shape, Size): it is not copied to the kernel's device, and the
  // plan can compute the kernel's outputs from shapes alone.
  KernelDef& ShapeOnly(std::string arg);
  // Every output shares the buffer of an input (Identity, Reshape,
  // ReadVariableOp): it takes no new memory.
  KernelDef& OutputIsView();
  // The outputs are the same on every run and making them has no effect
  // after the first (Const, VarHandleOp): the plan makes them once, when it
  // is compiled, and the step does not run again.
  KernelDef& PlanTimeConstant();
  // When the shape function cannot tell an output's shape from the inputs'
  // shapes and host values (a variable's value, under a handle that
  // declares a partial shape), the kernel sets it with SetOutput and the
  // executor takes its shape from there.
  KernelDef& ShapeFromKernel();
  // The same kernel class serves every device type (TensorFlow's
  // DEVICE_DEFAULT): it reads no device memory and queues no device work of
  // its own, only passes buffers through (Identity, Reshape), computes on
  // host-memory arguments (Shape, BroadcastGradientArgs) or goes through
  // the Device interface (Const uploads with CopyFromHost). Registered once,
  // under kDeviceCpu; a device type with no registration of its own for the
  // key uses it.
  KernelDef& OnEveryDevice();
  // A step running this kernel cannot be recorded for replay (a CUDA
  // graph): `reason` says why (it waits for the device mid-step, or keeps
  // state on the host that replaying its device work would not advance).
  KernelDef& NotCapturable(std::string reason);

  const std::string& op() const { return op_; }
  const std::string& device_type() const { return device_type_; }
  DataType dtype() const { return dtype_; }
  const std::vector<std::string>& host_memory_args() const { return host_memory_; }
  const std::vector<std::string>& shape_only_args() const { return shape_only_; }
  bool output_is_view() const { return output_is_view_; }
  bool plan_time_constant() const { return plan_time_constant_; }
  bool shape_from_kernel() const { return shape_from_kernel_; }
  bool on_every_device() const { return on_every_device_; }
  // Empty when the kernel can be captured.
  const std::string& not_capturable() const { return not_capturable_; }

 private:
  std::string op_;
  std::string device_type_;
  DataType dtype_;
  std::vector<std::string> host_memory_;
  std::vector<std::string> shape_only_;
  bool output_is_view_ = false;
  bool plan_time_constant_ = false;
  bool shape_from_kernel_ = false;
  bool on_every_device_ = false;
  std::string not_capturable_;
};

class OpKernel {
 public:
  OpKernel(const Node& node, Device& device) : node_(node), device_(device) {}
  virtual ~OpKernel() = default;
  OpKernel(const OpKernel&) = delete;
  OpKernel& operator=(const OpKernel&) = delete;

  virtual void Compute(OpKernelContext& ctx) = 0;

  const Node& node() const { return node_; }
  Device& device() const { return device_; }
  // The registration this kernel was made from (set by KernelRegistry).
  const KernelDef& def() const { return *def_; }
  // Where each input and output lives while the kernel runs.
  MemoryType input_memory(int i) const { return input_memory_.at(static_cast<size_t>(i)); }
  MemoryType output_memory(int i) const { return output_memory_.at(static_cast<size_t>(i)); }
  bool input_shape_only(int i) const { return shape_only_.at(static_cast<size_t>(i)) != 0; }

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
  friend class KernelRegistry;
  const Node& node_;
  Device& device_;
  const KernelDef* def_ = nullptr;
  std::vector<MemoryType> input_memory_;
  std::vector<MemoryType> output_memory_;
  std::vector<char> shape_only_;
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

// Where a recorded step's kernels get their buffers (runtime/replay.h):
// while the step is recorded, every output and scratch buffer is allocated
// as usual and kept; when it is replayed by running its kernels again, the
// same buffers are handed out in the same order, so a replay addresses
// exactly the memory the recording did, as a replayed CUDA graph does.
class AllocationTape {
 public:
  virtual ~AllocationTape() = default;
  virtual Tensor Allocate(DataType dtype, const Shape& shape, Allocator* allocator) = 0;
};

// What one Compute call sees: its inputs, the shapes of its outputs, where
// to put them, the device and the session's resources.
class OpKernelContext {
 public:
  OpKernelContext(const OpKernel& kernel, std::vector<const Tensor*> inputs,
                  const std::vector<Shape>& output_shapes, std::vector<Tensor>* outputs,
                  ResourceManager& resources, MemoryBudget* budget = nullptr)
      : kernel_(kernel),
        inputs_(std::move(inputs)),
        output_shapes_(output_shapes),
        outputs_(outputs),
        resources_(resources),
        budget_(budget) {}

  const Node& node() const { return kernel_.node(); }
  Device& device() const { return kernel_.device(); }
  // The device's stream and library handles (null on the CPU).
  DeviceContext* device_context() const { return kernel_.device().context(); }
  ResourceManager& resources() const { return resources_; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  // The step holds one reference to each input, so RefCountIsOne() means
  // no one else can see the buffer and the kernel may write into it.
  const Tensor& input(int i) const { return *inputs_.at(i); }
  // A host-memory int32 or int64 input's values (a shape, axes, a
  // permutation). Throws kInternal when the input is not in host memory:
  // its registration must declare it HostMemory.
  std::vector<int64_t> HostInputAsInts(int i) const;
  int num_outputs() const { return static_cast<int>(outputs_->size()); }
  // The shape output i must have, computed by the executor. Throws
  // kInternal for a ShapeFromKernel() kernel whose shapes the executor
  // could not compute.
  const Shape& output_shape(int i) const;

  // Output i as a new tensor of the node's output dtype and its shape, in
  // the device's memory (host memory when the output is declared so),
  // charged to the Run's memory budget when it has one.
  Tensor& AllocateOutput(int i);
  // Output i in the buffer of the first of `inputs` that nobody else holds
  // and that matches the output's dtype and shape; else a new tensor. Only
  // for kernels whose element i of the output depends on element i of that
  // input alone (elementwise ops), which may then compute in place.
  Tensor& ForwardInputOrAllocateOutput(std::initializer_list<int> inputs, int i);
  // Sets an output to an existing tensor (an input passed through or
  // viewed with the output's shape); its dtype and shape must be the
  // output's (any shape when the executor left it to the kernel).
  void SetOutput(int i, Tensor tensor);
  Tensor& output(int i) { return outputs_->at(i); }
  // Scratch memory on the device, alive while the kernel holds it.
  Tensor AllocateTemp(DataType dtype, const Shape& shape) const;
  // Set by the executor while the step is recorded or replayed.
  void set_tape(AllocationTape* tape) { tape_ = tape; }

  template <typename... Args>
  [[noreturn]] void Fail(Args&&... args) const {
    throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...), node().name(),
                node().op());
  }

 private:
  Allocator* OutputAllocator(int i) const;

  const OpKernel& kernel_;
  std::vector<const Tensor*> inputs_;
  const std::vector<Shape>& output_shapes_;
  std::vector<Tensor>* outputs_;
  ResourceManager& resources_;
  MemoryBudget* budget_;
  AllocationTape* tape_ = nullptr;
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>(const Node&, Device&)>;

class KernelRegistry {
 public:
  static KernelRegistry& Global();

  // Throws kInternal on a second registration of the same key.
  void Register(KernelDef def, KernelFactory factory);
  // Whether a kernel exists for this node on this device type (its own, or
  // a CPU registration declared OnEveryDevice()).
  bool Has(const Node& node, std::string_view device_type) const;
  bool Has(std::string_view op, std::string_view device_type, DataType dtype) const;
  // The registration that serves this node on this device type, or null.
  const KernelDef* FindDef(const Node& node, std::string_view device_type) const;
  // Throws kUnimplemented naming the node, op, device and dtype when none,
  // and kInternal when the registration names an argument the op lacks.
  std::unique_ptr<OpKernel> Create(const Node& node, Device& device) const;
  // Calls fn(def, factory) for every registration, in key order.
  void ForEach(const std::function<void(const KernelDef&, const KernelFactory&)>& fn) const;

 private:
  struct Entry {
    KernelDef def;
    KernelFactory factory;
  };
  const Entry* Find(std::string_view op, std::string_view device_type, DataType dtype) const;
  std::map<std::tuple<std::string, std::string, DataType>, Entry, std::less<>> kernels_;
};

// The dtype that selects a node's kernel (DT_INVALID when its op has no
// kernel_type_attr).
DataType KernelDataType(const Node& node);

struct KernelRegistration {
  KernelRegistration(KernelDef def, KernelFactory factory) {
    KernelRegistry::Global().Register(std::move(def), std::move(factory));
  }
};

#define TG_REGISTER_KERNEL_DEF(def, ...)                                                    \
  [[maybe_unused]] static ::tensorgraph::KernelRegistration TG_CONCAT(tg_kernel_reg_,       \
                                                                      __COUNTER__)(         \
      def, [](const ::tensorgraph::Node& node, ::tensorgraph::Device& d)                    \
               -> std::unique_ptr<::tensorgraph::OpKernel> {                                \
        return std::make_unique<__VA_ARGS__>(node, d);                                      \
      })

#define TG_REGISTER_KERNEL(op, device_type, dtype, ...) \
  TG_REGISTER_KERNEL_DEF(::tensorgraph::KernelDef(op, device_type, dtype), __VA_ARGS__)

}  // namespace tensorgraph
