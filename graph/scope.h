// The builder API's context: which graph nodes go into, under which name
// scope, with which control dependencies and device hint. Scopes are cheap
// values; each With* call returns a changed copy.
//
//   Graph graph;
//   Scope root(graph);
//   Scope dense = root.NewSubScope("dense");          // names "dense/..."
//   auto y = ops::MatMul(dense, x, w);                // "dense/MatMul"
//   auto z = ops::MatMul(dense.WithOpName("logits"), y, v);  // "dense/logits"
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace tensorgraph {

struct ScopeImpl {
  Graph* graph = nullptr;
  std::string name_prefix;  // "" or "a/b/"
  std::string device;
  std::vector<Node*> control_deps;
};

class Scope {
 public:
  explicit Scope(Graph& graph);

  // A child name scope. Like TensorFlow's name scopes it is made unique:
  // a second NewSubScope("dense") on the same parent gives "dense_1/".
  Scope NewSubScope(std::string_view name) const;
  // The next node built with this scope gets exactly this name (under the
  // name scope); building a second one fails as a duplicate.
  Scope WithOpName(std::string_view name) const;
  // A scope whose node names start with exactly `prefix` + "/", made unique
  // neither here nor for later callers (NewSubScope is the usual way).
  Scope WithNamePrefix(std::string_view prefix) const;
  // This scope without a pending WithOpName: what a builder uses for the
  // helper nodes (constants) it adds before the node the name is meant for.
  Scope WithoutOpName() const { return Scope(impl_); }
  // Nodes built in the returned scope run only after `deps`.
  Scope WithControlDependencies(const std::vector<Output>& deps) const;
  Scope WithControlDependencies(const std::vector<Node*>& deps) const;
  Scope WithNoControlDependencies() const;
  // A device hint ("/device:CPU:0", "/device:GPU:0"); placement may override it.
  Scope WithDevice(std::string_view device) const;

  // The scope a node was built in, so `a + b` lands beside `a`. For an
  // imported node: the name scope of its name, on its graph.
  static Scope ForOutput(const Output& output);

  Graph& graph() const { return *impl_->graph; }
  const std::string& name_prefix() const { return impl_->name_prefix; }
  // The name WithOpName gave, or empty.
  const std::string& op_name() const { return op_name_; }
  const std::string& device() const { return impl_->device; }
  const std::vector<Node*>& control_deps() const { return impl_->control_deps; }

  // The full name the next node of `op` built with this scope would get
  // (the WithOpName name, or the op's name made unique, under the name
  // scope), reserved so no other node takes it. For builders that must
  // know a node's name before adding it (VarHandleOp's shared_name).
  std::string GetUniqueNameForOp(std::string_view op) const;

  // Adds a node of `op` to the graph: named by WithOpName or after the op,
  // made unique, with this scope's control dependencies and device. Throws
  // like Graph::AddNode.
  Node* AddNode(std::string_view op, std::vector<Output> inputs, AttrMap attrs = {}) const;

 private:
  explicit Scope(std::shared_ptr<const ScopeImpl> impl, std::string op_name = {});
  std::shared_ptr<const ScopeImpl> impl_;
  std::string op_name_;
};

}  // namespace tensorgraph
