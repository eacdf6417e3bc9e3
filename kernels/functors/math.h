// Elementwise math, written once for every device: the functors the CPU
// kernels (kernels/cpu/math_ops.cc) apply and the CUDA kernels will, as
// __host__ __device__ code under nvcc. Each takes its operands by value and
// returns the result; integer arithmetic wraps in two's complement.
#pragma once

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "kernels/functors/host_device.h"

namespace tensorgraph::functors {

// Signed integer arithmetic goes through the unsigned type of the same
// width, so overflow wraps in two's complement (what TensorFlow's kernels
// give in practice) instead of being undefined behaviour.
template <typename T>
struct WrapTypeOf {
  using type = T;
};
template <std::signed_integral T>
struct WrapTypeOf<T> {
  using type = std::make_unsigned_t<T>;
};
template <typename T>
using WrapType = typename WrapTypeOf<T>::type;

template <typename T>
TG_HOST_DEVICE WrapType<T> Wrap(T v) {
  return static_cast<WrapType<T>>(v);
}

// --- binary functors -------------------------------------------------------

struct AddFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(Wrap(a) + Wrap(b)); }
};

struct SubFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(Wrap(a) - Wrap(b)); }
};

struct MulFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(Wrap(a) * Wrap(b)); }
};

struct DivFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const { return a / b; }
};

struct MaximumFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
    }
    return a > b ? a : b;  // b when b is NaN
  }
};

struct MinimumFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
    }
    return a < b ? a : b;  // b when b is NaN
  }
};

struct PowFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const { return std::pow(a, b); }
};

// Integer functors that reject some right operands up front, as
// TensorFlow's do: CheckedIntegerBinaryOp fails with kRejected when
// Rejects(y) holds for any element of y.

struct IntegerDivFn {
  static constexpr std::string_view kRejected = "Integer division by zero";
  template <typename T>
  TG_HOST_DEVICE static bool Rejects(T divisor) { return divisor == 0; }
  template <typename T>
  TG_HOST_DEVICE T operator()(T a, T b) const {
    // min / -1 overflows (and traps on x86); it wraps like the other ops.
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return static_cast<T>(-Wrap(a));
    }
    return static_cast<T>(a / b);
  }
};

struct IntegerPowFn {
  static constexpr std::string_view kRejected =
      "Integers to negative integer powers are not allowed";
  template <typename T>
  TG_HOST_DEVICE static bool Rejects(T exponent) { return exponent < 0; }
  template <typename T>
  TG_HOST_DEVICE T operator()(T base, T exponent) const {
    WrapType<T> result = 1, square = Wrap(base);
    for (T e = exponent; e > 0; e /= 2) {
      if (e % 2 == 1) result *= square;
      square *= square;
    }
    return static_cast<T>(result);
  }
};

struct EqualFn {
  template <typename T>
  TG_HOST_DEVICE bool operator()(T a, T b) const { return a == b; }
};

struct GreaterFn {
  template <typename T>
  TG_HOST_DEVICE bool operator()(T a, T b) const { return a > b; }
};

struct LessFn {
  template <typename T>
  TG_HOST_DEVICE bool operator()(T a, T b) const { return a < b; }
};

// --- unary functors --------------------------------------------------------

struct NegFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return static_cast<T>(-Wrap(a)); }
};

struct SquareFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return static_cast<T>(Wrap(a) * Wrap(a)); }
};

struct SqrtFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::sqrt(a); }
};

struct RsqrtFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return T(1) / std::sqrt(a); }
};

struct ExpFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::exp(a); }
};

struct LogFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::log(a); }
};

struct SinFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::sin(a); }
};

struct CosFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::cos(a); }
};

struct FloorFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::floor(a); }
};

struct AbsFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_integral_v<T>) {
      return a < 0 ? static_cast<T>(-Wrap(a)) : a;
    } else {
      return std::abs(a);
    }
  }
};

struct SignFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const {
    // Selects rather than branches, so the loop vectorizes.
    const T sign = a > T(0) ? T(1) : a < T(0) ? T(-1) : T(0);
    if constexpr (std::is_floating_point_v<T>) return std::isnan(a) ? a : sign;
    return sign;
  }
};

struct SigmoidFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const {
    // exp of a non-positive number cannot overflow: for negative a,
    // sigmoid(a) = e / (1 + e) with e = exp(a).
    const T e = std::exp(-std::abs(a));
    const T s = T(1) / (T(1) + e);
    return a >= T(0) ? s : e * s;
  }
};

struct TanhFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T a) const { return std::tanh(a); }
};

// --- gradient functors: f(y, dy) for y the forward op's output -------------

struct SigmoidGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T y, T dy) const { return dy * y * (T(1) - y); }
};

struct TanhGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T y, T dy) const { return dy * (T(1) - y * y); }
};

struct SqrtGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T y, T dy) const { return T(0.5) * dy / y; }
};

struct RsqrtGradFn {
  template <typename T>
  TG_HOST_DEVICE T operator()(T y, T dy) const { return T(-0.5) * (dy * y) * (y * y); }
};

// --- conversions -----------------------------------------------------------

// One element converted as TensorFlow's Cast does, except that float to
// integer is made total: out of range saturates and NaN gives 0 where C++
// leaves both undefined.
template <typename Dst>
struct CastFn {
  template <typename Src>
  TG_HOST_DEVICE Dst operator()(Src v) const {
    if constexpr (std::is_same_v<Dst, bool>) {
      return v != Src(0);
    } else if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst>) {
      using Limits = std::numeric_limits<Dst>;
      if (std::isnan(v)) return Dst(0);
      if (v <= static_cast<Src>(Limits::lowest())) return Limits::lowest();
      if (v >= static_cast<Src>(Limits::max())) return Limits::max();
      return static_cast<Dst>(v);
    } else {
      return static_cast<Dst>(v);
    }
  }
};

// Cast's Truncate, as TensorFlow does it: clearing the mantissa bits a
// float lacks makes the conversion round toward zero.
struct TruncateToFloatFn {
  TG_HOST_DEVICE float operator()(double v) const {
    if (std::isnan(v)) return static_cast<float>(v);
    constexpr int kDroppedBits =
        std::numeric_limits<double>::digits - std::numeric_limits<float>::digits;
#if defined(__CUDA_ARCH__)
    const uint64_t bits = static_cast<uint64_t>(__double_as_longlong(v)) & (~uint64_t{0} << kDroppedBits);
    return static_cast<float>(__longlong_as_double(static_cast<long long>(bits)));
#else
    const uint64_t bits = std::bit_cast<uint64_t>(v) & (~uint64_t{0} << kDroppedBits);
    return static_cast<float>(std::bit_cast<double>(bits));
#endif
  }
};

}  // namespace tensorgraph::functors
