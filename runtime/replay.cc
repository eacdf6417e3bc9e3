#include "runtime/replay.h"

#include <cstring>

#include "runtime/executor.h"

namespace tensorgraph {

std::shared_mutex& CaptureMutex() {
  static std::shared_mutex mu;
  return mu;
}

ReplayState::ReplayState() = default;
ReplayState::~ReplayState() = default;

namespace {

std::string Named(const Node& node) { return StrCat("'", node.name(), "' (", node.op(), ")"); }

// Per slot: the index of the feed it holds, or -1.
std::vector<int> FeedIndexOfSlots(const Plan& plan) {
  std::vector<int> feed(static_cast<size_t>(plan.num_slots()), -1);
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    feed[static_cast<size_t>(plan.feeds[i].slot)] = static_cast<int>(i);
  }
  return feed;
}

Variable* VariableOf(const Tensor& handle) {
  Variable* variable = nullptr;
  std::memcpy(&variable, handle.raw_data(), sizeof variable);
  return variable;
}

}  // namespace

ReplayDecision DecideReplay(const Plan& plan, const Specialization& spec) {
  ReplayDecision decision;
  const auto refuse = [&](std::string reason) {
    decision.reason = std::move(reason);
    return decision;
  };
  const std::vector<int> feed_of = FeedIndexOfSlots(plan);
  std::vector<char> constant(static_cast<size_t>(plan.num_slots()), 0);
  for (const auto& [slot, value] : spec.constants) constant[static_cast<size_t>(slot)] = 1;

  for (size_t s = 0; s < plan.steps.size(); ++s) {
    if (spec.precomputed[s]) continue;
    const PlanStep& step = plan.steps[s];
    if (spec.dynamic[s]) {
      return refuse(StrCat(Named(*step.node), " has output shapes known only while the step runs"));
    }
    if (step.kind == PlanStep::Kind::kCopy) {
      // A feed's copy is staged before the recorded work; any other copy
      // waits for one device in the middle of the step.
      if (feed_of[static_cast<size_t>(step.input_slots[0])] < 0) {
        return refuse(StrCat("the step copies the output of ", Named(*step.node), " from ",
                             step.copy_from->name(), " to ", step.device->name()));
      }
      continue;
    }
    const std::string& not_capturable = step.kernel->def().not_capturable();
    if (!not_capturable.empty()) {
      return refuse(StrCat(Named(*step.node), " on ", step.device->name(),
                           " cannot be recorded: ", not_capturable));
    }
    if (decision.device == nullptr) decision.device = step.device;
    if (step.device != decision.device) {
      return refuse(StrCat(Named(*step.node), " runs on ", step.device->name(),
                           " and other steps on ", decision.device->name()));
    }
    for (size_t k = 0; k < step.input_slots.size(); ++k) {
      const int slot = step.input_slots[k];
      if (step.kernel->input_memory(static_cast<int>(k)) != MemoryType::kHost ||
          plan.slots[static_cast<size_t>(slot)].source.dtype() == DT_RESOURCE ||
          constant[static_cast<size_t>(slot)]) {
        continue;
      }
      return refuse(StrCat(Named(*step.node), " reads input ", k,
                           " on the host, and the step computes it: a replay would not see a "
                           "new value"));
    }
  }
  if (decision.device == nullptr) {
    return refuse("every step was computed when the plan was specialized: nothing runs");
  }
  return decision;
}

Tensor StepRecording::Allocate(DataType dtype, const Shape& shape, Allocator* allocator) {
  if (!replaying_) {
    size_t i = 0;
    while (i < tape_.size() && !(tape_[i].RefCountIsOne() && tape_[i].dtype() == dtype &&
                                 tape_[i].shape() == shape && tape_[i].allocator() == allocator)) {
      ++i;
    }
    if (i == tape_.size()) tape_.emplace_back(dtype, shape, allocator);
    order_.push_back(i);
    return tape_[i];
  }
  if (next_ >= order_.size()) {
    ThrowError(ErrorCode::kInternal, "a replayed step allocated more buffers than its recording (",
               order_.size(), ")");
  }
  const Tensor& t = tape_[order_[next_++]];
  if (t.dtype() != dtype || t.shape() != shape || t.allocator() != allocator) {
    ThrowError(ErrorCode::kInternal, "a replayed step asked for ", DataTypeName(dtype),
               shape.ToString(), " in ", allocator->name(), " memory where its recording had ",
               t.DebugString(0));
  }
  return t;
}

const Tensor* StepRecording::StagedCopy(size_t step) const {
  return step < has_staged_copy_.size() && has_staged_copy_[step] ? &staged_copies_[step] : nullptr;
}

