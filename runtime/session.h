// Session: runs a graph. Each distinct (feeds, fetches, targets) signature
// is compiled once into a plan (runtime/plan.h: pruned to what the fetches
// and targets need, placed, with copies between memories, buffer lifetimes
// and streams planned), and specialized once per distinct set of feed
// shapes; later calls reuse both. Variables live on their device in the
// session across runs. Several threads may call Run at once.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"
#include "runtime/device.h"
#include "runtime/resource.h"

namespace tensorgraph {

// A tensor named "node" or "node:i", or given as an Output.
struct TensorName {
  std::string name;
  TensorName(const char* n) : name(n) {}         // NOLINT
  TensorName(std::string n) : name(std::move(n)) {}  // NOLINT
  TensorName(const Output& o) : name(o.name()) {}    // NOLINT
};

// A node to run for its effects, by name, Node or Output.
struct TargetName {
  std::string name;
  TargetName(const char* n) : name(n) {}         // NOLINT
  TargetName(std::string n) : name(std::move(n)) {}  // NOLINT
  TargetName(const Node* n) : name(n->name()) {}     // NOLINT
  TargetName(const Output& o) : name(o.node->name()) {}  // NOLINT
};

using FeedList = std::vector<std::pair<TensorName, Tensor>>;

struct SessionOptions {
  // Where nodes without a device hint run: "CPU" or "GPU".
  std::string device = "CPU";
  // When > 0, the most bytes one Run's kernels may hold at once in the
  // outputs they allocate (intermediate results, fetches, new variable
  // values); feeds and the values variables held before the Run do not
  // count. A Run that would go over fails with kResourceExhausted naming
  // the node, before it allocates. A plan in which one node's output is
  // known, from its inferred shape, to be over the limit on its own is
  // refused when the plan is compiled, before anything runs. For servers
  // that run graphs they do not trust; kernels' scratch memory is not
  // counted.
  int64_t memory_limit_bytes = 0;
  // Whether a step whose plan can be replayed (static shapes, one device,
  // no mid-step wait: Session::Explain says, with the reason when not) is
  // recorded on its second Run and the recording replayed on later Runs
  // with the same feed shapes. On a GPU the step is captured as one CUDA
  // graph and each Run launches it; on the CPU the kernels run again on
  // the recorded buffers without the executor's per-step work. Replay gives
  // the same bits as running eagerly. A recording keeps every buffer its
  // step allocated until the session goes. Runs that ask for RunMetadata
  // or have a memory limit run eagerly.
  //   kAuto: on devices that capture work (a GPU). On the CPU a replay
  //     saves only the executor's bookkeeping and costs a copy of each feed
  //     into its staged buffer: training steps ran 0-4% slower replayed
  //     (docs/benchmarks.md), so the CPU runs eagerly.
  //   kAlways: on every device (how the CPU tests the replay logic).
  //   kNever: every step eagerly.
  enum class Replay { kAuto, kAlways, kNever };
  Replay replay = Replay::kAuto;
};

// What one Run did, when asked (TensorFlow's RunMetadata, reduced to a
// step profile). Costs nothing when not asked for.
struct RunMetadata {
  struct NodeStats {
    std::string node;  // the node's name
    std::string op;    // its op type, for aggregating by op
    double micros = 0;  // wall time of the kernel's Compute
  };
  // Every node the step ran, once each, in execution order.
  std::vector<NodeStats> nodes;
  // Wall time of the whole Run: plan lookup, feeds, kernels and fetches.
  // What the kernels do not account for is the executor's overhead.
  double total_micros = 0;
  // The most bytes the plan expected the step's kernels to hold in new
  // buffers at once (an upper bound: in-place kernels take less), or -1
  // when shapes known only while running left it open.
  int64_t planned_peak_bytes = -1;
  // Nodes that could not run where they were asked to (soft placement).
  std::vector<std::string> placement_notes;
};

// How a Run executed its step (SessionOptions::replay).
enum class StepMode { kEager, kRecorded, kReplayed };

// What a plan does with a signature at given feed shapes, without running
// it (Session::Explain; `tg inspect --fetch`).
struct PlanSummary {
  int kernels = 0;      // kernel steps every Run executes
  int copies = 0;       // copies between memories every Run makes
  int precomputed = 0;  // steps computed once, when the plan was specialized
  int dynamic = 0;      // steps whose output shapes are known only while running
  // As RunMetadata::planned_peak_bytes: -1 when a dynamic step leaves it open.
  int64_t peak_bytes = -1;
  std::vector<std::string> placement_notes;
  // Whether the step can be recorded and replayed, and why not when not.
  bool replayable = false;
  std::string not_replayable_reason;
};

class Plan;
class Specialization;

// The names a Run was called with: feeds and targets sorted, fetches in
// the caller's order.
struct Signature {
  std::vector<std::string> feeds;
  std::vector<std::string> fetches;
  std::vector<std::string> targets;
};

class Session {
 public:
  // The graph must outlive the session. Nodes may be added to it between
  // Run calls, never during one.
  explicit Session(const Graph& graph, SessionOptions options = {});
  // The session owns the graph.
  explicit Session(std::shared_ptr<const Graph> graph, SessionOptions options = {});
  ~Session();

