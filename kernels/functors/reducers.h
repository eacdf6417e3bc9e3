// Reducers shared by the CPU reduction kernels (kernels/cpu/reduction_ops.cc)
// and the CUDA ones: __host__ __device__ under nvcc.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/functors/host_device.h"

namespace tensorgraph::functors {

// A reducer combines values of type T into an accumulator (Add), joins
// partial accumulators (Merge) and turns the total of `count` values into
// the output (Finish); Identity is the total of no values.
//
// Sums accumulate floats in double, and integers in uint64 so that
// overflow wraps (as TensorFlow's integer sums do) instead of being
// undefined.
template <typename T>
struct SumReducer {
  using Value = T;
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
  TG_HOST_DEVICE static Acc Identity() { return 0; }
  TG_HOST_DEVICE static Acc Add(Acc a, T x) {
    if constexpr (std::is_floating_point_v<T>) {
      return a + x;
    } else {
      return a + static_cast<uint64_t>(static_cast<int64_t>(x));
    }
  }
  TG_HOST_DEVICE static Acc Merge(Acc a, Acc b) { return a + b; }
  TG_HOST_DEVICE static T Finish(Acc a, int64_t) { return static_cast<T>(a); }
};

// The mean of no values is NaN for floats (0 / 0) and 0 for integers, as in
// TensorFlow; integer means truncate toward zero.
template <typename T>
struct MeanReducer : SumReducer<T> {
  using Acc = typename SumReducer<T>::Acc;
  TG_HOST_DEVICE static T Finish(Acc a, int64_t count) {
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(a / static_cast<double>(count));
    } else if (count == 0) {
      return 0;
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<T>(static_cast<int64_t>(a) / count);
    } else {
      return static_cast<T>(a / static_cast<uint64_t>(count));
    }
  }
};

// NaN wins: once the accumulator is NaN no value compares above it.
template <typename T>
struct MaxReducer {
  using Value = T;
  using Acc = T;
  TG_HOST_DEVICE static Acc Identity() {
    if constexpr (std::is_floating_point_v<T>) {
      return -std::numeric_limits<T>::infinity();
    } else {
      return std::numeric_limits<T>::lowest();
    }
  }
  TG_HOST_DEVICE static Acc Add(Acc a, T x) { return ((x > a) | (x != x)) ? x : a; }
  TG_HOST_DEVICE static Acc Merge(Acc a, Acc b) { return Add(a, b); }
  TG_HOST_DEVICE static T Finish(Acc a, int64_t) { return a; }
};

}  // namespace tensorgraph::functors
