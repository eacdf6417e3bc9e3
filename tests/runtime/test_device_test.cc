// The test device: memory the host may not read, kernels and copies that
// may, and counters of every byte across "the bus". What it proves for the
// whole op set is in the harness (tests/ops/*_harness_test.cc); here, its
// own rules and a training step that moves nothing but feeds and fetches.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "runtime/checkpoint.h"
#include "runtime/kernel.h"
#include "tensorgraph.h"
#include "tests/support/mlp.h"
#include "tests/support/test_device.h"

using namespace tensorgraph;
using testing::CopyCounters;
using testing::GetTestDevice;
using testing::TestDeviceAccess;

namespace {

SessionOptions OnTestDevice() { return SessionOptions{.device = "TEST"}; }

}  // namespace

TEST_CASE("the host cannot read test-device memory outside its kernels and copies", "[device]") {
  testing::TestDevice& device = GetTestDevice();
  const Tensor host = Tensor::FromVector<float>({1, 2, 3});
  const Tensor t = device.CopyFromHost(host);
  CHECK_FALSE(t.on_host());
  CHECK_FALSE(device.host_memory());
  CHECK_THROWS_WITH(t.data<float>(), Catch::Contains("test-device memory accessed from the host"));
  CHECK_THROWS(t.Clone());
  CHECK_THROWS(ToTensorProto(t));
  {
    TestDeviceAccess access;  // what a kernel of the device runs under
    CHECK(t.data<float>()[2] == 3.0f);
  }
  CHECK(device.CopyToHost(t).BitwiseEquals(host));
}

TEST_CASE("the test device counts the bytes copied each way", "[device]") {
  testing::TestDevice& device = GetTestDevice();
  device.ResetCounters();
  const Tensor t = device.CopyFromHost(Tensor::Zeros(DT_DOUBLE, {5}));
  device.CopyToHost(t);
  device.CopyToHost(t);
  const CopyCounters c = device.counters();
  CHECK(c.bytes_to_device == 40);
  CHECK(c.copies_to_device == 1);
  CHECK(c.bytes_to_host == 80);
  CHECK(c.copies_to_host == 2);
}

TEST_CASE("a session on the test device keeps shape arithmetic on the host", "[device]") {
  // Reshape(x * 2, Shape(y)) and a Sum over axes from a constant: the shape
  // tensors are host memory, the data stays on the device, and the only
  // copies are x in and the fetch out; y is read for its shape alone and
  // never crosses.
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 6});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, {-1, 3, 2});
  Output reshaped = ops::Reshape(root.WithOpName("reshaped"), x * 2.0, ops::Shape(root, y));
  Output sum = ops::Sum(root.WithOpName("sum"), reshaped, {1});
  const FeedList feeds = {{x, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {1, 6})},
                          {y, Tensor::Zeros(DT_FLOAT, {1, 3, 2})}};
  const std::vector<Tensor> cpu = Session(g).Run(feeds, {sum});

  Session session(g, OnTestDevice());
  CHECK(session.DeviceFor(*sum.node) == &GetTestDevice());
  session.Run(feeds, {sum});  // compiles and specializes the plan
  GetTestDevice().ResetCounters();
  RunMetadata metadata;
  const std::vector<Tensor> got = session.Run(feeds, {sum}, {}, &metadata);
  CHECK(got[0].BitwiseEquals(cpu[0]));
  CHECK(got[0].ToVector<float>() == std::vector<float>{2 + 6 + 10, 4 + 8 + 12});
  const CopyCounters c = GetTestDevice().counters();
  CHECK(c.bytes_to_device == 6 * 4);  // x
  CHECK(c.copies_to_device == 1);
  CHECK(c.bytes_to_host == 2 * 4);  // the fetch
  CHECK(c.copies_to_host == 1);
  // Shape(y) and the constant axes were computed when the plan was made.
  for (const auto& n : metadata.nodes) CHECK(n.op != "Shape");
  CHECK(metadata.planned_peak_bytes > 0);
  CHECK(metadata.placement_notes.empty());
}

TEST_CASE("a node the test device has no kernel for falls back to the CPU with a note",
          "[device]") {
  // Every CPU kernel is mirrored, so a device hint to a missing GPU is the
  // fallback at hand: the hint names a device this process lacks.
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Output y = ops::Relu(root.WithOpName("relu").WithDevice("/device:GPU:5"), x);
  Session session(g, OnTestDevice());
  RunMetadata metadata;
  auto out = session.Run({{x, Tensor::FromVector<float>({-1, 2})}}, {y}, {}, &metadata);
  CHECK(out[0].ToVector<float>() == std::vector<float>{0, 2});
  REQUIRE(metadata.placement_notes.size() == 1);
  CHECK_THAT(metadata.placement_notes[0], Catch::Contains("relu") && Catch::Contains("GPU:5"));
}

using testing::BuildMlp;
using testing::Mlp;
using testing::MlpBatch;

