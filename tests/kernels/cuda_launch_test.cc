// The host-side index and launch arithmetic of the CUDA backend, checked on
// the CPU (tagged [cuda-host]; no GPU and no CUDA header needed).
//
// Every CUDA kernel finds its operands through this code: the fast division
// that turns a linear index into a multi-index (FastDivmod), the offsets of
// each operand at that index (OffsetCalculator, made from a StridedLayout
// that MakeBroadcastLayout / MergeDims build), the cutting of walks too big
// for 32-bit offsets into pieces (SplitFor32BitIndexing); the grid and the
// width of vectorized accesses (cuda_grid_test.cc) and the GEMM mapping
// (cuda_gemm_test.cc) have files of their own. A mistake in any of them reads or writes the
// wrong element on the device, which a machine without a GPU would never
// see; here each is checked against values the test computes on its own:
//
//   1. FastDivmod against the hardware's / and % (edge and random pairs).
//   2. OffsetCalculator<N> against numpy broadcasting computed from the
//      unmerged shapes, and against the CPU's walk (ForEachStridedIndex);
//      N = 1 against a directly computed transpose.
//   3. MergeDims by value, and as a property: merging never changes the
//      sequence of offsets and leaves no mergeable neighbours.
//   4. SplitFor32BitIndexing: pieces cover every output index once, stay
//      below the limit, and their bases plus local offsets are the unsplit
//      offsets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "graph/error.h"
#include "graph/shape.h"
#include "kernels/cpu/strided_walk.h"
#include "kernels/cuda/launch.h"
#include "kernels/strided_layout.h"

using namespace tensorgraph;
using cuda::FastDivmod;
using cuda::IndexPiece;
using cuda::OffsetCalculator;

namespace {

constexpr uint64_t kTwo31 = uint64_t{1} << 31;
constexpr uint32_t kMaxIndex = static_cast<uint32_t>(kTwo31 - 1);  // 2^31 - 1

template <size_t N>
using OffsetList = std::vector<std::array<int64_t, N>>;

// ---------------------------------------------------------------------------
// Independent references: index arithmetic written out directly.

int64_t Product(const std::vector<int64_t>& dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

std::vector<int64_t> RowMajorStrides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) strides[d - 1] = strides[d] * dims[d];
  return strides;
}

// The multi-index of `linear` in `dims`, last dim fastest.
std::vector<int64_t> Unravel(int64_t linear, const std::vector<int64_t>& dims) {
  std::vector<int64_t> index(dims.size(), 0);
  for (size_t d = dims.size(); d-- > 0;) {
    index[d] = linear % dims[d];
    linear /= dims[d];
  }
  return index;
}

// numpy broadcasting: the offset of each (contiguous, row-major) input at
// every linear index of `out`. Inputs are right-aligned against `out`; an
// input dim of 1 reads index 0.
template <size_t N>
OffsetList<N> BroadcastReference(const std::array<std::vector<int64_t>, N>& inputs,
                                 const std::vector<int64_t>& out) {
  OffsetList<N> offsets;
  for (int64_t i = 0; i < Product(out); ++i) {
    const std::vector<int64_t> index = Unravel(i, out);
    std::array<int64_t, N> o{};
    for (size_t k = 0; k < N; ++k) {
      const std::vector<int64_t>& shape = inputs[k];
      const std::vector<int64_t> strides = RowMajorStrides(shape);
      for (size_t d = 0; d < shape.size(); ++d) {
        const size_t od = out.size() - shape.size() + d;
        o[k] += (shape[d] == 1 ? 0 : index[od]) * strides[d];
      }
    }
    offsets.push_back(o);
  }
  return offsets;
}

// The output dims of transposing `in` by `perm` (out dim i is in dim perm[i]).
std::vector<int64_t> PermutedDims(const std::vector<int64_t>& in, const std::vector<int>& perm) {
  std::vector<int64_t> out;
  for (int p : perm) out.push_back(in[static_cast<size_t>(p)]);
  return out;
}

// The strides, along the output's dims, at which a transpose reads `in`.
std::vector<int64_t> PermutedStrides(const std::vector<int64_t>& in, const std::vector<int>& perm) {
  const std::vector<int64_t> strides = RowMajorStrides(in);
  std::vector<int64_t> out;
  for (int p : perm) out.push_back(strides[static_cast<size_t>(p)]);
  return out;
}

