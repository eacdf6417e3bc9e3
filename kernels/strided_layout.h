// The iteration space of a walk over N operands, shared by the CPU and CUDA
// kernels: the output is contiguous, and each operand is read at its own
// strides (0 along broadcast dims). Host code: the CPU loops walk it
// directly, the CUDA launch code (kernels/cuda/launch.h) turns it into
// offset calculators.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/shape.h"

namespace tensorgraph {

// Strides (in elements) of `shape` viewed as out.rank() dims broadcast to
// `out`: 0 along dims where it is broadcast.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out);

// A walk over `dims` (outermost first) that writes a contiguous output;
// operand k is at offset sum(index[d] * strides[k][d]). Size-1 dims are
// dropped and neighbours merged wherever every operand walks them as one,
// so dims is short and never empty (a single element is dims {1}).
template <size_t N>
struct StridedLayout {
  std::vector<int64_t> dims;
  std::array<std::vector<int64_t>, N> strides;

  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

// The layout of `dims` with these per-operand strides, merged.
template <size_t N>
StridedLayout<N> MergeDims(const std::vector<int64_t>& dims,
                           const std::array<std::vector<int64_t>, N>& strides);

// N inputs broadcast to a non-empty output `out`.
template <size_t N>
StridedLayout<N> MakeBroadcastLayout(const std::array<const Shape*, N>& inputs, const Shape& out);

}  // namespace tensorgraph
