// The MNIST MLP's training step (784-128-10, ReLU, sparse softmax
// cross-entropy, Adam with a global step), as examples/train_mnist.cc
// builds it at a smaller width, and batches of made-up data for it: the
// graph the device and replay tests train.
#pragma once

#include <memory>
#include <vector>

#include "tensorgraph.h"

namespace tensorgraph::testing {

struct Mlp {
  Graph graph;
  Output x, labels, loss;
  Node* train = nullptr;
  Node* init = nullptr;
  std::vector<Output> reads;  // every variable's value, for comparing
};

std::unique_ptr<Mlp> BuildMlp();

// Pixels in [0, 1) and labels in [0, 10), the same for the same step.
FeedList MlpBatch(const Mlp& m, int step, int64_t batch);

}  // namespace tensorgraph::testing
