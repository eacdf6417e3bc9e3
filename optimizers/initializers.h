// Initializers: how a variable's first value is computed, as graph nodes.
// The random ones are seeded: the same seed and variable name give the same
// values in every run and on every machine (the random ops reproduce
// TensorFlow's Philox streams). The variable's name salts the stream, so
// one seed gives each variable its own values.
//
//   auto w = train::Variable(scope.WithOpName("w"), {784, 512}, train::GlorotUniform(42));
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "graph/scope.h"

namespace tensorgraph::train {

// What an initializer builds for: the variable's dtype, shape and node name.
struct InitializerArgs {
  DataType dtype = DT_FLOAT;
  Shape shape;
  std::string variable_name;
};
// Returns the initial value (of args.dtype and args.shape), built in `scope`.
using Initializer = std::function<Output(const Scope& scope, const InitializerArgs& args)>;

Initializer Zeros();
Initializer Ones();
Initializer Constant(double value);
// Uniform on [minval, maxval).
Initializer RandomUniform(double minval, double maxval, int64_t seed);
Initializer RandomNormal(double mean, double stddev, int64_t seed);
// A normal cut at two standard deviations (redrawn beyond), as TensorFlow's.
Initializer TruncatedNormal(double mean, double stddev, int64_t seed);

// Variance scaling (Keras's definitions): uniform on [-limit, limit) with
// limit = sqrt(3 * scale / n), or a truncated normal with stddev
// sqrt(scale / n) / 0.8796 (the stddev a cut at two sigmas loses).
// Glorot: scale 1, n = (fan_in + fan_out) / 2. He: scale 2, n = fan_in.
Initializer GlorotUniform(int64_t seed);
Initializer GlorotNormal(int64_t seed);
Initializer HeUniform(int64_t seed);
Initializer HeNormal(int64_t seed);

// fan_in and fan_out of a weight shape: [in, out] for a matrix; for higher
// ranks (convolution kernels [..., in, out]) both times the receptive field;
// a vector's length for both; 1 for a scalar.
struct Fans {
  double in = 1;
  double out = 1;
};
Fans ComputeFans(const Shape& shape);

// The seed2 attr a random initializer uses for `variable_name`: a stable
// 63-bit hash of the name (FNV-1a), never 0.
int64_t VariableSeed(const std::string& variable_name);

}  // namespace tensorgraph::train
