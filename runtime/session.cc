#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <new>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "runtime/kernel.h"

namespace tensorgraph {

// A compiled signature: the steps to run, in order, with every tensor in a
// numbered slot and each slot released right after its last use.
class Plan {
 public:
  struct Step {
    const Node* node = nullptr;
    Device* device = nullptr;
    OpKernel* kernel = nullptr;
    std::vector<int> input_slots;
    // For each input, the device to copy it from, or null when it is
    // already where this step runs.
    std::vector<Device*> copy_from;
    // Inputs this step is the last to read (and reads once): the executor
    // hands their tensors over, so a kernel that finds RefCountIsOne()
    // may write the output into the input's buffer.
    std::vector<char> hand_over;
    int first_output_slot = 0;
    std::vector<int> release;  // slots no later step or fetch reads
  };
  struct Feed {
    std::string name;  // as the caller spelled it
    Output output;
    int slot = 0;
  };

  std::vector<Step> steps;
  std::vector<Feed> feeds;  // sorted by name; Run matches feeds to them
  std::vector<int> fetch_slots;
  std::vector<Device*> fetch_devices;
  int num_slots = 0;
  std::vector<std::shared_ptr<OpKernel>> kernels;
};

namespace {

// Soft placement: the node's device hint, else the session's device, else
// the CPU, whichever first has a kernel for the node.
Device* Place(const Node& node, Device* session_device) {
  std::vector<Device*> candidates;
  if (!node.device().empty()) {
    if (Device* hinted = FindDevice(node.device())) candidates.push_back(hinted);
  }
  candidates.push_back(session_device);
  candidates.push_back(CpuDevice());
  for (Device* d : candidates) {
    if (KernelRegistry::Global().Has(node, d->type())) return d;
  }
  return session_device;  // kernel creation reports the missing kernel
}

// Runs one kernel. Whatever it throws comes out as an Error naming the
// node and op: an allocation that cannot be satisfied (std::bad_alloc, a
// vector past max_size()) is kResourceExhausted, not a bare library message.
void ComputeStep(const Plan::Step& step, OpKernelContext& ctx) {
  const Node& node = *step.node;
  try {
    step.kernel->Compute(ctx);
  } catch (const Error& e) {
    if (!e.node().empty()) throw;
    throw Error(e.code(), e.message(), node.name(), node.op());
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::kResourceExhausted, "out of memory running the kernel", node.name(),
                node.op());
  } catch (const std::length_error& e) {
    throw Error(ErrorCode::kResourceExhausted,
                StrCat("the kernel asked for a buffer too large to allocate (", e.what(), ")"),
                node.name(), node.op());
  }
}

// Ops whose kernels pass an input's buffer through instead of allocating
// their output: a memory limit does not charge them.
bool SharesInputBuffer(const Node& node) {
  static const std::unordered_set<std::string> kViews = {
      "Identity", "ReadVariableOp", "Reshape", "Squeeze", "ExpandDims", "StopGradient",
      "Snapshot", "PlaceholderWithDefault", "Placeholder", "PreventGradient"};
  return kViews.count(node.op()) > 0;
}

// The memory limit checked up front: an output whose inferred shape alone
// needs more than the limit is refused before the plan runs.
void CheckPlannedMemory(const Node& node, int64_t limit) {
  if (limit <= 0 || SharesInputBuffer(node)) return;
  for (int k = 0; k < node.num_outputs(); ++k) {
    const PartialShape& shape = node.output_shape(k);
    if (!shape.fully_defined()) continue;
    const auto elements = MultiplyDims(shape.dims());
    const auto bytes = elements ? ByteSize(*elements, DataTypeSize(node.output_type(k))) : std::nullopt;
    if (!bytes || *bytes > limit) {
      throw Error(ErrorCode::kResourceExhausted,
                  StrCat("output ", k, " (", DataTypeName(node.output_type(k)), shape.ToString(),
                         ", ", bytes ? StrCat(*bytes, " bytes") : std::string("more bytes than int64 counts"),
                         ") is over the session's memory limit of ", limit,
                         " bytes (SessionOptions::memory_limit_bytes)"),
                  node.name(), node.op());
    }
  }
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += n + ",";
  return s;
}

}  // namespace

