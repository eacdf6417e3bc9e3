// Recording a step and replaying it (SessionOptions::replay).
//
// A specialization whose step is static (its shapes known before it runs,
// every kernel on one device, nothing waiting for the device or reading a
// computed value on the host mid-step) is recorded on its second Run and
// replayed on later ones. The recording keeps every buffer the step's
// kernels allocated (AllocationTape), the buffers the feeds are staged
// into, and the fetched tensors. A replay copies the new feeds into the
// staged buffers and then:
//
// - on a device that captures (CUDA), launches the graph captured while
//   the step was recorded: one launch instead of a launch per kernel;
// - on the CPU, runs the kernels again, each handed the buffers it had
//   when recorded.
//
// Either way a replay addresses the memory the recording did, so it holds
// only while the step's variables stay in their buffers: each replay first
// checks that every variable still has its recorded buffer, held by nobody
// else (no live read, no restore or assignment that replaced it); when
// not, the recording is dropped and the step runs eagerly, to be recorded
// again later.
#pragma once

#include <memory>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "runtime/plan.h"

namespace tensorgraph {

// Work queued on a stream while it is captured joins the capture, whatever
// thread queues it: a Run on a capturing device holds this shared, and a
// recording on one holds it exclusively.
std::shared_mutex& CaptureMutex();

// Decided from the plan and its shapes, before anything runs.
ReplayDecision DecideReplay(const Plan& plan, const Specialization& spec);

class StepRecording final : public AllocationTape {
 public:
  // Hands out the recorded buffers in order while replaying; allocates and
  // keeps them while recording.
  Tensor Allocate(DataType dtype, const Shape& shape, Allocator* allocator) override;

  // The tensor a copy step of a feed yields in a recorded step: the staged
  // buffer on its device; null for other steps.
  const Tensor* StagedCopy(size_t step) const;

 private:
  friend std::unique_ptr<StepRecording> RecordStep(const Plan&, const Specialization&,
                                                   const std::vector<const Tensor*>&,
                                                   std::vector<Tensor>&, ResourceManager&,
                                                   std::unique_ptr<StepRecording>, std::string*);
  friend bool ReplayStep(StepRecording&, const Plan&, const Specialization&,
                         const std::vector<const Tensor*>&, std::vector<Tensor>&,
                         ResourceManager&);

  Device* device_ = nullptr;
  bool replaying_ = false;
  // Every buffer the recorded kernels allocated, and for each allocation in
  // order the index of its buffer: a buffer the step has let go of (only
  // the tape holds it) serves a later allocation of its dtype and shape, as
  // the allocator would have reused it, so a recording holds about what
  // the step holds at its peak.
  std::vector<Tensor> tape_;
  std::vector<size_t> order_;
  size_t next_ = 0;
  // Per feed: the host buffer kernels that read the feed directly see.
  std::vector<Tensor> staged_feeds_;
  // Per step: the staged buffer of a feed's copy to a device (else empty).
  std::vector<Tensor> staged_copies_;
  std::vector<char> has_staged_copy_;
  std::vector<Tensor> fetches_;
  // Each variable the step uses, and the buffer it must keep.
  std::vector<std::pair<Variable*, const void*>> variables_;
  std::unique_ptr<Device::Graph> graph_;
};

// Records the step while running it with these feeds: on return `slots`
// holds the fetches, as ExecutePlan leaves them. Returns the recording, or
// null when this run could not make one: a variable was not initialized
// yet or moved to a new buffer during the step (try again later), or the
// step can never be replayed (a fetch is a variable's own buffer), with
// the reason in `why`.
// `previous` (a recording of the same step that went stale) lends its
// captured graph to be updated in place.
std::unique_ptr<StepRecording> RecordStep(const Plan& plan, const Specialization& spec,
                                          const std::vector<const Tensor*>& feeds,
                                          std::vector<Tensor>& slots, ResourceManager& resources,
                                          std::unique_ptr<StepRecording> previous,
                                          std::string* why);

// Replays the recording with these feeds, leaving the fetches in `slots`
// (the recording's own buffers: the caller copies them out). Returns false,
// having run nothing, when a variable no longer has its recorded buffer to
// itself.
bool ReplayStep(StepRecording& recording, const Plan& plan, const Specialization& spec,
                const std::vector<const Tensor*>& feeds, std::vector<Tensor>& slots,
                ResourceManager& resources);

}  // namespace tensorgraph
