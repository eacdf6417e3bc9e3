// The in-memory graph: nodes joined by typed edges. A node enters only
// through Graph::AddNode, which checks it against its op definition (attrs,
// input count and dtypes) and runs shape inference, so every node in a Graph
// is valid and its inputs precede it: insertion order is a topological order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/attr.h"
#include "graph/op_registry.h"

namespace tensorgraph {

class Graph;
class Node;
struct ScopeImpl;

// One output of a node: the thing an edge carries.
struct Output {
  Node* node = nullptr;
  int index = 0;

  Output() = default;
  Output(Node* n, int i = 0) : node(n), index(i) {}  // NOLINT: a node is its output 0

  DataType dtype() const;
  const PartialShape& shape() const;
  // "name" for output 0, "name:i" otherwise.
  std::string name() const;
  friend bool operator==(const Output&, const Output&) = default;
};

// A node reading another's output (input >= 0: which of its inputs) or
// having it as a control input (input == kControlInput).
struct Consumer {
  static constexpr int kControlInput = -1;
  Node* node = nullptr;
  int input = 0;
  friend bool operator==(const Consumer&, const Consumer&) = default;
};

class Node {
 public:
  int id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& op() const { return op_def_->name; }
  const OpDef& op_def() const { return *op_def_; }
  const std::string& device() const { return device_; }
  Graph& graph() const { return *graph_; }

  const AttrMap& attrs() const { return attrs_; }
  // The attr's value; throws kInternal if it is absent or of another type
  // (impossible for attrs the op defines, which import fills with defaults).
  template <typename T>
  const T& attr(std::string_view attr_name) const;

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Output& input(int i) const { return inputs_.at(i); }
  const std::vector<Output>& inputs() const { return inputs_; }
  const std::vector<Node*>& control_inputs() const { return control_inputs_; }

  // The nodes reading this one, data and control edges, in the order the
  // edges were made.
  const std::vector<Consumer>& consumers() const { return consumers_; }

  int num_outputs() const { return static_cast<int>(output_types_.size()); }
  DataType output_type(int i) const { return output_types_.at(i); }
  const PartialShape& output_shape(int i) const { return output_shapes_.at(i); }
  // For a resource output: the dtype and shape of what it refers to.
  const HandleData* output_handle_data(int i) const {
    const auto& h = output_handle_data_.at(static_cast<size_t>(i));
    return h ? &*h : nullptr;
  }
  Output output(int i) const { return Output(const_cast<Node*>(this), i); }

  // The builder scope this node was made in (for operator overloads); null
  // for imported nodes.
  const std::shared_ptr<const ScopeImpl>& scope() const { return scope_; }

 private:
  friend class Graph;
  Graph* graph_ = nullptr;
  int id_ = 0;
  std::string name_;
  const OpDef* op_def_ = nullptr;
  std::string device_;
  AttrMap attrs_;
  std::vector<Output> inputs_;
  std::vector<Node*> control_inputs_;
  std::vector<Consumer> consumers_;
  std::vector<DataType> output_types_;
  std::vector<PartialShape> output_shapes_;
  std::vector<std::optional<HandleData>> output_handle_data_;
  std::shared_ptr<const ScopeImpl> scope_;
};

// Everything that defines a node, before it is checked.
struct NodeSpec {
  std::string name;
  std::string op;
  std::string device;
  AttrMap attrs;  // missing attrs with defaults are filled in; type attrs are inferred
  std::vector<Output> inputs;
  std::vector<Node*> control_inputs;
  std::shared_ptr<const ScopeImpl> scope;
};

struct GraphVersions {
  int producer = 0;
  int min_consumer = 0;
  std::vector<int> bad_consumers;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  // Not movable either: scopes and nodes point at their graph.

  // Checks `spec` and adds the node. Throws kInvalidArgument (naming the
  // node and op) when the name is taken or invalid, the op is unknown, an
  // attr is missing, mistyped or not allowed, the inputs do not match the
  // signature, or shape inference rejects them.
  Node* AddNode(NodeSpec spec);

