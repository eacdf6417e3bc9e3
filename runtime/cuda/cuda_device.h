// What a CUDA kernel gets of its GPU (OpKernelContext::device_context(),
// cast to this): the device's stream, on which every kernel, copy, fill
// and free of the device is ordered, and the cuBLAS handle bound to it.
// Made on first use, so a process that never runs on the GPU creates
// neither.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "runtime/device.h"

namespace tensorgraph {

struct CudaDeviceContext final : DeviceContext {
  int ordinal = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
};

// Throws the library's error (kResourceExhausted for out-of-memory, else
// kInternal) saying `what` failed, when `status` is not cudaSuccess.
void CheckCuda(cudaError_t status, const char* what);

}  // namespace tensorgraph
