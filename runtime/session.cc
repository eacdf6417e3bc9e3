#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <new>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "runtime/executor.h"
#include "runtime/replay.h"
#include "runtime/kernel.h"

namespace tensorgraph {

namespace {

// The memory limit checked up front: an output whose inferred shape alone
// needs more than the limit is refused before the plan runs. Views take no
// memory of their own.
void CheckPlannedMemory(const Plan& plan, int64_t limit) {
  if (limit <= 0) return;
  for (const PlanStep& step : plan.steps) {
    if (step.kind != PlanStep::Kind::kKernel || step.kernel->def().output_is_view()) continue;
    const Node& node = *step.node;
    for (int k = 0; k < node.num_outputs(); ++k) {
      const PartialShape& shape = node.output_shape(k);
      if (!shape.fully_defined()) continue;
      const auto elements = MultiplyDims(shape.dims());
      const auto bytes =
          elements ? ByteSize(*elements, DataTypeSize(node.output_type(k))) : std::nullopt;
      if (!bytes || *bytes > limit) {
        throw Error(ErrorCode::kResourceExhausted,
                    StrCat("output ", k, " (", DataTypeName(node.output_type(k)),
                           shape.ToString(), ", ",
                           bytes ? StrCat(*bytes, " bytes")
                                 : std::string("more bytes than int64 counts"),
                           ") is over the session's memory limit of ", limit,
                           " bytes (SessionOptions::memory_limit_bytes)"),
                    node.name(), node.op());
      }
    }
  }
}

// Checks each feed against the tensor it replaces; returns them in the
// plan's feed order.
std::vector<const Tensor*> CheckFeeds(const Plan& plan, const FeedList& feeds) {
  std::vector<const Tensor*> fed(plan.feeds.size());
  for (const auto& [name, value] : feeds) {
    // Plans keep feeds sorted by name; the key guarantees this one is there.
    auto it = std::lower_bound(plan.feeds.begin(), plan.feeds.end(), name.name,
                               [](const PlanFeed& f, const std::string& n) { return f.name < n; });
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
    fed[static_cast<size_t>(it - plan.feeds.begin())] = &value;
  }
  return fed;
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
  {
    // The common case, the signature of the last call, spelled the same
    // way: no key to build.
    std::lock_guard<std::mutex> lock(mu_);
    if (last_plan_ && SameCall(feeds, fetches, targets)) return last_plan_;
  }
  Signature signature;
  for (const auto& f : feeds) signature.feeds.push_back(f.first.name);
  for (const auto& f : fetches) signature.fetches.push_back(f.name);
  for (const auto& t : targets) signature.targets.push_back(t.name);
  std::sort(signature.feeds.begin(), signature.feeds.end());
  std::sort(signature.targets.begin(), signature.targets.end());
  const std::string key = JoinNames(signature.feeds) + "|" + JoinNames(signature.fetches) + "|" +
                          JoinNames(signature.targets);

  std::lock_guard<std::mutex> lock(mu_);
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    std::shared_ptr<Plan> plan = CompilePlan(*graph_, signature, device_, stateful_kernels_);
    CheckPlannedMemory(*plan, options_.memory_limit_bytes);
    it = plans_.emplace(key, std::move(plan)).first;
  }
  last_call_.feeds.clear();
  for (const auto& f : feeds) last_call_.feeds.push_back(f.first.name);
  last_call_.fetches = signature.fetches;
  last_call_.targets.clear();
  for (const auto& t : targets) last_call_.targets.push_back(t.name);
  last_plan_ = it->second;
  return last_plan_;
}

bool Session::SameCall(const FeedList& feeds, const std::vector<TensorName>& fetches,
                       const std::vector<TargetName>& targets) const {
  if (feeds.size() != last_call_.feeds.size() || fetches.size() != last_call_.fetches.size() ||
      targets.size() != last_call_.targets.size()) {
    return false;
  }
  for (size_t i = 0; i < feeds.size(); ++i) {
    if (feeds[i].first.name != last_call_.feeds[i]) return false;
  }
  for (size_t i = 0; i < fetches.size(); ++i) {
    if (fetches[i].name != last_call_.fetches[i]) return false;
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].name != last_call_.targets[i]) return false;
  }
  return true;
}

Device* Session::DeviceFor(const Node& node) {
  Plan plan;
  plan.nodes = {&node};
  std::map<int, std::shared_ptr<OpKernel>> scratch;
  std::lock_guard<std::mutex> lock(mu_);
  PlacePass(device_, plan, node.op_def().stateful ? stateful_kernels_ : scratch);
  return plan.node_devices.front();
}