Session::Session(const Graph& graph, SessionOptions options)
    : Session(std::shared_ptr<const Graph>(&graph, [](const Graph*) {}), std::move(options)) {}

Session::Session(std::shared_ptr<const Graph> graph, SessionOptions options)
    : graph_(std::move(graph)), options_(std::move(options)) {
  device_ = FindDevice(options_.device);
  if (device_ == nullptr) {
    ThrowError(ErrorCode::kNotFound, "no device '", options_.device,
               "' in this process (devices: ", [] {
                 std::string s;
                 for (Device* d : AllDevices()) s += (s.empty() ? "" : ", ") + d->name();
                 return s;
               }(), ")");
  }
}

Session::~Session() = default;

size_t Session::num_plans() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plans_.size();
}

std::shared_ptr<const Plan> Session::GetPlan(const FeedList& feeds,
                                             const std::vector<TensorName>& fetches,
                                             const std::vector<TargetName>& targets) {
  std::vector<std::string> feed_names, fetch_names, target_names;
  for (const auto& f : feeds) feed_names.push_back(f.first.name);
  for (const auto& f : fetches) fetch_names.push_back(f.name);
  for (const auto& t : targets) target_names.push_back(t.name);
  std::sort(feed_names.begin(), feed_names.end());
  std::sort(target_names.begin(), target_names.end());
  const std::string key =
      JoinNames(feed_names) + "|" + JoinNames(fetch_names) + "|" + JoinNames(target_names);

  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = plans_.find(key); it != plans_.end()) return it->second;

  const Graph& g = *graph_;
  auto plan = std::make_shared<Plan>();

  // Feeds: each gets its own slot, which consumers read instead of the
  // producer's output.
  std::map<std::pair<const Node*, int>, int> fed;
  std::vector<Device*> slot_device;  // where each slot's tensor lives
  for (size_t i = 0; i < feed_names.size(); ++i) {
    if (i > 0 && feed_names[i] == feed_names[i - 1]) {
      ThrowInvalid("tensor '", feed_names[i], "' is fed twice");
    }
    Output out = g.FindOutput(feed_names[i]);
    if (out.dtype() == DT_RESOURCE) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("tensor '", feed_names[i], "' is a resource handle and cannot be fed"),
                  out.node->name(), out.node->op());
    }
    if (!fed.emplace(std::make_pair(out.node, out.index), plan->num_slots).second) {
      ThrowInvalid("tensor '", out.name(), "' is fed twice");
    }
    plan->feeds.push_back({feed_names[i], out, plan->num_slots++});
    slot_device.push_back(CpuDevice());  // feeds arrive in host memory
  }

  // Prune: walk back from fetches and targets; a fed tensor needs nothing.
  std::vector<char> needed(static_cast<size_t>(g.num_nodes()), 0);
  std::vector<const Node*> stack;
  // A node whose every output is fed has, in effect, already run: it is not
  // run again for a target or a control edge.
  auto fully_fed = [&](const Node* n) {
    bool all = n->num_outputs() > 0;
    for (int k = 0; k < n->num_outputs() && all; ++k) all = fed.count({n, k}) > 0;
    return all;
  };
  auto need = [&](const Node* n) {
    if (!needed[static_cast<size_t>(n->id())]) {
      needed[static_cast<size_t>(n->id())] = 1;
      stack.push_back(n);
    }
  };
  std::vector<Output> fetch_outputs;
  for (const auto& name : fetch_names) {
    Output out = g.FindOutput(name);
    if (out.dtype() == DT_RESOURCE) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("tensor '", name, "' is a resource handle; fetch a ReadVariableOp instead"),
                  out.node->name(), out.node->op());
    }
    fetch_outputs.push_back(out);
    if (!fed.count({out.node, out.index})) need(out.node);
  }
  for (const auto& name : target_names) {
    const Node* n = g.FindNode(name);
    if (n == nullptr) {
      ThrowError(ErrorCode::kNotFound, "target '", name, "' is not a node of the graph",
                 g.DidYouMean(name));
    }
    if (!fully_fed(n)) need(n);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) {
      if (!fed.count({in.node, in.index})) need(in.node);
    }
    for (const Node* c : n->control_inputs()) {
      if (!fully_fed(c)) need(c);
    }
  }

  // Order (insertion order is topological), assign slots, make kernels.
  std::unordered_map<const Node*, int> first_slot;
  for (const auto& node : g.nodes()) {
    if (!needed[static_cast<size_t>(node->id())]) continue;
    CheckPlannedMemory(*node, options_.memory_limit_bytes);
    Plan::Step step;
    step.node = node.get();
    std::shared_ptr<OpKernel> kernel;
    if (node->op_def().stateful) {
      // One kernel per stateful node for the whole session, so its state
      // (a random stream) carries across plans.
      auto& shared = stateful_kernels_[node->id()];
      if (!shared) shared = KernelRegistry::Global().Create(*node, *Place(*node, device_));
      kernel = shared;
    } else {
      kernel = KernelRegistry::Global().Create(*node, *Place(*node, device_));
    }
    step.device = &kernel->device();
    for (const Output& in : node->inputs()) {
      auto f = fed.find({in.node, in.index});
      const int slot = f != fed.end() ? f->second : first_slot.at(in.node) + in.index;
      Device* from = slot_device[static_cast<size_t>(slot)];
      // Resource handles are host scalars wherever their variable lives.
      const bool copy = from != step.device && in.dtype() != DT_RESOURCE;
      step.input_slots.push_back(slot);
      step.copy_from.push_back(copy ? from : nullptr);
    }
    step.first_output_slot = plan->num_slots;
    first_slot[node.get()] = plan->num_slots;
    plan->num_slots += node->num_outputs();
    slot_device.resize(static_cast<size_t>(plan->num_slots), step.device);
    step.kernel = kernel.get();
    plan->kernels.push_back(std::move(kernel));
    plan->steps.push_back(std::move(step));
  }
  for (const Output& out : fetch_outputs) {
    auto f = fed.find({out.node, out.index});
    const int slot = f != fed.end() ? f->second : first_slot.at(out.node) + out.index;
    plan->fetch_slots.push_back(slot);
    plan->fetch_devices.push_back(slot_device[static_cast<size_t>(slot)]);
  }

  // Lifetimes: a slot is released after the last step that reads it, or
  // right after it is made when nothing reads it. Fetched slots stay.
  std::vector<int> last_use(static_cast<size_t>(plan->num_slots), -1);
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    const Plan::Step& step = plan->steps[s];
    for (int k = 0; k < step.node->num_outputs(); ++k) {
      last_use[static_cast<size_t>(step.first_output_slot + k)] = static_cast<int>(s);
    }
    for (int slot : step.input_slots) last_use[static_cast<size_t>(slot)] = static_cast<int>(s);
  }
  for (int slot : plan->fetch_slots) last_use[static_cast<size_t>(slot)] = -1;
  for (int slot = 0; slot < plan->num_slots; ++slot) {
    const int s = last_use[static_cast<size_t>(slot)];
    if (s >= 0) plan->steps[static_cast<size_t>(s)].release.push_back(slot);
  }
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    Plan::Step& step = plan->steps[s];
    for (int slot : step.input_slots) {
      const bool last = last_use[static_cast<size_t>(slot)] == static_cast<int>(s);
      const bool once = std::count(step.input_slots.begin(), step.input_slots.end(), slot) == 1;
      step.hand_over.push_back(last && once);
    }
  }

  plans_.emplace(key, plan);
  return plan;
}

