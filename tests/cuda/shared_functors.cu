// Compiles every shared functor (kernels/functors/) as device code: a build
// of the CUDA backend fails here, before any GPU is needed, when one of
// them uses something nvcc cannot run on the device. Each kernel applies
// the functors to its arguments so that nvcc instantiates them for every
// dtype the CPU kernels use; nothing launches them.
#include <cstdint>

#include "kernels/functors/math.h"
#include "kernels/functors/nn.h"
#include "kernels/functors/philox.h"
#include "kernels/functors/random.h"
#include "kernels/functors/reducers.h"
#include "kernels/functors/training.h"

namespace tensorgraph::functors {
namespace {

template <typename T>
__global__ void Arithmetic(T* out, const T* a, const T* b) {
  out[0] = AddFn{}(a[0], b[0]);
  out[1] = SubFn{}(a[0], b[0]);
  out[2] = MulFn{}(a[0], b[0]);
  out[3] = MaximumFn{}(a[0], b[0]);
  out[4] = MinimumFn{}(a[0], b[0]);
  out[5] = NegFn{}(a[0]);
  out[6] = SquareFn{}(a[0]);
  if constexpr (std::is_signed_v<T>) {
    out[7] = AbsFn{}(a[0]);
    out[8] = SignFn{}(a[0]);
  }
  out[9] = static_cast<T>(EqualFn{}(a[0], b[0]) + GreaterFn{}(a[0], b[0]) + LessFn{}(a[0], b[0]));
  out[10] = ReluFn{}(a[0]);
  out[11] = ReluGradFn{}(a[0], b[0]);
  if constexpr (std::is_integral_v<T>) {
    out[12] = IntegerDivFn{}(a[0], b[0]);
    out[13] = IntegerPowFn{}(a[0], b[0]);
  } else {
    out[12] = DivFn{}(a[0], b[0]);
    out[13] = PowFn{}(a[0], b[0]);
  }
  typename SumReducer<T>::Acc sum = SumReducer<T>::Identity();
  sum = SumReducer<T>::Merge(SumReducer<T>::Add(sum, a[0]), SumReducer<T>::Add(sum, b[0]));
  out[14] = SumReducer<T>::Finish(sum, 2) + MeanReducer<T>::Finish(sum, 2);
  out[15] = MaxReducer<T>::Finish(MaxReducer<T>::Add(MaxReducer<T>::Identity(), a[0]), 1);
}

template <typename T>
__global__ void Floating(T* out, const T* a, const T* b) {
  out[0] = SqrtFn{}(a[0]) + RsqrtFn{}(a[0]) + ExpFn{}(a[0]) + LogFn{}(a[0]);
  out[1] = SinFn{}(a[0]) + CosFn{}(a[0]) + FloorFn{}(a[0]) + TanhFn{}(a[0]) + SigmoidFn{}(a[0]);
  out[2] = SigmoidGradFn{}(a[0], b[0]) + TanhGradFn{}(a[0], b[0]) + SqrtGradFn{}(a[0], b[0]) +
           RsqrtGradFn{}(a[0], b[0]);
  out[3] = SoftplusFn{}(a[0]) + SoftplusGradFn{}(a[0], b[0]);
}

// The update rules read their scalars from device memory, as the GPU
// kernels will.
template <typename T>
__global__ void Updates(T* var, T* s1, T* s2, T* s3, const T* g, const T* const* scalars) {
  const GradientDescentRule<T> sgd(scalars);
  sgd(g[0], var[0]);
  const MomentumRule<T> momentum(scalars, true);
  momentum(g[0], var[0], s1[0]);
  const AdamRule<T> adam(scalars, false);
  adam(g[0], var[0], s1[0], s2[0]);
  const RMSPropRule<T, false> rmsprop(scalars);
  rmsprop(g[0], var[0], s1[0], s2[0]);
  const RMSPropRule<T, true> centered(scalars);
  centered(g[0], var[0], s1[0], s2[0], s3[0]);
  const AdagradV2Rule<T> adagrad(scalars, true);
  adagrad(g[0], var[0], s1[0]);
}

__global__ void Philox(uint32_t* out, uint64_t seed, uint64_t seed2, uint64_t skip) {
  PhiloxRandom generator(seed, seed2);
  generator.Skip(skip);
  const PhiloxBlock block = generator();
  PhiloxWords words(generator);
  out[0] = block[0] ^ block[3] ^ words();
  const std::array<float, 2> f = NextNormalPair<float>(words);
  const std::array<double, 2> d = NextNormalPair<double>(words);
  out[1] = static_cast<uint32_t>(f[0] + f[1] + NextUniform<float>(words)) ^
           static_cast<uint32_t>(d[0] + d[1] + NextUniform<double>(words));
}

}  // namespace

// Taking each instantiation's address makes nvcc compile it.
extern void* const kInstantiated[];
void* const kInstantiated[] = {
    reinterpret_cast<void*>(&Arithmetic<float>),  reinterpret_cast<void*>(&Arithmetic<double>),
    reinterpret_cast<void*>(&Arithmetic<int32_t>), reinterpret_cast<void*>(&Arithmetic<int64_t>),
    reinterpret_cast<void*>(&Arithmetic<uint8_t>), reinterpret_cast<void*>(&Floating<float>),
    reinterpret_cast<void*>(&Floating<double>),   reinterpret_cast<void*>(&Updates<float>),
    reinterpret_cast<void*>(&Updates<double>),    reinterpret_cast<void*>(&Philox),
};

}  // namespace tensorgraph::functors
