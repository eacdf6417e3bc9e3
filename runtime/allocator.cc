#include "runtime/allocator.h"

#include <algorithm>
#include <bit>

namespace tensorgraph {

CachingAllocator::CachingAllocator(Allocator* backing, std::string name,
                                   CachingAllocatorOptions options)
    : backing_(backing), name_(std::move(name)), options_(options) {}

CachingAllocator::~CachingAllocator() { EmptyCache(); }

size_t CachingAllocator::RoundSize(size_t bytes) {
  constexpr size_t kSmallStep = 512;
  constexpr size_t kLarge = size_t{1} << 20;
  if (bytes == 0) return kSmallStep;
  if (bytes <= kLarge) return (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Eight classes between consecutive powers of two.
  const size_t power = std::bit_floor(bytes);
  const size_t step = power / 8;
  const size_t rounded = (bytes + step - 1) / step * step;
  return rounded < bytes ? bytes : rounded;  // at the top of size_t
}

void* CachingAllocator::Allocate(size_t bytes) {
  if (bytes < options_.min_cached_size) {
    void* p = backing_->Allocate(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.usage.bytes_in_use += static_cast<int64_t>(bytes);
    stats_.usage.peak_bytes_in_use = std::max(stats_.usage.peak_bytes_in_use, stats_.usage.bytes_in_use);
    ++stats_.usage.num_allocations;
    return p;
  }
  const size_t size = RoundSize(bytes);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      stats_.bytes_cached -= static_cast<int64_t>(size);
      ++stats_.cache_hits;
    }
  }
  if (p == nullptr) {
    try {
      p = backing_->Allocate(size);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kResourceExhausted) throw;
      // Out of memory with blocks cached: give them back and try once more.
      std::unique_lock<std::mutex> lock(mu_);
      if (stats_.bytes_cached == 0) throw;
      ReleaseCached();
      lock.unlock();
      p = backing_->Allocate(size);
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.cache_misses;
    stats_.bytes_reserved += static_cast<int64_t>(size);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.usage.bytes_in_use += static_cast<int64_t>(size);
  stats_.usage.peak_bytes_in_use = std::max(stats_.usage.peak_bytes_in_use, stats_.usage.bytes_in_use);
  ++stats_.usage.num_allocations;
  return p;
}

void CachingAllocator::Deallocate(void* ptr, size_t bytes) {
  if (bytes < options_.min_cached_size) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.usage.bytes_in_use -= static_cast<int64_t>(bytes);
    }
    backing_->Deallocate(ptr, bytes);
    return;
  }
  const size_t size = RoundSize(bytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.usage.bytes_in_use -= static_cast<int64_t>(size);
    if (static_cast<size_t>(stats_.bytes_cached) + size <= options_.max_cached_bytes) {
      free_[size].push_back(ptr);
      stats_.bytes_cached += static_cast<int64_t>(size);
      return;
    }
    stats_.bytes_reserved -= static_cast<int64_t>(size);
  }
  backing_->Deallocate(ptr, size);
}

AllocatorStats CachingAllocator::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_.usage;
}

void CachingAllocator::ResetPeak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.usage.peak_bytes_in_use = stats_.usage.bytes_in_use;
}

CachingAllocator::Stats CachingAllocator::GetCachingStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingAllocator::ReleaseCached() {
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) backing_->Deallocate(p, size);
    stats_.bytes_cached -= static_cast<int64_t>(size * blocks.size());
    stats_.bytes_reserved -= static_cast<int64_t>(size * blocks.size());
  }
  free_.clear();
}

void CachingAllocator::EmptyCache() {
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseCached();
}

}  // namespace tensorgraph
