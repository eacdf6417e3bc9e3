// Learning-rate schedules: graph nodes computing a float scalar from the
// global step, to pass as an optimizer's learning_rate. The step is an
// integer scalar tensor, normally the global step's value:
//
//   auto step = train::GetOrCreateGlobalStep(root);
//   Output lr = train::CosineDecay(root, step.Read(root), {.learning_rate = 1e-3,
//                                  .decay_steps = 10000, .warmup_steps = 500});
//   train::Adam adam({.learning_rate = lr});
//   Node* train_op = adam.Minimize(root, loss, {.global_step = step});
//
// The optimizer's updates read the learning rate before the step is
// incremented, so step t trains with the rate at t.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/scope.h"

namespace tensorgraph::train {

// learning_rate * decay_rate ^ (step / decay_steps), the exponent floored
// when staircase.
struct ExponentialDecayOptions {
  double learning_rate = 0.01;
  int64_t decay_steps = 1000;
  double decay_rate = 0.96;
  bool staircase = false;
};
Output ExponentialDecay(const Scope& scope, Output step, const ExponentialDecayOptions& options);

// values[0] while step <= boundaries[0], values[i] while
// boundaries[i-1] < step <= boundaries[i], and values.back() after the last
// boundary (TensorFlow's piecewise_constant). values has one more entry
// than boundaries, which must increase.
Output PiecewiseConstant(const Scope& scope, Output step, const std::vector<int64_t>& boundaries,
                         const std::vector<double>& values);

// A linear warm-up from warmup_start to learning_rate over warmup_steps,
// then a cosine decay over decay_steps from learning_rate to
// alpha * learning_rate, which it keeps afterwards:
//   t = min(step - warmup_steps, decay_steps) / decay_steps
//   lr = learning_rate * ((1 - alpha) * (1 + cos(pi * t)) / 2 + alpha)
struct CosineDecayOptions {
  double learning_rate = 0.001;
  int64_t decay_steps = 1000;
  double alpha = 0;
  int64_t warmup_steps = 0;
  double warmup_start = 0;
};
Output CosineDecay(const Scope& scope, Output step, const CosineDecayOptions& options);

}  // namespace tensorgraph::train
