// PrunePass: from the signature's names to the nodes a run needs.
#include <algorithm>

#include "runtime/plan.h"

namespace tensorgraph {

void PrunePass(const Graph& graph, const Signature& signature, Plan& plan) {
  plan.signature = signature;
  // Feeds: each gets its own slot, which consumers read instead of the
  // producer's output. Feeds arrive in host memory.
  std::map<std::pair<const Node*, int>, int> fed;
  for (size_t i = 0; i < signature.feeds.size(); ++i) {
    const std::string& name = signature.feeds[i];
    if (i > 0 && name == signature.feeds[i - 1]) ThrowInvalid("tensor '", name, "' is fed twice");
    Output out = graph.FindOutput(name);
    if (out.dtype() == DT_RESOURCE) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("tensor '", name, "' is a resource handle and cannot be fed"),
                  out.node->name(), out.node->op());
    }
    if (!fed.emplace(std::make_pair(out.node, out.index), plan.num_slots()).second) {
      ThrowInvalid("tensor '", out.name(), "' is fed twice");
    }
    plan.feeds.push_back({name, out, plan.num_slots()});
    plan.slots.push_back({out, CpuDevice()});
  }

  // Walk back from fetches and targets; a fed tensor needs nothing.
  std::vector<char> needed(static_cast<size_t>(graph.num_nodes()), 0);
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
  for (const auto& name : signature.fetches) {
    Output out = graph.FindOutput(name);
    if (out.dtype() == DT_RESOURCE) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("tensor '", name, "' is a resource handle; fetch a ReadVariableOp instead"),
                  out.node->name(), out.node->op());
    }
    plan.fetch_outputs.push_back(out);
    if (!fed.count({out.node, out.index})) need(out.node);
  }
  for (const auto& name : signature.targets) {
    const Node* n = graph.FindNode(name);
    if (n == nullptr) {
      ThrowError(ErrorCode::kNotFound, "target '", name, "' is not a node of the graph",
                 graph.DidYouMean(name));
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
  // Node ids are positions in a topological order.
  for (const auto& node : graph.nodes()) {
    if (needed[static_cast<size_t>(node->id())]) plan.nodes.push_back(node.get());
  }
}

}  // namespace tensorgraph
