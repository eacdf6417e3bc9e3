#include "kernels/cuda/cuda_kernel.h"

#include <cstdlib>
#include <cstring>

namespace tensorgraph::cuda {

namespace {
bool SyncEachKernel() {
  static const bool sync = [] {
    const char* v = std::getenv("TG_CUDA_SYNC");
    return v != nullptr && std::strcmp(v, "0") != 0 && v[0] != '\0';
  }();
  return sync;
}
}  // namespace

void CheckLaunch(const OpKernelContext& ctx, const char* what) {
  CheckCuda(cudaGetLastError(), what);
  if (SyncEachKernel()) {
    cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
    cudaStreamIsCapturing(StreamOf(ctx), &capturing);
    if (capturing == cudaStreamCaptureStatusNone) {
      CheckCuda(cudaStreamSynchronize(StreamOf(ctx)), what);
    }
  }
}

void CheckCublas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  ThrowError(status == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::kResourceExhausted
                                                  : ErrorCode::kInternal,
             what, " failed: ", cublasGetStatusName(status), " (", cublasGetStatusString(status),
             ")");
}

}  // namespace tensorgraph::cuda
