// CUDA kernels for RandomUniform, RandomStandardNormal and TruncatedNormal
// (float and double): the CPU's samplers (kernels/cpu/random_ops.cc) over
// the same Philox stream (kernels/functors/philox.h, random.h), from the
// same generator in the same host-side kernel (kernels/philox_op.h), so
// that a seeded op draws the same numbers on either device: uniforms bit
// for bit, normals up to the rounding of log, sin and cos, which CUDA's
// math library and libm may do differently in the last place.
//
// The stream's layout, as the CPU consumes it: each run reserves
// 256 * num_outputs blocks from the kernel's generator (under a lock) and
// fills its outputs in groups of kGroupSize (4 floats or 2 doubles: what
// one 128-bit block makes).
// - Uniform and normal: the CPU reads the words in order, and every sample
//   uses a whole number of words that never straddles a group (a float
//   uniform takes 1 word, a double 2; a normal pair takes 2 uniforms), so
//   group g is made from block g alone.
// - Truncated normal: group g draws from its own stretch of the stream,
//   starting kBlocksPerGroup = kGroupSize * 64 blocks after group g - 1's,
//   however many pairs it rejects.
// Either way each group depends only on its first block, so one thread per
// group runs the CPU's loop for it from there (skipping to a counter is
// O(1)), and writes the same values.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/functors/philox.h"
#include "kernels/functors/random.h"
#include "kernels/philox_op.h"

namespace tensorgraph {
namespace {

using functors::NextNormalPair;
using functors::NextUniform;
using functors::PhiloxRandom;
using functors::PhiloxWords;

template <typename T>
constexpr int kGroupSize = std::is_same_v<T, float> ? 4 : 2;

// Each sampler fills `count` <= kGroupSize outputs of one group from the
// group's words, as the CPU's sampler fills them.

template <typename T>
struct UniformSampler {
  static constexpr uint64_t kBlocksPerGroup = 1;
  __device__ static void Fill(PhiloxWords& words, T* out, int count) {
    for (int k = 0; k < count; ++k) out[k] = NextUniform<T>(words);
  }
};

template <typename T>
struct NormalSampler {
  static constexpr uint64_t kBlocksPerGroup = 1;
  __device__ static void Fill(PhiloxWords& words, T* out, int count) {
    for (int k = 0; k < count; k += 2) {
      const std::array<T, 2> z = NextNormalPair<T>(words);
      out[k] = z[0];
      if (k + 1 < count) out[k + 1] = z[1];
    }
  }
};

// Normals with |z| < 2: pairs are drawn until the group is full, each
// accepted value taking the next output.
template <typename T>
struct TruncatedNormalSampler {
  static constexpr uint64_t kBlocksPerGroup = kGroupSize<T> * 256 / 4;
  __device__ static void Fill(PhiloxWords& words, T* out, int count) {
    int next = 0;
    while (next < count) {
      for (T z : NextNormalPair<T>(words)) {
        if (std::abs(z) < T{2} && next < count) out[next++] = z;
      }
    }
  }
};

// One thread per group of kGroupSize outputs.
template <typename T, typename Sampler>
__global__ void RandomKernel(int64_t num_groups, int64_t n, PhiloxRandom start, T* out) {
  TG_CUDA_LOOP(g, num_groups) {
    PhiloxRandom generator = start;
    generator.Skip(static_cast<uint64_t>(g) * Sampler::kBlocksPerGroup);
    PhiloxWords words(generator);
    const int64_t first = g * kGroupSize<T>;
    Sampler::Fill(words, out + first, static_cast<int>(std::min<int64_t>(kGroupSize<T>, n - first)));
  }
}

// The start of the run's stretch is passed to the GPU by value (so a
// replayed CUDA graph would redraw the same numbers: the registration says
// it cannot be captured).
template <typename T, template <typename> class Sampler>
class PhiloxRandomOp final : public PhiloxOpKernel {
 public:
  using PhiloxOpKernel::PhiloxOpKernel;

 private:
  void Fill(const OpKernelContext& ctx, PhiloxRandom start, Tensor& out) override {
    const int64_t n = out.num_elements();
    const int64_t num_groups = (n + kGroupSize<T> - 1) / kGroupSize<T>;
    cuda::Launch1D(ctx, "random kernel", num_groups, 1, RandomKernel<T, Sampler<T>>, num_groups, n,
                   start, cuda::DevicePtr<T>(out));
  }
};

#define TG_REGISTER_GPU_RANDOM(op, Sampler, T)                            \
  TG_REGISTER_KERNEL_DEF(PhiloxKernelDef(op, kDeviceGpu, kDataTypeOf<T>), \
                         PhiloxRandomOp<T, Sampler>)

TG_REGISTER_GPU_RANDOM("RandomUniform", UniformSampler, float);
TG_REGISTER_GPU_RANDOM("RandomUniform", UniformSampler, double);
TG_REGISTER_GPU_RANDOM("RandomStandardNormal", NormalSampler, float);
TG_REGISTER_GPU_RANDOM("RandomStandardNormal", NormalSampler, double);
TG_REGISTER_GPU_RANDOM("TruncatedNormal", TruncatedNormalSampler, float);
TG_REGISTER_GPU_RANDOM("TruncatedNormal", TruncatedNormalSampler, double);

}  // namespace
}  // namespace tensorgraph
