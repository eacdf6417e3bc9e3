// CPU kernels for random ops: TensorFlow's samplers over the Philox stream,
// reproducing its seeded draws (uniforms bit for bit; normals up to libm's
// rounding of log, sin and cos).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <mutex>
#include <numbers>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include "kernels/functors/philox.h"
#include "kernels/functors/random.h"
#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

using functors::PhiloxRandom;
using functors::PhiloxWords;

using functors::NextNormalPair;
using functors::NextUniform;

// The samplers. Each fills `out` from the stream starting at `start`.
// TensorFlow turns each block into a whole number of samples (four float or
// two double uniforms, or normals) and drops the unused end of the last
// block, so reading the words in order gives its samples.

struct UniformSampler {
  template <typename T>
  static void Fill(PhiloxRandom start, std::span<T> out) {
    PhiloxWords words(start);
    for (T& x : out) x = NextUniform<T>(words);
  }
};

struct NormalSampler {
  template <typename T>
  static void Fill(PhiloxRandom start, std::span<T> out) {
    PhiloxWords words(start);
    for (size_t i = 0; i < out.size(); i += 2) {
      const std::array<T, 2> z = NextNormalPair<T>(words);
      out[i] = z[0];
      if (i + 1 < out.size()) out[i + 1] = z[1];
    }
  }
};

// Normals with |z| < 2, by rejection. Outputs come in groups (four floats,
// or two doubles: what one block of words makes), and each group draws from
// its own stretch of the stream, 256 words per output, so no group depends
// on how many samples another rejected (TensorFlow's layout, which lets it
// fill groups in parallel).
struct TruncatedNormalSampler {
  template <typename T>
  static void Fill(PhiloxRandom start, std::span<T> out) {
    constexpr size_t kGroupSize = std::is_same_v<T, float> ? 4 : 2;
    constexpr uint64_t kBlocksPerGroup = kGroupSize * 256 / 4;
    PhiloxRandom group_start = start;
    for (size_t i = 0; i < out.size(); i += kGroupSize) {
      const size_t end = std::min(out.size(), i + kGroupSize);
      PhiloxWords words(group_start);
      size_t next = i;
      while (next < end) {
        for (T z : NextNormalPair<T>(words)) {
          if (std::abs(z) < T{2} && next < end) out[next++] = z;
        }
      }
      group_start.Skip(kBlocksPerGroup);
    }
  }
};

// TensorFlow's convention: seed and seed2 both 0 mean "not seeded", and the
// stream then starts from random seeds.
PhiloxRandom MakeGenerator(int64_t seed, int64_t seed2) {
  if (seed == 0 && seed2 == 0) {
    std::random_device device;
    auto random64 = [&device] {
      const uint64_t high = device();
      return high << 32 | device();
    };
    const uint64_t random_seed = random64();
    return PhiloxRandom(random_seed, random64());
  }
  return PhiloxRandom(static_cast<uint64_t>(seed), static_cast<uint64_t>(seed2));
}

// The kernel is shared by every plan of a session (the op is stateful), so
// the stream continues across runs whichever signature runs it.
template <typename T, typename Sampler>
class PhiloxRandomOp : public OpKernel {
 public:
  PhiloxRandomOp(const Node& node, Device& device)
      : OpKernel(node, device),
        generator_(MakeGenerator(attr<int64_t>("seed"), attr<int64_t>("seed2"))) {}

  void Compute(OpKernelContext& ctx) override {
    Tensor& out = ctx.AllocateOutput(0);
    Sampler::Fill(Reserve(out.num_elements()), out.flat<T>());
  }

 private:
  // Each run takes the next stretch of the stream, 256 blocks per output as
  // TensorFlow reserves (ample for rejection sampling), under the lock so
  // that concurrent runs never draw the same numbers.
  PhiloxRandom Reserve(int64_t num_outputs) {
    std::lock_guard<std::mutex> lock(mu_);
    const PhiloxRandom start = generator_;
    generator_.Skip(static_cast<uint64_t>(num_outputs) * 256);
    return start;
  }

  std::mutex mu_;
  PhiloxRandom generator_;
};

// The counter lives in the kernel, on the host: a step with a random op is
// not recorded for replay on any device, so that the CPU decides as a GPU
// (whose replayed graph would not advance it) does.
#define TG_REGISTER_RANDOM(op, T, Sampler)                                                   \
  TG_REGISTER_KERNEL_DEF(KernelDef(op, kDeviceCpu, kDataTypeOf<T>)                          \
                             .HostMemory("shape")                                           \
                             .NotCapturable("its Philox counter advances on the host, "     \
                                            "which a replayed graph would not do"),         \
                         PhiloxRandomOp<T, Sampler>)
TG_REGISTER_RANDOM("RandomUniform", float, UniformSampler);
TG_REGISTER_RANDOM("RandomUniform", double, UniformSampler);
TG_REGISTER_RANDOM("RandomStandardNormal", float, NormalSampler);
TG_REGISTER_RANDOM("RandomStandardNormal", double, NormalSampler);
TG_REGISTER_RANDOM("TruncatedNormal", float, TruncatedNormalSampler);
TG_REGISTER_RANDOM("TruncatedNormal", double, TruncatedNormalSampler);

}  // namespace
}  // namespace tensorgraph
