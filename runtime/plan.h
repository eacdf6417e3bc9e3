// The plan compiler. A Session compiles each signature (feeds, fetches,
// targets) into a Plan by running these passes in order, each in its own
// file and tested on its own (tests/runtime/plan_test.cc):
//
//   PrunePass           plan_prune.cc    the nodes the fetches and targets need
//   PlacePass           plan_place.cc    a device and a kernel for each
//   InsertCopiesPass    plan_copies.cc   a slot per tensor in the memory it lives in,
//                                        and one copy per slot and destination
//   PlanLifetimesPass   plan_memory.cc   when each slot is released, which inputs
//                                        a kernel may reuse
//   AssignStreamsPass   plan_streams.cc  each step's stream; what Run waits for
//
// A Plan is shape-generic. For each distinct set of feed shapes the session
// then makes a Specialization (plan_shapes.cc): every output's shape, the
// steps whose outputs are the same every run (constants, variable handles,
// shape arithmetic on known shapes) computed once, and the bytes the run
// will hold at its peak. The executor (executor.cc) runs a specialization.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "runtime/device.h"
#include "runtime/kernel.h"
#include "runtime/session.h"

namespace tensorgraph {


// Where a tensor of the plan lives: the device whose memory holds it (the
// CPU device for host memory).
struct PlanSlot {
  Output source;            // the node output it holds (a feed: the fed output)
  Device* memory = nullptr;  // whose memory it is in
};

struct PlanStep {
  enum class Kind { kKernel, kCopy };
  Kind kind = Kind::kKernel;
  // kKernel: the node it runs. kCopy: the node whose output it copies.
  const Node* node = nullptr;
  // kKernel: where the kernel runs. kCopy: the destination.
  Device* device = nullptr;
  OpKernel* kernel = nullptr;  // kKernel only
  Device* copy_from = nullptr;  // kCopy only: the source's memory
  std::vector<int> input_slots;  // kCopy: the one slot copied
  int first_output_slot = 0;
  int num_outputs = 0;
  // Set by PlanLifetimesPass: slots no later step or fetch reads, released
  // after this step, and for each input whether this step is its last
  // reader (and reads it once), so that the executor hands its tensor over
  // and a kernel that finds RefCountIsOne() may write in place.
  std::vector<int> release;
  std::vector<char> hand_over;
  // Set by AssignStreamsPass: the stream of `device` the step is queued on.
  int stream = 0;
};

struct PlanFeed {
  std::string name;  // as the caller spelled it
  Output output;
  int slot = 0;
};

class Specialization;
class StepRecording;

// Whether a specialization's step can be recorded and replayed
// (runtime/replay.h), decided from the plan alone when it is specialized.
struct ReplayDecision {
  // Where every step that runs runs; null when nothing runs.
  Device* device = nullptr;
  // Empty when replayable; else why not, naming the node.
  std::string reason;
  bool replayable() const { return reason.empty(); }
};

// A specialization's recording and the count of runs that decide when to
// make it; one Run uses it at a time.
struct ReplayState {
  ReplayState();
  ~ReplayState();
  std::mutex mu;
  int64_t runs = 0;
  int recordings = 0;
  std::unique_ptr<StepRecording> recording;
  // Set when recordings kept failing to stay valid: the step runs eagerly.
  std::string gave_up;
};

class Plan {
 public:
  Signature signature;
  std::vector<PlanFeed> feeds;  // sorted by name; Run matches feeds to them
  std::vector<Output> fetch_outputs;
  std::vector<int> fetch_slots;
  // The nodes to run, in graph (topological) order, after PrunePass.
  std::vector<const Node*> nodes;
  // After PlacePass: each node's device and kernel, and notes on nodes that
  // could not go where they were asked to (soft placement's fallbacks).
  std::vector<Device*> node_devices;
  std::vector<std::shared_ptr<OpKernel>> kernels;
  std::vector<std::string> placement_notes;
  // After InsertCopiesPass.
  std::vector<PlanStep> steps;
  std::vector<PlanSlot> slots;
  // The most inputs and outputs of one step (the executor's scratch).
  size_t max_step_inputs = 0;
  size_t max_step_outputs = 0;
  // After AssignStreamsPass: the devices Run waits for before it copies the
  // fetches to the host (those whose memory holds a fetched tensor).
  std::vector<Device*> sync_before_fetch;
  // Whether a step runs on a device that captures work (a GPU): its Runs
  // exclude a capture there (CaptureMutex in runtime/replay.h).
  bool uses_capturing_device = false;

