#include "optimizers/initializers.h"

#include <cmath>

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/random_ops.h"

namespace tensorgraph::train {
namespace {

// The stddev of a standard normal cut at +-2: what TruncatedNormal draws.
constexpr double kTruncatedStddev = 0.87962566103423978;

ops::RandomAttrs Seeds(int64_t seed, const InitializerArgs& args) {
  return {.seed = seed, .seed2 = VariableSeed(args.variable_name)};
}

// mean + stddev * x for a standard draw x, leaving out the arithmetic that
// would not change it.
Output Affine(const Scope& scope, Output x, double mean, double stddev, DataType dtype) {
  if (stddev != 1) x = ops::Mul(scope, x, ops::ScalarConst(scope, dtype, stddev));
  if (mean != 0) x = ops::AddV2(scope, x, ops::ScalarConst(scope, dtype, mean));
  return x;
}

Initializer Filled(double value) {
  return [value](const Scope& scope, const InitializerArgs& args) {
    return ops::Fill(scope, args.shape.dims(), ops::ScalarConst(scope, args.dtype, value));
  };
}

// Variance scaling; `n` is the fan the variance is divided by.
Initializer Scaled(double scale, bool uniform, bool glorot, int64_t seed) {
  return [=](const Scope& scope, const InitializerArgs& args) {
    const Fans fans = ComputeFans(args.shape);
    const double n = glorot ? (fans.in + fans.out) / 2 : fans.in;
    if (uniform) {
      const double limit = std::sqrt(3 * scale / n);
      return RandomUniform(-limit, limit, seed)(scope, args);
    }
    return TruncatedNormal(0, std::sqrt(scale / n) / kTruncatedStddev, seed)(scope, args);
  };
}

}  // namespace

Initializer Zeros() { return Filled(0); }
Initializer Ones() { return Filled(1); }
Initializer Constant(double value) { return Filled(value); }

Initializer RandomUniform(double minval, double maxval, int64_t seed) {
  return [=](const Scope& scope, const InitializerArgs& args) {
    const Output x = ops::RandomUniform(scope, args.shape, args.dtype, Seeds(seed, args));
    return Affine(scope, x, minval, maxval - minval, args.dtype);
  };
}

Initializer RandomNormal(double mean, double stddev, int64_t seed) {
  return [=](const Scope& scope, const InitializerArgs& args) {
    const Output x = ops::RandomStandardNormal(scope, args.shape, args.dtype, Seeds(seed, args));
    return Affine(scope, x, mean, stddev, args.dtype);
  };
}

Initializer TruncatedNormal(double mean, double stddev, int64_t seed) {
  return [=](const Scope& scope, const InitializerArgs& args) {
    const Output x = ops::TruncatedNormal(scope, args.shape, args.dtype, Seeds(seed, args));
    return Affine(scope, x, mean, stddev, args.dtype);
  };
}

Initializer GlorotUniform(int64_t seed) { return Scaled(1, true, true, seed); }
Initializer GlorotNormal(int64_t seed) { return Scaled(1, false, true, seed); }
Initializer HeUniform(int64_t seed) { return Scaled(2, true, false, seed); }
Initializer HeNormal(int64_t seed) { return Scaled(2, false, false, seed); }

Fans ComputeFans(const Shape& shape) {
  const int rank = shape.rank();
  if (rank == 0) return {};
  if (rank == 1) return {static_cast<double>(shape.dim(0)), static_cast<double>(shape.dim(0))};
  double receptive_field = 1;
  for (int i = 0; i < rank - 2; ++i) receptive_field *= static_cast<double>(shape.dim(i));
  return {static_cast<double>(shape.dim(rank - 2)) * receptive_field,
          static_cast<double>(shape.dim(rank - 1)) * receptive_field};
}

int64_t VariableSeed(const std::string& variable_name) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : variable_name) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  const auto seed = static_cast<int64_t>(hash >> 1);
  return seed == 0 ? 1 : seed;
}

}  // namespace tensorgraph::train
