// MatMul's row-major semantics (TensorFlow's transpose_a/transpose_b)
// mapped to a column-major cuBLAS call (kernels/cuda/gemm.h), checked on
// the CPU (tagged [cuda-host]): a naive column-major sgemm run with the
// mapped arguments reproduces the row-major product op(a) op(b), computed
// in float64, within the rounding bound, and cuBLAS's argument rules hold.
// A wrong mapping would multiply the wrong operands on the GPU, which a
// machine without one would never see.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "graph/shape.h"
#include "kernels/cuda/gemm.h"

using namespace tensorgraph;

namespace {

// ---------------------------------------------------------------------------
// A naive column-major sgemm (the BLAS reference semantics, op(X) read as
// X[r + c*ldx] or its transpose), accumulating in float as cuBLAS's fp32
// path does. Fails where cuBLAS would reject the arguments or where it
// would touch memory outside the buffers.

struct SgemmResult {
  bool ok = true;
  std::string why;
};

SgemmResult ColumnMajorSgemm(bool transa, bool transb, int64_t m, int64_t n, int64_t k,
                             const std::vector<float>& A, int64_t lda,
                             const std::vector<float>& B, int64_t ldb, std::vector<float>& C,
                             int64_t ldc) {
  auto fail = [](std::string why) { return SgemmResult{false, std::move(why)}; };
  if (m < 0 || n < 0 || k < 0) return fail("negative dim");
  if (lda < std::max<int64_t>(1, transa ? k : m)) return fail("lda too small");
  if (ldb < std::max<int64_t>(1, transb ? n : k)) return fail("ldb too small");
  if (ldc < std::max<int64_t>(1, m)) return fail("ldc too small");
  auto read = [](const std::vector<float>& x, int64_t at, bool& oob) {
    if (at < 0 || at >= static_cast<int64_t>(x.size())) {
      oob = true;
      return 0.0f;
    }
    return x[static_cast<size_t>(at)];
  };
  bool oob = false;
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      float acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float a = read(A, transa ? p + i * lda : i + p * lda, oob);
        const float b = read(B, transb ? j + p * ldb : p + j * ldb, oob);
        acc += a * b;
      }
      const int64_t at = i + j * ldc;
      if (at < 0 || at >= static_cast<int64_t>(C.size())) return fail("C written out of bounds");
      C[static_cast<size_t>(at)] = acc;
    }
  }
  if (oob) return fail("A or B read out of bounds");
  return {};
}

