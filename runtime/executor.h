// The executor: runs a plan's specialization on the slots of one Run.
#pragma once

#include <vector>

#include "runtime/plan.h"
#include "runtime/replay.h"
#include "runtime/session.h"

namespace tensorgraph {

// Runs every step that was not precomputed, in order: copies, and kernels
// with their output shapes (computed just before the call for a dynamic
// step). `slots` holds plan.num_slots() tensors with the feeds in place;
// the constants are put in first, and each slot is emptied after its last
// reader, so that on return only the fetched slots hold tensors. Throws,
// naming the node, on any kernel error; when `metadata` is not null, times
// each step into it.
// When `recording` is given, the kernels allocate through it and the
// copies of feeds take its staged buffers (runtime/replay.h).
void ExecutePlan(const Plan& plan, const Specialization& spec, std::vector<Tensor>& slots,
                 ResourceManager& resources, MemoryBudget* memory, RunMetadata* metadata,
                 StepRecording* recording = nullptr);

}  // namespace tensorgraph
