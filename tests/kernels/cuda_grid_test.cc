// The launch shapes of the CUDA kernels (kernels/cuda/launch.h), checked on
// the CPU (tagged [cuda-host]):
//
//   1. GridFor: enough threads for every element, no idle block, the cap
//      on blocks (the kernels loop grid-stride past it).
//   2. VectorWidth: the width of vectorized accesses follows every
//      pointer's alignment and the length's divisibility, at most 16 bytes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "kernels/cuda/launch.h"

using namespace tensorgraph;

// ===========================================================================
// 1. GridFor

TEST_CASE("GridFor launches enough threads, no idle block, and caps the grid", "[cuda-host]") {
  SECTION("no elements, no blocks") {
    CHECK(cuda::GridFor(0).blocks == 0);
    CHECK(cuda::GridFor(0, 1, 128, 10).blocks == 0);
    CHECK(cuda::GridFor(-5).blocks == 0);
  }
  struct Params {
    int per_thread, threads;
    int64_t max_blocks;
  };
  for (const Params& p : {Params{4, 256, int64_t{1} << 20}, Params{1, 256, int64_t{1} << 20},
                          Params{2, 128, 100}, Params{1, 1, 7}, Params{8, 512, 65535}}) {
    CAPTURE(p.per_thread, p.threads, p.max_blocks);
    const int64_t per_block = int64_t{p.threads} * p.per_thread;
    const int64_t cap_elements = p.max_blocks * per_block;  // the most one grid pass covers
    std::vector<int64_t> sizes = {1,         2,          per_block - 1, per_block, per_block + 1,
                                  3 * per_block + 1, cap_elements - 1, cap_elements};
    std::mt19937_64 rng(99);
    for (int i = 0; i < 50; ++i) sizes.push_back(1 + static_cast<int64_t>(rng() % cap_elements));
    for (int64_t n : sizes) {
      if (n < 1) continue;
      CAPTURE(n);
      const cuda::LaunchShape s = cuda::GridFor(n, p.per_thread, p.threads, p.max_blocks);
      CHECK(s.threads == static_cast<uint32_t>(p.threads));
      CHECK(int64_t{s.blocks} * s.threads * p.per_thread >= n);        // covers every element
      CHECK((int64_t{s.blocks} - 1) * s.threads * p.per_thread < n);   // no idle block
      CHECK(int64_t{s.blocks} <= p.max_blocks);
    }
    // Past the cap the grid stays at the cap (the kernels loop grid-stride).
    for (int64_t n : {cap_elements + 1, int64_t{1} << 40, int64_t{INT64_MAX} / 2}) {
      CAPTURE(n);
      const cuda::LaunchShape s = cuda::GridFor(n, p.per_thread, p.threads, p.max_blocks);
      CHECK(int64_t{s.blocks} == p.max_blocks);
      CHECK(s.threads == static_cast<uint32_t>(p.threads));
    }
  }
  SECTION("the default grid of 2^40 elements is 2^20 blocks of 256") {
    const cuda::LaunchShape s = cuda::GridFor(int64_t{1} << 40);
    CHECK(s.blocks == (1u << 20));
    CHECK(s.threads == 256u);
  }
}

// ===========================================================================
// 2. VectorWidth

TEST_CASE("VectorWidth follows alignment and divisibility, at most 16 bytes", "[cuda-host]") {
  alignas(64) static unsigned char buffer[512];
  auto at = [](int offset) -> const void* { return buffer + offset; };

  SECTION("by value") {
    // 4-byte elements (float): 4 needs 16-byte alignment and n % 4 == 0.
    CHECK(cuda::VectorWidth({at(0)}, 8, 4) == 4);
    CHECK(cuda::VectorWidth({at(0), at(16), at(48)}, 1024, 4) == 4);
    CHECK(cuda::VectorWidth({at(0)}, 6, 4) == 2);   // n not a multiple of 4
    CHECK(cuda::VectorWidth({at(0)}, 7, 4) == 1);   // n odd
    CHECK(cuda::VectorWidth({at(8)}, 8, 4) == 2);   // 8-byte aligned only
    CHECK(cuda::VectorWidth({at(4)}, 8, 4) == 1);   // 4-byte aligned only
    CHECK(cuda::VectorWidth({at(0), at(8)}, 8, 4) == 2);  // the least aligned decides
    CHECK(cuda::VectorWidth({at(0), at(4)}, 8, 4) == 1);
    // 8-byte elements (double): capped at 2 (16 bytes) however aligned.
    CHECK(cuda::VectorWidth({at(0)}, 8, 8) == 2);
    CHECK(cuda::VectorWidth({at(8)}, 8, 8) == 1);
    CHECK(cuda::VectorWidth({at(0)}, 3, 8) == 1);
    // 16-byte elements: never vectorized.
    CHECK(cuda::VectorWidth({at(0)}, 8, 16) == 1);
    // 2- and 1-byte elements: 4 elements need 8 and 4 bytes of alignment.
    CHECK(cuda::VectorWidth({at(8)}, 8, 2) == 4);
    CHECK(cuda::VectorWidth({at(4)}, 8, 2) == 2);
    CHECK(cuda::VectorWidth({at(2)}, 8, 2) == 1);
    CHECK(cuda::VectorWidth({at(4)}, 8, 1) == 4);
    CHECK(cuda::VectorWidth({at(2)}, 8, 1) == 2);
    CHECK(cuda::VectorWidth({at(1)}, 8, 1) == 1);
  }
  SECTION("every combination against the rule") {
    int checked = 0;
    for (int element_size : {1, 2, 4, 8, 16}) {
      for (int offset_a = 0; offset_a < 64; offset_a += element_size) {
        for (int offset_b : {0, 4, 8, 12, 16, 32}) {
          if (offset_b % element_size != 0) continue;
          for (int64_t n = 1; n <= 12; ++n) {
            // The widest of 4, 2, 1 with width * size <= 16 bytes, dividing
            // n, and every address a multiple of width * size.
            int want = 1;
            for (int w : {2, 4}) {
              const int bytes = w * element_size;
              if (bytes <= 16 && n % w == 0 && offset_a % bytes == 0 && offset_b % bytes == 0) {
                want = w;
              }
            }
            const int got = cuda::VectorWidth({at(offset_a), at(offset_b)}, n, element_size);
            if (got != want) {
              CAPTURE(element_size, offset_a, offset_b, n);
              CHECK(got == want);
            }
            ++checked;
          }
        }
      }
    }
    CHECK(checked > 1000);
  }
}
