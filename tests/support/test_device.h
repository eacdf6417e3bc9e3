// The test device: a second device that CI can run. Its memory is host
// memory the host may not read: outside its own kernels and copies, a
// Tensor in it reports !on_host() and any element access through
// Tensor::data() fails loudly (kInternal), as touching GPU memory from the
// host would. Its kernels are the CPU kernels, registered for it with the
// same argument declarations (so HostMemory inputs arrive on the host and
// everything else stays in its memory), and run with access granted to
// the calling thread. It counts every byte copied to and from it, so a test
// can prove what a step moves across "the bus".
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/device.h"

namespace tensorgraph::testing {

// The key the mirrored kernels are registered under; the device is
// "/device:TEST:0" (FindDevice("TEST")).
inline constexpr std::string_view kDeviceTest = "TEST";

struct CopyCounters {
  int64_t bytes_to_device = 0;   // host -> test device
  int64_t bytes_to_host = 0;     // test device -> host
  int64_t bytes_on_device = 0;   // duplicates within the device
  int64_t copies_to_device = 0;
  int64_t copies_to_host = 0;
};

class TestDevice final : public Device {
 public:
  TestDevice();
  Allocator* allocator() override;
  Tensor CopyFromHost(const Tensor& host) override;
  Tensor CopyToHost(const Tensor& tensor) override;
  Tensor Duplicate(const Tensor& tensor) override;
  void CopyWithin(const Tensor& from, Tensor& to) override;
  void CopyFromHostInto(const Tensor& host, Tensor& to) override;
  Transfers transfers() const override {
    const CopyCounters c = counters();
    return {c.bytes_to_device, c.bytes_to_host, c.copies_to_device, c.copies_to_host};
  }
  void ZeroFill(Tensor& tensor) override;

  CopyCounters counters() const;
  void ResetCounters();

 private:
  std::atomic<int64_t> to_device_{0}, to_host_{0}, on_device_{0};
  std::atomic<int64_t> copies_to_device_{0}, copies_to_host_{0};
};

// The process's test device (present in every test binary that links
// tests/support).
TestDevice& GetTestDevice();

// Grants the calling thread access to test-device memory while alive: what
// a kernel or copy of the device runs under.
class TestDeviceAccess {
 public:
  TestDeviceAccess();
  ~TestDeviceAccess();
  TestDeviceAccess(const TestDeviceAccess&) = delete;
  TestDeviceAccess& operator=(const TestDeviceAccess&) = delete;
};

}  // namespace tensorgraph::testing

namespace tensorgraph {
class Graph;
}

#include "runtime/session.h"

namespace tensorgraph::testing {

// Runs `fetches` in a session on the test device. Returns "" when every
// result is bit for bit `expected` (what the CPU gave), else what differs
// or what the run threw.
std::string CompareOnTestDevice(const Graph& graph, const FeedList& feeds,
                                const std::vector<TensorName>& fetches,
                                const std::vector<Tensor>& expected);

}  // namespace tensorgraph::testing
