// Shapes. `Shape` is a concrete shape (every dimension known), as a Tensor
// has. `PartialShape` is what build-time inference knows: dimensions may be
// unknown (-1) and so may the rank.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace tensorgraph {

inline constexpr int64_t kUnknownDim = -1;

class Shape {
 public:
  Shape() = default;  // a scalar
  Shape(std::initializer_list<int64_t> dims);
  // Throws kInvalidArgument if a dimension is negative or the product of
  // the non-zero dimensions overflows int64 (so every stride, and every
  // product of some of the dims, fits in int64 even when one dim is 0).
  explicit Shape(std::vector<int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_.at(static_cast<size_t>(i)); }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t num_elements() const { return num_elements_; }
  bool is_scalar() const { return dims_.empty(); }

  std::string ToString() const;  // "[2,3]"
  friend bool operator==(const Shape&, const Shape&) = default;

 private:
  std::vector<int64_t> dims_;
  int64_t num_elements_ = 1;
};

class PartialShape {
 public:
  // A scalar, like Shape(); so `{}` means a scalar wherever a shape is
  // expected. Unknown rank is spelled PartialShape::UnknownRank().
  PartialShape() : dims_(std::vector<int64_t>{}) {}
  PartialShape(std::initializer_list<int64_t> dims);
  // Dimensions of -1 are unknown; other negative values throw.
  explicit PartialShape(std::vector<int64_t> dims);
  PartialShape(const Shape& shape);  // NOLINT: a known shape is a partial shape

  static PartialShape UnknownRank() {
    PartialShape s;
    s.dims_.reset();
    return s;
  }
  static PartialShape Unknown(int rank);  // known rank, every dim unknown

  bool rank_known() const { return dims_.has_value(); }
  // -1 when unknown.
  int rank() const { return dims_ ? static_cast<int>(dims_->size()) : -1; }
  // kUnknownDim when the dimension (or the rank) is unknown.
  int64_t dim(int i) const;
  const std::vector<int64_t>& dims() const;  // requires rank_known()
  bool fully_defined() const;
  // The concrete shape; requires fully_defined().
  Shape ToShape() const;
  // -1 unless fully defined.
  int64_t num_elements() const;

  // Whether a tensor of `shape` could have this partial shape.
  bool IsCompatibleWith(const Shape& shape) const;
  bool IsCompatibleWith(const PartialShape& other) const;
  // The most specific shape compatible with both; nullopt if they conflict.
  std::optional<PartialShape> Merge(const PartialShape& other) const;

  std::string ToString() const;  // "[?,784]", "<unknown>"
  friend bool operator==(const PartialShape&, const PartialShape&) = default;

 private:
  std::optional<std::vector<int64_t>> dims_;
};

// a * b for non-negative a and b; nullopt when the product overflows int64.
std::optional<int64_t> MultiplyDims(int64_t a, int64_t b);
// The product of non-negative `dims`; nullopt when it overflows int64.
std::optional<int64_t> MultiplyDims(const std::vector<int64_t>& dims);
// The bytes of `num_elements` elements of `element_size` bytes each;
// nullopt when that does not fit in int64 (and so may wrap a size_t).
std::optional<int64_t> ByteSize(int64_t num_elements, size_t element_size);

// numpy broadcasting of two shapes; nullopt when they are incompatible.
std::optional<Shape> BroadcastShapes(const Shape& a, const Shape& b);
std::optional<PartialShape> BroadcastShapes(const PartialShape& a, const PartialShape& b);

}  // namespace tensorgraph
