// InsertCopiesPass: slots, the memory each lives in, and the copies
// between memories.
#include "runtime/plan.h"

namespace tensorgraph {

void InsertCopiesPass(Plan& plan) {
  std::map<std::pair<const Node*, int>, int> fed;
  for (const PlanFeed& f : plan.feeds) fed[{f.output.node, f.output.index}] = f.slot;
  std::map<const Node*, int> first_slot;
  // The copy of each slot already made into a memory: (slot, memory) -> slot.
  std::map<std::pair<int, Device*>, int> copies;
  const auto slot_of = [&](const Output& out) {
    auto f = fed.find({out.node, out.index});
    return f != fed.end() ? f->second : first_slot.at(out.node) + out.index;
  };

  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const Node* node = plan.nodes[i];
    OpKernel* kernel = plan.kernels[i].get();
    Device* device = plan.node_devices[i];
    PlanStep step;
    step.node = node;
    step.device = device;
    step.kernel = kernel;
    for (int k = 0; k < node->num_inputs(); ++k) {
      int slot = slot_of(node->input(k));
      Device* want = kernel->input_memory(k) == MemoryType::kHost ? CpuDevice() : device;
      Device* have = plan.slots[static_cast<size_t>(slot)].memory;
      if (have != want && !kernel->input_shape_only(k)) {
        auto [it, inserted] = copies.try_emplace({slot, want}, plan.num_slots());
        if (inserted) {
          PlanStep copy;
          copy.kind = PlanStep::Kind::kCopy;
          copy.node = node->input(k).node;
          copy.device = want;
          copy.copy_from = have;
          copy.input_slots = {slot};
          copy.first_output_slot = plan.num_slots();
          copy.num_outputs = 1;
          plan.slots.push_back({plan.slots[static_cast<size_t>(slot)].source, want});
          plan.steps.push_back(std::move(copy));
        }
        slot = it->second;
      }
      step.input_slots.push_back(slot);
    }
    step.first_output_slot = plan.num_slots();
    step.num_outputs = node->num_outputs();
    first_slot[node] = plan.num_slots();
    for (int k = 0; k < node->num_outputs(); ++k) {
      Device* memory = kernel->output_memory(k) == MemoryType::kHost ? CpuDevice() : device;
      plan.slots.push_back({node->output(k), memory});
    }
    plan.steps.push_back(std::move(step));
  }
  for (const Output& out : plan.fetch_outputs) plan.fetch_slots.push_back(slot_of(out));
}

}  // namespace tensorgraph
