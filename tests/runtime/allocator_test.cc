// The caching allocator's bookkeeping, over a backing allocator that
// counts what it is asked for (the CUDA device uses the same class over
// cudaMalloc).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include "runtime/allocator.h"
#include "runtime/device.h"
#include "tensorgraph.h"

using namespace tensorgraph;

namespace {

class CountingAllocator final : public Allocator {
 public:
  std::string_view name() const override { return "counting"; }
  void* Allocate(size_t bytes) override {
    if (bytes > limit) ThrowError(ErrorCode::kResourceExhausted, "over the test limit");
    ++allocations;
    in_use += bytes;
    limit -= bytes;
    return std::malloc(bytes);
  }
  void Deallocate(void* ptr, size_t bytes) override {
    ++frees;
    in_use -= bytes;
    limit += bytes;
    std::free(ptr);
  }
  bool host_accessible() const override { return true; }

  int allocations = 0;
  int frees = 0;
  size_t in_use = 0;
  size_t limit = SIZE_MAX;
};

}  // namespace

TEST_CASE("size classes waste at most an eighth and never shrink a request", "[allocator]") {
  CHECK(CachingAllocator::RoundSize(0) == 512);
  CHECK(CachingAllocator::RoundSize(1) == 512);
  CHECK(CachingAllocator::RoundSize(512) == 512);
  CHECK(CachingAllocator::RoundSize(513) == 1024);
  CHECK(CachingAllocator::RoundSize(size_t{1} << 20) == size_t{1} << 20);
  CHECK(CachingAllocator::RoundSize((size_t{1} << 20) + 1) == (size_t{1} << 20) + (size_t{1} << 17));
  for (size_t bytes : {size_t{3000}, size_t{1} << 21, size_t{5'000'001}, size_t{123'456'789},
                       SIZE_MAX - 7}) {
    const size_t size = CachingAllocator::RoundSize(bytes);
    CHECK(size >= bytes);
    CHECK(size - bytes <= std::max<size_t>(bytes / 8, 512));
  }
}

TEST_CASE("freed blocks are reused for the same size class", "[allocator]") {
  CountingAllocator backing;
  CachingAllocator cache(&backing, "test");
  void* a = cache.Allocate(4000);
  cache.Deallocate(a, 4000);
  void* b = cache.Allocate(3900);  // same 4096-byte class
  CHECK(b == a);
  CHECK(backing.allocations == 1);
  void* c = cache.Allocate(10000);  // another class: new memory
  CHECK(backing.allocations == 2);
  const CachingAllocator::Stats stats = cache.GetCachingStats();
  CHECK(stats.cache_hits == 1);
  CHECK(stats.cache_misses == 2);
  CHECK(stats.usage.bytes_in_use == 4096 + 10240);
  CHECK(stats.bytes_cached == 0);
  cache.Deallocate(b, 3900);
  cache.Deallocate(c, 10000);
  CHECK(cache.GetStats().bytes_in_use == 0);
  CHECK(cache.GetCachingStats().bytes_cached == 4096 + 10240);
  CHECK(backing.frees == 0);
  cache.EmptyCache();
  CHECK(backing.frees == 2);
  CHECK(backing.in_use == 0);
}

TEST_CASE("the cache keeps at most max_cached_bytes and passes small requests through",
          "[allocator]") {
  CountingAllocator backing;
  CachingAllocator cache(&backing, "test", {.max_cached_bytes = 8192, .min_cached_size = 1024});
  void* small = cache.Allocate(100);
  cache.Deallocate(small, 100);
  CHECK(backing.frees == 1);  // not cached
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(cache.Allocate(4096));
  for (void* p : blocks) cache.Deallocate(p, 4096);
  CHECK(cache.GetCachingStats().bytes_cached == 8192);
  CHECK(backing.frees == 2);  // the third block went back
  CHECK(backing.in_use == 8192);
}

TEST_CASE("out of memory with blocks cached gives them back and retries", "[allocator]") {
  CountingAllocator backing;
  backing.limit = 3 << 20;
  CachingAllocator cache(&backing, "test");
  void* a = cache.Allocate(size_t{2} << 20);
  cache.Deallocate(a, size_t{2} << 20);
  // 2 MiB cached, 1 MiB left: a 2.25 MiB class fits only once the cache is empty.
  void* b = cache.Allocate((size_t{2} << 20) + 1);
  CHECK(b != nullptr);
  CHECK(cache.GetCachingStats().bytes_cached == 0);
  cache.Deallocate(b, (size_t{2} << 20) + 1);
  // With nothing cached, running out is the caller's error.
  cache.EmptyCache();
  CHECK_THROWS_WITH(cache.Allocate(size_t{4} << 20), Catch::Contains("over the test limit"));
}

TEST_CASE("CPU kernels' large outputs come from the device's cache", "[allocator]") {
  // The CPU device caches blocks of 64 KiB and more: two runs of a step of
  // fixed shapes take no new memory the second time.
  Allocator* device = CpuDevice()->allocator();
  auto* cache = dynamic_cast<CachingAllocator*>(device);
  REQUIRE(cache != nullptr);
  const auto before = cache->GetCachingStats();
  Tensor a(DT_FLOAT, Shape{1 << 16}, device);
  const void* first = a.raw_data();
  a = Tensor();
  Tensor b(DT_FLOAT, Shape{1 << 16}, device);
  CHECK(b.raw_data() == first);
  CHECK(cache->GetCachingStats().cache_hits > before.cache_hits);
}

TEST_CASE("a row slice is a view at an offset of its tensor's buffer", "[allocator]") {
  const Tensor t = Tensor::FromVector<float>({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  const Tensor rows = t.Slice(1, 3);
  CHECK(rows.shape() == Shape({2, 2}));
  CHECK(rows.ToVector<float>() == std::vector<float>{2, 3, 4, 5});
  CHECK(rows.buffer_id() == t.buffer_id());
  CHECK(static_cast<const char*>(rows.raw_data()) == static_cast<const char*>(t.raw_data()) + 8);
  CHECK(rows.Slice(1, 2).ToVector<float>() == std::vector<float>{4, 5});
  CHECK(rows.Clone().BitwiseEquals(Tensor::FromVector<float>({2, 3, 4, 5}, {2, 2})));
  CHECK(t.Slice(4, 4).num_elements() == 0);
  CHECK_THROWS_WITH(t.Slice(3, 5), Catch::Contains("cannot slice rows [3, 5)"));
  CHECK_THROWS(Tensor::Scalar(1.0f).Slice(0, 1));

  // The Slice kernel takes such a view when only dim 0 is cut.
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4, 2});
  Output head = ops::Slice(root.WithOpName("head"), x, {1, 0}, {2, 2});
  Output cols = ops::Slice(root.WithOpName("cols"), x, {0, 1}, {4, 1});
  Session session(g);
  auto out = session.Run({{x, t}}, {head, cols});
  CHECK(out[0].buffer_id() == t.buffer_id());
  CHECK(out[0].ToVector<float>() == std::vector<float>{2, 3, 4, 5});
  CHECK(out[1].ToVector<float>() == std::vector<float>{1, 3, 5, 7});
}
