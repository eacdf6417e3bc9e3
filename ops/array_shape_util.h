// Helpers shared by the array op families' shape functions
// (array_ops.cc, slice_ops.cc); not part of the public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/op_registry.h"

namespace tensorgraph::array_shape_util {

inline std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// A shape of `dims` (-1 unknown), failing as the node when the element
// count overflows int64.
inline PartialShape MakeShape(const InferenceContext& c, std::vector<int64_t> dims) {
  try {
    return PartialShape(std::move(dims));
  } catch (const Error& e) {
    c.Fail(e.message());
  }
}

// Fails unless input `i` (named `what`) has rank `rank` or an unknown one.
inline void RequireRank(const InferenceContext& c, int i, int rank, std::string_view what) {
  const PartialShape& shape = c.input_shape(i);
  if (shape.rank_known() && shape.rank() != rank) {
    c.Fail(what, " must be a ", rank == 0 ? "scalar" : "vector", ", got shape ", shape.ToString());
  }
}

// The length of vector input `i`; -1 when unknown.
inline int64_t VectorLength(const InferenceContext& c, int i) { return c.input_shape(i).dim(0); }

// Every dim unknown; the rank too when `rank` is -1.
inline PartialShape UnknownOfRank(int64_t rank) {
  return rank >= 0 ? PartialShape::Unknown(static_cast<int>(rank)) : PartialShape::UnknownRank();
}

// `axis` in [-n, n) made non-negative; `what` names it and `shape` is what
// it indexes, for the message.
inline int CanonicalAxis(const InferenceContext& c, int64_t axis, int n, std::string_view what,
                  const PartialShape& shape) {
  if (axis < -n || axis >= n) {
    c.Fail(what, " ", axis, " is out of range [", -n, ", ", n, ") for shape ", shape.ToString());
  }
  return static_cast<int>(axis < 0 ? axis + n : axis);
}

}  // namespace tensorgraph::array_shape_util
