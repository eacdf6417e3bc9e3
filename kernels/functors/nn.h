// Activation math shared by the CPU kernels (kernels/cpu/nn_ops.cc) and
// the CUDA kernels: __host__ __device__ under nvcc.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/functors/host_device.h"

namespace tensorgraph::functors {

// log(epsilon) + 2, TensorFlow's softplus cut-off: computed once on the
// host, per call on a device (where the compiler folds it).
template <typename T>
TG_HOST_DEVICE T SoftplusThreshold() {
#if defined(__CUDA_ARCH__)
  return std::log(std::numeric_limits<T>::epsilon()) + T{2};
#else
  static const T threshold = std::log(std::numeric_limits<T>::epsilon()) + T{2};
  return threshold;
#endif
}

struct ReluFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < T{0} ? T{0} : x;  // NaN passes through, as in TensorFlow
    }
  }
};

struct SoftplusFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T x) const {
    // TensorFlow's cut-offs: above -threshold log1p(exp(x)) is x to machine
    // precision (and exp(x) may overflow); below threshold it is exp(x).
    const T threshold = SoftplusThreshold<T>();
    if (x > -threshold) return x;
    const T e = std::exp(x);
    return x < threshold ? e : std::log1p(e);
  }
};

struct ReluGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T gradient, T feature) const {
    return feature > T{0} ? gradient : T{0};
  }
};

struct SoftplusGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T gradient, T feature) const {
    // gradient * sigmoid(feature); for very negative features exp(-feature)
    // overflows to inf and the quotient is the right limit, 0.
    return gradient / (std::exp(-feature) + T{1});
  }
};

}  // namespace tensorgraph::functors
