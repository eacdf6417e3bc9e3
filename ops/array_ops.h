// Builders for array ops: placeholders, constants, identity, and ops that
// reshape, reorder or combine tensors.
//
// Ops whose index input (a shape, axes, a permutation) is usually known when
// the graph is built have convenience overloads taking the values, which
// make the index input an int32 Const (int64 when a value needs it). Each
// has an initializer_list twin so that `{0, 1}` picks it rather than being
// read as Output{node, index}.
#pragma once

#include <initializer_list>
#include <utility>
#include <vector>

#include "graph/scope.h"

namespace tensorgraph::ops {

// A value fed at run time; `shape` may have unknown dims (-1) or rank.
Output Placeholder(const Scope& scope, DataType dtype,
                   PartialShape shape = PartialShape::UnknownRank());
// `input` unless the output is fed.
Output PlaceholderWithDefault(const Scope& scope, Output input, PartialShape shape);

Output Const(const Scope& scope, const Tensor& value);
template <typename T>
Output Const(const Scope& scope, const std::vector<T>& values, tensorgraph::Shape shape) {
  return Const(scope, Tensor::FromVector(values, std::move(shape)));
}
template <typename T>
Output Const(const Scope& scope, const std::vector<T>& values) {
  return Const(scope, Tensor::FromVector(values));
}
// A scalar of `dtype` holding `value` (converted).
Output ScalarConst(const Scope& scope, DataType dtype, double value);
// An index input made by a builder: a vector (or scalar) Const, int32 unless
// a value needs int64. It takes a name of its own even when the scope names
// the op it feeds (WithOpName).
Output IndexConst(const Scope& scope, const std::vector<int64_t>& values);
// The same with a given shape of values.size() elements.
Output IndexConst(const Scope& scope, const std::vector<int64_t>& values, tensorgraph::Shape shape);
Output ScalarIndexConst(const Scope& scope, int64_t value);

Output Identity(const Scope& scope, Output input);

// `tensor` with the dims in `shape`, one of which may be -1 (inferred from
// the element count). Shares the input's buffer.
Output Reshape(const Scope& scope, Output tensor, Output shape);
Output Reshape(const Scope& scope, Output tensor, const std::vector<int64_t>& shape);
Output Reshape(const Scope& scope, Output tensor, std::initializer_list<int64_t> shape);

// `x` with its dims reordered: output dim i is input dim perm[i].
Output Transpose(const Scope& scope, Output x, Output perm);
Output Transpose(const Scope& scope, Output x, const std::vector<int64_t>& perm);
Output Transpose(const Scope& scope, Output x, std::initializer_list<int64_t> perm);

// `input` with a dim of size 1 inserted at `axis` (negative counts from the
// end, -1 appending). Shares the input's buffer.
Output ExpandDims(const Scope& scope, Output input, Output axis);
Output ExpandDims(const Scope& scope, Output input, int64_t axis);

struct SqueezeAttrs {
  std::vector<int64_t> squeeze_dims;  // empty: every dim of size 1
};
// `input` without the given dims of size 1. Shares the input's buffer.
Output Squeeze(const Scope& scope, Output input, const SqueezeAttrs& attrs = {});

// `values` (two or more, of one rank) joined along `axis`.
Output ConcatV2(const Scope& scope, const std::vector<Output>& values, Output axis);
Output ConcatV2(const Scope& scope, const std::vector<Output>& values, int64_t axis);

// The block of `input` starting at `begin` with extent `size` per dim; a
// size of -1 takes the rest of that dim.
Output Slice(const Scope& scope, Output input, Output begin, Output size);
Output Slice(const Scope& scope, Output input, const std::vector<int64_t>& begin,
             const std::vector<int64_t>& size);
Output Slice(const Scope& scope, Output input, std::initializer_list<int64_t> begin,
             std::initializer_list<int64_t> size);

struct ShapeAttrs {
  DataType out_type = DT_INT32;  // or DT_INT64
};
// The shape of `input` as a vector. (The function hides tensorgraph::Shape
// inside this namespace: name the class with its namespace here.)
Output Shape(const Scope& scope, Output input, const ShapeAttrs& attrs = {});

// A tensor of shape `dims` with every element `value` (a scalar).
Output Fill(const Scope& scope, Output dims, Output value);
Output Fill(const Scope& scope, const std::vector<int64_t>& dims, Output value);
Output Fill(const Scope& scope, std::initializer_list<int64_t> dims, Output value);

// Zeros (ones) of the shape and dtype of `x`.
Output ZerosLike(const Scope& scope, Output x);
Output OnesLike(const Scope& scope, Output x);

// `input`, with the gradient pass stopping here: what flows back through it
// is treated as a constant.
Output StopGradient(const Scope& scope, Output input);

// `input` broadcast (numpy rules: its dims align with the last ones of
// `shape`, and each is 1 or equal) to `shape`.
Output BroadcastTo(const Scope& scope, Output input, Output shape);
Output BroadcastTo(const Scope& scope, Output input, const std::vector<int64_t>& shape);
Output BroadcastTo(const Scope& scope, Output input, std::initializer_list<int64_t> shape);

// The inverse of the permutation `x` (an int32 or int64 vector): y[x[i]] = i.
Output InvertPermutation(const Scope& scope, Output x);

// `input` with zeros around it: `paddings` is [rank, 2], (before, after)
// per dim.
Output Pad(const Scope& scope, Output input, Output paddings);
Output Pad(const Scope& scope, Output input,
           const std::vector<std::pair<int64_t, int64_t>>& paddings);

// Where each tensor of the given `shapes` (vectors) starts in their
// concatenation along `concat_dim` (an int32 scalar): zeros but at
// concat_dim, which holds the running total. TensorFlow's op, used by the
// gradient of ConcatV2.
std::vector<Output> ConcatOffset(const Scope& scope, Output concat_dim,
                                 const std::vector<Output>& shapes);

// The number of elements of `input`, a scalar of attrs.out_type.
Output Size(const Scope& scope, Output input, const ShapeAttrs& attrs = {});

}  // namespace tensorgraph::ops
