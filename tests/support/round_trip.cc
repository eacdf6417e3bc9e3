#include "tests/support/round_trip.h"

#include <catch2/catch.hpp>

#include "tests/support/test_device.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tensorgraph::testing {
namespace {

std::vector<std::vector<Tensor>> RunSteps(const Graph& graph, const std::vector<RunStep>& steps,
                                          const std::string& device = "CPU") {
  Session session(graph, SessionOptions{.device = device});
  std::vector<std::vector<Tensor>> results;
  for (const auto& step : steps) results.push_back(session.Run(step.feeds, step.fetches, step.targets));
  return results;
}

}  // namespace

std::string TempDir(const std::string& name) {
  // One folder per process: ctest runs test cases in parallel processes.
  const auto dir = std::filesystem::path(TG_BINARY_DIR) / "test_tmp" /
                   std::to_string(::getpid()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::vector<std::vector<Tensor>> RunAndRoundTrip(const Graph& graph,
                                                 const std::vector<RunStep>& steps) {
  auto expected = RunSteps(graph, steps);
  {
    // The device axis: the same steps on the test device, whose memory the
    // executor may not read, give the same bits.
    auto on_device = RunSteps(graph, steps, std::string(kDeviceTest));
    for (size_t s = 0; s < steps.size(); ++s) {
      for (size_t f = 0; f < expected[s].size(); ++f) {
        INFO("on the test device, step " << s << ", fetch '" << steps[s].fetches[f].name
                                         << "': " << expected[s][f].DebugString() << " vs "
                                         << on_device[s][f].DebugString());
        CHECK(on_device[s][f].BitwiseEquals(expected[s][f]));
      }
    }
  }
  const std::string dir = TempDir("round_trip");
  for (const char* file : {"graph.pb", "graph.pbtxt"}) {
    const auto path = std::filesystem::path(dir) / file;
    SaveGraph(graph, path);
    std::unique_ptr<Graph> reloaded = LoadGraph(path);
    REQUIRE(reloaded->num_nodes() == graph.num_nodes());
    auto got = RunSteps(*reloaded, steps);
    for (size_t s = 0; s < steps.size(); ++s) {
      for (size_t f = 0; f < expected[s].size(); ++f) {
        INFO("reloaded from " << file << ", step " << s << ", fetch '" << steps[s].fetches[f].name
                              << "': " << expected[s][f].DebugString() << " vs "
                              << got[s][f].DebugString());
        CHECK(got[s][f].BitwiseEquals(expected[s][f]));
      }
    }
  }
  std::filesystem::remove_all(dir);
  return expected;
}

std::vector<Tensor> RunAndRoundTrip(const Graph& graph, const FeedList& feeds,
                                    const std::vector<TensorName>& fetches,
                                    const std::vector<TargetName>& targets) {
  return RunAndRoundTrip(graph, {RunStep{feeds, fetches, targets}}).front();
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace tensorgraph::testing
