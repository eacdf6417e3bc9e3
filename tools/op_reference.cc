// Prints the op reference (docs/ops.md) from the op registry, so the
// reference cannot drift from the code: a test regenerates and compares it.
#include <iostream>
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

}  // namespace

int main() {
  const auto ops = OpRegistry::Global().List();
  std::cout << "# Op reference\n\n"
               "Generated from the op registry by `build/tools/op_reference` (do not edit by\n"
               "hand; `tests` checks it is current). Signatures use TensorFlow's op\n"
               "definition language; the ops keep TensorFlow's names, inputs and attrs.\n"
               "`CPU kernels` lists the dtypes with a CPU kernel (`any` for kernels that\n"
               "take every dtype). `Gradient` says whether the gradient pass can\n"
               "differentiate the op.\n\n"
            << ops.size() << " ops.\n";
  for (const OpDef* op : ops) {
    std::vector<std::string> inputs, outputs, attrs, kernels;
    for (const auto& a : op->inputs) inputs.push_back(ArgText(a));
    for (const auto& a : op->outputs) outputs.push_back(ArgText(a));
    for (const auto& a : op->attrs) attrs.push_back(AttrText(a));
    if (KernelRegistry::Global().Has(op->name, kDeviceCpu, DT_INVALID)) {
      kernels.push_back("any");
    } else {
      for (DataType t : {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT64, DT_BOOL}) {
        if (KernelRegistry::Global().Has(op->name, kDeviceCpu, t)) {
          kernels.push_back(std::string(DataTypeName(t)));
        }
      }
    }
    const char* gradient = op->gradient           ? "yes"
                           : op->not_differentiable ? "not differentiable"
                                                    : "not yet";
    std::cout << "\n## " << op->name << "\n\n"
              << (op->doc.empty() ? "(undocumented)" : op->doc) << "\n\n"
              << "- Inputs: " << Join(inputs) << "\n"
              << "- Outputs: " << Join(outputs) << "\n"
              << "- Attrs: " << Join(attrs) << "\n"
              << "- CPU kernels: " << Join(kernels) << "\n"
              << "- Gradient: " << gradient << (op->stateful ? "; stateful" : "") << "\n";
  }
  return 0;
}
