// Shared by the benchmark programs (bench_mlp, bench_train): the machine's
// description and the peer process they compare against.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "runtime/session.h"

namespace tensorgraph::bench {

// lscpu's "model name" of the first CPU.
inline std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

// Runs a peer benchmark (`command`, a shell command line) with `threads`
// BLAS threads and parses the `key value` lines it prints. Empty when it
// could not run or failed.
inline std::map<std::string, std::string> RunPeer(const std::string& command, int threads) {
  std::map<std::string, std::string> values;
  // PyTorch's matrix products go through the system BLAS (OpenBLAS here),
  // whose thread pool torch.set_num_threads does not reach.
  setenv("OPENBLAS_NUM_THREADS", std::to_string(threads).c_str(), 1);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return values;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
    std::istringstream line(buffer);
    std::string key, value;
    if (line >> key >> value) values[key] = value;
  }
  if (pclose(pipe) != 0) values.clear();
  return values;
}

// The benchmarks' --replay option: auto, always or never.
inline SessionOptions::Replay ParseReplay(const std::string& mode) {
  if (mode == "always") return SessionOptions::Replay::kAlways;
  if (mode == "never") return SessionOptions::Replay::kNever;
  return SessionOptions::Replay::kAuto;
}
inline constexpr const char* kReplayHelp =
    "auto (on devices that capture: a GPU), always or never: SessionOptions::replay";

}  // namespace tensorgraph::bench
