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

template <size_t N>
BroadcastLayout<N> MakeBroadcastLayout(const std::array<const Shape*, N>& inputs,
                                       const Shape& out) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t i = 0; i < N; ++i) full[i] = BroadcastStrides(*inputs[i], out);

  BroadcastLayout<N> layout;
  for (int d = 0; d < out.rank(); ++d) {
    const int64_t size = out.dim(d);
    if (size == 1) continue;
    const size_t k = static_cast<size_t>(d);
    // Dim d continues the previous kept dim when, for every input, stepping
    // the previous dim once equals stepping d `size` times.
    bool merges = !layout.dims.empty();
    for (size_t i = 0; i < N && merges; ++i) {
      merges = layout.strides[i].back() == full[i][k] * size;
    }
    if (merges) {
      layout.dims.back() *= size;
      for (size_t i = 0; i < N; ++i) layout.strides[i].back() = full[i][k];
    } else {
      layout.dims.push_back(size);
      for (size_t i = 0; i < N; ++i) layout.strides[i].push_back(full[i][k]);
    }
  }
  if (layout.dims.empty()) {  // a single element
    layout.dims.push_back(1);
    for (size_t i = 0; i < N; ++i) layout.strides[i].push_back(0);
  }
  return layout;
}

template BroadcastLayout<2> MakeBroadcastLayout<2>(const std::array<const Shape*, 2>&,
                                                   const Shape&);
template BroadcastLayout<3> MakeBroadcastLayout<3>(const std::array<const Shape*, 3>&,
                                                   const Shape&);

}  // namespace tensorgraph::cpu
