// Device allocators. The Allocator interface and plain host memory
// (CpuAllocator) are in graph/tensor.h, since a Tensor is a value type the
// graph layer makes too; what devices allocate through lives here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace tensorgraph {

struct CachingAllocatorOptions {
  // Freed blocks kept for reuse, in bytes at most; a block freed past it
  // goes back to the backing allocator.
  size_t max_cached_bytes = size_t{256} << 20;
  // Requests below this size pass straight through (the backing allocator
  // is fast at them; 0 caches every size).
  size_t min_cached_size = 0;
};

// Keeps freed blocks and hands them out again for requests of the same
// size class, so that a step that allocates the same shapes every run
// takes memory from the backing allocator only on its first run: no
// cudaMalloc/cudaFree (which synchronizes the device) on a GPU, no fresh
// pages (and their faults) on the host. Sizes round up to classes of at
// most 1/8 waste: multiples of 512 bytes below 1 MiB, then eight classes
// per power of two. Thread-safe. Blocks are not split or merged: a block
// serves only its own class. Not for memory a device still reads after
// the free unless, as on one CUDA stream, later work is ordered after it.
class CachingAllocator final : public Allocator {
 public:
  struct Stats {
    AllocatorStats usage;          // bytes the callers hold (rounded sizes)
    int64_t bytes_cached = 0;      // freed bytes kept for reuse
    int64_t bytes_reserved = 0;    // held from the backing allocator: usage + cached
    int64_t cache_hits = 0;        // allocations served from the cache
    int64_t cache_misses = 0;      // allocations that went to the backing allocator
  };

  // `backing` must outlive this allocator.
  CachingAllocator(Allocator* backing, std::string name, CachingAllocatorOptions options = {});
  ~CachingAllocator() override;

  std::string_view name() const override { return name_; }
  void* Allocate(size_t bytes) override;
  void Deallocate(void* ptr, size_t bytes) override;
  bool host_accessible() const override { return backing_->host_accessible(); }
  AllocatorStats GetStats() const override;
  void ResetPeak() override;

  Stats GetCachingStats() const;
  // Returns every cached block to the backing allocator.
  void EmptyCache();

  // The size class of a request: what is allocated for `bytes`.
  static size_t RoundSize(size_t bytes);

 private:
  void ReleaseCached();  // with mu_ held

  Allocator* backing_;
  std::string name_;
  CachingAllocatorOptions options_;
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> blocks
  Stats stats_;
};

}  // namespace tensorgraph