  // Feeds replace the named tensors; fetches are returned as host tensors,
  // in order; targets run for their effects. Throws (naming the node) on
  // unknown names, feeds of the wrong dtype or shape, and kernel errors.
  std::vector<Tensor> Run(const FeedList& feeds, const std::vector<TensorName>& fetches,
                          const std::vector<TargetName>& targets = {});
  // As above; when metadata is not null, also times every kernel into it
  // (replacing what it held). Profiling waits for the device after each
  // kernel, so on a GPU the times are the kernels' own, not their launches'.
  std::vector<Tensor> Run(const FeedList& feeds, const std::vector<TensorName>& fetches,
                          const std::vector<TargetName>& targets, RunMetadata* metadata);

  // Compiles (or finds) the plan for this signature and specializes it for
  // the feeds' dtypes and shapes, running nothing. Feeds may be
  // Tensor::Metadata(dtype, shape): their values are not read. Throws as
  // Run would on bad names, dtypes or shapes.
  PlanSummary Explain(const FeedList& feeds, const std::vector<TensorName>& fetches,
                      const std::vector<TargetName>& targets = {});

  const Graph& graph() const { return *graph_; }
  ResourceManager& resources() { return resources_; }
  // How many plans have been compiled (one per distinct signature).
  size_t num_plans() const;
  // The device a node runs on in this session (soft placement); for a
  // VarHandleOp, the device its variable lives on.
  Device* DeviceFor(const Node& node);

  // How the session's Runs executed their steps so far
  // (SessionOptions::replay): eagerly, recorded (which also runs the step)
  // or replayed.
  struct StepCounts {
    int64_t eager = 0;
    int64_t recorded = 0;
    int64_t replayed = 0;
  };
  StepCounts step_counts() const;

 private:
  std::vector<Tensor> RunStep(const Plan& plan, const Specialization& spec,
                              const std::vector<const Tensor*>& fed, std::vector<Tensor>& slots,
                              class MemoryBudget* budget, RunMetadata* metadata, StepMode& mode);
  std::atomic<int64_t> eager_steps_{0};
  std::atomic<int64_t> recorded_steps_{0};
  std::atomic<int64_t> replayed_steps_{0};

  std::shared_ptr<const Plan> GetPlan(const FeedList& feeds,
                                      const std::vector<TensorName>& fetches,
                                      const std::vector<TargetName>& targets);

  std::shared_ptr<const Graph> graph_;
  SessionOptions options_;
  Device* device_;
  ResourceManager resources_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Plan>> plans_;
  // The names of the last call, as given (feeds and targets unsorted), and
  // its plan: a step repeated with the same names skips the key.
  bool SameCall(const FeedList& feeds, const std::vector<TensorName>& fetches,
                const std::vector<TargetName>& targets) const;
  Signature last_call_;
  std::shared_ptr<const Plan> last_plan_;
  // Kernels of stateful nodes are shared by every plan, so a random op
  // continues its sequence whichever signature runs it.
  std::map<int, std::shared_ptr<class OpKernel>> stateful_kernels_;
};

}  // namespace tensorgraph