PlanSummary Session::Explain(const FeedList& feeds, const std::vector<TensorName>& fetches,
                             const std::vector<TargetName>& targets) {
  std::shared_ptr<const Plan> plan = GetPlan(feeds, fetches, targets);
  std::shared_ptr<const Specialization> spec = plan->Specialize(CheckFeeds(*plan, feeds), resources_);
  PlanSummary summary;
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    if (spec->precomputed[s]) {
      ++summary.precomputed;
      continue;
    }
    if (spec->dynamic[s]) ++summary.dynamic;
    ++(plan->steps[s].kind == PlanStep::Kind::kCopy ? summary.copies : summary.kernels);
  }
  summary.peak_bytes = spec->peak_bytes;
  summary.placement_notes = plan->placement_notes;
  summary.replayable = spec->replay.replayable();
  summary.not_replayable_reason = spec->replay.reason;
  {
    std::lock_guard<std::mutex> lock(spec->replay_state->mu);
    if (summary.replayable && !spec->replay_state->gave_up.empty()) {
      summary.replayable = false;
      summary.not_replayable_reason = spec->replay_state->gave_up;
    }
  }
  return summary;
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
  std::vector<Tensor> slots(static_cast<size_t>(plan->num_slots()));
  std::optional<MemoryBudget> budget;
  if (options_.memory_limit_bytes > 0) budget.emplace(options_.memory_limit_bytes);

  std::vector<const Tensor*> fed = CheckFeeds(*plan, feeds);
  for (size_t i = 0; i < fed.size(); ++i) {
    if (!fed[i]->valid()) {
      const Output& out = plan->feeds[i].output;
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("feed for '", plan->feeds[i].name, "' has a shape but no data ",
                         "(Tensor::Metadata is for Session::Explain)"),
                  out.node->name(), out.node->op());
    }
    slots[static_cast<size_t>(plan->feeds[i].slot)] = *fed[i];
  }
  std::shared_ptr<const Specialization> spec = plan->Specialize(fed, resources_);
  if (metadata != nullptr) {
    metadata->planned_peak_bytes = spec->peak_bytes;
    metadata->placement_notes = plan->placement_notes;
  }
  StepMode mode = StepMode::kEager;
  std::vector<Tensor> results =
      RunStep(*plan, *spec, fed, slots, budget ? &*budget : nullptr, metadata, mode);
  ++(mode == StepMode::kEager ? eager_steps_ : mode == StepMode::kRecorded ? recorded_steps_
                                                                             : replayed_steps_);
  if (metadata != nullptr) metadata->total_micros = micros_since(run_start);
  return results;
}

namespace {

// The fetches of a run, as host tensors the caller owns. `shared`: the
// slots hold a recording's buffers, which the next replay overwrites.
std::vector<Tensor> FetchResults(const Plan& plan, const Specialization& spec,
                                 const std::vector<Tensor>& slots, bool shared) {
  // Only fetches make the host wait.
  for (Device* d : plan.sync_before_fetch) d->Synchronize();
  std::vector<Tensor> results;
  results.reserve(plan.fetch_slots.size());
  for (size_t i = 0; i < plan.fetch_slots.size(); ++i) {
    const int slot = plan.fetch_slots[i];
    const Tensor& t = slots[static_cast<size_t>(slot)];
    Device* memory = plan.slots[static_cast<size_t>(slot)].memory;
    if (memory != CpuDevice()) {
      results.push_back(memory->CopyToHost(t));
    } else {
      // A host result the plan also holds (a constant) is copied, so that
      // the caller may write into what it gets.
      results.push_back(shared || spec.fetch_is_constant[i] ? t.Clone() : t);
    }
  }
  return results;
}

// Recordings of one step in a row, with no replay between, before it is
// given up as not replayable (each dropped because a variable had moved).
constexpr int kMaxRecordings = 8;

}  // namespace

std::vector<Tensor> Session::RunStep(const Plan& plan, const Specialization& spec,
                                     const std::vector<const Tensor*>& fed,
                                     std::vector<Tensor>& slots, MemoryBudget* budget,
                                     RunMetadata* metadata, StepMode& mode) {
  // No other Run queues work on a GPU while a step there is captured.
  const auto no_capture_meanwhile = [&] {
    return plan.uses_capturing_device ? std::shared_lock<std::shared_mutex>(CaptureMutex())
                                      : std::shared_lock<std::shared_mutex>();
  };
  const bool replay = options_.replay == SessionOptions::Replay::kAlways ||
                      (options_.replay == SessionOptions::Replay::kAuto && spec.replay.device != nullptr &&
                       spec.replay.device->captures());
  if (replay && metadata == nullptr && budget == nullptr && spec.replay.replayable()) {
    ReplayState& state = *spec.replay_state;
    // A Run that finds the recording in use by another runs eagerly.
    std::unique_lock<std::mutex> lock(state.mu, std::try_to_lock);
    if (lock.owns_lock() && state.gave_up.empty() && ++state.runs >= 2) {
      if (state.recording != nullptr) {
        const auto shared = no_capture_meanwhile();
        if (ReplayStep(*state.recording, plan, spec, fed, slots, resources_)) {
          state.recordings = 0;
          mode = StepMode::kReplayed;
          return FetchResults(plan, spec, slots, true);
        }
      }
      std::unique_lock<std::shared_mutex> capture;
      if (spec.replay.device->captures()) capture = std::unique_lock<std::shared_mutex>(CaptureMutex());
      std::string why;
      state.recording = RecordStep(plan, spec, fed, slots, resources_, std::move(state.recording), &why);
      if (!why.empty()) state.gave_up = why;
      if (++state.recordings >= kMaxRecordings && state.gave_up.empty()) {
        state.gave_up = StrCat("recorded ", state.recordings,
                               " times in a row, each dropped when a variable moved to a new "
                               "buffer");
      }
      mode = state.recording != nullptr ? StepMode::kRecorded : StepMode::kEager;
      return FetchResults(plan, spec, slots, state.recording != nullptr);
    }
  }
  const auto shared = no_capture_meanwhile();
  ExecutePlan(plan, spec, slots, resources_, budget, metadata);
  return FetchResults(plan, spec, slots, false);
}

Session::StepCounts Session::step_counts() const {
  return {eager_steps_.load(), recorded_steps_.load(), replayed_steps_.load()};
}

}  // namespace tensorgraph
