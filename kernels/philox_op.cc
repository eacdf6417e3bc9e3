#include "kernels/philox_op.h"

#include <random>
#include <utility>

namespace tensorgraph {
namespace {

using functors::PhiloxRandom;

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

}  // namespace

PhiloxOpKernel::PhiloxOpKernel(const Node& node, Device& device)
    : OpKernel(node, device),
      generator_(MakeGenerator(attr<int64_t>("seed"), attr<int64_t>("seed2"))) {}

void PhiloxOpKernel::Compute(OpKernelContext& ctx) {
  Tensor& out = ctx.AllocateOutput(0);
  Fill(ctx, Reserve(out.num_elements()), out);
}

// Each run takes the next stretch of the stream, 256 blocks per output as
// TensorFlow reserves (ample for rejection sampling), under the lock so
// that concurrent runs never draw the same numbers.
PhiloxRandom PhiloxOpKernel::Reserve(int64_t num_outputs) {
  std::lock_guard<std::mutex> lock(mu_);
  const PhiloxRandom start = generator_;
  generator_.Skip(static_cast<uint64_t>(num_outputs) * 256);
  return start;
}

KernelDef PhiloxKernelDef(std::string op, std::string_view device_type, DataType dtype) {
  return KernelDef(std::move(op), device_type, dtype)
      .HostMemory("shape")
      .NotCapturable(
          "its Philox counter advances on the host, which a replayed graph would not do");
}

}  // namespace tensorgraph