std::vector<float> RandomFloats(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace

// ===========================================================================
// 7. MapRowMajorMatMul

TEST_CASE("MapRowMajorMatMul's dims by value", "[cuda-host]") {
  // C [3,5] = a [3,4] b [4,5]: column-major C^T [5,3] = b^T a^T.
  const cuda::ColumnMajorGemm g = cuda::MapRowMajorMatMul(Shape{3, 4}, false, Shape{4, 5}, false);
  CHECK(cuda::ColumnMajorGemm::kFirstInput == 1);
  CHECK(cuda::ColumnMajorGemm::kSecondInput == 0);
  CHECK_FALSE(g.transpose_first);
  CHECK_FALSE(g.transpose_second);
  CHECK(g.m == 5);
  CHECK(g.n == 3);
  CHECK(g.k == 4);
  CHECK(g.ld_first == 5);
  CHECK(g.ld_second == 4);
  CHECK(g.ld_result == 5);

  // The same product from a [4,3] and b [5,4], both transposed.
  const cuda::ColumnMajorGemm t = cuda::MapRowMajorMatMul(Shape{4, 3}, true, Shape{5, 4}, true);
  CHECK(t.transpose_first);
  CHECK(t.transpose_second);
  CHECK(t.m == 5);
  CHECK(t.n == 3);
  CHECK(t.k == 4);
  CHECK(t.ld_first == 4);
  CHECK(t.ld_second == 3);
  CHECK(t.ld_result == 5);

  // Mixed: a [3,4] as is, b [5,4] transposed; then a [4,3] transposed, b [4,5].
  const cuda::ColumnMajorGemm tb = cuda::MapRowMajorMatMul(Shape{3, 4}, false, Shape{5, 4}, true);
  CHECK(tb.transpose_first);
  CHECK_FALSE(tb.transpose_second);
  CHECK((tb.m == 5 && tb.n == 3 && tb.k == 4));
  CHECK((tb.ld_first == 4 && tb.ld_second == 4 && tb.ld_result == 5));
  const cuda::ColumnMajorGemm ta = cuda::MapRowMajorMatMul(Shape{4, 3}, true, Shape{4, 5}, false);
  CHECK_FALSE(ta.transpose_first);
  CHECK(ta.transpose_second);
  CHECK((ta.m == 5 && ta.n == 3 && ta.k == 4));
  CHECK((ta.ld_first == 5 && ta.ld_second == 3 && ta.ld_result == 5));
}

TEST_CASE("MapRowMajorMatMul as a column-major GEMM computes op(a) op(b)", "[cuda-host]") {
  struct Dims {
    int64_t m, k, n;  // C [m,n] = op(a) [m,k] op(b) [k,n]
  };
  const std::vector<Dims> cases = {{3, 4, 5}, {1, 4, 5}, {3, 1, 5}, {3, 4, 1}, {1, 1, 1},
                                   {1, 7, 1}, {5, 3, 5}, {8, 33, 3}, {2, 1, 1}, {1, 1, 6}};
  constexpr double kEps = std::numeric_limits<float>::epsilon();
  std::mt19937 rng(1234);
  for (const Dims& d : cases) {
    for (const bool ta : {false, true}) {
      for (const bool tb : {false, true}) {
        CAPTURE(d.m, d.k, d.n, ta, tb);
        const Shape a_shape = ta ? Shape{d.k, d.m} : Shape{d.m, d.k};
        const Shape b_shape = tb ? Shape{d.n, d.k} : Shape{d.k, d.n};
        const std::vector<float> a = RandomFloats(d.m * d.k, rng);
        const std::vector<float> b = RandomFloats(d.k * d.n, rng);

        // TensorFlow's semantics in float64: op(a)(i,p), op(b)(p,j) read
        // from the row-major buffers.
        auto op_a = [&](int64_t i, int64_t p) {
          return static_cast<double>(ta ? a[static_cast<size_t>(p * d.m + i)]
                                        : a[static_cast<size_t>(i * d.k + p)]);
        };
        auto op_b = [&](int64_t p, int64_t j) {
          return static_cast<double>(tb ? b[static_cast<size_t>(j * d.k + p)]
                                        : b[static_cast<size_t>(p * d.n + j)]);
        };

        // The call as the kernel makes it: `first` and `second` chosen by
        // kFirstInput / kSecondInput from the MatMul inputs (a, b).
        const cuda::ColumnMajorGemm g = cuda::MapRowMajorMatMul(a_shape, ta, b_shape, tb);
        const std::array<const std::vector<float>*, 2> inputs = {&a, &b};
        const std::vector<float>& first = *inputs[cuda::ColumnMajorGemm::kFirstInput];
        const std::vector<float>& second = *inputs[cuda::ColumnMajorGemm::kSecondInput];
        std::vector<float> c(static_cast<size_t>(d.m * d.n), std::nanf(""));
        const SgemmResult r = ColumnMajorSgemm(g.transpose_first, g.transpose_second, g.m, g.n,
                                               g.k, first, g.ld_first, second, g.ld_second, c,
                                               g.ld_result);
        INFO(r.why);
        CHECK(r.ok);
        if (!r.ok) continue;

        // The column-major result, read as the row-major [m,n] output.
        int64_t bad = 0;
        std::string first_bad;
        for (int64_t i = 0; i < d.m; ++i) {
          for (int64_t j = 0; j < d.n; ++j) {
            double want = 0, bound = 0;
            for (int64_t p = 0; p < d.k; ++p) {
              want += op_a(i, p) * op_b(p, j);
              bound += std::abs(op_a(i, p) * op_b(p, j));
            }
            const double got = c[static_cast<size_t>(i * d.n + j)];
            const double tolerance = static_cast<double>(d.k) * kEps * bound;
            if (!(std::abs(got - want) <= tolerance) && bad++ == 0) {
              std::ostringstream os;
              os << "C[" << i << "," << j << "] = " << got << ", want " << want << " +- "
                 << tolerance;
              first_bad = os.str();
            }
          }
        }
        INFO(first_bad);
        CHECK(bad == 0);
      }
    }
  }
}
