#include <catch2/catch.hpp>

#include "tensorgraph.h"
#include "tests/support/gpu.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;

TEST_CASE("The CPU device is always present and found by its short names", "[device]") {
  Device* cpu = CpuDevice();
  REQUIRE(cpu != nullptr);
  CHECK(cpu->name() == "/device:CPU:0");
  CHECK(cpu->type() == kDeviceCpu);
  CHECK(FindDevice("CPU") == cpu);
  CHECK(FindDevice("/device:CPU:0") == cpu);
  CHECK(FindDevice("cpu:0") == cpu);
  CHECK(FindDevice("CPU:1") == nullptr);
  CHECK(AllDevices().front() == cpu);
}

TEST_CASE("CPU tensors are 64-byte aligned", "[device]") {
  for (int64_t n : {1, 3, 17, 1000}) {
    Tensor t(DT_FLOAT, Shape{n});
    CHECK(reinterpret_cast<uintptr_t>(t.raw_data()) % kCpuAlignment == 0);
  }
}

TEST_CASE("A session asked for a missing device says which devices exist", "[device]") {
  Graph g;
  if (FindDevice("GPU:7") != nullptr) return;  // a machine with eight GPUs: nothing to check
  CHECK_THROWS_WITH(Session(g, SessionOptions{.device = "GPU:7"}),
                    Catch::Contains("no device 'GPU:7'") && Catch::Contains("/device:CPU:0"));
}

TEST_CASE("A device hint without a kernel there falls back to the CPU", "[device]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x").WithDevice("/device:GPU:3"), DT_FLOAT, {2});
  auto y = x + 1.0;
  auto out = testing::RunAndRoundTrip(g, {{x, Tensor::FromVector<float>({1, 2})}}, {y});
  CHECK(out[0].ToVector<float>() == std::vector<float>{2, 3});
  CHECK(x.node->device() == "/device:GPU:3");
}

TEST_CASE("GPU memory round-trips through the device's copies", "[device][cuda]") {
  TG_REQUIRE_GPU();
  Device* gpu = FindDevice("GPU");
  CHECK(gpu->type() == kDeviceGpu);
  CHECK_FALSE(gpu->allocator()->host_accessible());
  Tensor host = Tensor::FromVector<float>({1.5f, -2.0f, 3.25f, 0.0f}, {2, 2});
  Tensor on_gpu = gpu->CopyFromHost(host);
  CHECK_FALSE(on_gpu.on_host());
  CHECK(on_gpu.shape() == host.shape());
  Tensor back = gpu->CopyToHost(on_gpu);
  CHECK(back.BitwiseEquals(host));
  Tensor empty = gpu->CopyToHost(gpu->CopyFromHost(Tensor(DT_INT32, Shape{0, 4})));
  CHECK(empty.shape() == Shape({0, 4}));
}

TEST_CASE("A GPU session runs a graph on the GPU, its fetches coming back to the host",
          "[device][cuda]") {
  TG_REQUIRE_GPU();
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  auto y = x + 2.0;
  Session session(g, SessionOptions{.device = "GPU"});
  RunMetadata metadata;
  auto out = session.Run({{x, Tensor::FromVector<float>({1, 2, 3})}}, {y}, {}, &metadata);
  CHECK(out[0].on_host());
  CHECK(out[0].ToVector<float>() == std::vector<float>{3, 4, 5});
  // Every node has a GPU kernel: nothing fell back to the CPU.
  CHECK(metadata.placement_notes.empty());
  CHECK(session.DeviceFor(*y.node)->type() == kDeviceGpu);
}
