// A walk over every index of a box of extents, last dim fastest, keeping N
// flat offsets in step (offset i moves by strides[i][k] along dim k). The
// loops that copy or combine strided tensors (broadcasting, transposes,
// slices) share it; bookkeeping costs O(1) amortized per visit.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace tensorgraph::cpu {

// Calls visit(offsets) once per index of `extents` (once for no extents,
// never when one is 0), starting from `offsets`.
template <size_t N, typename Visit>
void ForEachStridedIndex(const std::vector<int64_t>& extents,
                         const std::array<const int64_t*, N>& strides,
                         std::array<int64_t, N> offsets, Visit&& visit) {
  int64_t count = 1;
  for (int64_t e : extents) count *= e;
  const size_t rank = extents.size();
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    visit(offsets);
    for (size_t k = rank; k-- > 0;) {
      for (size_t i = 0; i < N; ++i) offsets[i] += strides[i][k];
      if (++index[k] < extents[k]) break;
      for (size_t i = 0; i < N; ++i) offsets[i] -= strides[i][k] * extents[k];
      index[k] = 0;
    }
  }
}

}  // namespace tensorgraph::cpu
