// Test support: run a graph, run it again on the test device
// (tests/support/test_device.h) and after a save and reload (as binary .pb
// and as text .pbtxt, each in a fresh session), checking every fetched
// tensor comes back bit for bit the same.
#pragma once

#include <string>
#include <vector>

#include "tensorgraph.h"

namespace tensorgraph::testing {

struct RunStep {
  FeedList feeds;
  std::vector<TensorName> fetches;
  std::vector<TargetName> targets = {};
};

// Runs the steps in order in one session, then in a fresh session on the
// test device and in one over each reloaded copy of the graph; fails the
// current test (Catch2) on any difference. Returns the fetches of each step
// from the first session.
std::vector<std::vector<Tensor>> RunAndRoundTrip(const Graph& graph,
                                                 const std::vector<RunStep>& steps);

// One step.
std::vector<Tensor> RunAndRoundTrip(const Graph& graph, const FeedList& feeds,
                                    const std::vector<TensorName>& fetches,
                                    const std::vector<TargetName>& targets = {});

// A whole file's bytes ("" when it cannot be read), and writing them.
std::string FileBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::string& bytes);

// A directory for a test's files, under the build tree, private to this
// process; made empty.
std::string TempDir(const std::string& name);

}  // namespace tensorgraph::testing
