// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel
// Random Numbers: As Easy as 1, 2, 3" (SC 2011), laid out as TensorFlow's
// PhiloxRandom so that seeded streams match TensorFlow's bit for bit:
// key = (seed lo32, seed hi32), counter = (block lo32, block hi32,
// seed2 lo32, seed2 hi32). Each call yields one 128-bit block and moves the
// counter on by one, so any position in the stream costs O(1) to reach.
// Shared by the CPU and CUDA kernels, so that both draw the same streams.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "kernels/functors/host_device.h"

namespace tensorgraph::functors {

using PhiloxBlock = std::array<uint32_t, 4>;

class PhiloxRandom {
 public:
  TG_HOST_DEVICE PhiloxRandom(uint64_t seed, uint64_t seed2)
      : counter_{0, 0, static_cast<uint32_t>(seed2), static_cast<uint32_t>(seed2 >> 32)},
        key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)} {}

  // The block at the current position; then moves to the next.
  TG_HOST_DEVICE PhiloxBlock operator()() {
    PhiloxBlock block = counter_;
    std::array<uint32_t, 2> key = key_;
    for (int round = 0; round < kRounds; ++round) {
      block = Round(block, key);
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    Skip(1);
    return block;
  }

  // Moves `count` blocks ahead: a 128-bit add to the counter.
  TG_HOST_DEVICE void Skip(uint64_t count) {
    const uint64_t low = (uint64_t{counter_[1]} << 32 | counter_[0]) + count;
    const bool carry = low < count;
    counter_[0] = static_cast<uint32_t>(low);
    counter_[1] = static_cast<uint32_t>(low >> 32);
    if (carry && ++counter_[2] == 0) ++counter_[3];
  }

 private:
  static constexpr int kRounds = 10;
  static constexpr uint32_t kMultiplier0 = 0xD2511F53;
  static constexpr uint32_t kMultiplier1 = 0xCD9E8D57;
  static constexpr uint32_t kWeyl0 = 0x9E3779B9;  // golden ratio
  static constexpr uint32_t kWeyl1 = 0xBB67AE85;  // sqrt(3) - 1

  TG_HOST_DEVICE static PhiloxBlock Round(const PhiloxBlock& c, const std::array<uint32_t, 2>& key) {
    const uint64_t p0 = uint64_t{kMultiplier0} * c[0];
    const uint64_t p1 = uint64_t{kMultiplier1} * c[2];
    return {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ key[0], static_cast<uint32_t>(p1),
            static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ key[1], static_cast<uint32_t>(p0)};
  }

  PhiloxBlock counter_;
  std::array<uint32_t, 2> key_;
};

// A generator's output one 32-bit word at a time, for samplers that use a
// variable number of words per sample (rejection sampling).
class PhiloxWords {
 public:
  TG_HOST_DEVICE explicit PhiloxWords(PhiloxRandom generator) : generator_(generator) {}

  TG_HOST_DEVICE uint32_t operator()() {
    if (used_ == block_.size()) {
      block_ = generator_();
      used_ = 0;
    }
    return block_[used_++];
  }

 private:
  PhiloxRandom generator_;
  PhiloxBlock block_{};
  size_t used_ = block_.size();
};

}  // namespace tensorgraph::functors
