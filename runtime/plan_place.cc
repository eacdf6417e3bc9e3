// PlacePass: a device and a kernel for every node of the plan.
#include "runtime/plan.h"

namespace tensorgraph {
namespace {

// Whether the node is shape arithmetic: int32 scalars and vectors out.
bool IsShapeArithmetic(const Node& node) {
  if (node.num_outputs() == 0) return false;
  for (int k = 0; k < node.num_outputs(); ++k) {
    const PartialShape& shape = node.output_shape(k);
    if (node.output_type(k) != DT_INT32 || !shape.rank_known() || shape.rank() > 1) return false;
  }
  return true;
}

std::string KernelDescription(const Node& node, const Device& device) {
  const DataType dtype = KernelDataType(node);
  return StrCat("no ", device.type(), " kernel for ", node.op(),
                dtype == DT_INVALID
                    ? std::string()
                    : StrCat(" with ", node.op_def().kernel_type_attr, "=", DataTypeName(dtype)));
}

}  // namespace

void PlacePass(Device* session_device, Plan& plan,
               std::map<int, std::shared_ptr<OpKernel>>& stateful_kernels) {
  const KernelRegistry& registry = KernelRegistry::Global();
  // Where each placed node's outputs live, for the rules that look at a
  // node's producers.
  std::map<const Node*, size_t> index;
  const auto output_memory = [&](const Output& out) -> Device* {
    for (const PlanFeed& f : plan.feeds) {
      if (f.output == out) return CpuDevice();
    }
    auto it = index.find(out.node);
    if (it == index.end()) return nullptr;  // not placed here (Session::DeviceFor)
    const size_t i = it->second;
    const OpKernel& k = *plan.kernels[i];
    return k.output_memory(out.index) == MemoryType::kHost ? CpuDevice() : plan.node_devices[i];
  };

  for (const Node* node : plan.nodes) {
    std::shared_ptr<OpKernel> kernel;
    if (node->op_def().stateful) {
      if (auto it = stateful_kernels.find(node->id()); it != stateful_kernels.end()) {
        kernel = it->second;
      }
    }
    if (!kernel) {
      // The device asked for: a resource's consumer goes where the resource
      // lives, else the node's hint, else the session's device.
      Device* wanted = session_device;
      std::string why = "the session's device";
      if (!node->device().empty()) {
        if (Device* hinted = FindDevice(node->device())) {
          wanted = hinted;
          why = StrCat("its device hint '", node->device(), "'");
        } else {
          plan.placement_notes.push_back(
              StrCat("'", node->name(), "' (", node->op(), ") asks for device '", node->device(),
                     "', which this process does not have"));
        }
      }
      for (const Output& in : node->inputs()) {
        if (in.dtype() == DT_RESOURCE && index.count(in.node)) {
          wanted = plan.node_devices[index.at(in.node)];
          why = StrCat("the device of its resource '", in.node->name(), "'");
          break;
        }
      }
      Device* device = nullptr;
      if (wanted != CpuDevice() && IsShapeArithmetic(*node) && registry.Has(*node, kDeviceCpu)) {
        bool host_inputs = true;
        for (const Output& in : node->inputs()) host_inputs &= output_memory(in) == CpuDevice();
        if (host_inputs) device = CpuDevice();
      }
      if (device == nullptr) {
        for (Device* d : {wanted, session_device, CpuDevice()}) {
          if (registry.Has(*node, d->type())) {
            device = d;
            break;
          }
        }
        if (device == nullptr) device = wanted;  // Create reports the missing kernel
        if (device != wanted) {
          plan.placement_notes.push_back(StrCat("'", node->name(), "' (", node->op(), ") runs on ",
                                                device->name(), " instead of ", wanted->name(),
                                                " (", why, "): ", KernelDescription(*node, *wanted)));
        }
      }
      kernel = registry.Create(*node, *device);
      if (node->op_def().stateful) stateful_kernels[node->id()] = kernel;
    }
    index[node] = plan.kernels.size();
    plan.node_devices.push_back(&kernel->device());
    plan.kernels.push_back(std::move(kernel));
  }
}

}  // namespace tensorgraph
