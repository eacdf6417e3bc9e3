#include "tests/support/mlp.h"

#include <random>

namespace tensorgraph::testing {

std::unique_ptr<Mlp> BuildMlp() {
  auto m = std::make_unique<Mlp>();
  Scope root(m->graph);
  m->x = ops::Placeholder(root.WithOpName("images"), DT_FLOAT, {-1, 784});
  m->labels = ops::Placeholder(root.WithOpName("labels"), DT_INT32, {-1});
  Output h = m->x;
  const int64_t sizes[] = {784, 128, 10};
  for (int layer = 0; layer < 2; ++layer) {
    Scope s = root.NewSubScope("dense");
    auto w = train::Variable(s.WithOpName("kernel"), {sizes[layer], sizes[layer + 1]},
                             train::GlorotUniform(layer + 1));
    auto b = train::Variable(s.WithOpName("bias"), {sizes[layer + 1]}, train::Zeros());
    h = ops::BiasAdd(s, ops::MatMul(s, h, w.Read(s)), b.Read(s));
    if (layer == 0) h = ops::Relu(s, h);
  }
  m->loss = ops::Mean(root.WithOpName("loss"),
                      ops::SparseSoftmaxCrossEntropyWithLogits(root, h, m->labels).loss, {0});
  train::Adam adam({.learning_rate = 1e-3});
  m->train = adam.Minimize(root, m->loss, {.global_step = train::GetOrCreateGlobalStep(root)});
  m->init = train::GlobalVariablesInitializer(root);
  for (const auto& node : m->graph.nodes()) {
    if (node->op() == "VarHandleOp") {
      m->reads.push_back(ops::ReadVariableOp(root, node->output(0), node->attr<DataType>("dtype")));
    }
  }
  return m;
}

FeedList MlpBatch(const Mlp& m, int step, int64_t batch) {
  std::mt19937 rng(static_cast<uint32_t>(step));
  std::uniform_real_distribution<float> pixel(0, 1);
  std::vector<float> x(static_cast<size_t>(batch * 784));
  for (float& v : x) v = pixel(rng);
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  for (int32_t& l : labels) l = static_cast<int32_t>(rng() % 10);
  return {{m.x, Tensor::FromVector<float>(x, {batch, 784})},
          {m.labels, Tensor::FromVector<int32_t>(labels)}};
}

}  // namespace tensorgraph::testing
