#include "graph/shape.h"

#include <limits>

#include "graph/error.h"

namespace tensorgraph {
namespace {

// Multiplies element counts, throwing when the product overflows int64.
// Zero dims are skipped for the overflow check, so that a zero-size shape
// such as [0,2^62,4] is refused too: its strides and partial products
// would overflow in every kernel that walks it.
int64_t CheckedProduct(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  bool zero = false;
  for (int64_t d : dims) {
    if (d < 0) ThrowInvalid("shape dimension ", d, " is negative");
    if (d == 0) {
      zero = true;
      continue;
    }
    if (__builtin_mul_overflow(n, d, &n)) {
      ThrowInvalid("shape ", [&] {
        std::string s = "[";
        for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
        return s + "]";
      }(), " has more elements than int64 can count", zero ? " (counting its non-zero dims)" : "");
    }
  }
  return zero ? 0 : n;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace

std::optional<int64_t> MultiplyDims(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> MultiplyDims(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    auto r = MultiplyDims(n, d);
    if (!r) return std::nullopt;
    n = *r;
  }
  return n;
}

std::optional<int64_t> ByteSize(int64_t num_elements, size_t element_size) {
  if (element_size > static_cast<size_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return MultiplyDims(num_elements, static_cast<int64_t>(element_size));
}

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::vector<int64_t>(dims)) {}

Shape::Shape(std::vector<int64_t> dims) : dims_(std::move(dims)), num_elements_(CheckedProduct(dims_)) {}

std::string Shape::ToString() const { return DimsToString(dims_); }

PartialShape::PartialShape(std::initializer_list<int64_t> dims)
    : PartialShape(std::vector<int64_t>(dims)) {}

PartialShape::PartialShape(std::vector<int64_t> dims) {
  std::vector<int64_t> known;
  for (int64_t d : dims) {
    if (d < kUnknownDim) ThrowInvalid("shape dimension ", d, " is negative (only -1, unknown, may be)");
    if (d >= 0) known.push_back(d);
  }
  CheckedProduct(known);
  dims_ = std::move(dims);
}

PartialShape::PartialShape(const Shape& shape) : dims_(shape.dims()) {}

PartialShape PartialShape::Unknown(int rank) {
  return PartialShape(std::vector<int64_t>(static_cast<size_t>(rank), kUnknownDim));
}

int64_t PartialShape::dim(int i) const {
  if (!dims_) return kUnknownDim;
  return dims_->at(static_cast<size_t>(i));
}

const std::vector<int64_t>& PartialShape::dims() const {
  if (!dims_) ThrowError(ErrorCode::kInternal, "dims() of a shape of unknown rank");
  return *dims_;
}

bool PartialShape::fully_defined() const {
  if (!dims_) return false;
  for (int64_t d : *dims_) {
    if (d < 0) return false;
  }
  return true;
}

Shape PartialShape::ToShape() const {
  if (!fully_defined()) ThrowError(ErrorCode::kInternal, "shape ", ToString(), " is not fully defined");
  return Shape(*dims_);
}

int64_t PartialShape::num_elements() const {
  return fully_defined() ? CheckedProduct(*dims_) : kUnknownDim;
}

bool PartialShape::IsCompatibleWith(const Shape& shape) const {
  return IsCompatibleWith(PartialShape(shape));
}

bool PartialShape::IsCompatibleWith(const PartialShape& other) const {
  return Merge(other).has_value();
}

std::optional<PartialShape> PartialShape::Merge(const PartialShape& other) const {
  if (!dims_) return other;
  if (!other.dims_) return *this;
  if (dims_->size() != other.dims_->size()) return std::nullopt;
  std::vector<int64_t> merged(dims_->size());
  for (size_t i = 0; i < merged.size(); ++i) {
    int64_t a = (*dims_)[i], b = (*other.dims_)[i];
    if (a >= 0 && b >= 0 && a != b) return std::nullopt;
    merged[i] = a >= 0 ? a : b;
  }
  return PartialShape(std::move(merged));
}

std::string PartialShape::ToString() const {
  return dims_ ? DimsToString(*dims_) : "<unknown>";
}

std::optional<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  auto result = BroadcastShapes(PartialShape(a), PartialShape(b));
  if (!result) return std::nullopt;
  return result->ToShape();
}

std::optional<PartialShape> BroadcastShapes(const PartialShape& a, const PartialShape& b) {
  if (!a.rank_known() || !b.rank_known()) return PartialShape::UnknownRank();
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const int64_t da = ia >= 0 ? a.dim(ia) : 1;
    const int64_t db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1) {
      d = da;
    } else if (da == kUnknownDim) {
      d = db;  // db is known and not 1, so da must equal it
    } else if (db == kUnknownDim) {
      d = da;
    } else if (da == db) {
      d = da;
    } else {
      return std::nullopt;
    }
    out[static_cast<size_t>(i)] = d;
  }
  return PartialShape(std::move(out));
}

}  // namespace tensorgraph
