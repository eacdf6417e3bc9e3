#include "kernels/strided_layout.h"

namespace tensorgraph {

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
StridedLayout<N> MergeDims(const std::vector<int64_t>& dims,
                           const std::array<std::vector<int64_t>, N>& strides) {
  StridedLayout<N> layout;
  for (size_t k = 0; k < dims.size(); ++k) {
    const int64_t size = dims[k];
    if (size == 1) continue;
    // Dim k continues the previous kept dim when, for every operand,
    // stepping the previous dim once equals stepping k `size` times.
    bool merges = !layout.dims.empty();
    for (size_t i = 0; i < N && merges; ++i) {
      merges = layout.strides[i].back() == strides[i][k] * size;
    }
    if (merges) {
      layout.dims.back() *= size;
      for (size_t i = 0; i < N; ++i) layout.strides[i].back() = strides[i][k];
    } else {
      layout.dims.push_back(size);
      for (size_t i = 0; i < N; ++i) layout.strides[i].push_back(strides[i][k]);
    }
  }
  if (layout.dims.empty()) {  // a single element
    layout.dims.push_back(1);
    for (size_t i = 0; i < N; ++i) layout.strides[i].push_back(0);
  }
  return layout;
}

template <size_t N>
StridedLayout<N> MakeBroadcastLayout(const std::array<const Shape*, N>& inputs, const Shape& out) {
  std::array<std::vector<int64_t>, N> strides;
  for (size_t i = 0; i < N; ++i) strides[i] = BroadcastStrides(*inputs[i], out);
  return MergeDims<N>(out.dims(), strides);
}

template StridedLayout<1> MergeDims<1>(const std::vector<int64_t>&,
                                       const std::array<std::vector<int64_t>, 1>&);
template StridedLayout<2> MergeDims<2>(const std::vector<int64_t>&,
                                       const std::array<std::vector<int64_t>, 2>&);
template StridedLayout<3> MergeDims<3>(const std::vector<int64_t>&,
                                       const std::array<std::vector<int64_t>, 3>&);
template StridedLayout<1> MakeBroadcastLayout<1>(const std::array<const Shape*, 1>&, const Shape&);
template StridedLayout<2> MakeBroadcastLayout<2>(const std::array<const Shape*, 2>&, const Shape&);
template StridedLayout<3> MakeBroadcastLayout<3>(const std::array<const Shape*, 3>&, const Shape&);

}  // namespace tensorgraph
