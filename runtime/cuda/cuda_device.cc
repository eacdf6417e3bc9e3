// The GPU device: CUDA memory through a caching allocator over cudaMalloc,
// and one stream per GPU on which every kernel, copy and fill is queued in
// plan order. Kernels for it register under kDeviceGpu from kernels/cuda/;
// where a node has none, the session places it on the CPU and the plan
// copies tensors across.
#include "runtime/cuda/cuda_device.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <type_traits>

#include "runtime/allocator.h"

namespace tensorgraph {

void CheckCuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    ThrowError(status == cudaErrorMemoryAllocation ? ErrorCode::kResourceExhausted
                                                   : ErrorCode::kInternal,
               what, ": ", cudaGetErrorString(status));
  }
}

namespace {

void CheckBlas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    ThrowError(status == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::kResourceExhausted
                                                    : ErrorCode::kInternal,
               what, " failed with cuBLAS status ", static_cast<int>(status));
  }
}

// cudaMalloc and cudaFree, behind the caching allocator (cudaFree waits
// for the whole device, so a step must not call it).
class CudaMallocAllocator final : public Allocator {
 public:
  explicit CudaMallocAllocator(int ordinal) : ordinal_(ordinal) {}
  std::string_view name() const override { return "cuda"; }
  void* Allocate(size_t bytes) override {
    CheckCuda(cudaSetDevice(ordinal_), "cudaSetDevice");
    void* p = nullptr;
    // A step being captured may need a new block: cudaMalloc is not a
    // stream operation, but the capture's mode refuses it as potentially
    // unsafe unless this thread relaxes the mode around the call.
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    cudaThreadExchangeStreamCaptureMode(&mode);
    // cudaMalloc(0) may return null; every Buffer needs a distinct pointer.
    const cudaError_t status = cudaMalloc(&p, bytes == 0 ? 1 : bytes);
    cudaThreadExchangeStreamCaptureMode(&mode);
    CheckCuda(status, "cudaMalloc");
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

CachingAllocatorOptions CudaCacheOptions() {
  CachingAllocatorOptions options;
  // Keep everything: when cudaMalloc runs out, the cache is given back and
  // the allocation retried.
  options.max_cached_bytes = SIZE_MAX;
  return options;
}

// A captured step: the instantiated graph, launched on the device's stream.
class CudaGraph final : public Device::Graph {
 public:
  CudaGraph(cudaGraphExec_t exec, cudaStream_t stream) : exec_(exec), stream_(stream) {}
  ~CudaGraph() override { cudaGraphExecDestroy(exec_); }
  void Launch() override { CheckCuda(cudaGraphLaunch(exec_, stream_), "cudaGraphLaunch"); }
  cudaGraphExec_t exec() const { return exec_; }

 private:
  cudaGraphExec_t exec_;
  cudaStream_t stream_;
};

class CudaDevice final : public Device {
 public:
  explicit CudaDevice(int ordinal)
      : Device("/device:GPU:" + std::to_string(ordinal), kDeviceGpu),
        raw_(ordinal),
        allocator_(&raw_, "cuda", CudaCacheOptions()) {
    context_.ordinal = ordinal;
  }

  Allocator* allocator() override { return &allocator_; }

  DeviceContext* context() override {
    std::call_once(context_once_, [this] {
      CheckCuda(cudaSetDevice(context_.ordinal), "cudaSetDevice");
      CheckCuda(cudaStreamCreateWithFlags(&context_.stream, cudaStreamNonBlocking),
                "cudaStreamCreate");
      CheckBlas(cublasCreate(&context_.blas), "cublasCreate");
      CheckBlas(cublasSetStream(context_.blas, context_.stream), "cublasSetStream");
      // A workspace of the handle's own, so that cuBLAS allocates nothing
      // while a step is captured as a CUDA graph (32 MiB, NVIDIA's figure
      // for Hopper).
      workspace_ = Tensor(DT_UINT8, Shape{kBlasWorkspaceBytes}, &allocator_);
      CheckBlas(cublasSetWorkspace(context_.blas, workspace_.raw_data(), kBlasWorkspaceBytes),
                "cublasSetWorkspace");
    });
    return &context_;
  }

  Transfers transfers() const override {
    return {to_device_.load(), to_host_.load(), copies_to_device_.load(), copies_to_host_.load()};
  }

  Tensor CopyFromHost(const Tensor& host) override {
    Tensor t(host.dtype(), host.shape(), &allocator_);
    CountToDevice(t.bytes());
    if (t.bytes() > 0) {
      // From pageable memory the call returns once the data is staged, so
      // the host tensor may go away afterwards.
      CheckCuda(cudaMemcpyAsync(t.raw_data(), host.raw_data(), t.bytes(), cudaMemcpyHostToDevice,
                                Stream()),
                "copy to GPU");
    }
    return t;
  }

  Tensor CopyToHost(const Tensor& tensor) override {
    if (tensor.on_host()) return tensor;
    Tensor t(tensor.dtype(), tensor.shape());
    to_host_ += static_cast<int64_t>(t.bytes());
    ++copies_to_host_;
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpyAsync(t.raw_data(), tensor.raw_data(), t.bytes(), cudaMemcpyDeviceToHost,
                                Stream()),
                "copy from GPU");
      CheckCuda(cudaStreamSynchronize(Stream()), "copy from GPU");
    }
    return t;
  }

