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
  // Copies the contents of `from` into `to`'s buffer; both are in this
  // device's memory, with one dtype and shape (an assignment that keeps a
  // variable's buffer where it is).
  virtual void CopyWithin(const Tensor& from, Tensor& to) = 0;
  // Sets every byte of `tensor`, in this device's memory, to zero.
  virtual void ZeroFill(Tensor& tensor) = 0;
  // Copies host memory into `to`, a tensor of this device with the same
  // dtype and shape (a recorded step's feed, staged into its buffer).
  virtual void CopyFromHostInto(const Tensor& host, Tensor& to) = 0;
  // Waits for all work queued on the device.
  virtual void Synchronize() {}

  // What has crossed between host memory and this device's since the
  // process began (zero for the CPU, whose memory is the host's).
  struct Transfers {
    int64_t bytes_to_device = 0;
    int64_t bytes_to_host = 0;
    int64_t copies_to_device = 0;
    int64_t copies_to_host = 0;
  };
  virtual Transfers transfers() const { return {}; }

  // Capture of queued work for replay (CUDA graphs). Between BeginCapture
  // and EndCapture, work queued on the device is recorded instead of run;
  // the returned graph runs it on each Launch. Devices whose kernels run
  // inline on the calling thread (the CPU) capture nothing: BeginCapture
  // returns false and a recorded step is replayed by running its kernels
  // again on the recorded buffers (runtime/replay.h).
  class Graph {
   public:
    virtual ~Graph() = default;
    virtual void Launch() = 0;
  };
  // Whether BeginCapture captures. While a step on such a device is
  // captured, no other Run may queue work there (runtime/replay.h's
  // CaptureMutex).
  virtual bool captures() const { return false; }
  virtual bool BeginCapture() { return false; }
  // Ends the capture begun on this thread. `update`, when given, is the
  // previous graph of the same step: it is updated in place when the new
  // capture has its topology (cudaGraphExecUpdate), else replaced.
  virtual std::unique_ptr<Graph> EndCapture(std::unique_ptr<Graph> update) { return nullptr; }
  // Ends a capture abandoned by an error, discarding what it recorded.
  virtual void AbortCapture() {}

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
