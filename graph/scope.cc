#include "graph/scope.h"

namespace tensorgraph {

Scope::Scope(Graph& graph) {
  auto impl = std::make_shared<ScopeImpl>();
  impl->graph = &graph;
  impl_ = std::move(impl);
}

Scope::Scope(std::shared_ptr<const ScopeImpl> impl, std::string op_name)
    : impl_(std::move(impl)), op_name_(std::move(op_name)) {}

Scope Scope::NewSubScope(std::string_view name) const {
  if (!IsValidNodeName(name) || name.find('/') != std::string_view::npos) {
    ThrowInvalid("invalid name scope '", name, "': expected [A-Za-z0-9.][A-Za-z0-9_.>-]*");
  }
  auto impl = std::make_shared<ScopeImpl>(*impl_);
  impl->name_prefix = impl_->graph->UniqueName(impl_->name_prefix + std::string(name)) + "/";
  return Scope(std::move(impl));
}

Scope Scope::WithNamePrefix(std::string_view prefix) const {
  auto impl = std::make_shared<ScopeImpl>(*impl_);
  impl->name_prefix = std::string(prefix) + "/";
  return Scope(std::move(impl));
}

Scope Scope::WithOpName(std::string_view name) const { return Scope(impl_, std::string(name)); }

Scope Scope::WithControlDependencies(const std::vector<Output>& deps) const {
  std::vector<Node*> nodes;
  for (const Output& o : deps) nodes.push_back(o.node);
  return WithControlDependencies(nodes);
}

Scope Scope::WithControlDependencies(const std::vector<Node*>& deps) const {
  auto impl = std::make_shared<ScopeImpl>(*impl_);
  impl->control_deps.insert(impl->control_deps.end(), deps.begin(), deps.end());
  return Scope(std::move(impl), op_name_);
}

Scope Scope::WithNoControlDependencies() const {
  auto impl = std::make_shared<ScopeImpl>(*impl_);
  impl->control_deps.clear();
  return Scope(std::move(impl), op_name_);
}

Scope Scope::WithDevice(std::string_view device) const {
  auto impl = std::make_shared<ScopeImpl>(*impl_);
  impl->device = std::string(device);
  return Scope(std::move(impl), op_name_);
}

Scope Scope::ForOutput(const Output& output) {
  if (output.node->scope()) return Scope(output.node->scope());
  // A node made without a scope (imported, say): its name scope is its
  // name up to the last '/'.
  auto impl = std::make_shared<ScopeImpl>();
  impl->graph = &output.node->graph();
  const std::string& name = output.node->name();
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos) impl->name_prefix = name.substr(0, slash + 1);
  return Scope(std::move(impl));
}

std::string Scope::GetUniqueNameForOp(std::string_view op) const {
  return op_name_.empty() ? impl_->graph->UniqueName(impl_->name_prefix + std::string(op))
                          : impl_->name_prefix + op_name_;
}

Node* Scope::AddNode(std::string_view op, std::vector<Output> inputs, AttrMap attrs) const {
  NodeSpec spec;
  spec.op = std::string(op);
  spec.name = GetUniqueNameForOp(op);
  spec.device = impl_->device;
  spec.attrs = std::move(attrs);
  spec.inputs = std::move(inputs);
  spec.control_inputs = impl_->control_deps;
  spec.scope = impl_;
  return impl_->graph->AddNode(std::move(spec));
}

}  // namespace tensorgraph
