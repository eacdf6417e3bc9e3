// A training run on a device with memory of its own, eager and replayed:
// every step moves only its feeds in and its loss out (Device::transfers),
// replaying gives the eager run's bits on that device, and the losses and
// final variables agree with the CPU's. On the test device in every build
// (where agreeing means bit for bit), and on a GPU when there is one
// (within float32 rounding: another summation order and libm).
#include <catch2/catch.hpp>

#include <cmath>

#include "tensorgraph.h"
#include "tests/support/gpu.h"
#include "tests/support/mlp.h"

using namespace tensorgraph;
using testing::BuildMlp;
using testing::MlpBatch;

namespace {

constexpr int64_t kBatch = 32;
constexpr int kSteps = 6;

struct Run {
  std::vector<Tensor> losses;
  std::vector<Tensor> variables;
};

// Trains on `device` with `replay`, checking each step's transfers.
Run Train(const std::string& device, SessionOptions::Replay replay) {
  const auto model = BuildMlp();
  Session session(model->graph, SessionOptions{.device = device, .replay = replay});
  session.Run({}, {}, {model->init});
  Device& d = *FindDevice(device);
  const int64_t feed_bytes = kBatch * 784 * 4 + kBatch * 4;
  Run run;
  for (int step = 0; step < kSteps; ++step) {
    const FeedList feeds = MlpBatch(*model, step, kBatch);
    const Device::Transfers before = d.transfers();
    run.losses.push_back(session.Run(feeds, {model->loss}, {model->train})[0]);
    const Device::Transfers after = d.transfers();
    INFO(device << " step " << step);
    // The CPU's memory is the host's: nothing crosses. Elsewhere the first
    // step also uploads the plan's constants, once.
    if (&d != CpuDevice() && step > 0) {
      CHECK(after.bytes_to_device - before.bytes_to_device == feed_bytes);
      CHECK(after.copies_to_device - before.copies_to_device == 2);
      CHECK(after.bytes_to_host - before.bytes_to_host == 4);
      CHECK(after.copies_to_host - before.copies_to_host == 1);
    }
  }
  const Session::StepCounts counts = session.step_counts();
  if (replay == SessionOptions::Replay::kNever) {
    CHECK(counts.replayed == 0);
  } else {
    CHECK(counts.recorded == 1);
    CHECK(counts.replayed == kSteps - 2);
  }
  run.variables = session.Run({}, std::vector<TensorName>(model->reads.begin(), model->reads.end()));
  return run;
}

// |a - b| within `rel` of the larger magnitude, element by element.
void CheckClose(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double rel) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].shape() == b[i].shape());
    const auto x = a[i].flat<float>(), y = b[i].flat<float>();
    double worst = 0;
    for (size_t k = 0; k < x.size(); ++k) {
      const double scale = std::max({std::abs(double{x[k]}), std::abs(double{y[k]}), 1e-3});
      worst = std::max(worst, std::abs(double{x[k]} - double{y[k]}) / scale);
    }
    INFO("tensor " << i << " " << a[i].shape().ToString() << ": worst relative difference " << worst);
    CHECK(worst <= rel);
  }
}

void CheckSameBits(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("tensor " << i);
    CHECK(a[i].BitwiseEquals(b[i]));
  }
}

void CheckTrainingOn(const std::string& device, bool bitwise_with_cpu) {
  const Run cpu = Train("CPU", SessionOptions::Replay::kNever);
  const Run eager = Train(device, SessionOptions::Replay::kNever);
  const Run replayed = Train(device, SessionOptions::Replay::kAlways);
  CheckSameBits(replayed.losses, eager.losses);
  CheckSameBits(replayed.variables, eager.variables);
  if (bitwise_with_cpu) {
    CheckSameBits(eager.losses, cpu.losses);
    CheckSameBits(eager.variables, cpu.variables);
  } else {
    // Six Adam steps from the same start: float32 products of 784 terms
    // summed in another order differ by a few units in 1e-6; Adam's
    // normalized steps keep that from growing past 1e-4 of a weight.
    CheckClose(eager.losses, cpu.losses, 1e-4);
    CheckClose(eager.variables, cpu.variables, 1e-3);
  }
}

}  // namespace

TEST_CASE("training on the test device moves only feeds and the loss, eager and replayed",
          "[device][replay]") {
  CheckTrainingOn("TEST", true);
}

TEST_CASE("training on the GPU moves only feeds and the loss, eager and as a CUDA graph",
          "[cuda][replay]") {
  TG_REQUIRE_GPU();
  CheckTrainingOn("GPU", false);
}
