// The GPU device: CUDA memory through the runtime API. Kernels for it
// register under kDeviceGpu from kernels/cuda/; where a node has none, the
// session places it on the CPU and copies tensors across.
#include <cuda_runtime_api.h>

#include "runtime/device.h"

namespace tensorgraph {
namespace {

void CheckCuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    ThrowError(status == cudaErrorMemoryAllocation ? ErrorCode::kResourceExhausted
                                                   : ErrorCode::kInternal,
               what, ": ", cudaGetErrorString(status));
  }
}

class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(int ordinal) : ordinal_(ordinal) {}
  std::string_view name() const override { return "cuda"; }
  void* Allocate(size_t bytes) override {
    CheckCuda(cudaSetDevice(ordinal_), "cudaSetDevice");
    void* p = nullptr;
    // cudaMalloc(0) may return null; every Buffer needs a distinct pointer.
    CheckCuda(cudaMalloc(&p, bytes == 0 ? 1 : bytes), "cudaMalloc");
    return p;
  }
  void Deallocate(void* ptr, size_t) override {
    cudaSetDevice(ordinal_);
    cudaFree(ptr);  // errors here (driver shutting down) have no one to report to
  }
  bool host_accessible() const override { return false; }

 private:
  int ordinal_;
};

class CudaDevice final : public Device {
 public:
  explicit CudaDevice(int ordinal)
      : Device("/device:GPU:" + std::to_string(ordinal), kDeviceGpu),
        ordinal_(ordinal),
        allocator_(ordinal) {}

  Allocator* allocator() override { return &allocator_; }

  Tensor CopyFromHost(const Tensor& host) override {
    Tensor t(host.dtype(), host.shape(), &allocator_);
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpy(t.raw_data(), host.raw_data(), t.bytes(), cudaMemcpyHostToDevice),
                "copy to GPU");
    }
    return t;
  }

  Tensor CopyToHost(const Tensor& tensor) override {
    if (tensor.on_host()) return tensor;
    Tensor t(tensor.dtype(), tensor.shape());
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpy(t.raw_data(), tensor.raw_data(), t.bytes(), cudaMemcpyDeviceToHost),
                "copy from GPU");
    }
    return t;
  }

  Tensor CopyFromDevice(Device& source, const Tensor& tensor) override {
    if (&source == this) return tensor;
    auto* peer = dynamic_cast<CudaDevice*>(&source);
    if (peer == nullptr) return Device::CopyFromDevice(source, tensor);
    Tensor t(tensor.dtype(), tensor.shape(), &allocator_);
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpyPeer(t.raw_data(), ordinal_, tensor.raw_data(), peer->ordinal_,
                               t.bytes()),
                "copy between GPUs");
    }
    return t;
  }

  Tensor Duplicate(const Tensor& tensor) override {
    Tensor t(tensor.dtype(), tensor.shape(), &allocator_);
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpy(t.raw_data(), tensor.raw_data(), t.bytes(), cudaMemcpyDeviceToDevice),
                "copy within the GPU");
    }
    return t;
  }

  void ZeroFill(Tensor& tensor) override {
    if (tensor.bytes() > 0) CheckCuda(cudaMemset(tensor.raw_data(), 0, tensor.bytes()), "cudaMemset");
  }

  void Synchronize() override {
    CheckCuda(cudaSetDevice(ordinal_), "cudaSetDevice");
    CheckCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  }

 private:
  int ordinal_;
  CudaAllocator allocator_;
};

std::vector<std::unique_ptr<Device>> CreateCudaDevices() {
  std::vector<std::unique_ptr<Device>> devices;
  int count = 0;
  // No driver or no GPU: no GPU devices, and the CPU carries on.
  if (cudaGetDeviceCount(&count) != cudaSuccess) return devices;
  for (int i = 0; i < count; ++i) devices.push_back(std::make_unique<CudaDevice>(i));
  return devices;
}

[[maybe_unused]] const bool kRegistered = [] {
  RegisterDeviceFactory(&CreateCudaDevices);
  return true;
}();

}  // namespace
}  // namespace tensorgraph
