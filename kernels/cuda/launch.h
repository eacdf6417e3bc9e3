// Index and launch arithmetic of the CUDA kernels, as host code that the
// CPU test suite checks (tests/kernels/cuda_launch_test.cc) and device code
// instantiates: fast division by a run-time constant, the offset of every
// input of a broadcasting (or strided) walk from the output's linear
// index, the grid for n elements, and the split of an iteration space too
// large for 32-bit offsets. Nothing here includes a CUDA header.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "kernels/functors/host_device.h"
#include "kernels/strided_layout.h"

namespace tensorgraph::cuda {

// Division of 32-bit unsigned numbers by a divisor fixed at launch, as a
// multiply-high and a shift (Granlund and Montgomery, "Division by
// invariant integers using multiplication", 1994): the strided walks divide
// the linear index by every dim size, and a hardware divide costs ~20
// instructions where this costs 3. Exact for numerators below 2^31, as far
// as the kernels index (SplitFor32BitIndexing keeps them there).
class FastDivmod {
 public:
  FastDivmod() = default;
  // 1 <= divisor <= 2^31 - 1; throws otherwise.
  explicit FastDivmod(uint32_t divisor);

  TG_HOST_DEVICE uint32_t Div(uint32_t n) const {
#if defined(__CUDA_ARCH__)
    const uint32_t hi = __umulhi(n, multiplier_);
#else
    const uint32_t hi = static_cast<uint32_t>((static_cast<uint64_t>(n) * multiplier_) >> 32);
#endif
    return (hi + n) >> shift_;
  }
  TG_HOST_DEVICE void DivMod(uint32_t n, uint32_t& quotient, uint32_t& remainder) const {
    quotient = Div(n);
    remainder = n - quotient * divisor_;
  }
  TG_HOST_DEVICE uint32_t divisor() const { return divisor_; }

 private:
  uint32_t divisor_ = 1;
  uint32_t multiplier_ = 0;
  uint32_t shift_ = 0;
};

// The most dims a kernel's walk takes after merging (StridedLayout): the
// rank limit of shapes, which merging only lowers.
inline constexpr int kMaxWalkDims = 12;

// The offsets of N operands (in elements) at each linear index of a walk
// over `dims`, last dim fastest: operand k moves by strides[d][k] along dim
// d. Passed to a kernel by value (it is a few hundred bytes of parameter
// space). 32-bit: the host splits larger walks (SplitFor32BitIndexing).
template <size_t N>
struct OffsetCalculator {
  int num_dims = 0;
  FastDivmod sizes[kMaxWalkDims];  // innermost first
  uint32_t strides[kMaxWalkDims][N];

  TG_HOST_DEVICE std::array<uint32_t, N> Get(uint32_t linear) const {
    std::array<uint32_t, N> offsets{};
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = 0; d < kMaxWalkDims; ++d) {
      if (d == num_dims) break;
      uint32_t q, r;
      sizes[d].DivMod(linear, q, r);
      linear = q;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (size_t k = 0; k < N; ++k) offsets[k] += r * strides[d][k];
    }
    return offsets;
  }
};

// The calculator of a layout whose offsets all fit in 32 bits (one piece of
// SplitFor32BitIndexing).
template <size_t N>
OffsetCalculator<N> MakeOffsetCalculator(const StridedLayout<N>& layout);

// A part of a walk that 32-bit offsets can address: its own layout, and
// where it starts in the output and in each input (in elements).
template <size_t N>
struct IndexPiece {
  StridedLayout<N> layout;
  int64_t output_base = 0;
  std::array<int64_t, N> input_bases{};
};

// Cuts a walk (the output contiguous, in the order of `layout.dims`; strides
// are never negative) into pieces in which every index and offset is below
// 2^31 - 1, along the outermost dims: one piece, the layout itself, in the
// common case. Only tensors of more than 2^31 elements are cut; a
// transpose of one whose inner stride is what does not fit is cut into
// many small pieces (a launch each), which is slow but right.
// `max_offset` is the limit (a parameter so tests can cut small walks).
template <size_t N>
std::vector<IndexPiece<N>> SplitFor32BitIndexing(const StridedLayout<N>& layout,
                                                 int64_t max_offset = INT32_MAX);

// The grid of a one-dimensional kernel: `threads` per block, each thread
// taking `per_thread` consecutive elements, capped at `max_blocks` (the
// kernels loop grid-stride past it).
struct LaunchShape {
  uint32_t blocks = 0;
  uint32_t threads = 0;
};
LaunchShape GridFor(int64_t elements, int per_thread = 4, int threads = 256,
                    int64_t max_blocks = int64_t{1} << 20);

// The vector width (elements per access) for pointers and a length: the
// widest of 4, 2, 1 whose alignment every pointer has, that divides n, and
// whose accesses are at most 16 bytes.
int VectorWidth(std::initializer_list<const void*> pointers, int64_t n, int element_size);

}  // namespace tensorgraph::cuda