// The input offset of every output element of a transpose, from the
// multi-indices (in[perm[i]] = out[i]).
OffsetList<1> TransposeReference(const std::vector<int64_t>& in, const std::vector<int>& perm) {
  const std::vector<int64_t> out = PermutedDims(in, perm);
  const std::vector<int64_t> in_strides = RowMajorStrides(in);
  OffsetList<1> offsets;
  for (int64_t i = 0; i < Product(out); ++i) {
    const std::vector<int64_t> out_index = Unravel(i, out);
    std::vector<int64_t> in_index(in.size(), 0);
    for (size_t d = 0; d < perm.size(); ++d) in_index[static_cast<size_t>(perm[d])] = out_index[d];
    int64_t offset = 0;
    for (size_t d = 0; d < in.size(); ++d) offset += in_index[d] * in_strides[d];
    offsets.push_back({offset});
  }
  return offsets;
}

// The offsets of an (unmerged) walk over `dims` with per-operand strides,
// from the multi-index of each linear index.
template <size_t N>
OffsetList<N> DirectWalkReference(const std::vector<int64_t>& dims,
                                  const std::array<std::vector<int64_t>, N>& strides) {
  OffsetList<N> offsets;
  for (int64_t i = 0; i < Product(dims); ++i) {
    const std::vector<int64_t> index = Unravel(i, dims);
    std::array<int64_t, N> o{};
    for (size_t k = 0; k < N; ++k) {
      for (size_t d = 0; d < dims.size(); ++d) o[k] += index[d] * strides[k][d];
    }
    offsets.push_back(o);
  }
  return offsets;
}

// ---------------------------------------------------------------------------
// The walks under test, collected as offset lists.

// The CPU's walk over a layout (kernels/cpu/strided_walk.h).
template <size_t N>
OffsetList<N> CpuWalk(const StridedLayout<N>& layout) {
  std::array<const int64_t*, N> strides{};
  for (size_t k = 0; k < N; ++k) strides[k] = layout.strides[k].data();
  OffsetList<N> offsets;
  cpu::ForEachStridedIndex<N>(layout.dims, strides, std::array<int64_t, N>{},
                              [&](const std::array<int64_t, N>& o) { offsets.push_back(o); });
  return offsets;
}

// What a CUDA kernel computes at each linear index of a layout.
template <size_t N>
OffsetList<N> CalculatorWalk(const StridedLayout<N>& layout) {
  const OffsetCalculator<N> calc = cuda::MakeOffsetCalculator<N>(layout);
  OffsetList<N> offsets;
  for (int64_t i = 0; i < layout.num_elements(); ++i) {
    const std::array<uint32_t, N> got = calc.Get(static_cast<uint32_t>(i));
    std::array<int64_t, N> o{};
    for (size_t k = 0; k < N; ++k) o[k] = got[k];
    offsets.push_back(o);
  }
  return offsets;
}

template <typename T>
std::string Str(const std::vector<T>& v) {
  std::ostringstream os;
  os << "{";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << "}";
  return os.str();
}

template <size_t N>
std::string Str(const std::array<int64_t, N>& a) {
  return Str(std::vector<int64_t>(a.begin(), a.end()));
}

// One assertion per list: same length, and every entry equal (the first
// difference is reported).
template <size_t N>
void CheckSameOffsets(const OffsetList<N>& got, const OffsetList<N>& want) {
  REQUIRE(got.size() == want.size());
  size_t mismatches = 0;
  std::string first;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i] && mismatches++ == 0) {
      first = "linear index " + std::to_string(i) + ": got " + Str(got[i]) + ", want " +
              Str(want[i]);
    }
  }
  INFO(first);
  CHECK(mismatches == 0);
}

// ---------------------------------------------------------------------------
// FastDivmod helpers.

void CheckDivision(const FastDivmod& f, uint32_t d, uint32_t n) {
  CAPTURE(d, n);
  CHECK(f.Div(n) == n / d);
  uint32_t q = 0xdeadbeef, r = 0xdeadbeef;
  f.DivMod(n, q, r);
  CHECK(q == n / d);
  CHECK(r == n % d);
}

