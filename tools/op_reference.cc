// Prints the op reference (docs/ops.md) from the op registry, so the
// reference cannot drift from the code: a test regenerates and compares it.
#include <iostream>
#include <algorithm>
#include <set>

#include "graph/op_registry.h"
#include "runtime/device.h"
#include "runtime/kernel.h"

namespace {

using namespace tensorgraph;

std::string ArgText(const ArgDef& arg) {
  std::string type = arg.fixed_type != DT_INVALID ? std::string(DataTypeName(arg.fixed_type))
                                                  : arg.type_attr;
  if (!arg.number_attr.empty()) type = arg.number_attr + " * " + type;
  return "`" + arg.name + ": " + type + "`";
}

std::string AttrText(const AttrDef& attr) {
  std::string text = "`" + attr.name + ": ";
  if (!attr.allowed_types.empty()) {
    text += "{";
    for (size_t i = 0; i < attr.allowed_types.size(); ++i) {
      text += (i ? ", " : "") + std::string(DataTypeName(attr.allowed_types[i]));
    }
    text += "}";
  } else if (!attr.allowed_strings.empty()) {
    text += "{";
    for (size_t i = 0; i < attr.allowed_strings.size(); ++i) {
      text += (i ? ", '" : "'") + attr.allowed_strings[i] + "'";
    }
    text += "}";
  } else {
    text += std::string(AttrTypeName(attr.type));
    if (attr.minimum) text += " >= " + std::to_string(*attr.minimum);
  }
  if (attr.default_value) text += " = " + AttrValueToString(*attr.default_value);
  return text + "`";
}

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s.empty() ? "none" : s;
}

// The dtypes of an op's kernels on `device`, in the order of the list below;
// "any" for a kernel of every dtype. A CPU kernel declared OnEveryDevice()
// serves the GPU too.
std::string KernelDtypes(const std::string& op, std::string_view device) {
  std::vector<std::string> dtypes;
  bool shared = false;
  KernelRegistry::Global().ForEach([&](const KernelDef& def, const KernelFactory&) {
    if (def.op() != op) return;
    if (def.device_type() == device || (def.device_type() == kDeviceCpu && def.on_every_device())) {
      shared = shared || (device != kDeviceCpu && def.device_type() == kDeviceCpu);
      dtypes.push_back(def.dtype() == DT_INVALID ? "any" : std::string(DataTypeName(def.dtype())));
    }
  });
  std::vector<std::string> ordered;
  for (const char* t : {"any", "float", "double", "int32", "uint8", "int64", "bool"}) {
    if (std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end()) ordered.push_back(t);
  }
  return Join(ordered) + (shared ? " (the CPU kernel, which runs on every device)" : "");
}

}  // namespace

int main() {
  const auto ops = OpRegistry::Global().List();
  std::cout << "# Op reference\n\n"
               "Generated from the op registry by `build/tools/op_reference` (do not edit by\n"
               "hand; `tests` checks it is current). Signatures use TensorFlow's op\n"
               "definition language; the ops keep TensorFlow's names, inputs and attrs.\n"
               "`CPU kernels` and `GPU kernels` list the dtypes with a kernel on each\n"
               "device (`any` for kernels that take every dtype); the GPU's come from\n"
               "kernels/cuda/, except for ops whose one kernel runs on every device\n"
               "(it only passes buffers through or computes on host-memory shapes).\n"
               "`Gradient` says whether the gradient pass can differentiate the op.\n\n"
            << ops.size() << " ops.\n";
  for (const OpDef* op : ops) {
    std::vector<std::string> inputs, outputs, attrs;
    for (const auto& a : op->inputs) inputs.push_back(ArgText(a));
    for (const auto& a : op->outputs) outputs.push_back(ArgText(a));
    for (const auto& a : op->attrs) attrs.push_back(AttrText(a));
    const char* gradient = op->gradient           ? "yes"
                           : op->not_differentiable ? "not differentiable"
                                                    : "not yet";
    std::cout << "\n## " << op->name << "\n\n"
              << (op->doc.empty() ? "(undocumented)" : op->doc) << "\n\n"
              << "- Inputs: " << Join(inputs) << "\n"
              << "- Outputs: " << Join(outputs) << "\n"
              << "- Attrs: " << Join(attrs) << "\n"
              << "- CPU kernels: " << KernelDtypes(op->name, kDeviceCpu) << "\n"
              << "- GPU kernels: " << KernelDtypes(op->name, kDeviceGpu) << "\n"
              << "- Gradient: " << gradient << (op->stateful ? "; stateful" : "") << "\n";
  }
  return 0;
}