std::unique_ptr<StepRecording> RecordStep(const Plan& plan, const Specialization& spec,
                                          const std::vector<const Tensor*>& feeds,
                                          std::vector<Tensor>& slots, ResourceManager& resources,
                                          std::unique_ptr<StepRecording> previous,
                                          std::string* why) {
  auto rec = std::make_unique<StepRecording>();
  rec->device_ = spec.replay.device;
  for (const auto& [slot, value] : spec.constants) {
    if (value.dtype() != DT_RESOURCE) continue;
    Variable* variable = VariableOf(value);
    rec->variables_.emplace_back(variable, variable->buffer_id());
    if (variable->buffer_id() == nullptr) {
      // The step may be the one initializing it: run it eagerly and record
      // a later one.
      ExecutePlan(plan, spec, slots, resources, nullptr, nullptr);
      return nullptr;
    }
  }

  // Stage the feeds: a host buffer for each feed a kernel reads (or the
  // caller fetches) directly, and a device buffer for each copy of one.
  const std::vector<int> feed_of = FeedIndexOfSlots(plan);
  std::vector<char> read_directly(plan.feeds.size(), 0);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    if (spec.precomputed[s] || plan.steps[s].kind == PlanStep::Kind::kCopy) continue;
    for (int slot : plan.steps[s].input_slots) {
      if (feed_of[static_cast<size_t>(slot)] >= 0) read_directly[static_cast<size_t>(feed_of[static_cast<size_t>(slot)])] = 1;
    }
  }
  for (int slot : plan.fetch_slots) {
    if (feed_of[static_cast<size_t>(slot)] >= 0) read_directly[static_cast<size_t>(feed_of[static_cast<size_t>(slot)])] = 1;
  }
  rec->staged_feeds_.resize(plan.feeds.size());
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    if (!read_directly[i]) continue;
    rec->staged_feeds_[i] = CpuDevice()->Duplicate(*feeds[i]);
    slots[static_cast<size_t>(plan.feeds[i].slot)] = rec->staged_feeds_[i];
  }
  rec->staged_copies_.resize(plan.steps.size());
  rec->has_staged_copy_.assign(plan.steps.size(), 0);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    if (spec.precomputed[s] || step.kind != PlanStep::Kind::kCopy) continue;
    const int feed = feed_of[static_cast<size_t>(step.input_slots[0])];
    rec->staged_copies_[s] = step.device->CopyFromDevice(*step.copy_from, *feeds[static_cast<size_t>(feed)]);
    rec->has_staged_copy_[s] = 1;
  }

  const bool capturing = rec->device_->BeginCapture();
  try {
    ExecutePlan(plan, spec, slots, resources, nullptr, nullptr, rec.get());
  } catch (...) {
    if (capturing) rec->device_->AbortCapture();
    throw;
  }
  if (capturing) {
    rec->graph_ = rec->device_->EndCapture(previous ? std::move(previous->graph_) : nullptr);
    rec->graph_->Launch();  // captured work has not run yet
  }

  for (const auto& [variable, buffer] : rec->variables_) {
    // A read of it was still alive when it was updated (copy on write), or
    // it was assigned a value of another shape: a later run records again.
    if (variable->buffer_id() != buffer) return nullptr;
  }
  for (size_t i = 0; i < plan.fetch_slots.size(); ++i) {
    const Tensor& t = slots[static_cast<size_t>(plan.fetch_slots[i])];
    for (const auto& [variable, buffer] : rec->variables_) {
      if (t.buffer_id() == buffer) {
        *why = StrCat("fetch ", i, " is variable '", variable->name(),
                      "''s own buffer, which a replay would not copy out in time");
        return nullptr;
      }
    }
    rec->fetches_.push_back(t);
  }
  return rec;
}

bool ReplayStep(StepRecording& rec, const Plan& plan, const Specialization& spec,
                const std::vector<const Tensor*>& feeds, std::vector<Tensor>& slots,
                ResourceManager& resources) {
  for (const auto& [variable, buffer] : rec.variables_) {
    if (!variable->HoldsAlone(buffer)) return false;
  }
  const std::vector<int> feed_of = FeedIndexOfSlots(plan);
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    Tensor& staged = rec.staged_feeds_[i];
    if (!staged.valid()) continue;
    CpuDevice()->CopyFromHostInto(*feeds[i], staged);
    slots[static_cast<size_t>(plan.feeds[i].slot)] = staged;
  }
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    if (!rec.has_staged_copy_[s]) continue;
    const int feed = feed_of[static_cast<size_t>(plan.steps[s].input_slots[0])];
    plan.steps[s].device->CopyFromHostInto(*feeds[static_cast<size_t>(feed)], rec.staged_copies_[s]);
  }
  if (rec.graph_ != nullptr) {
    rec.graph_->Launch();
    for (size_t i = 0; i < plan.fetch_slots.size(); ++i) {
      slots[static_cast<size_t>(plan.fetch_slots[i])] = rec.fetches_[i];
    }
    return true;
  }
  rec.replaying_ = true;
  rec.next_ = 0;
  ExecutePlan(plan, spec, slots, resources, nullptr, nullptr, &rec);
  if (rec.next_ != rec.order_.size()) {
    ThrowError(ErrorCode::kInternal, "a replayed step allocated ", rec.next_,
               " buffers where its recording allocated ", rec.order_.size());
  }
  return true;
}

}  // namespace tensorgraph
