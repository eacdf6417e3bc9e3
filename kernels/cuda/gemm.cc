#include "kernels/cuda/gemm.h"

#include <algorithm>

namespace tensorgraph::cuda {

ColumnMajorGemm MapRowMajorMatMul(const Shape& a, bool transpose_a, const Shape& b,
                                  bool transpose_b) {
  ColumnMajorGemm g;
  g.m = b.dim(transpose_b ? 0 : 1);  // columns of op(b): the product's n
  g.n = a.dim(transpose_a ? 1 : 0);  // rows of op(a): the product's m
  g.k = a.dim(transpose_a ? 0 : 1);
  g.transpose_first = transpose_b;
  g.transpose_second = transpose_a;
  // BLAS wants every leading dimension >= 1, empty matrices included.
  g.ld_first = std::max<int64_t>(b.dim(1), 1);
  g.ld_second = std::max<int64_t>(a.dim(1), 1);
  g.ld_result = std::max<int64_t>(g.m, 1);
  return g;
}

}  // namespace tensorgraph::cuda
