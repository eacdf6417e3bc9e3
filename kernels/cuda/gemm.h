// The one place where MatMul's row-major semantics (TensorFlow's, with
// transpose_a and transpose_b) become a column-major BLAS call (cuBLAS's).
// Host code, checked on the CPU against a float64 product
// (tests/kernels/cuda_launch_test.cc).
//
// A row-major matrix read as column-major is its transpose, so for
// C = op(A) op(B) with C row-major [m, n], the call computes the
// column-major C^T = op(B)^T op(A)^T: B comes first, the dims are (n, m, k),
// and each operand keeps its own transpose flag and its row length as the
// leading dimension.
#pragma once

#include <cstdint>

#include "graph/shape.h"

namespace tensorgraph::cuda {

struct ColumnMajorGemm {
  // cublas<t>gemm(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)
  // with A := first, B := second.
  bool transpose_first = false;
  bool transpose_second = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t ld_first = 0, ld_second = 0, ld_result = 0;
  // Which MatMul input is passed as `first`: always b (see above).
  static constexpr int kFirstInput = 1;
  static constexpr int kSecondInput = 0;
};

// The call for MatMul(a, b, transpose_a, transpose_b) with a and b
// row-major matrices whose inner dimensions agree (checked by the caller).
ColumnMajorGemm MapRowMajorMatMul(const Shape& a, bool transpose_a, const Shape& b,
                                  bool transpose_b);

}  // namespace tensorgraph::cuda