TEST_CASE("the MNIST MLP's Adam step on the test device copies only the feeds and the loss",
          "[device]") {
  constexpr int64_t kBatch = 32;
  const auto cpu_model = BuildMlp();
  const auto dev_model = BuildMlp();
  Session cpu(cpu_model->graph);
  Session dev(dev_model->graph, OnTestDevice());
  cpu.Run({}, {}, {cpu_model->init});
  dev.Run({}, {}, {dev_model->init});

  // Every variable, slots and global step included, lives on the device.
  const auto variables = dev.resources().Variables();
  CHECK(variables.size() == 4 * 3 + 2 + 1);  // 4 weights x (value, m, v), beta powers, step
  for (const auto& [name, variable] : variables) {
    INFO(name);
    CHECK(variable->device() == &GetTestDevice());
    CHECK(variable->Read()->allocator() == GetTestDevice().allocator());
  }

  // The first step compiles and specializes the plan (uploading its
  // constants once); every later one moves exactly the feeds in and the
  // loss out.
  const int64_t feed_bytes = kBatch * 784 * 4 + kBatch * 4;
  for (int step = 0; step < 4; ++step) {
    const FeedList feeds = MlpBatch(*dev_model, step, kBatch);
    GetTestDevice().ResetCounters();
    const Tensor dev_loss = dev.Run(feeds, {dev_model->loss}, {dev_model->train})[0];
    const CopyCounters c = GetTestDevice().counters();
    const Tensor cpu_loss = cpu.Run(MlpBatch(*cpu_model, step, kBatch), {cpu_model->loss},
                                    {cpu_model->train})[0];
    INFO("step " << step);
    CHECK(dev_loss.BitwiseEquals(cpu_loss));
    if (step > 0) {
      CHECK(c.bytes_to_device == feed_bytes);
      CHECK(c.copies_to_device == 2);
      CHECK(c.bytes_to_host == 4);  // the loss
      CHECK(c.copies_to_host == 1);
      // Every read of a variable is done before its update: no
      // copy-on-write duplicate either.
      CHECK(c.bytes_on_device == 0);
    }
  }
  // The weights after four steps: the CPU's, bit for bit.
  const std::vector<Tensor> cpu_values = cpu.Run({}, std::vector<TensorName>(
                                                         cpu_model->reads.begin(),
                                                         cpu_model->reads.end()));
  const std::vector<Tensor> dev_values = dev.Run({}, std::vector<TensorName>(
                                                         dev_model->reads.begin(),
                                                         dev_model->reads.end()));
  for (size_t i = 0; i < cpu_values.size(); ++i) {
    INFO(dev_model->reads[i].name());
    CHECK(dev_values[i].BitwiseEquals(cpu_values[i]));
  }
}

TEST_CASE("a checkpoint restored into a fresh test-device session lands on the device",
          "[device][checkpoint]") {
  const auto model = BuildMlp();
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "tg_test_device_checkpoint.safetensors";
  Session first(model->graph, OnTestDevice());
  first.Run({}, {}, {model->init});
  first.Run(MlpBatch(*model, 0, 8), {}, {model->train});
  GetTestDevice().ResetCounters();
  SaveCheckpoint(first, path);
  // Saving copies each variable to the host once, and nothing back.
  CHECK(GetTestDevice().counters().copies_to_host == 4 * 3 + 2 + 1);
  CHECK(GetTestDevice().counters().bytes_to_device == 0);

  Session second(model->graph, OnTestDevice());
  RestoreCheckpoint(second, path);
  for (const auto& [name, variable] : second.resources().Variables()) {
    INFO(name);
    CHECK(variable->device() == &GetTestDevice());
    CHECK(variable->Read()->allocator() == GetTestDevice().allocator());
  }
  const std::vector<TensorName> reads(model->reads.begin(), model->reads.end());
  const std::vector<Tensor> a = first.Run({}, reads);
  const std::vector<Tensor> b = second.Run({}, reads);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].BitwiseEquals(b[i]));
  std::filesystem::remove(path);
}

TEST_CASE("the planned peak of the MLP's training step bounds what the step allocates",
          "[device][memory]") {
  // Planned: every new output counted until its last reader, in-place
  // kernels assumed to allocate. Measured: the CPU device allocator's peak
  // over one step, variables (allocated before) excluded.
  const auto model = BuildMlp();
  Session session(model->graph);
  session.Run({}, {}, {model->init});
  const FeedList feeds = MlpBatch(*model, 0, 64);
  session.Run(feeds, {model->loss}, {model->train});  // plans, and allocates the Adam slots' copies
  RunMetadata metadata;
  Allocator* host = CpuDevice()->allocator();
  const int64_t before = host->GetStats().bytes_in_use;
  host->ResetPeak();
  session.Run(feeds, {model->loss}, {model->train}, &metadata);
  const int64_t measured = host->GetStats().peak_bytes_in_use - before;
  INFO("planned " << metadata.planned_peak_bytes << ", measured " << measured);
  REQUIRE(metadata.planned_peak_bytes > 0);
  CHECK(measured <= metadata.planned_peak_bytes);
  // The largest activation, [64,128] floats, is alive at the peak.
  CHECK(measured >= 64 * 128 * 4);
  CHECK(session.Explain(feeds, {model->loss}, {model->train}).peak_bytes ==
        metadata.planned_peak_bytes);
}
