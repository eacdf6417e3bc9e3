// Tensor: a dtype, a shape and a view of a reference-counted buffer owned
// by an allocator (the whole buffer, or from an offset: Slice). Copying a
// Tensor shares the buffer; Clone() copies the data.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>
#include <span>
#include <string>
#include <vector>

#include "graph/dtype.h"
#include "graph/error.h"
#include "graph/shape.h"

namespace tensorgraph {

struct AllocatorStats {
  int64_t bytes_in_use = 0;
  int64_t peak_bytes_in_use = 0;
  int64_t num_allocations = 0;  // since the allocator was made
};

// Hands out raw memory for one device. Implementations must be thread-safe.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual std::string_view name() const = 0;
  // Never returns null: throws kResourceExhausted instead.
  virtual void* Allocate(size_t bytes) = 0;
  virtual void Deallocate(void* ptr, size_t bytes) = 0;
  // Whether the CPU may dereference the memory.
  virtual bool host_accessible() const = 0;
  // Usage so far; allocators that do not track it report zeros.
  virtual AllocatorStats GetStats() const { return {}; }
  // Starts a new peak measurement from the current usage.
  virtual void ResetPeak() {}
};

// Host memory aligned to kCpuAlignment bytes (a cache line, and enough for
// any SIMD load).
inline constexpr size_t kCpuAlignment = 64;
Allocator* CpuAllocator();

// A block of memory from an allocator, freed when the last Tensor that
// refers to it goes away. The count is intrusive, as TensorFlow's
// core::RefCounted: Unref() releases and RefCountIsOne() acquires, so a
// writer that finds itself the only owner sees every read the other owners
// made before they let go (shared_ptr::use_count() is a relaxed load and
// orders nothing, which ThreadSanitizer reports as a race).
class Buffer {
 public:
  Buffer(Allocator* allocator, size_t bytes);  // the caller holds the one reference
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Allocator* allocator() const { return allocator_; }

  void Ref() const { ref_.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference; the last one frees the buffer.
  void Unref() const {
    if (ref_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  bool RefCountIsOne() const { return ref_.load(std::memory_order_acquire) == 1; }

 private:
  ~Buffer();
  Allocator* allocator_;
  size_t bytes_;
  void* data_;
  mutable std::atomic<long> ref_{1};
};

// An owning handle to a Buffer: copying takes a reference, destroying drops it.
class BufferRef {
 public:
  BufferRef() = default;
  explicit BufferRef(Buffer* adopted) : buffer_(adopted) {}  // takes over its reference
  BufferRef(const BufferRef& other) : buffer_(other.buffer_) {
    if (buffer_) buffer_->Ref();
  }
  BufferRef(BufferRef&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}
  BufferRef& operator=(BufferRef other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  ~BufferRef() {
    if (buffer_) buffer_->Unref();
  }

  Buffer* get() const { return buffer_; }
  Buffer* operator->() const { return buffer_; }
  explicit operator bool() const { return buffer_ != nullptr; }
  bool operator==(std::nullptr_t) const { return buffer_ == nullptr; }

 private:
  Buffer* buffer_ = nullptr;
};

class Tensor {
 public:
  Tensor() = default;  // an empty float scalar with no buffer: !valid()
  // Uninitialized memory from `allocator` (host memory by default).
  Tensor(DataType dtype, Shape shape, Allocator* allocator = CpuAllocator());

  // A host tensor holding `values`, whose count must match the shape.
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values, Shape shape);
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values) {
    return FromVector(values, Shape({static_cast<int64_t>(values.size())}));
  }
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector(std::vector<T>{value}, Shape{});
  }
  // A host tensor of `dtype` and `shape` with every element zero.
  static Tensor Zeros(DataType dtype, Shape shape);
  // A dtype and a shape with no buffer behind them, for code that reads
  // nothing else (a plan computing Shape's output before any tensor
  // exists). !valid() unless it has no elements.
  static Tensor Metadata(DataType dtype, Shape shape);

  bool valid() const { return buffer_ != nullptr || num_elements() == 0; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return shape_.num_elements(); }
  size_t bytes() const { return static_cast<size_t>(num_elements()) * DataTypeSize(dtype_); }

  Allocator* allocator() const { return buffer_ ? buffer_->allocator() : CpuAllocator(); }
  bool on_host() const { return allocator()->host_accessible(); }
  // Where the tensor's first element is, in its device's memory.
  void* raw_data() const {
    return buffer_ ? static_cast<char*>(buffer_->data()) + offset_ : nullptr;
  }
  // Identifies the buffer behind the tensor, shared by its views.
  const void* buffer_id() const { return buffer_.get(); }
  // Whether this is the buffer's only Tensor, so it may write in place (an
  // acquire load: the other owners' reads happen before this one's writes).
  bool RefCountIsOne() const { return buffer_ && buffer_->RefCountIsOne(); }

  // Typed element access; checks the dtype and that the memory is on the host.
  template <typename T>
  T* data() const;
  template <typename T>
  std::span<T> flat() const {
    return {data<T>(), static_cast<size_t>(num_elements())};
  }
  template <typename T>
  T scalar() const;
  template <typename T>
  std::vector<T> ToVector() const {
    auto s = flat<T>();
    return {s.begin(), s.end()};
  }

  // The same buffer viewed with another shape of the same element count.
  Tensor Reshaped(const Shape& shape) const;
  // Rows [begin, end) of dim 0, as a view of the same buffer (no copy);
  // rank >= 1 and 0 <= begin <= end <= dim(0). As TensorFlow's
  // Tensor::Slice, the view keeps the whole buffer alive.
  Tensor Slice(int64_t begin, int64_t end) const;
  // A host copy with its own buffer.
  Tensor Clone() const;
  // Element-for-element equality of dtype, shape and bytes.
  bool BitwiseEquals(const Tensor& other) const;
  // "float[2,3]" (and the first values when on the host).
  std::string DebugString(int max_values = 8) const;

 private:
  DataType dtype_ = DT_FLOAT;
  Shape shape_;
  BufferRef buffer_;
  size_t offset_ = 0;  // bytes from the buffer's start to the first element
};

template <typename T>
T* Tensor::data() const {
  if (kDataTypeOf<T> != dtype_) {
    ThrowError(ErrorCode::kInternal, "tensor of dtype ", DataTypeName(dtype_),
               " accessed as ", DataTypeName(kDataTypeOf<T>));
  }
  if (buffer_ && !on_host()) {
    ThrowError(ErrorCode::kInternal, "tensor in ", allocator()->name(),
               " memory accessed from the host");
  }
  return static_cast<T*>(raw_data());
}

template <typename T>
T Tensor::scalar() const {
  if (num_elements() != 1) {
    ThrowInvalid("expected a tensor of one element, got shape ", shape_.ToString());
  }
  return data<T>()[0];
}

template <typename T>
Tensor Tensor::FromVector(const std::vector<T>& values, Shape shape) {
  if (static_cast<int64_t>(values.size()) != shape.num_elements()) {
    ThrowInvalid("Tensor::FromVector: ", values.size(), " values for shape ", shape.ToString(),
                 " of ", shape.num_elements(), " elements");
  }
  Tensor t(kDataTypeOf<T>, std::move(shape));
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < values.size(); ++i) t.data<bool>()[i] = values[i];
  } else if (!values.empty()) {
    std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  }
  return t;
}

}  // namespace tensorgraph
