// Memory bandwidth of an elementwise chain against a plain copy on one
// device: a step that computes v = sqrt(v * v + 1) * 0.5 on a variable of
// --elements floats (four elementwise kernels and the assignment's copy,
// each reading and writing the tensor once), and the device's own copy of
// a buffer of that size (Device::Duplicate: cudaMemcpyAsync on a GPU,
// memcpy on the CPU). Then PyTorch's same chain and copy
// (tools/bench_bandwidth_peer.py) in the same invocation.
//
//   build/tools/bench_bandwidth --device gpu [--elements 67108864] [--iters 20] \
//       [--replay auto|always|never]
//
// Bandwidth counts the bytes each kernel must read and write (2 x 4 bytes
// per element per kernel), divided by the median step time. Results go in
// docs/benchmarks.md.
#include <tensorgraph.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>

#include "tools/bench_util.h"

using namespace tensorgraph;

namespace {

template <typename Fn>
double MedianSeconds(Fn&& fn, int iters, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + iters / 2, times.end());
  return times[static_cast<size_t>(iters / 2)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Elementwise chain bandwidth against the device's copy bandwidth"};
  std::string device_name = "GPU", python = "python3";
  int64_t elements = int64_t{1} << 26;
  int iters = 20;
  std::string replay = "auto";
  app.add_option("--device", device_name, "cpu or gpu");
  app.add_option("--elements", elements, "Floats in the tensor")->check(CLI::PositiveNumber);
  app.add_option("--iters", iters, "Timed iterations")->check(CLI::PositiveNumber);
  app.add_option("--python", python, "Python with torch, for the peer; '' to skip it");
  app.add_option("--replay", replay, bench::kReplayHelp)
      ->check(CLI::IsMember({"auto", "always", "never"}));
  CLI11_PARSE(app, argc, argv);
  Device* device = FindDevice(device_name);
  if (device == nullptr) {
    std::cerr << "no device '" << device_name << "' in this process\n";
    return 1;
  }

  Graph graph;
  Scope root(graph);
  auto v = train::Variable(root.WithOpName("v"), {elements}, train::Zeros());
  const Output read = v.Read(root);
  const Output chain = ops::Mul(root, ops::Sqrt(root, ops::AddV2(root, ops::Square(root, read),
                                                                 ops::ScalarConst(root, DT_FLOAT, 1))),
                                ops::ScalarConst(root, DT_FLOAT, 0.5));
  Node* step = v.Assign(root.WithOpName("step"), chain);
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(graph, SessionOptions{.device = device_name, .replay = bench::ParseReplay(replay)});
  session.Run({}, {}, {init});
  const auto run_step = [&] {
    session.Run({}, {}, {step});
    device->Synchronize();  // a target returns before its kernels finish
  };
  constexpr int kKernels = 5;  // Square, AddV2, Sqrt, Mul, the assignment's copy
  const double bytes = 2.0 * 4.0 * static_cast<double>(elements);
  const double chain_s = MedianSeconds(run_step, iters, 3);

  const Tensor source = *session.resources().Variables().at("v")->Read();
  const double copy_s = MedianSeconds(
      [&] {
        Tensor copy = device->Duplicate(source);
        device->Synchronize();
      },
      iters, 3);

  std::map<std::string, std::string> peer;
  if (!python.empty()) {
    peer = bench::RunPeer(python + " " + TG_SOURCE_DIR + "/tools/bench_bandwidth_peer.py --elements " +
                              std::to_string(elements) + " --iters " + std::to_string(iters) +
                              " --device " + (device->type() == kDeviceGpu ? "cuda" : "cpu"),
                          1);
  }
  const double chain_gbs = kKernels * bytes / chain_s / 1e9, copy_gbs = bytes / copy_s / 1e9;
  std::cout << "device: " << device->name() << "; " << elements << " floats ("
            << bytes / 2 / (1 << 20) << " MiB); median of " << iters << " iterations; steps "
            << "--replay " << replay << " (recorded " << session.step_counts().recorded
            << ", replayed " << session.step_counts().replayed << ")\n"
            << "peer: " << (peer.empty() ? "not run" : "PyTorch " + peer.at("version")) << "\n\n"
            << std::fixed << std::setprecision(1);
  std::cout << "tensorgraph: chain of " << kKernels << " kernels " << chain_s * 1e3 << " ms, "
            << chain_gbs << " GB/s; copy " << copy_s * 1e3 << " ms, " << copy_gbs << " GB/s; chain "
            << std::setprecision(0) << 100 * chain_gbs / copy_gbs << "% of copy\n";
  if (!peer.empty()) {
    const double peer_chain = std::stod(peer.at("chain_ms")) / 1e3;
    const double peer_copy = std::stod(peer.at("copy_ms")) / 1e3;
    const double peer_chain_gbs = kKernels * bytes / peer_chain / 1e9;
    const double peer_copy_gbs = bytes / peer_copy / 1e9;
    std::cout << std::setprecision(1) << "PyTorch:     chain of " << kKernels << " kernels "
              << peer_chain * 1e3 << " ms, " << peer_chain_gbs << " GB/s; copy " << peer_copy * 1e3
              << " ms, " << peer_copy_gbs << " GB/s\n"
              << std::setprecision(2) << "ratio (tensorgraph / PyTorch time): chain "
              << chain_s / peer_chain << "x, copy " << copy_s / peer_copy << "x\n";
  }
  return 0;
}