// 1, 2, 3, 5, 7, 641, 2^k and 2^k +- 1 for k <= 30, 2^31 - 1.
std::vector<uint32_t> EdgeDivisors() {
  std::vector<uint64_t> d = {1, 2, 3, 5, 7, 641, kTwo31 - 1};
  for (int k = 0; k <= 30; ++k) {
    const uint64_t p = uint64_t{1} << k;
    d.insert(d.end(), {p - 1, p, p + 1});
  }
  std::vector<uint32_t> out;
  for (uint64_t v : d) {
    if (v >= 1 && v < kTwo31) out.push_back(static_cast<uint32_t>(v));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// 0, 1, d-1, d, d+1, multiples of d and their neighbours (up to the last
// multiple below 2^31), 2^31 - 1 and 2^31 - 2.
std::vector<uint32_t> EdgeNumerators(uint64_t d) {
  const uint64_t last_quotient = (kTwo31 - 1) / d;
  std::vector<uint64_t> n = {0, 1, d - 1, d, d + 1, kTwo31 - 1, kTwo31 - 2};
  for (uint64_t m : {uint64_t{2}, uint64_t{3}, uint64_t{10}, uint64_t{1000}, last_quotient - 1,
                     last_quotient}) {
    if (m == 0) continue;
    n.insert(n.end(), {m * d - 1, m * d, m * d + 1});
  }
  std::vector<uint32_t> out;
  for (uint64_t v : n) {
    if (v < kTwo31) out.push_back(static_cast<uint32_t>(v));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Broadcast cases (inputs are contiguous, `out` is their numpy broadcast).

template <size_t N>
struct BroadcastCase {
  std::string name;
  std::array<std::vector<int64_t>, N> inputs;
  std::vector<int64_t> out;
};

template <size_t N>
StridedLayout<N> BroadcastLayoutOf(const BroadcastCase<N>& c, std::array<Shape, N>& shapes) {
  std::array<const Shape*, N> pointers{};
  for (size_t k = 0; k < N; ++k) {
    shapes[k] = Shape(c.inputs[k]);
    pointers[k] = &shapes[k];
  }
  return MakeBroadcastLayout<N>(pointers, Shape(c.out));
}

const std::vector<BroadcastCase<2>>& BinaryBroadcastCases() {
  static const std::vector<BroadcastCase<2>> cases = {
      {"scalar with matrix", {{{}, {3, 4}}}, {3, 4}},
      {"matrix with scalar", {{{3, 4}, {}}}, {3, 4}},
      {"row vector with matrix", {{{4}, {3, 4}}}, {3, 4}},
      {"[1,4] row with matrix", {{{1, 4}, {3, 4}}}, {3, 4}},
      {"column with matrix", {{{3, 1}, {3, 4}}}, {3, 4}},
      {"matrix with column", {{{3, 4}, {3, 1}}}, {3, 4}},
      {"column with row", {{{5, 1}, {1, 6}}}, {5, 6}},
      {"[2,1,3] with [4,1]", {{{2, 1, 3}, {4, 1}}}, {2, 4, 3}},
      {"rank 5 with mixed 1s", {{{2, 1, 3, 1, 5}, {4, 1, 6, 5}}}, {2, 4, 3, 6, 5}},
      {"rank 5 against rank 3", {{{1, 3, 1, 2, 1}, {1, 4, 3}}}, {1, 3, 1, 4, 3}},
      {"rank 5, 1s at both ends", {{{1, 2, 1, 3, 1}, {2, 2, 5, 1, 1}}}, {2, 2, 5, 3, 1}},
      {"equal shapes", {{{2, 3, 4}, {2, 3, 4}}}, {2, 3, 4}},
      {"single element", {{{1, 1}, {}}}, {1, 1}},
  };
  return cases;
}

// ---------------------------------------------------------------------------
// SplitFor32BitIndexing: checks the pieces of `layout` (whose unsplit
// offsets are `want`, computed independently) for a limit of `max_offset`.

template <size_t N>
void CheckSplit(const StridedLayout<N>& layout, const OffsetList<N>& want, int64_t max_offset) {
  CAPTURE(max_offset, Str(layout.dims));
  const int64_t total = static_cast<int64_t>(want.size());
  REQUIRE(layout.num_elements() == total);
  const std::vector<IndexPiece<N>> pieces = cuda::SplitFor32BitIndexing<N>(layout, max_offset);
  REQUIRE_FALSE(pieces.empty());

  std::vector<int> covered(static_cast<size_t>(total), 0);
  int64_t too_many_elements = 0, out_of_output = 0, offset_over_limit = 0, wrong_offset = 0,
          calculator_differs = 0;
  std::string first_wrong;
  for (const IndexPiece<N>& piece : pieces) {
    const int64_t count = piece.layout.num_elements();
    // Every linear index (0 .. count-1) of a piece must be below the limit.
    if (count < 1 || count > max_offset) ++too_many_elements;
    if (piece.output_base < 0 || piece.output_base + count > total) {
      ++out_of_output;
      continue;
    }
    const OffsetList<N> local = CpuWalk(piece.layout);
    if (CalculatorWalk(piece.layout) != local) ++calculator_differs;
    for (int64_t j = 0; j < count; ++j) {
      const int64_t out_index = piece.output_base + j;
      ++covered[static_cast<size_t>(out_index)];
      for (size_t k = 0; k < N; ++k) {
        const int64_t offset = local[static_cast<size_t>(j)][k];
        if (offset < 0 || offset >= max_offset) ++offset_over_limit;
        if (piece.input_bases[k] + offset != want[static_cast<size_t>(out_index)][k] &&
            wrong_offset++ == 0) {
          first_wrong = "output index " + std::to_string(out_index) + ", operand " +
                        std::to_string(k) + ": base " + std::to_string(piece.input_bases[k]) +
                        " + local " + std::to_string(offset) + " != " +
                        std::to_string(want[static_cast<size_t>(out_index)][k]);
        }
      }
    }
  }
  CAPTURE(pieces.size());
  CHECK(too_many_elements == 0);
  CHECK(out_of_output == 0);
  CHECK(offset_over_limit == 0);
  CHECK(calculator_differs == 0);
  INFO(first_wrong);
  CHECK(wrong_offset == 0);
  CHECK(std::count(covered.begin(), covered.end(), 1) == total);  // each index exactly once
}

}  // namespace

// ===========================================================================
// 1. FastDivmod

TEST_CASE("FastDivmod divides edge numerators by edge divisors exactly", "[cuda-host]") {
  const std::vector<uint32_t> divisors = EdgeDivisors();
  CHECK(divisors.size() > 90);  // the list is what it says
  for (uint32_t d : divisors) {
    const FastDivmod f(d);
    CHECK(f.divisor() == d);
    for (uint32_t n : EdgeNumerators(d)) CheckDivision(f, d, n);
  }
}

TEST_CASE("FastDivmod agrees with / and % on random pairs below 2^31", "[cuda-host]") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> bits_dist(1, 31);
  for (int trial = 0; trial < 4000; ++trial) {
    // Divisors spread over every magnitude (log-uniform), numerators both
    // uniform and just around a multiple of the divisor.
    const int bits = bits_dist(rng);
    const uint32_t d = std::max<uint32_t>(1, static_cast<uint32_t>(rng() & ((uint64_t{1} << bits) - 1)));
    uint32_t n = static_cast<uint32_t>(rng() & kMaxIndex);
    if (trial % 2 == 1) {
      const uint64_t q = rng() % (kMaxIndex / d + 1);
      const uint64_t near = q * d + (rng() % 3) - 1;  // q*d - 1, q*d or q*d + 1
      if (near < kTwo31) n = static_cast<uint32_t>(near);
    }
    CheckDivision(FastDivmod(d), d, n);
  }
}

TEST_CASE("FastDivmod rejects a zero divisor; a default one divides by 1", "[cuda-host]") {
  CHECK_THROWS_AS(FastDivmod(0), Error);
  const FastDivmod unit;
  CHECK(unit.divisor() == 1);
  for (uint32_t n : {0u, 1u, 12345u, kMaxIndex - 1, kMaxIndex}) CheckDivision(unit, 1, n);
}

// ===========================================================================
// 2. OffsetCalculator against numpy broadcasting and the CPU walk

TEST_CASE("OffsetCalculator<2> reproduces numpy broadcasting", "[cuda-host]") {
  for (const BroadcastCase<2>& c : BinaryBroadcastCases()) {
    SECTION(c.name) {
      std::array<Shape, 2> shapes;
      const StridedLayout<2> layout = BroadcastLayoutOf(c, shapes);
      const OffsetList<2> want = BroadcastReference<2>(c.inputs, c.out);
      CHECK(layout.num_elements() == Product(c.out));
      INFO("CPU walk over the merged layout");
      CheckSameOffsets(CpuWalk(layout), want);
      INFO("CUDA offset calculator");
      CheckSameOffsets(CalculatorWalk(layout), want);
    }
  }
}

TEST_CASE("OffsetCalculator<3> reproduces numpy broadcasting", "[cuda-host]") {
  const std::vector<BroadcastCase<3>> cases = {
      {"[2,1,4], [3,1] and a scalar", {{{2, 1, 4}, {3, 1}, {}}}, {2, 3, 4}},
      {"rank 5 with mixed 1s", {{{2, 1, 3, 1, 5}, {4, 1, 1, 5}, {1, 1, 3, 6, 1}}}, {2, 4, 3, 6, 5}},
      {"three equal shapes", {{{3, 5, 2}, {3, 5, 2}, {3, 5, 2}}}, {3, 5, 2}},
  };
  for (const BroadcastCase<3>& c : cases) {
    SECTION(c.name) {
      std::array<Shape, 3> shapes;
      const StridedLayout<3> layout = BroadcastLayoutOf(c, shapes);
      const OffsetList<3> want = BroadcastReference<3>(c.inputs, c.out);
      INFO("CPU walk over the merged layout");
      CheckSameOffsets(CpuWalk(layout), want);
      INFO("CUDA offset calculator");
      CheckSameOffsets(CalculatorWalk(layout), want);
    }
  }
}

TEST_CASE("MakeBroadcastLayout merges to the expected dims", "[cuda-host]") {
  auto layout_of = [](std::vector<int64_t> a, std::vector<int64_t> b, std::vector<int64_t> out) {
    std::array<Shape, 2> shapes;
    return BroadcastLayoutOf(BroadcastCase<2>{"", {{std::move(a), std::move(b)}}, std::move(out)},
                             shapes);
  };
  SECTION("equal shapes are one contiguous dim") {
    const StridedLayout<2> l = layout_of({2, 3, 4}, {2, 3, 4}, {2, 3, 4});
    CHECK(l.dims == std::vector<int64_t>{24});
    CHECK(l.strides[0] == std::vector<int64_t>{1});
    CHECK(l.strides[1] == std::vector<int64_t>{1});
  }
  SECTION("a scalar is one dim of stride 0") {
    const StridedLayout<2> l = layout_of({}, {3, 4}, {3, 4});
    CHECK(l.dims == std::vector<int64_t>{12});
    CHECK(l.strides[0] == std::vector<int64_t>{0});
    CHECK(l.strides[1] == std::vector<int64_t>{1});
  }
  SECTION("a row against a matrix keeps both dims") {
    const StridedLayout<2> l = layout_of({4}, {3, 4}, {3, 4});
    CHECK(l.dims == std::vector<int64_t>{3, 4});
    CHECK(l.strides[0] == std::vector<int64_t>{0, 1});
    CHECK(l.strides[1] == std::vector<int64_t>{4, 1});
  }
  SECTION("a single element is dims {1}") {
    const StridedLayout<2> l = layout_of({1, 1}, {}, {1, 1});
    CHECK(l.dims == std::vector<int64_t>{1});
    CHECK(l.num_elements() == 1);
  }
}

TEST_CASE("OffsetCalculator<1> of a transposed layout reads the transpose", "[cuda-host]") {
  struct Case {
    std::vector<int64_t> in;
    std::vector<int> perm;
  };
  const std::vector<Case> cases = {
      {{6, 7}, {1, 0}},
      {{3, 4, 5}, {2, 0, 1}},
      {{3, 4, 5}, {0, 2, 1}},
      {{4, 1, 6}, {2, 1, 0}},
      {{2, 3, 4, 5}, {0, 2, 1, 3}},
      {{2, 3, 4, 5}, {3, 2, 1, 0}},
      {{2, 1, 3, 1, 4}, {4, 3, 0, 1, 2}},
      {{2, 3, 4}, {0, 1, 2}},  // the identity: one contiguous dim
  };
  for (const Case& c : cases) {
    CAPTURE(Str(c.in), Str(c.perm));
    const StridedLayout<1> layout =
        MergeDims<1>(PermutedDims(c.in, c.perm), {PermutedStrides(c.in, c.perm)});
    const OffsetList<1> want = TransposeReference(c.in, c.perm);
    CheckSameOffsets(CpuWalk(layout), want);
    CheckSameOffsets(CalculatorWalk(layout), want);
  }
}

TEST_CASE("OffsetCalculator takes 12 dims and rejects more, or a dim over 2^31-1", "[cuda-host]") {
  // 12 dims of 2, outermost stride 1: the offset of linear index i is i
  // with its 12 bits reversed. Nothing merges.
  StridedLayout<1> twelve;
  for (int d = 0; d < 12; ++d) {
    twelve.dims.push_back(2);
    twelve.strides[0].push_back(int64_t{1} << d);
  }
  OffsetList<1> want;
  for (int64_t i = 0; i < 4096; ++i) {
    int64_t reversed = 0;
    for (int b = 0; b < 12; ++b) reversed |= ((i >> b) & 1) << (11 - b);
    want.push_back({reversed});
  }
  CheckSameOffsets(CalculatorWalk(twelve), want);

  StridedLayout<1> thirteen = twelve;
  thirteen.dims.push_back(2);
  thirteen.strides[0].push_back(int64_t{1} << 12);
  CHECK_THROWS_AS(cuda::MakeOffsetCalculator<1>(thirteen), Error);

  StridedLayout<1> huge;
  huge.dims = {int64_t{1} << 31};
  huge.strides[0] = {0};
  CHECK_THROWS_AS(cuda::MakeOffsetCalculator<1>(huge), Error);
}

// ===========================================================================
// 3. MergeDims

TEST_CASE("MergeDims merges contiguous dims, drops 1s and keeps the rest", "[cuda-host]") {
  SECTION("contiguous dims become one") {
    const StridedLayout<1> l = MergeDims<1>({2, 3, 4}, {{{12, 4, 1}}});
    CHECK(l.dims == std::vector<int64_t>{24});
    CHECK(l.strides[0] == std::vector<int64_t>{1});
  }
  SECTION("a size-1 dim is dropped whatever its stride") {
    const StridedLayout<1> l = MergeDims<1>({2, 1, 3}, {{{3, 99, 1}}});
    CHECK(l.dims == std::vector<int64_t>{6});
    CHECK(l.strides[0] == std::vector<int64_t>{1});
  }
  SECTION("1s at both ends are dropped") {
    const StridedLayout<1> l = MergeDims<1>({1, 5, 1}, {{{5, 1, 1}}});
    CHECK(l.dims == std::vector<int64_t>{5});
    CHECK(l.strides[0] == std::vector<int64_t>{1});
  }
  SECTION("a transpose does not merge") {
    const StridedLayout<1> l = MergeDims<1>({3, 4}, {{{1, 3}}});
    CHECK(l.dims == std::vector<int64_t>{3, 4});
    CHECK(l.strides[0] == std::vector<int64_t>{1, 3});
  }
  SECTION("padded rows merge only where contiguous") {
    // [2,3,4] read from rows of 8 elements: the outer two dims merge.
    const StridedLayout<1> l = MergeDims<1>({2, 3, 4}, {{{24, 8, 1}}});
    CHECK(l.dims == std::vector<int64_t>{6, 4});
    CHECK(l.strides[0] == std::vector<int64_t>{8, 1});
  }
  SECTION("dims merge only where every operand allows it") {
    const StridedLayout<2> kept = MergeDims<2>({2, 3}, {{{3, 1}, {0, 1}}});
    CHECK(kept.dims == std::vector<int64_t>{2, 3});
    CHECK(kept.strides[0] == std::vector<int64_t>{3, 1});
    CHECK(kept.strides[1] == std::vector<int64_t>{0, 1});
    const StridedLayout<2> merged = MergeDims<2>({2, 3}, {{{3, 1}, {0, 0}}});
    CHECK(merged.dims == std::vector<int64_t>{6});
    CHECK(merged.strides[0] == std::vector<int64_t>{1});
    CHECK(merged.strides[1] == std::vector<int64_t>{0});
  }
  SECTION("a single element is dims {1}") {
    const StridedLayout<1> ones = MergeDims<1>({1, 1, 1}, {{{5, 6, 7}}});
    CHECK(ones.dims == std::vector<int64_t>{1});
    CHECK(ones.strides[0] == std::vector<int64_t>{0});
    const StridedLayout<2> scalar = MergeDims<2>({}, {{{}, {}}});
    CHECK(scalar.dims == std::vector<int64_t>{1});
    CHECK(scalar.strides[0] == std::vector<int64_t>{0});
    CHECK(scalar.strides[1] == std::vector<int64_t>{0});
  }
}

TEST_CASE("MergeDims keeps every offset and leaves nothing to merge", "[cuda-host]") {
  // Random walks: dims of 1..4, each operand a permuted contiguous tensor
  // with some dims broadcast (stride 0).
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t rank = 1 + rng() % 6;
    std::vector<int64_t> dims(rank);
    for (int64_t& d : dims) d = 1 + static_cast<int64_t>(rng() % 4);
    std::array<std::vector<int64_t>, 2> strides;
    for (auto& s : strides) {
      std::vector<int> order(rank);
      std::iota(order.begin(), order.end(), 0);
      if (rng() % 2) std::shuffle(order.begin(), order.end(), rng);
      s.assign(rank, 0);
      int64_t stride = 1;
      for (size_t i = rank; i-- > 0;) {  // order[rank-1] is the fastest
        const size_t d = static_cast<size_t>(order[i]);
        const bool broadcast = rng() % 4 == 0;
        s[d] = broadcast ? 0 : stride;
        if (!broadcast) stride *= dims[d];
      }
    }
    CAPTURE(trial, Str(dims), Str(strides[0]), Str(strides[1]));
    const StridedLayout<2> l = MergeDims<2>(dims, strides);
    CHECK(l.num_elements() == Product(dims));
    const OffsetList<2> want = DirectWalkReference<2>(dims, strides);
    CheckSameOffsets(CpuWalk(l), want);
    CheckSameOffsets(CalculatorWalk(l), want);
    // No size-1 dims (unless the single element) and no mergeable pair.
    bool has_one = false, mergeable = false;
    for (int64_t d : l.dims) has_one = has_one || d == 1;
    for (size_t d = 0; d + 1 < l.dims.size(); ++d) {
      bool all = true;
      for (size_t k = 0; k < 2; ++k) {
        all = all && l.strides[k][d] == l.strides[k][d + 1] * l.dims[d + 1];
      }
      mergeable = mergeable || all;
    }
    CHECK((!has_one || l.dims == std::vector<int64_t>{1}));
    CHECK_FALSE(mergeable);
  }
}

// ===========================================================================
// 4. SplitFor32BitIndexing

TEST_CASE("SplitFor32BitIndexing pieces cover the walk once, below the limit", "[cuda-host]") {
  SECTION("a broadcast of two operands") {
    const BroadcastCase<2> c{"", {{{30, 1, 50}, {7, 1}}}, {30, 7, 50}};  // 10500 elements
    std::array<Shape, 2> shapes;
    const StridedLayout<2> layout = BroadcastLayoutOf(c, shapes);
    const OffsetList<2> want = BroadcastReference<2>(c.inputs, c.out);
    for (int64_t max_offset : {64, 100, 1000}) CheckSplit(layout, want, max_offset);
  }
  SECTION("a broadcast where every operand is smaller than the output") {
    const BroadcastCase<2> c{"", {{{40, 1, 3}, {1, 25, 3}}}, {40, 25, 3}};  // 3000 elements
    std::array<Shape, 2> shapes;
    const StridedLayout<2> layout = BroadcastLayoutOf(c, shapes);
    const OffsetList<2> want = BroadcastReference<2>(c.inputs, c.out);
    for (int64_t max_offset : {1, 7, 64, 100}) CheckSplit(layout, want, max_offset);
  }
  SECTION("a transpose") {
    const std::vector<int64_t> in = {40, 60};
    const std::vector<int> perm = {1, 0};
    const StridedLayout<1> layout =
        MergeDims<1>(PermutedDims(in, perm), {PermutedStrides(in, perm)});
    const OffsetList<1> want = TransposeReference(in, perm);
    for (int64_t max_offset : {1, 7, 64, 100, 1000}) CheckSplit(layout, want, max_offset);
  }
  SECTION("a rank-4 transpose") {
    const std::vector<int64_t> in = {5, 6, 7, 8};  // 1680 elements
    const std::vector<int> perm = {3, 1, 0, 2};
    const StridedLayout<1> layout =
        MergeDims<1>(PermutedDims(in, perm), {PermutedStrides(in, perm)});
    const OffsetList<1> want = TransposeReference(in, perm);
    for (int64_t max_offset : {64, 100}) CheckSplit(layout, want, max_offset);
  }
  SECTION("three operands: a transpose, a broadcast row and a scalar") {
    const std::vector<int64_t> in = {20, 3, 50};  // read as [50, 3, 20]
    const std::vector<int> perm = {2, 1, 0};
    const std::vector<int64_t> out = PermutedDims(in, perm);
    const std::array<std::vector<int64_t>, 3> strides = {
        PermutedStrides(in, perm), std::vector<int64_t>{0, 20, 1}, std::vector<int64_t>{0, 0, 0}};
    const StridedLayout<3> layout = MergeDims<3>(out, strides);
    // Independent: operand 0 is the transpose, operand 1 a [3,20] tensor
    // broadcast over the outer dim, operand 2 offset 0.
    const OffsetList<1> transpose = TransposeReference(in, perm);
    const OffsetList<2> rest = BroadcastReference<2>({{{3, 20}, {}}}, out);
    OffsetList<3> want;
    for (size_t i = 0; i < transpose.size(); ++i) {
      want.push_back({transpose[i][0], rest[i][0], rest[i][1]});
    }
    for (int64_t max_offset : {64, 100}) CheckSplit(layout, want, max_offset);
  }
}

TEST_CASE("SplitFor32BitIndexing: nothing for an empty walk, the walk when it fits",
          "[cuda-host]") {
  SECTION("an empty layout gives no pieces") {
    StridedLayout<1> empty;
    empty.dims = {5, 0, 3};
    empty.strides[0] = {0, 3, 1};
    CHECK(cuda::SplitFor32BitIndexing<1>(empty).empty());
    CHECK(cuda::SplitFor32BitIndexing<1>(empty, 1).empty());
  }
  SECTION("a layout that fits is one piece, the layout itself") {
    const BroadcastCase<2> c{"", {{{30, 1, 50}, {7, 1}}}, {30, 7, 50}};
    std::array<Shape, 2> shapes;
    const StridedLayout<2> layout = BroadcastLayoutOf(c, shapes);
    for (int64_t max_offset : {int64_t{INT32_MAX}, int64_t{30 * 7 * 50}}) {
      CAPTURE(max_offset);
      const std::vector<IndexPiece<2>> pieces = cuda::SplitFor32BitIndexing<2>(layout, max_offset);
      REQUIRE(pieces.size() == 1);
      CHECK(pieces[0].layout.dims == layout.dims);
      CHECK(pieces[0].layout.strides[0] == layout.strides[0]);
      CHECK(pieces[0].layout.strides[1] == layout.strides[1]);
      CHECK(pieces[0].output_base == 0);
      CHECK(pieces[0].input_bases == std::array<int64_t, 2>{0, 0});
    }
    // One element over the limit must cut it.
    CHECK(cuda::SplitFor32BitIndexing<2>(layout, 30 * 7 * 50 - 1).size() > 1);
  }
  SECTION("a layout whose offsets, not its count, pass the limit is cut") {
    // 100 elements read 1000 apart: the count fits a limit of 500, the
    // offsets do not.
    StridedLayout<1> sparse;
    sparse.dims = {100};
    sparse.strides[0] = {1000};
    OffsetList<1> want;
    for (int64_t i = 0; i < 100; ++i) want.push_back({i * 1000});
    CHECK(cuda::SplitFor32BitIndexing<1>(sparse, 500).size() > 1);
    CheckSplit(sparse, want, 500);
  }
  SECTION("the limit bounds the last offset: an offset equal to it is cut off") {
    // Offsets 0, 25, ..., 100: they fit a limit of 101, not one of 100.
    StridedLayout<1> l;
    l.dims = {5};
    l.strides[0] = {25};
    OffsetList<1> want;
    for (int64_t i = 0; i < 5; ++i) want.push_back({i * 25});
    CHECK(cuda::SplitFor32BitIndexing<1>(l, 101).size() == 1);
    CHECK(cuda::SplitFor32BitIndexing<1>(l, 100).size() > 1);
    CheckSplit(l, want, 100);
  }
}
