// What every CUDA kernel file shares: the stream and cuBLAS handle of the
// kernel's GPU, typed device pointers, and the checks that turn a CUDA or
// cuBLAS status into the library's error (ComputeKernel adds the node and
// op). Included by .cu files only.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/launch.h"
#include "runtime/cuda/cuda_device.h"
#include "runtime/kernel.h"

namespace tensorgraph::cuda {

inline CudaDeviceContext& GpuContext(const OpKernelContext& ctx) {
  return *static_cast<CudaDeviceContext*>(ctx.device_context());
}
inline cudaStream_t StreamOf(const OpKernelContext& ctx) { return GpuContext(ctx).stream; }

// The tensor's elements in device memory (Tensor::data<T>() is for the
// host; this checks the dtype only).
template <typename T>
T* DevicePtr(const Tensor& t) {
  if (t.dtype() != kDataTypeOf<T>) {
    ThrowError(ErrorCode::kInternal, "a kernel read ", DataTypeName(t.dtype()), " as ",
               DataTypeName(kDataTypeOf<T>));
  }
  return static_cast<T*>(t.raw_data());
}

// After a launch: throws when the launch failed (a bad configuration, no
// kernel image for this GPU) and, with TG_CUDA_SYNC=1 in the environment,
// waits for the kernel so that a fault it raises is reported here, at its
// node, instead of at a later call.
void CheckLaunch(const OpKernelContext& ctx, const char* what);

// Throws the library's error for a cuBLAS status other than success.
void CheckCublas(cublasStatus_t status, const char* what);

// Launches a one-dimensional grid over n elements (no launch for n == 0),
// then checks it.
template <typename Kernel, typename... Args>
void Launch1D(const OpKernelContext& ctx, const char* what, int64_t n, int per_thread,
              Kernel kernel, Args... args) {
  const LaunchShape shape = GridFor(n, per_thread);
  if (shape.blocks == 0) return;
  kernel<<<shape.blocks, shape.threads, 0, StreamOf(ctx)>>>(args...);
  CheckLaunch(ctx, what);
}

// A grid-stride loop over [0, n) in 64-bit indices.
#define TG_CUDA_LOOP(i, n)                                                             \
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < (n);            \
       i += int64_t{blockDim.x} * gridDim.x)

}  // namespace tensorgraph::cuda