  Node* FindNode(std::string_view name) const;
  // "; did you mean 'a' or 'b'?" naming up to three nodes whose names are
  // close to `name`, or "" when none is: for not-found messages.
  std::string DidYouMean(std::string_view name) const;
  // Parses "name" or "name:i" and checks the node and output exist; throws
  // kNotFound otherwise.
  Output FindOutput(std::string_view tensor_name) const;

  // Nodes in a topological order: insertion order, until an edit makes a
  // node read one added after it, which re-sorts (keeping insertion order
  // wherever the edges allow). A node's id is its position here.
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }

  // --- editing, for graph passes ---------------------------------------------
  // Each edit checks what AddNode would and leaves a valid graph, or throws
  // (naming the node) and changes nothing. Edits other than AddNode may
  // renumber ids and invalidate what was compiled from the graph: make
  // Sessions after editing.

  // The consumers of one output.
  std::vector<Consumer> Consumers(Output output) const;
  // Makes input `i` of `node` read `replacement`, which must have the
  // input's dtype and must not depend on `node` (no cycle). The node's
  // shape function runs again on its new inputs (a constant's value
  // counts): its outputs' shapes may become more specific but must stay
  // compatible with what its consumers were built for (kInvalidArgument).
  void ReplaceInput(Node* node, int i, Output replacement);
  // Replaces `from` with `to` in every consumer reading it; returns how
  // many inputs changed. Control edges on `from`'s node stay.
  int ReplaceUses(Output from, Output to);
  void AddControlInput(Node* node, Node* control);
  // Throws kNotFound when `control` is not a control input of `node`.
  void RemoveControlInput(Node* node, Node* control);
  // Removes a node nothing consumes (kFailedPrecondition, naming consumers,
  // otherwise), with its edges and collection entries. Its name stays
  // reserved: UniqueName never hands it out again.
  void RemoveNode(Node* node);

  // `base` if unused, else base_1, base_2... The name is reserved.
  std::string UniqueName(std::string_view base);

  GraphVersions& versions() { return versions_; }
  const GraphVersions& versions() const { return versions_; }

  // Named lists of nodes, like TensorFlow's graph collections: the
  // variables, the trainable ones, their initializers (optimizers/variables.h
  // names the keys). They belong to the in-memory graph; a GraphDef does not
  // carry them, so a reloaded graph finds its nodes by name instead.
  void AddToCollection(const std::string& key, Node* node);
  // Empty when nothing was added under `key`.
  const std::vector<Node*>& GetCollection(const std::string& key) const;

 private:
  bool Owns(const Node* node) const;
  // Whether `from` is `to` or reaches it through inputs (data or control).
  bool DependsOn(const Node* from, const Node* to) const;
  // Restores the topological order after an edit; stable.
  void SortTopologically();
  void Renumber();

  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<std::string, Node*> by_name_;
  std::unordered_map<std::string, int> name_counters_;
  GraphVersions versions_;
  std::map<std::string, std::vector<Node*>> collections_;
};

// A node name is [A-Za-z0-9.][A-Za-z0-9_./-]* (TensorFlow's rule); '>' and
// '-' as in TensorFlow are allowed after the first character.
bool IsValidNodeName(std::string_view name);

// Splits "node:i" into ("node", i); "node" gives index 0. Returns false on
// a malformed name (empty, bad index).
bool ParseTensorName(std::string_view tensor_name, std::string_view* node, int* index);

template <typename T>
const T& Node::attr(std::string_view attr_name) const {
  auto it = attrs_.find(attr_name);
  if (it == attrs_.end() || !std::holds_alternative<T>(it->second)) {
    throw Error(ErrorCode::kInternal, StrCat("attr '", attr_name, "' missing or mistyped"), name_,
                op());
  }
  return std::get<T>(it->second);
}

}  // namespace tensorgraph