std::vector<Tensor> Session::Run(const FeedList& feeds, const std::vector<TensorName>& fetches,
                                 const std::vector<TargetName>& targets) {
  return Run(feeds, fetches, targets, nullptr);
}

std::vector<Tensor> Session::Run(const FeedList& feeds, const std::vector<TensorName>& fetches,
                                 const std::vector<TargetName>& targets, RunMetadata* metadata) {
  using Clock = std::chrono::steady_clock;
  const auto micros_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  };
  Clock::time_point run_start;
  if (metadata != nullptr) {
    run_start = Clock::now();
    metadata->nodes.clear();
    metadata->total_micros = 0;
  }
  std::shared_ptr<const Plan> plan = GetPlan(feeds, fetches, targets);
  std::vector<Tensor> slots(static_cast<size_t>(plan->num_slots));
  std::optional<MemoryBudget> budget;
  if (options_.memory_limit_bytes > 0) budget.emplace(options_.memory_limit_bytes);
  MemoryBudget* const memory = budget ? &*budget : nullptr;

  for (const auto& [name, value] : feeds) {
    // Plans keep feeds sorted by name; the key guarantees this one is there.
    auto it = std::lower_bound(plan->feeds.begin(), plan->feeds.end(), name.name,
                               [](const Plan::Feed& f, const std::string& n) { return f.name < n; });
    const Output& out = it->output;
    if (value.dtype() != out.dtype()) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("feed for '", name.name, "' is ", DataTypeName(value.dtype()),
                         ", expected ", DataTypeName(out.dtype())),
                  out.node->name(), out.node->op());
    }
    if (!out.shape().IsCompatibleWith(value.shape())) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("feed for '", name.name, "' has shape ", value.shape().ToString(),
                         ", expected ", out.shape().ToString()),
                  out.node->name(), out.node->op());
    }
    if (!value.on_host()) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("feed for '", name.name, "' is in ", value.allocator()->name(),
                         " memory; feeds must be host tensors"),
                  out.node->name(), out.node->op());
    }
    slots[static_cast<size_t>(it->slot)] = value;
  }

  std::vector<const Tensor*> inputs;
  for (const Plan::Step& step : plan->steps) {
    inputs.clear();
    // The step holds a reference to each input: the slot's tensor itself
    // when this is its last reader (so RefCountIsOne() tells a kernel that
    // nobody else can see the buffer), else a second reference. Reserved so
    // the pointers into it stay valid.
    std::vector<Tensor> held;
    held.reserve(step.input_slots.size());
    for (size_t k = 0; k < step.input_slots.size(); ++k) {
      Tensor& t = slots[static_cast<size_t>(step.input_slots[k])];
      if (Device* from = step.copy_from[k]) {
        held.push_back(step.device->CopyFromHost(from->CopyToHost(t)));
      } else if (step.hand_over[k]) {
        held.push_back(std::move(t));
      } else {
        held.push_back(t);
      }
      inputs.push_back(&held.back());
    }
    std::vector<Tensor> outputs(static_cast<size_t>(step.node->num_outputs()));
    OpKernelContext ctx(*step.kernel, inputs, &outputs, resources_, memory);
    if (metadata == nullptr) {
      ComputeStep(step, ctx);
    } else {
      const auto start = Clock::now();
      ComputeStep(step, ctx);
      step.device->Synchronize();
      metadata->nodes.push_back({step.node->name(), step.node->op(), micros_since(start)});
    }
    for (int k = 0; k < step.node->num_outputs(); ++k) {
      Tensor& out = outputs[static_cast<size_t>(k)];
      if (out.dtype() != step.node->output_type(k) || !out.valid() ||
          !step.node->output_shape(k).IsCompatibleWith(out.shape())) {
        throw Error(ErrorCode::kInternal,
                    StrCat("kernel produced ", out.valid() ? out.DebugString(0) : "no tensor",
                           " for output ", k, ", which was inferred as ",
                           DataTypeName(step.node->output_type(k)),
                           step.node->output_shape(k).ToString()),
                    step.node->name(), step.node->op());
      }
      slots[static_cast<size_t>(step.first_output_slot + k)] = std::move(out);
    }
    for (int slot : step.release) {
      Tensor& released = slots[static_cast<size_t>(slot)];
      if (memory != nullptr) memory->Drop(released);
      released = Tensor();
    }
    if (memory != nullptr) {
      for (Tensor& t : held) memory->Drop(t);
    }
  }

  std::vector<Tensor> results;
  results.reserve(plan->fetch_slots.size());
  for (size_t i = 0; i < plan->fetch_slots.size(); ++i) {
    const Tensor& t = slots[static_cast<size_t>(plan->fetch_slots[i])];
    results.push_back(plan->fetch_devices[i]->CopyToHost(t));
  }
  if (metadata != nullptr) metadata->total_micros = micros_since(run_start);
  return results;
}

}  // namespace tensorgraph
