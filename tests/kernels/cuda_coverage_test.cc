// No silent CPU fallback: every CPU kernel has a CUDA kernel for the same
// op and dtype (or is one kernel for every device, OnEveryDevice()), and
// the two make the same promises about their arguments. Checked from the
// registry, so it holds in every build with the CUDA backend, GPU or not.
#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/kernel.h"
#include "tests/support/gradient_check.h"

namespace tensorgraph::testing {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string Key(const KernelDef& def) {
  return def.op() + (def.dtype() == DT_INVALID ? std::string(" (any dtype)")
                                               : " " + std::string(DataTypeName(def.dtype())));
}

TEST_CASE("every op with a CPU kernel has a CUDA kernel for the same dtypes", "[cuda-host]") {
#if !defined(TG_HAVE_CUDA)
  WARN("TG_TEST_SKIPPED: this build has no CUDA backend (configure with -DTG_CUDA=ON)");
  return;
#endif
  std::vector<std::string> missing, different;
  int cpu_kernels = 0, shared = 0;
  const KernelRegistry& registry = KernelRegistry::Global();
  registry.ForEach([&](const KernelDef& def, const KernelFactory&) {
    if (def.device_type() != kDeviceCpu || IsTestOnlyOp(def.op())) return;
    ++cpu_kernels;
    if (def.on_every_device()) {
      ++shared;
      return;
    }
    const KernelDef* gpu = nullptr;
    registry.ForEach([&](const KernelDef& other, const KernelFactory&) {
      if (other.device_type() == kDeviceGpu && other.op() == def.op() &&
          other.dtype() == def.dtype()) {
        gpu = &other;
      }
    });
    if (gpu == nullptr) {
      missing.push_back(Key(def));
      return;
    }
    // The plan places arguments by these declarations: a difference would
    // move a tensor between memories when the node changes device.
    if (Sorted(gpu->host_memory_args()) != Sorted(def.host_memory_args()) ||
        Sorted(gpu->shape_only_args()) != Sorted(def.shape_only_args()) ||
        gpu->output_is_view() != def.output_is_view()) {
      different.push_back(Key(def));
    }
  });
  WARN(cpu_kernels << " CPU kernels: " << shared << " serve every device, "
                   << cpu_kernels - shared - static_cast<int>(missing.size())
                   << " have a CUDA kernel of their own");
  INFO("CPU kernels with no CUDA kernel:" << JoinLines(missing));
  CHECK(missing.empty());
  INFO("CUDA kernels whose memory declarations differ from the CPU's:" << JoinLines(different));
  CHECK(different.empty());
}

}  // namespace
}  // namespace tensorgraph::testing
