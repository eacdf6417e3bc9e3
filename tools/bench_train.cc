// Times one training step of an MLP (784-512-512-10, ReLU, float32, sparse
// softmax cross-entropy, mean loss) with SGD and Adam at several batch
// sizes, then runs PyTorch's equivalent (tools/bench_train_peer.py) in the
// same invocation with the same thread count, and prints both with their
// ratio. With --profile, also prints where a step's time goes, by op type.
//
//   OPENBLAS_CORETYPE=Haswell OMP_WAIT_POLICY=PASSIVE build/tools/bench_train \
//       [--threads 1] [--steps 20] [--repeats 7] [--batches 64,256,1024] \
//       [--optimizers sgd,adam] [--profile] [--no-peer] [--device gpu] \
//       [--replay auto|always|never]
//
// On a GPU (--device gpu) the peer runs on CUDA too, moving the fixed
// batch from the host each step as a Run's feeds do, and also times the
// step's eight matrix products alone with torch.mm (cuBLAS): the floor a
// large batch's step approaches. With --replay auto (the default) steps on
// the GPU are replayed from a recording, a CUDA graph, and steps on the CPU
// run eagerly.
//
// A step is Session::Run feeding a fixed batch, fetching the loss and
// running the train node. A figure is the median over repeats of the mean
// time of `steps` consecutive steps, after warm-up steps. OpenBLAS reads
// OPENBLAS_CORETYPE when it loads, so set it for the whole command; the
// peer inherits it. Results go in docs/benchmarks.md.
#include <tensorgraph.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "runtime/cpu_threads.h"
#include "tools/bench_util.h"

using namespace tensorgraph;

namespace {

struct Settings {
  int threads = 1;
  int steps = 20;
  int repeats = 7;
  int warmup = 5;
  std::string device = "CPU";
  SessionOptions::Replay replay = SessionOptions::Replay::kAuto;
};

// Median over `repeats` of the mean seconds per call of `steps` calls.
template <typename Fn>
double MedianSecondsPerStep(Fn&& fn, const Settings& settings) {
  for (int i = 0; i < settings.warmup; ++i) fn();
  std::vector<double> times;
  for (int r = 0; r < settings.repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < settings.steps; ++i) fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                    settings.steps);
  }
  std::nth_element(times.begin(), times.begin() + settings.repeats / 2, times.end());
  return times[static_cast<size_t>(settings.repeats / 2)];
}

// The model, its loss and one optimizer's train node, in a graph of its
// own so each optimizer starts from the same initial weights.
struct TrainGraph {
  Graph graph;
  Output x, y, loss;
  Node* train = nullptr;
  Node* init = nullptr;
};

std::unique_ptr<TrainGraph> BuildTrainGraph(const std::string& optimizer) {
  auto model = std::make_unique<TrainGraph>();
  Scope root(model->graph);
  model->x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  model->y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  Output h = model->x;
  const int sizes[] = {784, 512, 512, 10};
  for (int layer = 0; layer < 3; ++layer) {
    Scope s = root.NewSubScope("dense");
    auto w = train::Variable(s.WithOpName("w"), {sizes[layer], sizes[layer + 1]},
                             train::GlorotUniform(layer + 1));
    auto b = train::Variable(s.WithOpName("b"), {sizes[layer + 1]}, train::Zeros());
    h = ops::BiasAdd(s, ops::MatMul(s, h, w.Read(s)), b.Read(s));
    if (layer < 2) h = ops::Relu(s, h);
  }
  model->loss = ops::Mean(root.WithOpName("loss"),
                          ops::SparseSoftmaxCrossEntropyWithLogits(root, h, model->y).loss, {0});
  const train::MinimizeOptions minimize{.global_step = train::GetOrCreateGlobalStep(root)};
  if (optimizer == "sgd") {
    train::GradientDescent opt({.learning_rate = 0.01});
    model->train = opt.Minimize(root, model->loss, minimize);
  } else {
    train::Adam opt({.learning_rate = 1e-3});
    model->train = opt.Minimize(root, model->loss, minimize);
  }
  model->init = train::GlobalVariablesInitializer(root);
  return model;
}

std::string Key(const std::string& optimizer, int batch) {
  return "train_" + optimizer + "_" + std::to_string(batch) + "_ms";
}

// Runs the peer and parses its `key value` lines.
std::map<std::string, std::string> RunPeer(const std::string& python, const Settings& settings,
                                           const std::string& batches,
                                           const std::string& optimizers) {
  const std::string command =
      python + " " + TG_SOURCE_DIR + "/tools/bench_train_peer.py --threads " +
      std::to_string(settings.threads) + " --steps " + std::to_string(settings.steps) +
      " --repeats " + std::to_string(settings.repeats) + " --warmup " +
      std::to_string(settings.warmup) + " --batches " + batches + " --optimizers " + optimizers +
      " --device " + (FindDevice(settings.device)->type() == kDeviceGpu ? "cuda" : "cpu");
  return bench::RunPeer(command, settings.threads);
}

