// PlanLifetimesPass: a slot is released right after the last step that
// reads it, or right after it is made when nothing does; fetched slots stay
// until the run returns them.
#include <algorithm>

#include "runtime/plan.h"

namespace tensorgraph {

void PlanLifetimesPass(Plan& plan) {
  std::vector<int> last_use(static_cast<size_t>(plan.num_slots()), -1);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    for (int k = 0; k < step.num_outputs; ++k) {
      last_use[static_cast<size_t>(step.first_output_slot + k)] = static_cast<int>(s);
    }
    for (int slot : step.input_slots) last_use[static_cast<size_t>(slot)] = static_cast<int>(s);
  }
  for (int slot : plan.fetch_slots) last_use[static_cast<size_t>(slot)] = -1;
  for (PlanStep& step : plan.steps) {
    step.release.clear();
    step.hand_over.clear();
    plan.max_step_inputs = std::max(plan.max_step_inputs, step.input_slots.size());
    plan.max_step_outputs = std::max(plan.max_step_outputs, static_cast<size_t>(step.num_outputs));
  }
  for (int slot = 0; slot < plan.num_slots(); ++slot) {
    const int s = last_use[static_cast<size_t>(slot)];
    if (s >= 0) plan.steps[static_cast<size_t>(s)].release.push_back(slot);
  }
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    PlanStep& step = plan.steps[s];
    for (int slot : step.input_slots) {
      const bool last = last_use[static_cast<size_t>(slot)] == static_cast<int>(s);
      const bool once = std::count(step.input_slots.begin(), step.input_slots.end(), slot) == 1;
      step.hand_over.push_back(last && once);
    }
  }
}

}  // namespace tensorgraph
