// Builders for random ops. Each op draws from TensorFlow's Philox stream
// for its (seed, seed2), so a seeded graph gives TensorFlow's numbers; each
// run of the op continues the stream. With seed and seed2 both 0 the op
// picks a random seed when a session first runs it.
#pragma once

#include <cstdint>

#include "graph/scope.h"

namespace tensorgraph::ops {

struct RandomAttrs {
  int64_t seed = 0;
  int64_t seed2 = 0;
};
using RandomUniformAttrs = RandomAttrs;
using RandomStandardNormalAttrs = RandomAttrs;
using TruncatedNormalAttrs = RandomAttrs;

// Uniform samples in [0, 1) of dtype (float or double); `shape` is an int32
// or int64 vector.
Output RandomUniform(const Scope& scope, Output shape, DataType dtype,
                     const RandomUniformAttrs& attrs = {});
// Standard normal samples (mean 0, standard deviation 1).
Output RandomStandardNormal(const Scope& scope, Output shape, DataType dtype,
                            const RandomStandardNormalAttrs& attrs = {});
// Standard normal samples redrawn until within 2 standard deviations.
Output TruncatedNormal(const Scope& scope, Output shape, DataType dtype,
                       const TruncatedNormalAttrs& attrs = {});

// The same with a fixed shape (an index Const).
Output RandomUniform(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype = DT_FLOAT,
                     const RandomUniformAttrs& attrs = {});
Output RandomStandardNormal(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype = DT_FLOAT,
                            const RandomStandardNormalAttrs& attrs = {});
Output TruncatedNormal(const Scope& scope, const tensorgraph::Shape& shape, DataType dtype = DT_FLOAT,
                       const TruncatedNormalAttrs& attrs = {});

}  // namespace tensorgraph::ops