// Mean time per step by op type over profiled steps, and the Run overhead
// (wall time of the step minus its kernels).
std::string Profile(Session& session, const FeedList& feeds, const TrainGraph& model,
                    int steps) {
  struct OpTime {
    double micros = 0;
    int nodes = 0;
  };
  std::map<std::string, OpTime> by_op;
  std::map<std::string, double> by_node;
  double total = 0, kernels = 0;
  RunMetadata metadata;
  for (int i = 0; i < steps; ++i) {
    session.Run(feeds, {model.loss}, {model.train}, &metadata);
    total += metadata.total_micros;
    for (const auto& n : metadata.nodes) {
      by_op[n.op].micros += n.micros;
      if (i == 0) ++by_op[n.op].nodes;
      by_node[n.node] += n.micros;
      kernels += n.micros;
    }
  }
  std::vector<std::pair<std::string, OpTime>> ops(by_op.begin(), by_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& a, const auto& b) { return a.second.micros > b.second.micros; });
  std::ostringstream out;
  out << std::fixed;
  auto line = [&](const std::string& name, const std::string& count, double micros) {
    out << "  " << std::left << std::setw(44) << name << std::right << std::setw(6) << count
        << std::setprecision(1) << std::setw(11) << micros / steps << " us" << std::setw(8)
        << 100 * micros / total << " %\n";
  };
  out << "  " << std::left << std::setw(44) << "op" << std::right << std::setw(6) << "nodes"
      << std::setw(14) << "per step" << std::setw(10) << "of step" << "\n";
  for (const auto& [op, t] : ops) line(op, std::to_string(t.nodes), t.micros);
  line("(Run overhead: step minus kernels)", "", total - kernels);
  line("step", std::to_string(metadata.nodes.size()), total);
  // The costliest nodes, to tell the forward products from the gradient ones.
  std::vector<std::pair<std::string, double>> nodes(by_node.begin(), by_node.end());
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  out << "  costliest nodes:\n";
  for (size_t i = 0; i < std::min<size_t>(8, nodes.size()); ++i) {
    out << "    " << std::left << std::setw(50) << nodes[i].first << std::right
        << std::setprecision(1) << std::setw(9) << nodes[i].second / steps << " us\n";
  }
  return out.str();
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> items;
  for (std::stringstream in(text); in.good();) {
    std::string item;
    std::getline(in, item, ',');
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MLP training step (SGD, Adam), against PyTorch"};
  Settings settings;
  std::string batches_text = "64,256,1024", optimizers_text = "sgd,adam";
  std::string python = "/usr/bin/python3";
  bool no_peer = false, profile = false;
  app.add_option("--threads", settings.threads, "CPU threads for both")
      ->check(CLI::PositiveNumber);
  app.add_option("--steps", settings.steps, "Steps per timed repeat")->check(CLI::PositiveNumber);
  app.add_option("--repeats", settings.repeats, "Timed repeats; the figure is their median")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", settings.warmup, "Untimed steps first")->check(CLI::NonNegativeNumber);
  app.add_option("--batches", batches_text, "Comma-separated batch sizes");
  app.add_option("--optimizers", optimizers_text, "Comma-separated: sgd, adam");
  app.add_option("--python", python, "Python with torch, for the peer");
  app.add_flag("--no-peer", no_peer, "Do not run PyTorch");
  app.add_flag("--profile", profile, "Print time by op type for each figure");
  std::string replay = "auto";
  app.add_option("--device", settings.device, "Where both run: cpu or gpu");
  app.add_option("--replay", replay, bench::kReplayHelp)
      ->check(CLI::IsMember({"auto", "always", "never"}));
  CLI11_PARSE(app, argc, argv);
  settings.replay = bench::ParseReplay(replay);
  if (FindDevice(settings.device) == nullptr) {
    std::cerr << "no device '" << settings.device << "' in this process\n";
    return 1;
  }

  std::vector<int> batches;
  for (const auto& item : Split(batches_text)) batches.push_back(std::stoi(item));
  const std::vector<std::string> optimizers = Split(optimizers_text);
  for (const auto& name : optimizers) {
    if (name != "sgd" && name != "adam") {
      std::cerr << "unknown optimizer '" << name << "' (expected sgd or adam)\n";
      return 1;
    }
  }
  SetCpuThreads(settings.threads);

  // Fixed random feeds, the same for every step: pixels in [0, 1), labels
  // in [0, 10).
  std::mt19937 rng(0);
  std::map<int, std::pair<Tensor, Tensor>> data;
  for (int batch : batches) {
    std::uniform_real_distribution<float> pixel(0, 1);
    std::uniform_int_distribution<int64_t> label(0, 9);
    std::vector<float> images(static_cast<size_t>(batch) * 784);
    std::vector<int64_t> labels(static_cast<size_t>(batch));
    for (float& v : images) v = pixel(rng);
    for (int64_t& v : labels) v = label(rng);
    data[batch] = {Tensor::FromVector<float>(images, Shape{batch, 784}),
                   Tensor::FromVector<int64_t>(labels, Shape{batch})};
  }

  std::map<std::string, double> ours;
  std::map<std::string, std::string> profiles;
  Session::StepCounts counts;
  for (const auto& optimizer : optimizers) {
    for (int batch : batches) {
      // A fresh graph and session per figure: every one starts from the
      // same weights and optimizer state.
      auto model = BuildTrainGraph(optimizer);
      Session session(model->graph, SessionOptions{.device = settings.device,
                                                   .replay = settings.replay});
      session.Run({}, {}, {model->init});
      const FeedList feeds = {{model->x, data[batch].first}, {model->y, data[batch].second}};
      ours[Key(optimizer, batch)] =
          1e3 * MedianSecondsPerStep([&] { session.Run(feeds, {model->loss}, {model->train}); },
                                     settings);
      const Session::StepCounts c = session.step_counts();
      counts.eager += c.eager;
      counts.recorded += c.recorded;
      counts.replayed += c.replayed;
      if (profile) profiles[Key(optimizer, batch)] = Profile(session, feeds, *model, settings.steps);
    }
  }

  const auto peer = no_peer ? std::map<std::string, std::string>{}
                            : RunPeer(python, settings, batches_text, optimizers_text);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  std::cout << "machine: " << bench::CpuModel() << ", " << std::thread::hardware_concurrency()
            << " cores; threads " << settings.threads
            << "; OPENBLAS_CORETYPE=" << (coretype ? coretype : "(unset)")
            << "; OMP_WAIT_POLICY=" << (wait_policy ? wait_policy : "(unset)") << "\n"
            << "device: " << FindDevice(settings.device)->name() << "; --replay " << replay
            << "; steps eager " << counts.eager << ", recorded " << counts.recorded
            << ", replayed " << counts.replayed << "\n"
            << "median of " << settings.repeats << " repeats of " << settings.steps
            << " steps, after " << settings.warmup << " warm-up steps\n"
            << "peer: "
            << (peer.empty() ? std::string(no_peer ? "not run" : "failed")
                             : "PyTorch " + peer.at("version"))
            << "\n\n"
            << std::left << std::setw(28) << "training step" << std::right << std::setw(12)
            << "tensorgraph" << std::setw(13) << "samples/s" << std::setw(12) << "PyTorch"
            << std::setw(13) << "samples/s" << std::setw(9) << "ratio" << "\n";
  for (const auto& optimizer : optimizers) {
    for (int batch : batches) {
      const std::string key = Key(optimizer, batch);
      const double ms = ours.at(key);
      std::cout << std::left << std::setw(28)
                << (optimizer == "sgd" ? "SGD" : "Adam") + std::string(", batch ") +
                       std::to_string(batch)
                << std::right << std::fixed << std::setprecision(3) << std::setw(9) << ms << " ms"
                << std::setprecision(0) << std::setw(13) << 1e3 * batch / ms;
      if (auto it = peer.find(key); it != peer.end()) {
        const double theirs = std::stod(it->second);
        std::cout << std::setprecision(3) << std::setw(9) << theirs << " ms"
                  << std::setprecision(0) << std::setw(13) << 1e3 * batch / theirs
                  << std::setprecision(2) << std::setw(8) << ms / theirs << "x";
      }
      std::cout << "\n";
    }
  }
  for (int batch : batches) {
    if (auto it = peer.find("gemm_" + std::to_string(batch) + "_ms"); it != peer.end()) {
      std::cout << std::left << std::setw(28) << "the 8 products, batch " + std::to_string(batch)
                << std::right << std::setw(35) << it->second << " ms (torch.mm, cuBLAS)\n";
    }
  }
  std::cout << "\nratio = tensorgraph time / PyTorch time (below 1: tensorgraph is faster)\n";
  for (const auto& optimizer : optimizers) {
    for (int batch : batches) {
      auto it = profiles.find(Key(optimizer, batch));
      if (it == profiles.end()) continue;
      std::cout << "\nprofile, " << (optimizer == "sgd" ? "SGD" : "Adam") << ", batch " << batch
                << " (mean of " << settings.steps << " profiled steps):\n"
                << it->second;
    }
  }
  return 0;
}
