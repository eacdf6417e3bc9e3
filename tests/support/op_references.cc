// The reference tensors themselves: rounding, conversion to and from
// Tensor, random inputs, comparison, and the elementwise references.
#include "tests/support/op_references.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace tensorgraph::testing {
namespace {

// Flat offsets of `dims` in row-major order.
std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

// The offset into a tensor of `dims` (right-aligned against the output's
// rank, size-1 dimensions broadcast) of the output element at `index`.
int64_t BroadcastOffset(const std::vector<int64_t>& index, const std::vector<int64_t>& dims) {
  const size_t skip = index.size() - dims.size();
  const std::vector<int64_t> strides = Strides(dims);
  int64_t offset = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] != 1) offset += index[skip + d] * strides[d];
  }
  return offset;
}

// Calls fn(index) for every multi-index of `dims` in row-major order.
template <typename Fn>
void ForEachIndex(const std::vector<int64_t>& dims, Fn&& fn) {
  if (NumElements(dims) == 0) return;
  std::vector<int64_t> index(dims.size(), 0);
  while (true) {
    fn(index);
    int d = static_cast<int>(dims.size()) - 1;
    for (; d >= 0; --d) {
      if (++index[static_cast<size_t>(d)] < dims[static_cast<size_t>(d)]) break;
      index[static_cast<size_t>(d)] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace

std::string DimsString(const std::vector<int64_t>& dims) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? "," : "") << dims[i];
  os << "]";
  return os.str();
}

std::string RefTensor::ShapeString() const { return DimsString(dims); }

int64_t NumElements(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

double RoundTo(DataType dtype, double v) {
  switch (dtype) {
    case DT_FLOAT:
      return static_cast<double>(static_cast<float>(v));
    case DT_DOUBLE:
      return v;
    // Through uint64: conversion to an unsigned type is modular, which is
    // the wrap-around an integer kernel's arithmetic has.
    case DT_INT32:
      return static_cast<int32_t>(
          static_cast<uint32_t>(static_cast<uint64_t>(static_cast<int64_t>(v))));
    case DT_UINT8:
      return static_cast<uint8_t>(static_cast<uint64_t>(static_cast<int64_t>(v)));
    case DT_INT64:
      return static_cast<double>(static_cast<int64_t>(v));
    case DT_BOOL:
      return v != 0 ? 1 : 0;
    default:
      throw std::invalid_argument("RoundTo: unsupported dtype");
  }
}

RefTensor MakeRef(DataType dtype, std::vector<int64_t> dims, std::vector<double> values) {
  if (static_cast<int64_t>(values.size()) != NumElements(dims)) {
    throw std::invalid_argument("MakeRef: " + std::to_string(values.size()) + " values for shape " +
                                DimsString(dims));
  }
  for (double& v : values) v = RoundTo(dtype, v);
  return RefTensor{dtype, std::move(dims), std::move(values)};
}

RefTensor FilledRef(DataType dtype, std::vector<int64_t> dims, double value) {
  const auto n = static_cast<size_t>(NumElements(dims));
  return MakeRef(dtype, std::move(dims), std::vector<double>(n, value));
}

RefTensor IndexRef(DataType dtype, const std::vector<int64_t>& values, bool scalar) {
  std::vector<int64_t> dims;
  if (!scalar) dims.push_back(static_cast<int64_t>(values.size()));
  return MakeRef(dtype, std::move(dims), std::vector<double>(values.begin(), values.end()));
}

Tensor ToTensor(const RefTensor& ref) {
  Tensor t(ref.dtype, Shape(ref.dims));
  VisitDataType(ref.dtype, "ToTensor", [&](auto zero) {
    using T = decltype(zero);
    T* out = t.data<T>();
    for (size_t i = 0; i < ref.values.size(); ++i) out[i] = static_cast<T>(ref.values[i]);
  });
  return t;
}

RefTensor FromTensor(const Tensor& tensor) {
  RefTensor ref{tensor.dtype(), tensor.shape().dims(), {}};
  VisitDataType(tensor.dtype(), "FromTensor", [&](auto zero) {
    using T = decltype(zero);
    for (T v : tensor.flat<T>()) ref.values.push_back(static_cast<double>(v));
  });
  return ref;
}

RefTensor RandomRef(DataType dtype, std::vector<int64_t> dims, const Domain& domain, Rng& rng) {
  const auto n = static_cast<size_t>(NumElements(dims));
  std::vector<double> values(n);
  if (dtype == DT_BOOL) {
    std::bernoulli_distribution coin(0.5);
    for (double& v : values) v = coin(rng) ? 1 : 0;
    return MakeRef(dtype, std::move(dims), std::move(values));
  }
  if (IsInteger(dtype)) {
    const double type_lo = dtype == DT_UINT8 ? 0 : -1e9;
    const double type_hi = dtype == DT_UINT8 ? 255 : 1e9;
    std::uniform_int_distribution<int64_t> pick(
        static_cast<int64_t>(std::ceil(std::max(domain.lo, type_lo))),
        static_cast<int64_t>(std::floor(std::min(domain.hi, type_hi))));
    for (double& v : values) {
      do v = static_cast<double>(pick(rng));
      while (std::abs(v) < domain.min_abs);
    }
    return MakeRef(dtype, std::move(dims), std::move(values));
  }
  std::uniform_real_distribution<double> pick(domain.lo, domain.hi);
  for (double& v : values) {
    do {
      v = pick(rng);
      if (domain.integral) v = std::round(v);
    } while (std::abs(v) < domain.min_abs);
  }
  return MakeRef(dtype, std::move(dims), std::move(values));
}

Tolerance DefaultTolerance(DataType dtype) {
  if (dtype == DT_FLOAT) return {1e-5, 1e-6};
  if (dtype == DT_DOUBLE) return {1e-12, 1e-13};
  return {0, 0};
}

std::string Compare(const Tensor& got, const RefTensor& want, Tolerance tol) {
  std::ostringstream os;
  if (got.dtype() != want.dtype) {
    os << "dtype " << DataTypeName(got.dtype()) << ", expected " << DataTypeName(want.dtype);
    return os.str();
  }
  if (got.shape().dims() != want.dims) {
    os << "shape " << got.shape().ToString() << ", expected " << want.ShapeString();
    return os.str();
  }
  const RefTensor g = FromTensor(got);
  int shown = 0, bad = 0;
  for (size_t i = 0; i < g.values.size(); ++i) {
    const double a = g.values[i], b = want.values[i];
    bool ok;
    if (std::isnan(b)) {
      ok = std::isnan(a);
    } else if (std::isinf(b)) {
      ok = a == b;
    } else {
      ok = std::abs(a - b) <= tol.atol + tol.rtol * std::abs(b);
    }
    if (ok) continue;
    ++bad;
    if (shown++ < 5) {
      os.precision(17);
      os << "element " << i << ": got " << a << ", expected " << b << "; ";
    }
  }
  if (bad > 0) os << bad << " of " << g.values.size() << " elements differ";
  return os.str();
}

std::string ErrorMismatch(const std::function<void()>& fn, ErrorCode code, std::string_view node,
                          std::string_view fragment) {
  try {
    fn();
  } catch (const Error& e) {
    std::ostringstream os;
    if (e.code() != code)
      os << "code " << ErrorCodeName(e.code()) << ", expected " << ErrorCodeName(code) << "; ";
    if (!node.empty() && e.node() != node)
      os << "node '" << e.node() << "', expected '" << node << "'; ";
    if (std::string_view(e.what()).find(fragment) == std::string_view::npos) {
      os << "message lacks '" << fragment << "'; ";
    }
    if (os.tellp() > 0) os << "error was: " << e.what();
    return os.str();
  } catch (const std::exception& e) {
    return std::string("threw a non-tensorgraph exception: ") + e.what();
  }
  return "no error was thrown";
}

DataType TypeOf(const TypeMap& types, std::string_view attr, DataType fallback) {
  auto it = types.find(attr);
  return it == types.end() ? fallback : it->second;
}

OpCase ExpectOutputs(std::string label, std::vector<CaseInput> inputs, AttrMap attrs,
                     std::vector<RefTensor> expected) {
  OpCase c;
  c.label = std::move(label);
  c.inputs = std::move(inputs);
  c.attrs = std::move(attrs);
  c.tol = expected.empty() ? Tolerance{} : DefaultTolerance(expected.front().dtype);
  c.expected = std::move(expected);
  return c;
}

OpCase ExpectError(std::string label, std::vector<CaseInput> inputs, AttrMap attrs,
                   std::string fragment, ErrorCode code) {
  OpCase c;
  c.label = std::move(label);
  c.inputs = std::move(inputs);
  c.attrs = std::move(attrs);
  c.error = code;
  c.error_fragment = std::move(fragment);
  return c;
}

const std::vector<std::vector<int64_t>>& UnaryShapes() {
  static const std::vector<std::vector<int64_t>> shapes = {{2, 3}, {}, {0, 3}, {3, 4, 5}};
  return shapes;
}

const std::vector<ShapePair>& BroadcastShapePairs() {
  static const std::vector<ShapePair> pairs = {
      {{2, 3}, {2, 3}, "same shape"},
      {{2, 1, 3}, {4, 1}, "broadcast [2,1,3] with [4,1]"},
      {{4, 1}, {2, 1, 3}, "broadcast [4,1] with [2,1,3]"},
      {{}, {2, 3}, "scalar with [2,3]"},
      {{2, 3}, {}, "[2,3] with scalar"},
      {{}, {}, "scalars"},
      {{3}, {2, 3}, "row vector with matrix"},
      {{0, 3}, {3}, "zero-size [0,3] with [3]"},
      {{1, 3}, {0, 1}, "broadcast to zero-size [0,3]"},
  };
  return pairs;
}

namespace ref {

RefTensor Map(const RefTensor& x, DataType out, const UnaryFn& f) {
  RefTensor r{out, x.dims, {}};
  r.values.reserve(x.values.size());
  for (double v : x.values) r.values.push_back(RoundTo(out, f(v)));
  return r;
}

std::optional<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                  const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Right-aligned: a missing leading dimension acts as 1.
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

RefTensor Map2(const RefTensor& x, const RefTensor& y, DataType out, const BinaryFn& f) {
  const auto dims = BroadcastDims(x.dims, y.dims);
  if (!dims) throw std::invalid_argument("Map2: shapes do not broadcast");
  RefTensor r{out, *dims, {}};
  ForEachIndex(*dims, [&](const std::vector<int64_t>& index) {
    const double a = x.values[static_cast<size_t>(BroadcastOffset(index, x.dims))];
    const double b = y.values[static_cast<size_t>(BroadcastOffset(index, y.dims))];
    r.values.push_back(RoundTo(out, f(a, b)));
  });
  return r;
}

RefTensor Select(const RefTensor& condition, const RefTensor& t, const RefTensor& e) {
  const auto te = BroadcastDims(t.dims, e.dims);
  const auto dims = te ? BroadcastDims(condition.dims, *te) : std::nullopt;
  if (!dims) throw std::invalid_argument("Select: shapes do not broadcast");
  RefTensor r{t.dtype, *dims, {}};
  ForEachIndex(*dims, [&](const std::vector<int64_t>& index) {
    const bool c =
        condition.values[static_cast<size_t>(BroadcastOffset(index, condition.dims))] != 0;
    const RefTensor& src = c ? t : e;
    r.values.push_back(src.values[static_cast<size_t>(BroadcastOffset(index, src.dims))]);
  });
  return r;
}

RefTensor Reshape(const RefTensor& x, std::vector<int64_t> dims) {
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      unknown = static_cast<int>(i);
    } else {
      known *= dims[i];
    }
  }
  if (unknown >= 0) dims[static_cast<size_t>(unknown)] = known == 0 ? 0 : x.num_elements() / known;
  if (NumElements(dims) != x.num_elements()) throw std::invalid_argument("Reshape: size mismatch");
  return RefTensor{x.dtype, std::move(dims), x.values};
}

RefTensor Transpose(const RefTensor& x, const std::vector<int64_t>& perm) {
  std::vector<int64_t> dims;
  for (int64_t p : perm) dims.push_back(x.dims[static_cast<size_t>(p)]);
  const std::vector<int64_t> in_strides = Strides(x.dims);
  RefTensor r{x.dtype, dims, {}};
  ForEachIndex(dims, [&](const std::vector<int64_t>& index) {
    int64_t offset = 0;
    for (size_t d = 0; d < perm.size(); ++d) {
      offset += index[d] * in_strides[static_cast<size_t>(perm[d])];
    }
    r.values.push_back(x.values[static_cast<size_t>(offset)]);
  });
  return r;
}

RefTensor Slice(const RefTensor& x, const std::vector<int64_t>& begin,
                const std::vector<int64_t>& size) {
  std::vector<int64_t> dims;
  for (size_t d = 0; d < begin.size(); ++d) {
    dims.push_back(size[d] == -1 ? x.dims[d] - begin[d] : size[d]);
  }
  const std::vector<int64_t> strides = Strides(x.dims);
  RefTensor r{x.dtype, dims, {}};
  ForEachIndex(dims, [&](const std::vector<int64_t>& index) {
    int64_t offset = 0;
    for (size_t d = 0; d < dims.size(); ++d) offset += (begin[d] + index[d]) * strides[d];
    r.values.push_back(x.values[static_cast<size_t>(offset)]);
  });
  return r;
}

RefTensor Concat(const std::vector<RefTensor>& xs, int64_t axis) {
  const auto rank = static_cast<int64_t>(xs.front().dims.size());
  const auto a = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  std::vector<int64_t> dims = xs.front().dims;
  dims[a] = 0;
  for (const auto& x : xs) dims[a] += x.dims[a];
  RefTensor r{xs.front().dtype, dims, {}};
  ForEachIndex(dims, [&](std::vector<int64_t> index) {
    for (const auto& x : xs) {
      if (index[a] < x.dims[a]) {
        const std::vector<int64_t> strides = Strides(x.dims);
        int64_t offset = 0;
        for (size_t d = 0; d < dims.size(); ++d) offset += index[d] * strides[d];
        r.values.push_back(x.values[static_cast<size_t>(offset)]);
        return;
      }
      index[a] -= x.dims[a];
    }
  });
  return r;
}

}  // namespace ref
}  // namespace tensorgraph::testing