  int num_slots() const { return static_cast<int>(slots.size()); }
  // The specialization for these feed shapes, made on first use. Keeps at
  // most kMaxSpecializations, forgetting all when full, so a caller feeding
  // ever-new shapes does not grow the cache without bound.
  std::shared_ptr<const Specialization> Specialize(const std::vector<const Tensor*>& feeds,
                                                   ResourceManager& resources) const;
  static constexpr size_t kMaxSpecializations = 32;

 private:
  mutable std::mutex mu_;
  mutable std::map<std::vector<int64_t>, std::shared_ptr<const Specialization>> specializations_;
  // The one used last, and its key (feed ranks and dims, in feed order).
  mutable std::vector<int64_t> last_key_;
  mutable std::shared_ptr<const Specialization> last_;
};

// One plan at one set of feed shapes.
class Specialization {
 public:
  // Per step: the shapes of its outputs, when known before the run.
  std::vector<std::vector<Shape>> output_shapes;
  // Per step: 1 when its output shapes depend on values only the run
  // makes; the executor runs the shape function just before the kernel.
  std::vector<char> dynamic;
  // Per step: 1 when its outputs were computed when the specialization was
  // made (they are in `constants`) and the step does not run.
  std::vector<char> precomputed;
  // Slots filled before the first step of every run.
  std::vector<std::pair<int, Tensor>> constants;
  // Per fetch: 1 when it is one of the constants, which Run copies so
  // that the caller may write into what it gets.
  std::vector<char> fetch_is_constant;
  // The most bytes the run's kernels hold in new buffers at once (views
  // and the constants excluded), or -1 when a dynamic shape leaves it
  // unknown. An upper bound: a kernel that writes into its input's buffer
  // takes less.
  int64_t peak_bytes = -1;
  ReplayDecision replay;
  // Made with the specialization; changed only under its mutex.
  std::unique_ptr<ReplayState> replay_state = std::make_unique<ReplayState>();
};

// --- the passes ------------------------------------------------------------

// Resolves the signature's names, gives each feed a slot, and keeps the
// nodes the fetches and targets need (a fed tensor needs nothing), in graph
// order. Throws kNotFound or kInvalidArgument naming the tensor.
void PrunePass(const Graph& graph, const Signature& signature, Plan& plan);

// Soft placement: a node goes to its device hint, else the session's
// device, else the CPU, whichever first has a kernel for it. A node reading
// a resource handle goes where the resource's producer went (the variable
// lives there); a node whose inputs are all host-memory int32 shape tensors
// and whose outputs are int32 runs on the CPU, as TensorFlow keeps shape
// arithmetic on the host. Makes the kernels; a stateful node's kernel comes
// from `stateful_kernels` (keyed by node id) so its state carries across
// plans.
void PlacePass(Device* session_device, Plan& plan,
               std::map<int, std::shared_ptr<OpKernel>>& stateful_kernels);

// Turns nodes into steps: every output gets a slot in the memory its
// kernel declares, and where a kernel needs an input in other memory, one
// copy step per slot and destination, shared by every reader there. An
// input the kernel reads only the shape of is never copied.
void InsertCopiesPass(Plan& plan);

void PlanLifetimesPass(Plan& plan);

void AssignStreamsPass(Plan& plan);

// Runs every pass.
std::shared_ptr<Plan> CompilePlan(const Graph& graph, const Signature& signature,
                                  Device* session_device,
                                  std::map<int, std::shared_ptr<OpKernel>>& stateful_kernels);

// Makes the specialization of `plan` for these feeds (only their dtypes and
// shapes are read): shapes, precomputed steps and peak bytes. Throws, naming
// the node, on inputs the shape functions reject.
std::shared_ptr<const Specialization> SpecializeShapes(const Plan& plan,
                                                       const std::vector<const Tensor*>& feeds,
                                                       ResourceManager& resources);

// Runs the node's shape function on these inputs: their shapes, and the
// values of those given (host tensors). Returns the output shapes, or
// nullopt when one is not fully known or when the shape function asked for
// a value it was not given (its checks on that value are then undone).
// Throws what the shape function throws, naming the node.
std::optional<std::vector<Shape>> InferOutputShapes(const Node& node,
                                                    const std::vector<const Tensor*>& inputs,
                                                    const std::vector<const Tensor*>& values);

// Runs one kernel. Whatever it throws comes out as an Error naming the
// node and op: an allocation that cannot be satisfied (std::bad_alloc, a
// vector past max_size()) is kResourceExhausted, not a bare library message.
void ComputeKernel(OpKernel& kernel, OpKernelContext& ctx);

}  // namespace tensorgraph
