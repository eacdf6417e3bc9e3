// SpecializeShapes: a plan at one set of feed shapes.
#include <algorithm>
#include <optional>

#include "runtime/plan.h"
#include "runtime/replay.h"

namespace tensorgraph {
namespace {

// Shape arithmetic computed once is at most this many elements per output;
// larger results (a folded float constant) stay run-time work.
constexpr int64_t kMaxPrecomputedElements = 4096;

// Whether a step's outputs are the same on every run, given which of its
// inputs are plan-time constants: a constant or a variable handle, or a
// stateless node on host-memory results whose inputs are all constants or
// read only for their shapes.
bool Precomputable(const PlanStep& step, const std::vector<char>& constant) {
  const OpKernel& kernel = *step.kernel;
  if (kernel.def().plan_time_constant()) return true;
  const Node& node = *step.node;
  if (node.op_def().stateful || node.num_inputs() == 0 || node.num_outputs() == 0) return false;
  for (int k = 0; k < node.num_inputs(); ++k) {
    if (node.input(k).dtype() == DT_RESOURCE) return false;
    if (!constant[static_cast<size_t>(step.input_slots[static_cast<size_t>(k)])] &&
        !kernel.input_shape_only(k)) {
      return false;
    }
  }
  for (int k = 0; k < node.num_outputs(); ++k) {
    if (kernel.output_memory(k) != MemoryType::kHost && !step.device->host_memory()) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<Shape>> InferOutputShapes(const Node& node,
                                                    const std::vector<const Tensor*>& inputs,
                                                    const std::vector<const Tensor*>& values) {
  std::vector<InferenceContext::Input> in;
  in.reserve(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Output& source = node.input(static_cast<int>(k));
    in.push_back({inputs[k]->dtype(), inputs[k]->shape(), values[k],
                  source.node->output_handle_data(source.index)});
  }
  InferenceContext c(node.op_def(), node.name(), node.attrs(), std::move(in), node.num_outputs());
  try {
    if (node.op_def().shape_fn) node.op_def().shape_fn(c);
  } catch (const Error& e) {
    if (!e.node().empty()) throw;
    throw Error(e.code(), e.message(), node.name(), node.op());
  }
  // A shape function short of a value may have left checks on it undone.
  if (c.missing_values()) return std::nullopt;
  std::vector<Shape> shapes;
  for (const PartialShape& s : c.outputs()) {
    if (!s.fully_defined()) return std::nullopt;
    shapes.push_back(s.ToShape());
  }
  return shapes;
}

std::shared_ptr<const Specialization> SpecializeShapes(const Plan& plan,
                                                       const std::vector<const Tensor*>& feeds,
                                                       ResourceManager& resources) {
  auto spec = std::make_shared<Specialization>();
  const size_t num_slots = static_cast<size_t>(plan.num_slots());
  // What is known of each slot before the run: its shape, and for a
  // constant its tensor.
  std::vector<std::optional<Shape>> shape(num_slots);
  std::vector<char> constant(num_slots, 0);
  std::vector<Tensor> value(num_slots);
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    shape[static_cast<size_t>(plan.feeds[i].slot)] = feeds[i]->shape();
  }
  spec->output_shapes.resize(plan.steps.size());
  spec->dynamic.assign(plan.steps.size(), 0);
  spec->precomputed.assign(plan.steps.size(), 0);

  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    const auto in_slot = [&](size_t k) { return static_cast<size_t>(step.input_slots[k]); };
    bool inputs_known = true;
    for (size_t k = 0; k < step.input_slots.size(); ++k) inputs_known &= shape[in_slot(k)].has_value();
    if (!inputs_known) {
      spec->dynamic[s] = 1;
      continue;
    }
    const size_t out = static_cast<size_t>(step.first_output_slot);
    if (step.kind == PlanStep::Kind::kCopy) {
      shape[out] = shape[in_slot(0)];
      spec->output_shapes[s] = {*shape[out]};
      if (constant[in_slot(0)]) {  // a constant's upload, made once
        value[out] = step.device->CopyFromDevice(*step.copy_from, value[in_slot(0)]);
        constant[out] = 1;
        spec->precomputed[s] = 1;
      }
      continue;
    }

    const Node& node = *step.node;
    std::vector<Tensor> metadata;  // the inputs as shapes, for shape functions
    metadata.reserve(step.input_slots.size());
    std::vector<const Tensor*> inputs, values;
    for (size_t k = 0; k < step.input_slots.size(); ++k) {
      const size_t slot = in_slot(k);
      if (constant[slot]) {
        inputs.push_back(&value[slot]);
        values.push_back(plan.slots[slot].memory == CpuDevice() ? &value[slot] : nullptr);
      } else {
        metadata.push_back(Tensor::Metadata(node.input(static_cast<int>(k)).dtype(), *shape[slot]));
        inputs.push_back(&metadata.back());
        values.push_back(nullptr);
      }
    }
    std::optional<std::vector<Shape>> shapes = InferOutputShapes(node, inputs, values);
    if (!shapes) {
      spec->dynamic[s] = 1;
      continue;
    }
    bool small = true;
    for (const Shape& sh : *shapes) small &= sh.num_elements() <= kMaxPrecomputedElements;
    if ((small || step.kernel->def().plan_time_constant()) && Precomputable(step, constant)) {
      // A second reference to each input: other steps may read the same
      // constants, so none may be written in place.
      std::vector<Tensor> shared;
      for (const Tensor* t : inputs) shared.push_back(*t);
      std::vector<Tensor> outputs(static_cast<size_t>(step.num_outputs));
      OpKernelContext ctx(*step.kernel, inputs, *shapes, &outputs, resources);
      ComputeKernel(*step.kernel, ctx);
      for (size_t k = 0; k < outputs.size(); ++k) {
        value[out + k] = std::move(outputs[k]);
        constant[out + k] = 1;
        shape[out + k] = value[out + k].shape();
      }
      spec->precomputed[s] = 1;
    } else {
      for (size_t k = 0; k < shapes->size(); ++k) shape[out + k] = (*shapes)[k];
    }
    spec->output_shapes[s] = std::move(*shapes);
  }

  for (int slot : plan.fetch_slots) spec->fetch_is_constant.push_back(constant[static_cast<size_t>(slot)]);
  for (size_t slot = 0; slot < num_slots; ++slot) {
    if (constant[slot]) spec->constants.emplace_back(static_cast<int>(slot), std::move(value[slot]));
  }

  // Peak bytes: walk the steps adding each new buffer and dropping each
  // released one. Views, feeds and constants take nothing new.
  bool known = true;
  int64_t live = 0, peak = 0;
  std::vector<int64_t> held(num_slots, 0);
  for (size_t s = 0; s < plan.steps.size() && known; ++s) {
    const PlanStep& step = plan.steps[s];
    if (spec->dynamic[s]) {
      known = false;
      break;
    }
    if (!spec->precomputed[s]) {
      const bool view = step.kind == PlanStep::Kind::kKernel && step.kernel->def().output_is_view();
      for (int k = 0; k < step.num_outputs && !view; ++k) {
        const size_t slot = static_cast<size_t>(step.first_output_slot + k);
        const DataType dtype = plan.slots[slot].source.dtype();
        if (dtype == DT_RESOURCE) continue;
        const Shape& sh = spec->output_shapes[s][static_cast<size_t>(k)];
        held[slot] = ByteSize(sh.num_elements(), DataTypeSize(dtype)).value_or(0);
        live += held[slot];
      }
      peak = std::max(peak, live);
    }
    for (int slot : step.release) live -= held[static_cast<size_t>(slot)];
  }
  spec->peak_bytes = known ? peak : -1;
  spec->replay = DecideReplay(plan, *spec);
  return spec;
}

namespace {

// Whether `key` (rank, dims, rank, dims...) is the shapes of `feeds`.
bool KeyMatches(const std::vector<int64_t>& key, const std::vector<const Tensor*>& feeds) {
  size_t at = 0;
  for (const Tensor* t : feeds) {
    const std::vector<int64_t>& dims = t->shape().dims();
    if (at + 1 + dims.size() > key.size() || key[at] != t->rank()) return false;
    if (!std::equal(dims.begin(), dims.end(), key.begin() + static_cast<ptrdiff_t>(at) + 1)) {
      return false;
    }
    at += 1 + dims.size();
  }
  return at == key.size();
}

}  // namespace

std::shared_ptr<const Specialization> Plan::Specialize(const std::vector<const Tensor*>& feeds,
                                                       ResourceManager& resources) const {
  std::lock_guard<std::mutex> lock(mu_);
  // The common case, a run at the shapes of the last one, without
  // building a key.
  if (last_ && KeyMatches(last_key_, feeds)) return last_;
  std::vector<int64_t> key;
  for (const Tensor* t : feeds) {
    key.push_back(t->rank());
    key.insert(key.end(), t->shape().dims().begin(), t->shape().dims().end());
  }
  auto it = specializations_.find(key);
  if (it == specializations_.end()) {
    std::shared_ptr<const Specialization> spec = SpecializeShapes(*this, feeds, resources);
    if (specializations_.size() >= kMaxSpecializations) specializations_.clear();
    it = specializations_.emplace(key, std::move(spec)).first;
  }
  last_key_ = std::move(key);
  last_ = it->second;
  return last_;
}

}  // namespace tensorgraph
