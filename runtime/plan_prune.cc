// PrunePass: from the signature's names to the nodes a run needs.
#include <algorithm>
#include <queue>

#include "runtime/plan.h"

namespace tensorgraph {
namespace {

// Whether `node` changes the variable behind its resource input `i` (an
// update or assignment; reading it does not).
bool WritesResource(const Node& node, int i) {
  return node.input(i).dtype() == DT_RESOURCE && node.op() != "ReadVariableOp" &&
         node.op() != "VarIsInitializedOp";
}

// The needed nodes in graph order (ids are positions in a topological
// order), except that a node writing a variable waits, where the edges
// allow, for the consumers of every read of that variable it does not
// itself feed: those reads share the variable's buffer, and an update that
// finds the buffer shared must copy it first. A graph built here already
// orders its updates after its gradients; an imported one, in canonical
// order, may not.
std::vector<const Node*> OrderForUpdates(const Graph& graph, const std::vector<char>& needed) {
  const auto in_plan = [&](const Node* n) { return needed[static_cast<size_t>(n->id())] != 0; };
  const size_t n = needed.size();
  std::vector<std::vector<int>> extra(n);  // extra[u]: nodes u must wait for
  for (const auto& node : graph.nodes()) {
    if (!in_plan(node.get())) continue;
    for (int i = 0; i < node->num_inputs(); ++i) {
      if (!WritesResource(*node, i)) continue;
      const Node* handle = node->input(i).node;
      // What depends on the update cannot be waited for.
      std::vector<char> after(n, 0);
      std::vector<const Node*> stack = {node.get()};
      while (!stack.empty()) {
        const Node* m = stack.back();
        stack.pop_back();
        for (const Consumer& c : m->consumers()) {
          if (in_plan(c.node) && !after[static_cast<size_t>(c.node->id())]) {
            after[static_cast<size_t>(c.node->id())] = 1;
            stack.push_back(c.node);
          }
        }
      }
      for (const Consumer& read : handle->consumers()) {
        if (read.node->op() != "ReadVariableOp" || !in_plan(read.node) ||
            after[static_cast<size_t>(read.node->id())]) {
          continue;
        }
        for (const Consumer& user : read.node->consumers()) {
          if (in_plan(user.node) && user.node != node.get() &&
              !after[static_cast<size_t>(user.node->id())]) {
            extra[static_cast<size_t>(node->id())].push_back(user.node->id());
          }
        }
      }
    }
  }
  // Kahn's algorithm, the smallest id first among the ready nodes.
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> wakes(n);
  for (const auto& node : graph.nodes()) {
    if (!in_plan(node.get())) continue;
    const size_t id = static_cast<size_t>(node->id());
    std::vector<int> deps;
    for (const Output& in : node->inputs()) {
      if (in_plan(in.node)) deps.push_back(in.node->id());
    }
    for (const Node* c : node->control_inputs()) {
      if (in_plan(c)) deps.push_back(c->id());
    }
    deps.insert(deps.end(), extra[id].begin(), extra[id].end());
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    waiting[id] = static_cast<int>(deps.size());
    for (int d : deps) wakes[static_cast<size_t>(d)].push_back(node->id());
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t id = 0; id < n; ++id) {
    if (needed[id] && waiting[id] == 0) ready.push(static_cast<int>(id));
  }
  std::vector<const Node*> order;
  while (!ready.empty()) {
    const int id = ready.top();
    ready.pop();
    order.push_back(graph.nodes()[static_cast<size_t>(id)].get());
    for (int w : wakes[static_cast<size_t>(id)]) {
      if (--waiting[static_cast<size_t>(w)] == 0) ready.push(w);
    }
  }
  if (order.size() != static_cast<size_t>(std::count(needed.begin(), needed.end(), 1))) {
    // Updates waiting on each other's readers: keep graph order (a copy on
    // write then keeps the reads right).
    order.clear();
    for (const auto& node : graph.nodes()) {
      if (in_plan(node.get())) order.push_back(node.get());
    }
  }
  return order;
}

}  // namespace

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
  plan.nodes = OrderForUpdates(graph, needed);
}

}  // namespace tensorgraph
