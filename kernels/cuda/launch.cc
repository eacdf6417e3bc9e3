#include "kernels/cuda/launch.h"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "graph/error.h"

namespace tensorgraph::cuda {

FastDivmod::FastDivmod(uint32_t divisor) : divisor_(divisor) {
  if (divisor == 0 || divisor > INT32_MAX) {
    ThrowError(ErrorCode::kInternal, "FastDivmod by ", divisor, ": the divisor must be in [1, 2^31)");
  }
  // shift = ceil(log2(divisor)); multiplier = floor(2^32 * (2^shift - d) / d) + 1,
  // so that (mulhi(n, multiplier) + n) >> shift == n / d for every 32-bit n
  // (the sum is taken in 32 bits: it stays below 2^32 for n < 2^31, which
  // is as far as the kernels index; the tests check the edges).
  shift_ = 0;
  while ((uint64_t{1} << shift_) < divisor) ++shift_;
  const uint64_t one = 1;
  multiplier_ = static_cast<uint32_t>(((one << 32) * ((one << shift_) - divisor)) / divisor + 1);
}

template <size_t N>
OffsetCalculator<N> MakeOffsetCalculator(const StridedLayout<N>& layout) {
  if (layout.dims.size() > static_cast<size_t>(kMaxWalkDims)) {
    ThrowError(ErrorCode::kUnimplemented, "a walk of ", layout.dims.size(),
               " dims after merging; CUDA kernels take at most ", kMaxWalkDims);
  }
  OffsetCalculator<N> calc;
  calc.num_dims = static_cast<int>(layout.dims.size());
  for (int d = 0; d < calc.num_dims; ++d) {
    // innermost first
    const size_t src = layout.dims.size() - 1 - static_cast<size_t>(d);
    if (layout.dims[src] > INT32_MAX) {
      ThrowError(ErrorCode::kInternal, "a walk dim of ", layout.dims[src],
                 " was not split for 32-bit indexing");
    }
    calc.sizes[d] = FastDivmod(static_cast<uint32_t>(layout.dims[src]));
    for (size_t k = 0; k < N; ++k) {
      calc.strides[d][k] = static_cast<uint32_t>(layout.strides[static_cast<size_t>(k)][src]);
    }
  }
  return calc;
}

namespace {

// The largest offset operand k reaches over the layout, plus one.
template <size_t N>
int64_t Extent(const StridedLayout<N>& layout, size_t k) {
  int64_t last = 0;
  for (size_t d = 0; d < layout.dims.size(); ++d) last += (layout.dims[d] - 1) * layout.strides[k][d];
  return last + 1;
}

template <size_t N>
bool Fits(const StridedLayout<N>& layout, int64_t max_offset) {
  if (layout.num_elements() > max_offset) return false;
  for (size_t k = 0; k < N; ++k) {
    if (Extent<N>(layout, k) > max_offset) return false;
  }
  return true;
}

template <size_t N>
void Split(const StridedLayout<N>& layout, int64_t output_base,
           const std::array<int64_t, N>& input_bases, int64_t max_offset,
           std::vector<IndexPiece<N>>& pieces) {
  if (Fits<N>(layout, max_offset)) {
    pieces.push_back({layout, output_base, input_bases});
    return;
  }
  // Cut the outermost dim in halves (a dim of 1 is dropped first, so the
  // inner dims shrink once the outer ones are gone).
  StridedLayout<N> inner = layout;
  const int64_t outer = layout.dims.front();
  int64_t inner_elements = layout.num_elements() / std::max<int64_t>(outer, 1);
  if (outer == 1) {
    inner.dims.erase(inner.dims.begin());
    for (size_t k = 0; k < N; ++k) inner.strides[k].erase(inner.strides[k].begin());
    if (inner.dims.empty()) {
      ThrowError(ErrorCode::kInternal, "a single element's offset does not fit in 32 bits");
    }
    Split<N>(inner, output_base, input_bases, max_offset, pieces);
    return;
  }
  const int64_t half = outer / 2;
  for (const auto& [start, count] : {std::pair{int64_t{0}, half}, std::pair{half, outer - half}}) {
    StridedLayout<N> part = layout;
    part.dims.front() = count;
    std::array<int64_t, N> bases = input_bases;
    for (size_t k = 0; k < N; ++k) bases[k] += start * layout.strides[k].front();
    Split<N>(part, output_base + start * inner_elements, bases, max_offset, pieces);
  }
}

}  // namespace

template <size_t N>
std::vector<IndexPiece<N>> SplitFor32BitIndexing(const StridedLayout<N>& layout,
                                                 int64_t max_offset) {
  std::vector<IndexPiece<N>> pieces;
  if (layout.num_elements() == 0) return pieces;
  Split<N>(layout, 0, std::array<int64_t, N>{}, max_offset, pieces);
  return pieces;
}

LaunchShape GridFor(int64_t elements, int per_thread, int threads, int64_t max_blocks) {
  if (threads <= 0 || per_thread <= 0 || max_blocks <= 0) {
    ThrowError(ErrorCode::kInternal, "GridFor: threads, per_thread and max_blocks must be positive");
  }
  if (elements <= 0) return {0, static_cast<uint32_t>(threads)};
  const int64_t per_block = int64_t{threads} * per_thread;
  const int64_t blocks = std::min((elements + per_block - 1) / per_block, max_blocks);
  return {static_cast<uint32_t>(blocks), static_cast<uint32_t>(threads)};
}

int VectorWidth(std::initializer_list<const void*> pointers, int64_t n, int element_size) {
  for (int width : {4, 2}) {
    if (width * element_size > 16 || n % width != 0) continue;
    const uintptr_t align = static_cast<uintptr_t>(width * element_size);
    if (std::all_of(pointers.begin(), pointers.end(), [&](const void* p) {
          return reinterpret_cast<uintptr_t>(p) % align == 0;
        })) {
      return width;
    }
  }
  return 1;
}

template OffsetCalculator<1> MakeOffsetCalculator<1>(const StridedLayout<1>&);
template OffsetCalculator<2> MakeOffsetCalculator<2>(const StridedLayout<2>&);
template OffsetCalculator<3> MakeOffsetCalculator<3>(const StridedLayout<3>&);
template std::vector<IndexPiece<1>> SplitFor32BitIndexing<1>(const StridedLayout<1>&, int64_t);
template std::vector<IndexPiece<2>> SplitFor32BitIndexing<2>(const StridedLayout<2>&, int64_t);
template std::vector<IndexPiece<3>> SplitFor32BitIndexing<3>(const StridedLayout<3>&, int64_t);

}  // namespace tensorgraph::cuda
