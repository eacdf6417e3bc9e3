#include "kernels/cpu/elementwise.h"

namespace tensorgraph::cpu {

std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out) {
  const int rank = out.rank();
  std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
  int64_t stride = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const int od = rank - shape.rank() + d;
    strides[static_cast<size_t>(od)] = shape.dim(d) == 1 ? 0 : stride;
    stride *= shape.dim(d);
  }
  return strides;
}

}  // namespace tensorgraph::cpu
