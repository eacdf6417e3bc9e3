// CPU kernel for MatMul: CBLAS GEMM for floating point, a plain loop for
// integers (which BLAS does not cover).
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <type_traits>
#include <vector>

#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

// The product's dimensions: op(a) is [m, k] and op(b) is [k, n].
struct GemmDims {
  int64_t m = 0, n = 0, k = 0;
};

// Where op(m)[i, j] lies in a row-major matrix m: at i * row_stride +
// j * col_stride, with op(m) = m^T when `transposed`.
struct MatrixView {
  int64_t row_stride = 0, col_stride = 0;
  MatrixView(const Shape& shape, bool transposed) {
    const int64_t ld = shape.dim(1);
    row_stride = transposed ? 1 : ld;
    col_stride = transposed ? ld : 1;
  }
};

// Integer product with wrap-around on overflow, as two's-complement
// hardware (and TensorFlow) gives, without signed-overflow undefined behaviour.
template <typename T>
void IntegerGemm(const T* a, MatrixView va, const T* b, MatrixView vb, T* c, GemmDims d) {
  using U = std::make_unsigned_t<T>;
  std::vector<U> row(static_cast<size_t>(d.n));
  for (int64_t i = 0; i < d.m; ++i) {
    std::fill(row.begin(), row.end(), U{0});
    for (int64_t p = 0; p < d.k; ++p) {
      const U x = static_cast<U>(a[i * va.row_stride + p * va.col_stride]);
      const T* b_row = b + p * vb.row_stride;
      for (int64_t j = 0; j < d.n; ++j) {
        row[static_cast<size_t>(j)] += static_cast<U>(x * static_cast<U>(b_row[j * vb.col_stride]));
      }
    }
    for (int64_t j = 0; j < d.n; ++j) c[i * d.n + j] = static_cast<T>(row[static_cast<size_t>(j)]);
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
    if (a.rank() != 2) ctx.Fail("a must be a matrix (rank 2), got shape ", a.shape().ToString());
    if (b.rank() != 2) ctx.Fail("b must be a matrix (rank 2), got shape ", b.shape().ToString());
    const int64_t inner_a = a.dim(transpose_a_ ? 0 : 1);
    const int64_t inner_b = b.dim(transpose_b_ ? 1 : 0);
    if (inner_a != inner_b) {
      ctx.Fail("inner dimensions differ: a is ", a.shape().ToString(),
               transpose_a_ ? " (transposed)" : "", ", b is ", b.shape().ToString(),
               transpose_b_ ? " (transposed)" : "");
    }
    const GemmDims d{a.dim(transpose_a_ ? 1 : 0), b.dim(transpose_b_ ? 0 : 1), inner_a};
    Tensor& out = ctx.AllocateOutput(0);
    if (d.m == 0 || d.n == 0) return;
    T* c = out.data<T>();
    if (d.k == 0) {
      // An empty sum. BLAS builds differ on whether k == 0 still applies
      // beta to C, so C is not left to them.
      std::fill(c, c + d.m * d.n, T{0});
      return;
    }
    if constexpr (std::is_floating_point_v<T>) {
      Gemm(a.data<T>(), a.dim(1), b.data<T>(), b.dim(1), c, d, ctx);
    } else {
      IntegerGemm(a.data<T>(), MatrixView(a.shape(), transpose_a_), b.data<T>(),
                  MatrixView(b.shape(), transpose_b_), c, d);
    }
  }

 private:
  void Gemm(const T* a, int64_t lda, const T* b, int64_t ldb, T* c, GemmDims d,
            OpKernelContext& ctx) const {
    for (int64_t dim : {d.m, d.n, d.k}) {
      if (dim > INT_MAX) ctx.Fail("matrix dimension ", dim, " exceeds the BLAS limit of ", INT_MAX);
    }
    const auto ta = transpose_a_ ? CblasTrans : CblasNoTrans;
    const auto tb = transpose_b_ ? CblasTrans : CblasNoTrans;
    const auto m = static_cast<blasint>(d.m), n = static_cast<blasint>(d.n),
               k = static_cast<blasint>(d.k);
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, static_cast<blasint>(lda), b,
                  static_cast<blasint>(ldb), 0.0f, c, n);
    } else {
      cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, static_cast<blasint>(lda), b,
                  static_cast<blasint>(ldb), 0.0, c, n);
    }
  }

  const bool transpose_a_;
  const bool transpose_b_;
};

TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_FLOAT, MatMulOp<float>);
TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_DOUBLE, MatMulOp<double>);
TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_INT32, MatMulOp<int32_t>);
TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_INT64, MatMulOp<int64_t>);
TG_REGISTER_KERNEL("MatMul", kDeviceCpu, DT_UINT8, MatMulOp<uint8_t>);

}  // namespace
}  // namespace tensorgraph
