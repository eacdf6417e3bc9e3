// Samples from the Philox stream (kernels/functors/philox.h) as TensorFlow
// draws them, shared by the CPU random kernels (kernels/cpu/random_ops.cc)
// and the CUDA ones, so that seeded streams give the same numbers on every
// device.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>

#include "kernels/functors/host_device.h"
#include "kernels/functors/philox.h"

namespace tensorgraph::functors {

// Uniform in [0, 1): 23 random mantissa bits under the exponent of 1.0 give
// a float in [1, 2), less 1.
TG_HOST_DEVICE inline float UnitFloat(uint32_t word) {
  return std::bit_cast<float>((word & 0x7fffffu) | 0x3f800000u) - 1.0f;
}

// As UnitFloat with 52 mantissa bits: 20 from `high`, 32 from `low`.
TG_HOST_DEVICE inline double UnitDouble(uint32_t high, uint32_t low) {
  const uint64_t mantissa = uint64_t{high & 0xfffffu} << 32 | low;
  return std::bit_cast<double>(mantissa | uint64_t{0x3ff} << 52) - 1.0;
}

// The uniform sample from the next words of the stream.
template <typename T>
TG_HOST_DEVICE T NextUniform(PhiloxWords& words) {
  if constexpr (std::is_same_v<T, float>) {
    return UnitFloat(words());
  } else {
    const uint32_t high = words();
    return UnitDouble(high, words());
  }
}

// Two independent standard normals from the next words of the stream, by
// the Box-Muller transform. The arithmetic is TensorFlow's, operation for
// operation (2 pi times the uniform in double even for float), so results
// differ from TensorFlow's only where libm rounds differently.
template <typename T>
TG_HOST_DEVICE std::array<T, 2> NextNormalPair(PhiloxWords& words) {
  // u1 is kept from 0, whose log is -inf.
  const T u1 = std::max(NextUniform<T>(words), T{1e-7});
  const T v1 = static_cast<T>(2.0 * std::numbers::pi * NextUniform<T>(words));
  const T radius = std::sqrt(T{-2} * std::log(u1));
  return {std::sin(v1) * radius, std::cos(v1) * radius};
}

}  // namespace tensorgraph::functors
