#include "tests/support/test_device.h"

#include <cstdlib>
#include <cstring>

#include "runtime/kernel.h"

namespace tensorgraph::testing {
namespace {

thread_local int access_depth = 0;

// Host memory that reports itself host-accessible only to a thread inside
// a test-device kernel or copy.
class GuardedAllocator final : public Allocator {
 public:
  std::string_view name() const override { return "test-device"; }
  void* Allocate(size_t bytes) override { return CpuAllocator()->Allocate(bytes); }
  void Deallocate(void* ptr, size_t bytes) override { CpuAllocator()->Deallocate(ptr, bytes); }
  bool host_accessible() const override { return access_depth > 0; }
};

GuardedAllocator& Guarded() {
  static GuardedAllocator allocator;
  return allocator;
}

// A CPU kernel run as a test-device kernel: with access to the device's
// memory for the duration of Compute.
class TestDeviceKernel final : public OpKernel {
 public:
  TestDeviceKernel(const Node& node, Device& device, std::unique_ptr<OpKernel> cpu)
      : OpKernel(node, device), cpu_(std::move(cpu)) {}
  void Compute(OpKernelContext& ctx) override {
    TestDeviceAccess access;
    cpu_->Compute(ctx);
  }

 private:
  std::unique_ptr<OpKernel> cpu_;
};

// Registers every CPU kernel for the test device with its declarations.
void MirrorCpuKernels() {
  std::vector<std::pair<KernelDef, KernelFactory>> cpu;
  KernelRegistry::Global().ForEach([&](const KernelDef& def, const KernelFactory& factory) {
    if (def.device_type() == kDeviceCpu) cpu.emplace_back(def, factory);
  });
  for (auto& entry : cpu) {
    const KernelDef& def = entry.first;
    KernelFactory factory = entry.second;
    KernelDef mirrored(def.op(), kDeviceTest, def.dtype());
    for (const std::string& arg : def.host_memory_args()) mirrored.HostMemory(arg);
    for (const std::string& arg : def.shape_only_args()) mirrored.ShapeOnly(arg);
    if (def.output_is_view()) mirrored.OutputIsView();
    if (def.plan_time_constant()) mirrored.PlanTimeConstant();
    if (def.shape_from_kernel()) mirrored.ShapeFromKernel();
    if (!def.not_capturable().empty()) mirrored.NotCapturable(def.not_capturable());
    KernelRegistry::Global().Register(
        std::move(mirrored), [factory](const Node& node, Device& device) -> std::unique_ptr<OpKernel> {
          // The CPU kernel's constructor may upload constants: a copy.
          return std::make_unique<TestDeviceKernel>(node, device, factory(node, device));
        });
  }
}

std::vector<std::unique_ptr<Device>> CreateTestDevice() {
  MirrorCpuKernels();
  std::vector<std::unique_ptr<Device>> devices;
  devices.push_back(std::make_unique<TestDevice>());
  return devices;
}

[[maybe_unused]] const bool kRegistered = [] {
  RegisterDeviceFactory(&CreateTestDevice);
  return true;
}();

}  // namespace

TestDeviceAccess::TestDeviceAccess() { ++access_depth; }
TestDeviceAccess::~TestDeviceAccess() { --access_depth; }

TestDevice::TestDevice() : Device("/device:TEST:0", kDeviceTest) {}

Allocator* TestDevice::allocator() { return &Guarded(); }

Tensor TestDevice::CopyFromHost(const Tensor& host) {
  TestDeviceAccess access;
  Tensor t(host.dtype(), host.shape(), &Guarded());
  if (t.bytes() > 0) std::memcpy(t.raw_data(), host.raw_data(), t.bytes());
  to_device_ += static_cast<int64_t>(t.bytes());
  ++copies_to_device_;
  return t;
}

Tensor TestDevice::CopyToHost(const Tensor& tensor) {
  if (tensor.allocator() != &Guarded()) return tensor;  // already host memory
  TestDeviceAccess access;
  Tensor t(tensor.dtype(), tensor.shape());
  if (t.bytes() > 0) std::memcpy(t.raw_data(), tensor.raw_data(), t.bytes());
  to_host_ += static_cast<int64_t>(t.bytes());
  ++copies_to_host_;
  return t;
}

Tensor TestDevice::Duplicate(const Tensor& tensor) {
  TestDeviceAccess access;
  Tensor t(tensor.dtype(), tensor.shape(), &Guarded());
  if (t.bytes() > 0) std::memcpy(t.raw_data(), tensor.raw_data(), t.bytes());
  on_device_ += static_cast<int64_t>(t.bytes());
  return t;
}

void TestDevice::CopyFromHostInto(const Tensor& host, Tensor& to) {
  TestDeviceAccess access;
  if (to.bytes() > 0) std::memcpy(to.raw_data(), host.raw_data(), to.bytes());
  to_device_ += static_cast<int64_t>(to.bytes());
  ++copies_to_device_;
}

void TestDevice::CopyWithin(const Tensor& from, Tensor& to) {
  TestDeviceAccess access;
  if (to.bytes() > 0) std::memmove(to.raw_data(), from.raw_data(), to.bytes());
}

void TestDevice::ZeroFill(Tensor& tensor) {
  TestDeviceAccess access;
  if (tensor.bytes() > 0) std::memset(tensor.raw_data(), 0, tensor.bytes());
}

CopyCounters TestDevice::counters() const {
  return {to_device_.load(), to_host_.load(), on_device_.load(), copies_to_device_.load(),
          copies_to_host_.load()};
}

void TestDevice::ResetCounters() {
  to_device_ = to_host_ = on_device_ = copies_to_device_ = copies_to_host_ = 0;
}

TestDevice& GetTestDevice() {
  Device* d = FindDevice("TEST");
  if (d == nullptr) ThrowError(ErrorCode::kInternal, "the test device is not registered");
  return static_cast<TestDevice&>(*d);
}

}  // namespace tensorgraph::testing

namespace tensorgraph::testing {

std::string CompareOnTestDevice(const Graph& graph, const FeedList& feeds,
                                const std::vector<TensorName>& fetches,
                                const std::vector<Tensor>& expected) {
  std::vector<Tensor> got;
  try {
    Session session(graph, SessionOptions{.device = std::string(kDeviceTest)});
    got = session.Run(feeds, fetches);
  } catch (const std::exception& e) {
    return StrCat("on the test device the run threw: ", e.what());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].on_host()) return StrCat("fetch ", i, " came back in device memory");
    if (!got[i].BitwiseEquals(expected[i])) {
      return StrCat("fetch '", fetches[i].name, "' differs: test device ", got[i].DebugString(),
                    ", CPU ", expected[i].DebugString());
    }
  }
  return "";
}

}  // namespace tensorgraph::testing