  Tensor CopyFromDevice(Device& source, const Tensor& tensor) override {
    if (&source == this) return tensor;
    auto* peer = dynamic_cast<CudaDevice*>(&source);
    if (peer == nullptr) return Device::CopyFromDevice(source, tensor);
    peer->Synchronize();  // the source's work is on its own stream
    Tensor t(tensor.dtype(), tensor.shape(), &allocator_);
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpyPeerAsync(t.raw_data(), context_.ordinal, tensor.raw_data(),
                                    peer->context_.ordinal, t.bytes(), Stream()),
                "copy between GPUs");
    }
    return t;
  }

  Tensor Duplicate(const Tensor& tensor) override {
    Tensor t(tensor.dtype(), tensor.shape(), &allocator_);
    if (t.bytes() > 0) {
      CheckCuda(cudaMemcpyAsync(t.raw_data(), tensor.raw_data(), t.bytes(),
                                cudaMemcpyDeviceToDevice, Stream()),
                "copy within the GPU");
    }
    return t;
  }

  void CopyFromHostInto(const Tensor& host, Tensor& to) override {
    CountToDevice(to.bytes());
    if (to.bytes() > 0) {
      CheckCuda(cudaMemcpyAsync(to.raw_data(), host.raw_data(), to.bytes(), cudaMemcpyHostToDevice,
                                Stream()),
                "copy to GPU");
    }
  }

  // Thread-local mode: only this thread's calls join the capture, and
  // other threads may go on using CUDA (on other streams) meanwhile.
  bool captures() const override { return true; }
  bool BeginCapture() override {
    CheckCuda(cudaStreamBeginCapture(Stream(), cudaStreamCaptureModeThreadLocal),
              "cudaStreamBeginCapture");
    return true;
  }

  std::unique_ptr<Graph> EndCapture(std::unique_ptr<Graph> update) override {
    cudaGraph_t graph = nullptr;
    CheckCuda(cudaStreamEndCapture(Stream(), &graph), "cudaStreamEndCapture");
    struct GraphDeleter {
      void operator()(cudaGraph_t g) const { cudaGraphDestroy(g); }
    };
    std::unique_ptr<std::remove_pointer_t<cudaGraph_t>, GraphDeleter> owned(graph);
    if (auto* previous = dynamic_cast<CudaGraph*>(update.get())) {
      cudaGraphExecUpdateResultInfo info{};
      if (cudaGraphExecUpdate(previous->exec(), graph, &info) == cudaSuccess) return update;
      cudaGetLastError();  // the failed update's error is not sticky; clear it
    }
    cudaGraphExec_t exec = nullptr;
    CheckCuda(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
    return std::make_unique<CudaGraph>(exec, Stream());
  }

  void AbortCapture() override {
    cudaGraph_t graph = nullptr;
    if (cudaStreamEndCapture(Stream(), &graph) == cudaSuccess && graph != nullptr) {
      cudaGraphDestroy(graph);
    }
    cudaGetLastError();
  }

  void CopyWithin(const Tensor& from, Tensor& to) override {
    if (to.bytes() > 0) {
      CheckCuda(cudaMemcpyAsync(to.raw_data(), from.raw_data(), to.bytes(),
                                cudaMemcpyDeviceToDevice, Stream()),
                "copy within the GPU");
    }
  }

  void ZeroFill(Tensor& tensor) override {
    if (tensor.bytes() > 0) {
      CheckCuda(cudaMemsetAsync(tensor.raw_data(), 0, tensor.bytes(), Stream()), "cudaMemset");
    }
  }

  void Synchronize() override { CheckCuda(cudaStreamSynchronize(Stream()), "cudaStreamSynchronize"); }

 private:
  cudaStream_t Stream() { return static_cast<CudaDeviceContext*>(context())->stream; }

  static constexpr int64_t kBlasWorkspaceBytes = int64_t{32} << 20;

  void CountToDevice(size_t bytes) {
    to_device_ += static_cast<int64_t>(bytes);
    ++copies_to_device_;
  }

  std::atomic<int64_t> to_device_{0}, to_host_{0}, copies_to_device_{0}, copies_to_host_{0};

  CudaMallocAllocator raw_;
  CachingAllocator allocator_;
  Tensor workspace_;
  std::once_flag context_once_;
  CudaDeviceContext context_;
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
