// The executor: runs one specialization of a plan, step by step, on
// slots that hold the feeds.
#include "runtime/executor.h"

#include <chrono>
#include <new>
#include <stdexcept>

namespace tensorgraph {

void ComputeKernel(OpKernel& kernel, OpKernelContext& ctx) {
  const Node& node = kernel.node();
  try {
    kernel.Compute(ctx);
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

namespace {

// The output shapes of a step whose shapes depend on this run: the shape
// function on its inputs' shapes and the values of those in host memory.
std::vector<Shape> RunTimeShapes(const PlanStep& step, const std::vector<const Tensor*>& inputs) {
  const Node& node = *step.node;
  std::vector<const Tensor*> values;
  values.reserve(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const bool host = step.kernel->input_memory(static_cast<int>(k)) == MemoryType::kHost ||
                      step.device == CpuDevice();
    values.push_back(host ? inputs[k] : nullptr);
  }
  std::optional<std::vector<Shape>> shapes = InferOutputShapes(node, inputs, values);
  if (shapes) return *std::move(shapes);
  if (step.kernel->def().shape_from_kernel()) return {};
  throw Error(ErrorCode::kInternal,
              StrCat("the output shapes are not known from the inputs' shapes and host values; ",
                     "an input the shape function reads must be declared HostMemory by the ",
                     step.device->type(), " kernel"),
              node.name(), node.op());
}

}  // namespace

void ExecutePlan(const Plan& plan, const Specialization& spec, std::vector<Tensor>& slots,
                 ResourceManager& resources, MemoryBudget* memory, RunMetadata* metadata,
                 StepRecording* recording) {
  using Clock = std::chrono::steady_clock;
  for (const auto& [slot, value] : spec.constants) slots[static_cast<size_t>(slot)] = value;

  // Scratch sized once for the widest step and reused by every step, so
  // that a step allocates nothing of its own.
  std::vector<const Tensor*> inputs;
  std::vector<Tensor> held;
  std::vector<Tensor> outputs;
  inputs.reserve(plan.max_step_inputs);
  held.reserve(plan.max_step_inputs);
  outputs.reserve(plan.max_step_outputs);
  std::vector<Shape> dynamic_shapes;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep& step = plan.steps[s];
    if (spec.precomputed[s]) {
      for (int slot : step.release) slots[static_cast<size_t>(slot)] = Tensor();
      continue;
    }
    // The step holds a reference to each input: the slot's tensor itself
    // when this is its last reader (so RefCountIsOne() tells a kernel that
    // nobody else can see the buffer), else a second reference. Reserved so
    // the pointers into it stay valid.
    inputs.clear();
    held.clear();
    for (size_t k = 0; k < step.input_slots.size(); ++k) {
      Tensor& t = slots[static_cast<size_t>(step.input_slots[k])];
      held.push_back(step.hand_over[k] ? std::move(t) : t);
      inputs.push_back(&held.back());
    }
    const Clock::time_point start = metadata ? Clock::now() : Clock::time_point();
    outputs.clear();
    outputs.resize(static_cast<size_t>(step.num_outputs));
    const std::vector<Shape>* shapes = &spec.output_shapes[s];
    if (step.kind == PlanStep::Kind::kCopy) {
      const Tensor* staged = recording != nullptr ? recording->StagedCopy(s) : nullptr;
      outputs[0] = staged != nullptr ? *staged : step.device->CopyFromDevice(*step.copy_from, *inputs[0]);
    } else {
      if (spec.dynamic[s]) {
        dynamic_shapes = RunTimeShapes(step, inputs);
        shapes = &dynamic_shapes;
      }
      OpKernelContext ctx(*step.kernel, inputs, *shapes, &outputs, resources, memory);
      ctx.set_tape(recording);
      ComputeKernel(*step.kernel, ctx);
    }
    if (metadata != nullptr) {
      step.device->Synchronize();
      metadata->nodes.push_back(
          {step.kind == PlanStep::Kind::kCopy ? StrCat(step.node->name(), "/copy") : step.node->name(),
           step.kind == PlanStep::Kind::kCopy ? std::string("_Copy") : step.node->op(),
           std::chrono::duration<double, std::micro>(Clock::now() - start).count()});
    }
    for (int k = 0; k < step.num_outputs; ++k) {
      Tensor& out = outputs[static_cast<size_t>(k)];
      const int slot = step.first_output_slot + k;
      const Output source = plan.slots[static_cast<size_t>(slot)].source;
      const bool shape_ok = static_cast<size_t>(k) < shapes->size()
                                ? out.shape() == (*shapes)[static_cast<size_t>(k)]
                                : source.shape().IsCompatibleWith(out.shape());
      if (!out.valid() || out.dtype() != source.dtype() || !shape_ok) {
        throw Error(ErrorCode::kInternal,
                    StrCat("kernel produced ", out.valid() ? out.DebugString(0) : "no tensor",
                           " for output ", k, ", which should be ", DataTypeName(source.dtype()),
                           static_cast<size_t>(k) < shapes->size()
                               ? (*shapes)[static_cast<size_t>(k)].ToString()
                               : source.shape().ToString()),
                    step.node->name(), step.node->op());
      }
      slots[static_cast<size_t>(slot)] = std::move(out);
    }
    for (int slot : step.release) {
      Tensor& released = slots[static_cast<size_t>(slot)];
      if (memory != nullptr) memory->Drop(released);
      released = Tensor();
    }
    if (memory != nullptr) {
      for (Tensor& t : held) memory->Drop(t);
    }
    // Inputs go with the step, before the next one allocates.
    held.clear();
  }
}

}  // namespace tensorgraph
