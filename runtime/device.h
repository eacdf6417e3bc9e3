// A device: a place where tensors live and kernels run, with its own
// allocator. The CPU device always exists; a GPU device exists for each
// CUDA GPU present when the build has the CUDA backend.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/tensor.h"

namespace tensorgraph {

// Device types, the keys kernels register under (TensorFlow's names).
inline constexpr std::string_view kDeviceCpu = "CPU";
inline constexpr std::string_view kDeviceGpu = "GPU";

// What a kernel gets of its device besides memory: the stream its work is
// queued on and the library handles bound to that stream. Each backend
// derives its own (kernels/cuda casts to the CUDA one); devices that run
// kernels inline on the calling thread, as the CPU does, have none.
class DeviceContext {
 public:
  virtual ~DeviceContext() = default;
};

class Device {
 public:
  virtual ~Device() = default;
  // "/device:CPU:0", "/device:GPU:0"
  const std::string& name() const { return name_; }
  // kDeviceCpu or kDeviceGpu: the key kernels are registered under.
  std::string_view type() const { return type_; }
  virtual Allocator* allocator() = 0;
  // The stream and library handles kernels use; null when there are none.
  virtual DeviceContext* context() { return nullptr; }
  // Whether the host may read this device's memory (the CPU's is host
  // memory); the executor never reads a tensor of a device that is not.
  bool host_memory() { return allocator()->host_accessible(); }

  // Copies between host memory and this device's memory. For the CPU
  // device they share the buffer. A copy to the host waits for the work
  // that produced the tensor.
  virtual Tensor CopyFromHost(const Tensor& host) = 0;
  virtual Tensor CopyToHost(const Tensor& tensor) = 0;
  // A copy into this device's memory of `tensor`, which lives on `source`
  // (the CPU for host memory): direct where the two devices can, else
  // through host memory. Every copy a plan makes goes through this.
  virtual Tensor CopyFromDevice(Device& source, const Tensor& tensor);
  // A new buffer on this device with the contents of `tensor`, which is in
  // this device's memory (copy-on-write of a variable).
  virtual Tensor Duplicate(const Tensor& tensor) = 0;
  // Sets every byte of `tensor`, in this device's memory, to zero.
  virtual void ZeroFill(Tensor& tensor) = 0;
  // Waits for all work queued on the device.
  virtual void Synchronize() {}

 protected:
  Device(std::string name, std::string_view type) : name_(std::move(name)), type_(type) {}

 private:
  std::string name_;
  std::string_view type_;
};

// The device whose memory holds `tensor` (the CPU for host memory); null
// when no device of this process owns its allocator.
Device* DeviceOf(const Tensor& tensor);

// The process-wide CPU device.
Device* CpuDevice();
// The devices of this process: CPU first, then each usable GPU.
const std::vector<Device*>& AllDevices();
// Finds a device by its full name or a short form ("CPU", "GPU:0",
// "/device:GPU:0"); nullptr when absent.
Device* FindDevice(std::string_view name);

// A backend registers a factory from a static initializer; factories run
// once, on the first call to AllDevices(), so a process that never runs a
// graph never initializes a GPU driver.
using DeviceFactory = std::vector<std::unique_ptr<Device>> (*)();
void RegisterDeviceFactory(DeviceFactory factory);

}  // namespace tensorgraph
