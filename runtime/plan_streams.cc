// AssignStreamsPass: every step is queued on its device's one stream, in
// plan order, so a step sees its same-device inputs complete without a
// wait; a copy is queued on its destination's stream, and a copy to the
// host waits for the source (Device::CopyToHost). Run waits only for the
// devices that hold fetched tensors, before copying them out.
#include <algorithm>

#include "runtime/plan.h"

namespace tensorgraph {

void AssignStreamsPass(Plan& plan) {
  for (PlanStep& step : plan.steps) step.stream = 0;
  plan.sync_before_fetch.clear();
  for (int slot : plan.fetch_slots) {
    Device* memory = plan.slots[static_cast<size_t>(slot)].memory;
    if (memory == CpuDevice()) continue;
    if (std::find(plan.sync_before_fetch.begin(), plan.sync_before_fetch.end(), memory) ==
        plan.sync_before_fetch.end()) {
      plan.sync_before_fetch.push_back(memory);
    }
  }
}

}  // namespace tensorgraph
