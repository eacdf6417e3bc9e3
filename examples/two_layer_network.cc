// The main example: build a small two-layer network with variables,
// initialize it, run it, save the graph, reload it in a new session and
// check both give the same answer. Run by `make demo`.
//
//   two_layer_network [OUTPUT_DIR]     (default: the current directory)
#include <tensorgraph.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

using namespace tensorgraph;

namespace {

constexpr int kInputs = 4, kHidden = 8, kClasses = 3;

void Say(const std::string& text) { std::cout << text << "\n"; }

// The network: probs = softmax(relu(x @ w1 + b1) @ w2 + b2), with every
// weight a variable initialized from a seeded truncated normal.
struct Network {
  Output x, probs, prediction;
  Node* init = nullptr;
};

Network Build(Graph& graph) {
  Scope root(graph);
  Network net;
  net.x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, kInputs});

  std::vector<Node*> initializers;
  auto dense = [&](Scope scope, Output input, int in, int out, int64_t seed) {
    auto w = ops::Variable(scope.WithOpName("w"), DT_FLOAT, {in, out});
    auto b = ops::Variable(scope.WithOpName("b"), DT_FLOAT, {out});
    Output scale = ops::ScalarConst(scope, DT_FLOAT, 1.0 / std::sqrt(in));
    initializers.push_back(w.Assign(
        scope, ops::TruncatedNormal(scope, {in, out}, DT_FLOAT, {.seed = seed}) * scale));
    initializers.push_back(b.Assign(scope, ops::Const(scope, std::vector<float>(out, 0.1f))));
    return ops::MatMul(scope, input, w.Read(scope)) + b.Read(scope);
  };
  Output hidden = ops::Relu(root, dense(root.NewSubScope("layer1"), net.x, kInputs, kHidden, 1));
  Output logits = dense(root.NewSubScope("layer2"), hidden, kHidden, kClasses, 2);
  net.probs = ops::Softmax(root.WithOpName("probs"), logits);
  net.prediction = ops::ArgMax(root.WithOpName("prediction"), logits, 1);
  net.init = ops::Group(root.WithOpName("init"), initializers);
  return net;
}

void Print(const std::string& name, const Tensor& t) {
  std::cout << "   " << name << " " << DataTypeName(t.dtype()) << t.shape().ToString() << ":\n";
  const int64_t cols = t.rank() == 2 ? t.dim(1) : t.num_elements();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (i % cols == 0) std::cout << "     ";
    if (t.dtype() == DT_FLOAT) {
      std::cout << std::fixed << std::setprecision(4) << std::setw(8) << t.flat<float>()[i];
    } else {
      std::cout << std::setw(3) << t.flat<int64_t>()[i];
    }
    if ((i + 1) % cols == 0) std::cout << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path dir = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(dir);

  Say("tensorgraph demo: a two-layer network, built, run, saved and reloaded.\n");
  Say("1. Building the graph. Nothing is computed yet: each call adds a node.");
  Graph graph;
  Network net = Build(graph);
  std::cout << "   x is a placeholder for a batch of " << kInputs << "-feature examples ("
            << net.x.shape().ToString() << ", -1 = any batch size).\n"
            << "   Two dense layers (" << kInputs << " -> " << kHidden << " -> " << kClasses
            << ") hold their weights in variables:\n"
            << "   layer1/w, layer1/b, layer2/w, layer2/b.\n"
            << "   'probs' is the softmax of the output layer, shape inferred at build time as "
            << net.probs.shape().ToString() << ".\n"
            << "   The graph has " << graph.num_nodes() << " nodes.\n\n";

  Say("2. Initializing the variables: running the node 'init', a NoOp whose control");
  Say("   inputs assign every variable its seeded random starting value.");
  Session session(graph);
  session.Run({}, {}, {net.init});
  Say("   Done. The variables now live in the session, across runs.\n");

  Say("3. Running the network on a batch of 3 examples: feed 'x', fetch 'probs' and 'prediction'.");
  Tensor batch = Tensor::FromVector<float>(
      {0.5f, -1.0f, 2.0f, 0.0f, 1.5f, 0.3f, -0.7f, 1.0f, -2.0f, 0.8f, 0.1f, -0.4f},
      {3, kInputs});
  std::vector<Tensor> first = session.Run({{net.x, batch}}, {net.probs, net.prediction});
  Print("probs", first[0]);
  Print("prediction", first[1]);
  for (int64_t r = 0; r < 3; ++r) {
    float sum = 0;
    for (int64_t c = 0; c < kClasses; ++c) sum += first[0].flat<float>()[r * kClasses + c];
    if (std::abs(sum - 1.0f) > 1e-5f) throw std::runtime_error("a softmax row does not sum to 1");
  }
  Say("   Each row of probs sums to 1.\n");

  const auto pb = dir / "two_layer_network.pb";
  const auto pbtxt = dir / "two_layer_network.pbtxt";
  Say("4. Saving the graph as a TensorFlow GraphDef: " + pb.string());
  SaveGraph(graph, pb);
  SaveGraph(graph, pbtxt);
  std::cout << "   " << std::filesystem::file_size(pb) << " bytes binary, and the same graph as text in "
            << pbtxt.string() << ".\n\n";

  Say("5. Loading it back into a new graph and a new session, as another program would.");
  std::unique_ptr<Graph> loaded = LoadGraph(pb);
  Session reloaded(*loaded);
  std::cout << "   " << loaded->num_nodes() << " nodes read back. A graph file holds the computation,\n"
            << "   not variable values, so the new session runs 'init' too; its seeded\n"
            << "   initializers give the same weights.\n\n";
  reloaded.Run({}, {}, {"init"});

  Say("6. Running the reloaded graph on the same batch, by tensor name this time.");
  std::vector<Tensor> second = reloaded.Run({{"x", batch}}, {"probs", "prediction"});
  const bool same = second[0].BitwiseEquals(first[0]) && second[1].BitwiseEquals(first[1]);
  std::cout << "   The results agree bit for bit: " << (same ? "yes" : "NO") << ".\n\n";
  if (!same) return 1;

  Say("Next: inspect the saved graph with the command line,");
  std::cout << "   build/tg inspect " << pb.string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "two_layer_network: " << e.what() << "\n";
  return 1;
}
