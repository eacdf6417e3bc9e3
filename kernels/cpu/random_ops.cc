// CPU kernels for random ops: TensorFlow's samplers over the Philox stream
// of kernels/philox_op.h, reproducing its seeded draws (uniforms bit for
// bit; normals up to libm's rounding of log, sin and cos).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>
#include <span>
#include <type_traits>
#include <vector>

#include "kernels/functors/philox.h"
#include "kernels/functors/random.h"
#include "kernels/philox_op.h"

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

template <typename T, typename Sampler>
class PhiloxRandomOp final : public PhiloxOpKernel {
 public:
  using PhiloxOpKernel::PhiloxOpKernel;

 private:
  void Fill(const OpKernelContext& ctx, PhiloxRandom start, Tensor& out) override {
    Sampler::Fill(start, out.flat<T>());
  }
};

#define TG_REGISTER_RANDOM(op, T, Sampler)                                \
  TG_REGISTER_KERNEL_DEF(PhiloxKernelDef(op, kDeviceCpu, kDataTypeOf<T>), \
                         PhiloxRandomOp<T, Sampler>)
TG_REGISTER_RANDOM("RandomUniform", float, UniformSampler);
TG_REGISTER_RANDOM("RandomUniform", double, UniformSampler);
TG_REGISTER_RANDOM("RandomStandardNormal", float, NormalSampler);
TG_REGISTER_RANDOM("RandomStandardNormal", double, NormalSampler);
TG_REGISTER_RANDOM("TruncatedNormal", float, TruncatedNormalSampler);
TG_REGISTER_RANDOM("TruncatedNormal", double, TruncatedNormalSampler);

}  // namespace
}  // namespace tensorgraph
