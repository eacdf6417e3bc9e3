// CUDA kernel for MatMul: cuBLAS for float and double (the row-major to
// column-major mapping is kernels/cuda/gemm.h), a plain kernel for the
// integer dtypes, which cuBLAS does not cover.
//
// Float products compute in FP32 (CUBLAS_COMPUTE_32F, no TF32): the same
// precision as the CPU's sgemm. TF32 tensor cores (about 3 decimal digits
// fewer in each product) are used only when the process sets
// TG_CUDA_ALLOW_TF32=1.
#include <climits>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/gemm.h"

namespace tensorgraph {
namespace {

bool AllowTf32() {
  static const bool allow = [] {
    const char* v = std::getenv("TG_CUDA_ALLOW_TF32");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
  }();
  return allow;
}

// C[i, j] = sum_p op(A)[i, p] op(B)[p, j] in row-major, wrapping on
// overflow as the CPU kernel does (the sum is taken in the unsigned type).
template <typename T>
__global__ void IntegerMatMulKernel(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_row,
                                    int64_t a_col, const T* b, int64_t b_row, int64_t b_col, T* c) {
  using U = std::make_unsigned_t<T>;
  TG_CUDA_LOOP(index, m * n) {
    const int64_t i = index / n, j = index % n;
    U acc = 0;
    for (int64_t p = 0; p < k; ++p) {
      acc += static_cast<U>(static_cast<U>(a[i * a_row + p * a_col]) *
                            static_cast<U>(b[p * b_row + j * b_col]));
    }
    c[index] = static_cast<T>(acc);
  }
}

template <typename T>
class MatMulOp : public OpKernel {
 public:
  MatMulOp(const Node& node, Device& device)
      : OpKernel(node, device),
        transpose_a_(attr<bool>("transpose_a")),
        transpose_b_(attr<bool>("transpose_b")) {}

  void Compute(OpKernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    // The shape function has checked ranks and inner dimensions.
    const cuda::ColumnMajorGemm g = cuda::MapRowMajorMatMul(a.shape(), transpose_a_, b.shape(),
                                                            transpose_b_);
    Tensor& out = ctx.AllocateOutput(0);
    if (out.num_elements() == 0) return;
    T* c = cuda::DevicePtr<T>(out);
    if (g.k == 0) {  // an empty sum
      CheckCuda(cudaMemsetAsync(c, 0, out.bytes(), cuda::StreamOf(ctx)), "cudaMemset");
      return;
    }
    if constexpr (std::is_floating_point_v<T>) {
      for (int64_t dim : {g.m, g.n, g.k, g.ld_first, g.ld_second}) {
        if (dim > INT_MAX) ctx.Fail("matrix dimension ", dim, " exceeds cuBLAS's limit of ", INT_MAX);
      }
      Gemm(ctx, g, cuda::DevicePtr<T>(b), cuda::DevicePtr<T>(a), c);
    } else {
      const int64_t m = out.dim(0), n = out.dim(1);
      const int64_t lda = a.dim(1), ldb = b.dim(1);
      cuda::Launch1D(ctx, "integer MatMul kernel", m * n, 1, IntegerMatMulKernel<T>, m, n, g.k,
                     cuda::DevicePtr<T>(a), transpose_a_ ? int64_t{1} : lda,
                     transpose_a_ ? lda : int64_t{1}, cuda::DevicePtr<T>(b),
                     transpose_b_ ? int64_t{1} : ldb, transpose_b_ ? ldb : int64_t{1}, c);
    }
  }

 private:
  static void Gemm(const OpKernelContext& ctx, const cuda::ColumnMajorGemm& g, const T* first,
                   const T* second, T* c) {
    cublasHandle_t blas = cuda::GpuContext(ctx).blas;
    const auto op = [](bool t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; };
    const T one = 1, zero = 0;
    const int m = static_cast<int>(g.m), n = static_cast<int>(g.n), k = static_cast<int>(g.k);
    if constexpr (std::is_same_v<T, float>) {
      cuda::CheckCublas(
          cublasGemmEx(blas, op(g.transpose_first), op(g.transpose_second), m, n, k, &one, first,
                       CUDA_R_32F, static_cast<int>(g.ld_first), second, CUDA_R_32F,
                       static_cast<int>(g.ld_second), &zero, c, CUDA_R_32F,
                       static_cast<int>(g.ld_result),
                       AllowTf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
                       CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
    } else {
      cuda::CheckCublas(cublasDgemm(blas, op(g.transpose_first), op(g.transpose_second), m, n, k,
                                    &one, first, static_cast<int>(g.ld_first), second,
                                    static_cast<int>(g.ld_second), &zero, c,
                                    static_cast<int>(g.ld_result)),
                        "cublasDgemm");
    }
  }

  const bool transpose_a_;
  const bool transpose_b_;
};

TG_REGISTER_KERNEL("MatMul", kDeviceGpu, DT_FLOAT, MatMulOp<float>);
TG_REGISTER_KERNEL("MatMul", kDeviceGpu, DT_DOUBLE, MatMulOp<double>);
TG_REGISTER_KERNEL("MatMul", kDeviceGpu, DT_INT32, MatMulOp<int32_t>);
TG_REGISTER_KERNEL("MatMul", kDeviceGpu, DT_INT64, MatMulOp<int64_t>);
TG_REGISTER_KERNEL("MatMul", kDeviceGpu, DT_UINT8, MatMulOp<uint8_t>);

}  // namespace
}  // namespace tensorgraph
