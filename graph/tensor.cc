#include "graph/tensor.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <sstream>

namespace tensorgraph {
namespace {

class HostAllocator final : public Allocator {
 public:
  std::string_view name() const override { return "cpu"; }
  void* Allocate(size_t bytes) override {
    // aligned_alloc wants a multiple of the alignment, and a non-zero size.
    const size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded == 0 ? kCpuAlignment : rounded);
    if (p == nullptr) {
      ThrowError(ErrorCode::kResourceExhausted, "out of host memory allocating ", bytes, " bytes");
    }
    const int64_t in_use = in_use_.fetch_add(static_cast<int64_t>(bytes)) + static_cast<int64_t>(bytes);
    int64_t peak = peak_.load();
    while (in_use > peak && !peak_.compare_exchange_weak(peak, in_use)) {
    }
    ++allocations_;
    return p;
  }
  void Deallocate(void* ptr, size_t bytes) override {
    in_use_.fetch_sub(static_cast<int64_t>(bytes));
    std::free(ptr);
  }
  bool host_accessible() const override { return true; }
  AllocatorStats GetStats() const override {
    return {in_use_.load(), peak_.load(), allocations_.load()};
  }
  void ResetPeak() override { peak_.store(in_use_.load()); }

 private:
  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> allocations_{0};
};

}  // namespace

Allocator* CpuAllocator() {
  static HostAllocator allocator;
  return &allocator;
}

Buffer::Buffer(Allocator* allocator, size_t bytes)
    : allocator_(allocator), bytes_(bytes), data_(allocator->Allocate(bytes)) {}

Buffer::~Buffer() { allocator_->Deallocate(data_, bytes_); }

Tensor::Tensor(DataType dtype, Shape shape, Allocator* allocator)
    : dtype_(dtype), shape_(std::move(shape)) {
  if (DataTypeSize(dtype) == 0) ThrowInvalid("cannot make a tensor of dtype ", DataTypeName(dtype));
  // Shape bounds the element count to int64; the bytes must fit too, or
  // bytes() would wrap and a small buffer would back a huge tensor.
  if (!ByteSize(num_elements(), DataTypeSize(dtype))) {
    ThrowError(ErrorCode::kResourceExhausted, "a ", DataTypeName(dtype), " tensor of shape ",
               shape_.ToString(), " (", num_elements(), " elements of ", DataTypeSize(dtype),
               " bytes) needs more bytes than int64 can count");
  }
  buffer_ = BufferRef(new Buffer(allocator, bytes()));
}

Tensor Tensor::Zeros(DataType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  if (t.bytes() > 0) std::memset(t.raw_data(), 0, t.bytes());
  return t;
}

Tensor Tensor::Metadata(DataType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::Slice(int64_t begin, int64_t end) const {
  if (rank() < 1 || begin < 0 || begin > end || end > dim(0)) {
    ThrowInvalid("cannot slice rows [", begin, ", ", end, ") of a tensor of shape ",
                 shape_.ToString());
  }
  std::vector<int64_t> dims = shape_.dims();
  const int64_t row = dims[0] == 0 ? 0 : num_elements() / dims[0];
  dims[0] = end - begin;
  Tensor t = *this;
  t.shape_ = Shape(std::move(dims));
  t.offset_ = offset_ + static_cast<size_t>(begin * row) * DataTypeSize(dtype_);
  return t;
}

Tensor Tensor::Reshaped(const Shape& shape) const {
  if (shape.num_elements() != num_elements()) {
    ThrowInvalid("cannot reshape a tensor of shape ", shape_.ToString(), " (", num_elements(),
                 " elements) to ", shape.ToString(), " (", shape.num_elements(), " elements)");
  }
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::Clone() const {
  if (!on_host()) ThrowError(ErrorCode::kInternal, "Clone of a device tensor: copy it to the host");
  Tensor t(dtype_, shape_);
  if (bytes() > 0) std::memcpy(t.raw_data(), raw_data(), bytes());
  return t;
}

bool Tensor::BitwiseEquals(const Tensor& other) const {
  if (dtype_ != other.dtype_ || shape_ != other.shape_) return false;
  if (bytes() == 0) return true;
  return std::memcmp(raw_data(), other.raw_data(), bytes()) == 0;
}

std::string Tensor::DebugString(int max_values) const {
  std::ostringstream os;
  os << DataTypeName(dtype_) << shape_.ToString();
  if (!buffer_ || !on_host() || dtype_ == DT_RESOURCE) return os.str();
  os << " {";
  const int64_t n = std::min<int64_t>(num_elements(), max_values);
  VisitDataType(dtype_, "DebugString", [&](auto zero) {
    using T = decltype(zero);
    const T* p = data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if (i) os << ", ";
      if constexpr (sizeof(T) == 1) {
        os << static_cast<int>(p[i]);
      } else {
        os << p[i];
      }
    }
  });
  if (num_elements() > n) os << ", ...";
  os << "}";
  return os.str();
}

}  // namespace tensorgraph
