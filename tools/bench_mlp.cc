// Times an MLP (784-512-512-10, ReLU, float32, weights in variables) forward
// pass at several batch sizes, and the fixed cost of one Session::Run, then
// runs PyTorch's equivalent (tools/bench_mlp_peer.py) in the same invocation
// with the same thread count, and prints both with their ratio.
//
//   OPENBLAS_CORETYPE=Haswell OMP_WAIT_POLICY=PASSIVE build/tools/bench_mlp \
//       [--threads 2] [--iters 200] [--batches 64,256,1024] [--python /usr/bin/python3] \
//       [--device gpu] [--replay auto|always|never]
//
// Each call feeds a host tensor and fetches one, on either device, and so
// does the peer's (with --device gpu it moves the batch to the GPU and the
// result back on every call). The fixed cost is given for steps replayed
// from a recording (SessionOptions::replay, the default) and run eagerly.
//
// OpenBLAS reads OPENBLAS_CORETYPE when it loads, so set it for the whole
// command; the peer inherits it. Results go in docs/benchmarks.md.
#include <tensorgraph.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "runtime/cpu_threads.h"
#include "tools/bench_util.h"

using namespace tensorgraph;

namespace {

template <typename Fn>
double MedianSeconds(Fn&& fn, int iters, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> times;
  times.reserve(static_cast<size_t>(iters));
  for (int i = 0; i < iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + iters / 2, times.end());
  return times[static_cast<size_t>(iters / 2)];
}

struct Mlp {
  Output x, logits;
  Node* init;
};

Mlp BuildMlp(Graph& graph) {
  Scope root(graph);
  Mlp mlp;
  mlp.x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  std::vector<Node*> inits;
  Output h = mlp.x;
  const int sizes[] = {784, 512, 512, 10};
  for (int layer = 0; layer < 3; ++layer) {
    Scope s = root.NewSubScope("dense");
    auto w = ops::Variable(s.WithOpName("w"), DT_FLOAT, {sizes[layer], sizes[layer + 1]});
    auto b = ops::Variable(s.WithOpName("b"), DT_FLOAT, {sizes[layer + 1]});
    inits.push_back(w.Assign(s, ops::TruncatedNormal(s, {sizes[layer], sizes[layer + 1]}, DT_FLOAT,
                                                     {.seed = layer + 1}) * 0.05));
    inits.push_back(b.Assign(s, ops::Fill(s, {sizes[layer + 1]}, ops::ScalarConst(s, DT_FLOAT, 0))));
    h = ops::BiasAdd(s, ops::MatMul(s, h, w.Read(s)), b.Read(s));
    if (layer < 2) h = ops::Relu(s, h);
  }
  mlp.logits = h;
  mlp.init = ops::Group(root.WithOpName("init"), inits);
  return mlp;
}

// Runs the peer and parses its `key value` lines.
std::map<std::string, std::string> RunPeer(const std::string& python, int threads, int iters,
                                           const std::string& batches, bool gpu) {
  const std::string command = python + " " + TG_SOURCE_DIR + "/tools/bench_mlp_peer.py --threads " +
                              std::to_string(threads) + " --iters " + std::to_string(iters) +
                              " --batches " + batches + " --device " + (gpu ? "cuda" : "cpu");
  return bench::RunPeer(command, threads);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MLP forward pass and Session::Run overhead, against PyTorch"};
  int threads = 2, iters = 200;
  std::string batches_text = "64,256,1024", python = "/usr/bin/python3";
  app.add_option("--threads", threads, "CPU threads for both")->check(CLI::PositiveNumber);
  app.add_option("--iters", iters, "Timed iterations per figure")->check(CLI::PositiveNumber);
  app.add_option("--batches", batches_text, "Comma-separated batch sizes");
  app.add_option("--python", python, "Python with torch, for the peer; '' to skip it");
  std::string device = "CPU";
  std::string replay = "auto";
  app.add_option("--device", device, "Where both run: cpu or gpu");
  app.add_option("--replay", replay, bench::kReplayHelp)
      ->check(CLI::IsMember({"auto", "always", "never"}));
  CLI11_PARSE(app, argc, argv);
  if (FindDevice(device) == nullptr) {
    std::cerr << "no device '" << device << "' in this process\n";
    return 1;
  }
  const SessionOptions options{.device = device, .replay = bench::ParseReplay(replay)};
  const bool gpu = FindDevice(device) != nullptr && FindDevice(device)->type() == kDeviceGpu;

  std::vector<int> batches;
  for (std::stringstream in(batches_text); in.good();) {
    std::string item;
    std::getline(in, item, ',');
    batches.push_back(std::stoi(item));
  }
  SetCpuThreads(threads);

  Graph graph;
  Mlp mlp = BuildMlp(graph);
  Session session(graph, options);
  session.Run({}, {}, {mlp.init});

  std::map<std::string, double> ours;
  for (int batch : batches) {
    Tensor x = Tensor::Zeros(DT_FLOAT, Shape{batch, 784});
    ours["forward_" + std::to_string(batch) + "_ms"] =
        1e3 * MedianSeconds([&] { session.Run({{mlp.x, x}}, {mlp.logits}); }, iters, 20);
  }
  Graph tiny;
  Scope root(tiny);
  Output s = ops::Placeholder(root.WithOpName("s"), DT_FLOAT, PartialShape(Shape{}));
  Output t = s + 1.0;
  Session tiny_eager(tiny, SessionOptions{.device = device, .replay = SessionOptions::Replay::kNever});
  Session tiny_replayed(tiny, SessionOptions{.device = device, .replay = SessionOptions::Replay::kAlways});
  Tensor scalar = Tensor::Scalar<float>(0);
  ours["call_us"] =
      1e6 * MedianSeconds([&] { tiny_replayed.Run({{s, scalar}}, {t}); }, iters * 50, 1000);
  ours["call_eager_us"] =
      1e6 * MedianSeconds([&] { tiny_eager.Run({{s, scalar}}, {t}); }, iters * 50, 1000);
  const Session::StepCounts counts = session.step_counts();

  const auto peer = python.empty() ? std::map<std::string, std::string>{}
                                   : RunPeer(python, threads, iters, batches_text, gpu);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::cout << "machine: " << bench::CpuModel() << ", " << std::thread::hardware_concurrency()
            << " cores; threads " << threads << "; OPENBLAS_CORETYPE="
            << (coretype ? coretype : "(unset)") << "\n"
            << "device: " << FindDevice(device)->name() << "; forward steps eager "
            << counts.eager << ", recorded " << counts.recorded << ", replayed " << counts.replayed
            << "\n"
            << "peer: " << (peer.empty() ? "not run" : "PyTorch " + peer.at("version")) << "\n\n"
            << std::left << std::setw(34) << "figure" << std::right << std::setw(14)
            << "tensorgraph" << std::setw(14) << "PyTorch" << std::setw(12) << "ratio" << "\n";
  auto row = [&](const std::string& label, const std::string& key, const char* unit) {
    std::cout << std::left << std::setw(34) << label << std::right << std::fixed
              << std::setprecision(3) << std::setw(11) << ours.at(key) << " " << unit;
    if (auto it = peer.find(key); it != peer.end()) {
      const double theirs = std::stod(it->second);
      std::cout << std::setw(11) << theirs << " " << unit << std::setw(11) << std::setprecision(2)
                << ours.at(key) / theirs << "x";
    }
    std::cout << "\n";
  };
  for (int batch : batches) {
    row("MLP forward, batch " + std::to_string(batch), "forward_" + std::to_string(batch) + "_ms",
        "ms");
  }
  row("fixed cost, replayed (x + 1)", "call_us", "us");
  row("fixed cost, eager (x + 1)", "call_eager_us", "us");
  std::cout << "\nratio = tensorgraph time / PyTorch time (below 1: tensorgraph is faster)\n";
  return 0;
}
