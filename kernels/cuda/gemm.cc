#include "kernels/cuda/gemm.h"

namespace tensorgraph::cuda {

ColumnMajorGemm MapRowMajorMatMul(const Shape& a, bool transpose_a, const Shape& b,
                                  bool transpose_b) {
  ColumnMajorGemm g;
  g.m = b.dim(transpose_b ? 0 : 1);  // columns of op(b): the product's n
  g.n = a.dim(transpose_a ? 1 : 0);  // rows of op(a): the product's m
  g.k = a.dim(transpose_a ? 0 : 1);
  g.transpose_first = transpose_b;
  g.transpose_second = transpose_a;
  g.ld_first = b.dim(1);
  g.ld_second = a.dim(1);
  g.ld_result = g.m;
  return g;
}

}  // namespace tensorgraph::cuda
