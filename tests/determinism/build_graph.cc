// Builds a small classifier and its Adam training step and writes the
// GraphDef to argv[1]. cmake/test_two_compilers.cmake compiles this one
// source with g++ and with clang++, runs each build twice and requires the
// four files to be byte-identical: no name or order may depend on the
// compiler (argument evaluation order) or the run (hash order).
#include <iostream>

#include "tensorgraph.h"

using namespace tensorgraph;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: build_graph OUT.pb\n";
    return 2;
  }
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 8});
  const Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT32, {-1});
  const Scope dense = root.NewSubScope("dense");
  auto w = train::Variable(dense.WithOpName("w"), {8, 4}, train::GlorotUniform(1));
  auto b = train::Variable(dense.WithOpName("b"), {4}, train::Zeros());
  // Two unnamed reads inside one expression: the case the compilers order
  // differently.
  const Output logits = ops::BiasAdd(dense, ops::MatMul(dense, x, w.Read(dense)), b.Read(dense));
  const auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels);
  const Output loss = ops::Mean(root.WithOpName("loss"), xent.loss, std::vector<int64_t>{0});
  ops::Softmax(root.WithOpName("probabilities"), logits);
  train::Adam adam({.learning_rate = 0.01});
  adam.Minimize(root, loss, {.global_step = train::GetOrCreateGlobalStep(root)});
  train::GlobalVariablesInitializer(root);
  SaveGraph(graph, argv[1]);
  return 0;
}
