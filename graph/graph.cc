#include "graph/graph.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <queue>

namespace tensorgraph {

DataType Output::dtype() const { return node->output_type(index); }
const PartialShape& Output::shape() const { return node->output_shape(index); }
std::string Output::name() const {
  return index == 0 ? node->name() : StrCat(node->name(), ":", index);
}

bool IsValidNodeName(std::string_view name) {
  if (name.empty()) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(name[0]) && name[0] != '.') return false;
  for (char c : name.substr(1)) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-' && c != '/' && c != '>') return false;
  }
  return true;
}

bool ParseTensorName(std::string_view tensor_name, std::string_view* node, int* index) {
  const size_t colon = tensor_name.rfind(':');
  if (colon == std::string_view::npos) {
    *node = tensor_name;
    *index = 0;
    return !tensor_name.empty();
  }
  std::string_view digits = tensor_name.substr(colon + 1);
  int i = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || i < 0) {
    return false;
  }
  *node = tensor_name.substr(0, colon);
  *index = i;
  return !node->empty();
}

namespace {

// Checks and completes a node's attrs and binds its inputs to the op's
// signature; on success spec.attrs holds every attr the op defines.
class NodeChecker {
 public:
  NodeChecker(const OpDef& op, NodeSpec& spec) : op_(op), spec_(spec) {}

  std::vector<DataType> Check() {
    CheckGivenAttrs();
    BindInputs();
    FillDefaults();
    CheckAllowedValues();
    return OutputTypes();
  }

 private:
  template <typename... Args>
  [[noreturn]] void Fail(Args&&... args) const {
    throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...), spec_.name,
                op_.name);
  }

  void CheckGivenAttrs() {
    for (const auto& [name, value] : spec_.attrs) {
      if (!name.empty() && name[0] == '_') continue;  // internal attrs, as TensorFlow allows
      const AttrDef* def = op_.FindAttr(name);
      if (def == nullptr) {
        std::string known;
        for (const auto& a : op_.attrs) known += (known.empty() ? "" : ", ") + a.name;
        Fail("unknown attr '", name, "' (", op_.name, " has ",
             known.empty() ? std::string("no attrs") : known, ")");
      }
      if (TypeOf(value) != def->type) {
        Fail("attr '", name, "' must be of type ", AttrTypeName(def->type), ", got ",
             AttrTypeName(TypeOf(value)));
      }
    }
  }

  // How many inputs each of the op's input args takes.
  std::vector<int> ArgSizes() {
    const int given = static_cast<int>(spec_.inputs.size());
    int fixed = 0, lists = 0;
    for (const auto& arg : op_.inputs) {
      if (arg.number_attr.empty()) {
        ++fixed;
      } else {
        ++lists;
      }
    }
    std::vector<int> sizes;
    for (const auto& arg : op_.inputs) {
      if (arg.number_attr.empty()) {
        sizes.push_back(1);
        continue;
      }
      auto it = spec_.attrs.find(arg.number_attr);
      if (it != spec_.attrs.end()) {
        const int64_t n = std::get<int64_t>(it->second);
        if (n < 0 || n > given) {
          Fail("attr '", arg.number_attr, "' says input '", arg.name, "' has ", n,
               " tensors, but the node has ", given, " inputs in all");
        }
        sizes.push_back(static_cast<int>(n));
      } else if (lists == 1) {
        const int n = given - fixed;
        spec_.attrs[arg.number_attr] = static_cast<int64_t>(n);
        sizes.push_back(n);
      } else {
        Fail("missing attr '", arg.number_attr, "' giving the length of input '", arg.name, "'");
      }
    }
    return sizes;
  }

  void BindInputs() {
    std::vector<int> sizes = ArgSizes();
    int expected = 0;
    for (int s : sizes) expected += s;
    if (expected != static_cast<int>(spec_.inputs.size())) {
      Fail("expected ", expected, " inputs, got ", spec_.inputs.size());
    }
    std::map<std::string, int> bound_from;  // type attr -> input index that bound it
    int k = 0;
    for (size_t a = 0; a < op_.inputs.size(); ++a) {
      const ArgDef& arg = op_.inputs[a];
      for (int j = 0; j < sizes[a]; ++j, ++k) {
        const DataType got = spec_.inputs[static_cast<size_t>(k)].dtype();
        if (arg.fixed_type != DT_INVALID) {
          if (got != arg.fixed_type) {
            Fail("input ", k, " ('", arg.name, "') must be ", DataTypeName(arg.fixed_type),
                 ", got ", DataTypeName(got), " from '", spec_.inputs[static_cast<size_t>(k)].name(),
                 "'");
          }
          continue;
        }
        auto it = spec_.attrs.find(arg.type_attr);
        if (it == spec_.attrs.end()) {
          spec_.attrs[arg.type_attr] = got;
          bound_from[arg.type_attr] = k;
        } else if (std::get<DataType>(it->second) != got) {
          auto from = bound_from.find(arg.type_attr);
          Fail("input ", k, " ('", arg.name, "') is ", DataTypeName(got), " from '",
               spec_.inputs[static_cast<size_t>(k)].name(), "' but attr ", arg.type_attr, " is ",
               DataTypeName(std::get<DataType>(it->second)),
               from == bound_from.end() ? std::string()
                                        : StrCat(" (from input ", from->second, ")"));
        }
      }
    }
  }

  void FillDefaults() {
    for (const auto& def : op_.attrs) {
      if (spec_.attrs.count(def.name)) continue;
      if (!def.default_value) {
        Fail("missing attr '", def.name, "' of type ", AttrTypeName(def.type));
      }
      spec_.attrs[def.name] = *def.default_value;
    }
  }

  void CheckAllowedValues() {
    for (const auto& def : op_.attrs) {
      const AttrValue& value = spec_.attrs.at(def.name);
      auto check_type = [&](DataType t) {
        if (DataTypeSize(t) == 0) {
          Fail("attr '", def.name, "' names an unsupported dtype (", static_cast<int>(t), ")");
        }
        if (!def.allowed_types.empty() &&
            std::find(def.allowed_types.begin(), def.allowed_types.end(), t) ==
                def.allowed_types.end()) {
          std::string allowed;
          for (DataType a : def.allowed_types) {
            allowed += (allowed.empty() ? "" : ", ") + std::string(DataTypeName(a));
          }
          Fail("attr '", def.name, "' is ", DataTypeName(t), ", not one of the allowed {",
               allowed, "}");
        }
      };
      if (def.type == AttrType::kType) check_type(std::get<DataType>(value));
      if (def.type == AttrType::kListType) {
        for (DataType t : std::get<std::vector<DataType>>(value)) check_type(t);
      }
      if (def.type == AttrType::kString && !def.allowed_strings.empty()) {
        const auto& s = std::get<std::string>(value);
        if (std::find(def.allowed_strings.begin(), def.allowed_strings.end(), s) ==
            def.allowed_strings.end()) {
          std::string allowed;
          for (const auto& a : def.allowed_strings) allowed += (allowed.empty() ? "'" : ", '") + a + "'";
          Fail("attr '", def.name, "' is '", s, "', not one of the allowed {", allowed, "}");
        }
      }
      if (def.type == AttrType::kInt && def.minimum &&
          std::get<int64_t>(value) < *def.minimum) {
        Fail("attr '", def.name, "' is ", std::get<int64_t>(value), ", below its minimum ",
             *def.minimum);
      }
    }
  }

  std::vector<DataType> OutputTypes() const {
    std::vector<DataType> types;
    for (const auto& arg : op_.outputs) {
      const DataType t = arg.fixed_type != DT_INVALID
                             ? arg.fixed_type
                             : std::get<DataType>(spec_.attrs.at(arg.type_attr));
      const int64_t n =
          arg.number_attr.empty() ? 1 : std::get<int64_t>(spec_.attrs.at(arg.number_attr));
      for (int64_t i = 0; i < n; ++i) types.push_back(t);
    }
    return types;
  }

  const OpDef& op_;
  NodeSpec& spec_;
};

}  // namespace

namespace {

// Runs the op's shape function on these inputs (a Const input's value
// included, as shape functions read shape arguments from constants).
InferenceContext InferShapes(const OpDef& op, const std::string& name, const AttrMap& attrs,
                             const std::vector<Output>& in, int num_outputs) {
  std::vector<InferenceContext::Input> inputs;
  inputs.reserve(in.size());
  for (const Output& o : in) {
    const Tensor* value = nullptr;
    if (o.node->op() == "Const") value = &o.node->attr<Tensor>("value");
    inputs.push_back({o.dtype(), o.shape(), value, o.node->output_handle_data(o.index)});
  }
  InferenceContext ctx(op, name, attrs, std::move(inputs), num_outputs);
  if (op.shape_fn) op.shape_fn(ctx);
  return ctx;
}

// Whether every tensor `refined` allows is one `shape` allows too.
bool Refines(const PartialShape& refined, const PartialShape& shape) {
  if (!shape.rank_known()) return true;
  if (refined.rank() != shape.rank()) return false;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape.dim(d) != kUnknownDim && refined.dim(d) != shape.dim(d)) return false;
  }
  return true;
}

}  // namespace

bool Graph::Owns(const Node* n) const {
  return n != nullptr && n->id_ >= 0 && n->id_ < num_nodes() &&
         nodes_[static_cast<size_t>(n->id_)].get() == n;
}

Node* Graph::AddNode(NodeSpec spec) {
  if (!IsValidNodeName(spec.name)) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("invalid node name '", spec.name,
                       "': expected [A-Za-z0-9.][A-Za-z0-9_./>-]*"),
                spec.name, spec.op);
  }
  if (by_name_.count(spec.name)) {
    throw Error(ErrorCode::kInvalidArgument, "duplicate node name: a node of this name exists",
                spec.name, spec.op);
  }
  const OpDef* op = OpRegistry::Global().Find(spec.op);
  if (op == nullptr) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("unknown op '", spec.op, "': no op of this name is registered"), spec.name,
                spec.op);
  }
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const Output& in = spec.inputs[i];
    if (!Owns(in.node)) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("input ", i, " is not a node of this graph"), spec.name, spec.op);
    }
    if (in.index < 0 || in.index >= in.node->num_outputs()) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("input ", i, " names output ", in.index, " of '", in.node->name(),
                         "', which has ", Count(in.node->num_outputs(), "output")),
                  spec.name, spec.op);
    }
  }
  for (const Node* c : spec.control_inputs) {
    if (!Owns(c)) {
      throw Error(ErrorCode::kInvalidArgument, "control input is not a node of this graph",
                  spec.name, spec.op);
    }
  }

  std::vector<DataType> output_types = NodeChecker(*op, spec).Check();

  InferenceContext ctx = InferShapes(*op, spec.name, spec.attrs, spec.inputs,
                                     static_cast<int>(output_types.size()));

  auto node = std::make_unique<Node>();
  node->graph_ = this;
  node->id_ = num_nodes();
  node->name_ = std::move(spec.name);
  node->op_def_ = op;
  node->device_ = std::move(spec.device);
  node->attrs_ = std::move(spec.attrs);
  node->inputs_ = std::move(spec.inputs);
  node->control_inputs_ = std::move(spec.control_inputs);
  node->output_types_ = std::move(output_types);
  node->output_shapes_ = ctx.outputs();
  node->output_handle_data_ = ctx.output_handle_data();
  node->scope_ = std::move(spec.scope);
  Node* raw = node.get();
  for (int i = 0; i < raw->num_inputs(); ++i) raw->inputs_[static_cast<size_t>(i)].node->consumers_.push_back({raw, i});
  for (Node* c : raw->control_inputs_) c->consumers_.push_back({raw, Consumer::kControlInput});
  by_name_.emplace(raw->name_, raw);
  name_counters_.try_emplace(raw->name_, 0);
  nodes_.push_back(std::move(node));
  return raw;
}

Node* Graph::FindNode(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

namespace {

// Levenshtein distance, cut off above `limit` (returns limit + 1 then).
size_t EditDistance(std::string_view a, std::string_view b, size_t limit) {
  if (a.size() > b.size() + limit || b.size() > a.size() + limit) return limit + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > limit) return limit + 1;
  }
  return row[b.size()];
}

}  // namespace

std::string Graph::DidYouMean(std::string_view name) const {
  // Close names: a few edits away (a third of the name's length), or the
  // same last path component ("loss" for "train/loss").
  constexpr size_t kShown = 3;
  const size_t limit = std::max<size_t>(1, name.size() / 3);
  const std::string_view leaf = name.substr(name.rfind('/') + 1);
  std::vector<std::pair<size_t, std::string_view>> close;
  for (const auto& node : nodes_) {
    const std::string_view candidate = node->name();
    const std::string_view candidate_leaf = candidate.substr(candidate.rfind('/') + 1);
    size_t d = EditDistance(name, candidate, limit);
    if (d > limit && candidate_leaf == leaf) d = limit;
    if (d <= limit) close.emplace_back(d, candidate);
  }
  if (close.empty()) return "";
  std::sort(close.begin(), close.end());
  std::string s = "; did you mean ";
  for (size_t i = 0; i < close.size() && i < kShown; ++i)
    s += StrCat(i == 0 ? "" : (i + 1 == std::min(close.size(), kShown) ? " or " : ", "), "'",
                close[i].second, "'");
  return s + "?";
}

Output Graph::FindOutput(std::string_view tensor_name) const {
  std::string_view node_name;
  int index = 0;
  if (!ParseTensorName(tensor_name, &node_name, &index)) {
    ThrowError(ErrorCode::kInvalidArgument, "malformed tensor name '", tensor_name,
               "': expected 'node' or 'node:index'");
  }
  Node* node = FindNode(node_name);
  if (node == nullptr) {
    ThrowError(ErrorCode::kNotFound, "no node named '", node_name, "' in the graph",
               DidYouMean(node_name));
  }
  if (index >= node->num_outputs()) {
    throw Error(ErrorCode::kNotFound,
                StrCat("tensor '", tensor_name, "' does not exist: the node has ",
                       Count(node->num_outputs(), "output")),
                node->name(), node->op());
  }
  return Output(node, index);
}

std::string Graph::UniqueName(std::string_view base) {
  std::string name(base);
  auto [it, inserted] = name_counters_.try_emplace(name, 0);
  if (inserted) return name;
  // Skip candidates that exist already, e.g. a node explicitly named "a_1".
  while (true) {
    std::string candidate = StrCat(name, "_", ++it->second);
    if (name_counters_.try_emplace(candidate, 0).second) return candidate;
  }
}

// --- editing --------------------------------------------------------------------

std::vector<Consumer> Graph::Consumers(Output output) const {
  std::vector<Consumer> out;
  for (const Consumer& c : output.node->consumers_) {
    if (c.input != Consumer::kControlInput && c.node->input(c.input).index == output.index) {
      out.push_back(c);
    }
  }
  return out;
}

bool Graph::DependsOn(const Node* from, const Node* to) const {
  // Inputs precede their consumers, so nothing before `to` can reach it.
  std::vector<char> seen(static_cast<size_t>(num_nodes()), 0);
  std::vector<const Node*> stack = {from};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n == to) return true;
    if (seen[static_cast<size_t>(n->id_)] || n->id_ < to->id_) continue;
    seen[static_cast<size_t>(n->id_)] = 1;
    for (const Output& in : n->inputs_) stack.push_back(in.node);
    for (const Node* c : n->control_inputs_) stack.push_back(c);
  }
  return false;
}

void Graph::ReplaceInput(Node* node, int i, Output replacement) {
  if (!Owns(node)) ThrowInvalid("ReplaceInput: the node is not in this graph");
  auto fail = [&](auto&&... message) {
    throw Error(ErrorCode::kInvalidArgument, StrCat("cannot replace input ", i, ": ", message...),
                node->name(), node->op());
  };
  if (i < 0 || i >= node->num_inputs()) fail("the node has ", Count(node->num_inputs(), "input"));
  if (!Owns(replacement.node)) fail("the replacement is not a node of this graph");
  if (replacement.index < 0 || replacement.index >= replacement.node->num_outputs()) {
    fail("'", replacement.node->name(), "' has ", Count(replacement.node->num_outputs(), "output"));
  }
  const Output old = node->input(i);
  if (replacement == old) return;
  if (replacement.dtype() != old.dtype()) {
    fail("'", replacement.name(), "' is ", DataTypeName(replacement.dtype()), ", the input is ",
         DataTypeName(old.dtype()));
  }
  if (DependsOn(replacement.node, node)) {
    fail("'", replacement.name(), "' depends on this node: the edit would make a cycle");
  }
  std::vector<Output> inputs = node->inputs_;
  inputs[static_cast<size_t>(i)] = replacement;
  std::vector<PartialShape> shapes;
  std::vector<std::optional<HandleData>> handles;
  try {
    InferenceContext ctx = InferShapes(*node->op_def_, node->name(), node->attrs_, inputs,
                                       node->num_outputs());
    shapes = ctx.outputs();
    handles = ctx.output_handle_data();
  } catch (const Error& e) {
    fail("with '", replacement.name(), "' ", e.message());
  }
  for (int k = 0; k < node->num_outputs(); ++k) {
    if (!Refines(shapes[static_cast<size_t>(k)], node->output_shape(k))) {
      fail("output ", k, " would become ", shapes[static_cast<size_t>(k)].ToString(),
           ", which its consumers, built for ", node->output_shape(k).ToString(), ", may not take");
    }
  }
  // Commit: the edges, the refined shapes, and the order if it broke.
  auto& from = old.node->consumers_;
  from.erase(std::find(from.begin(), from.end(), Consumer{node, i}));
  replacement.node->consumers_.push_back({node, i});
  node->inputs_[static_cast<size_t>(i)] = replacement;
  node->output_shapes_ = std::move(shapes);
  node->output_handle_data_ = std::move(handles);
  if (replacement.node->id_ > node->id_) SortTopologically();
}

int Graph::ReplaceUses(Output from, Output to) {
  const std::vector<Consumer> consumers = Consumers(from);
  for (const Consumer& c : consumers) ReplaceInput(c.node, c.input, to);
  return static_cast<int>(consumers.size());
}

void Graph::AddControlInput(Node* node, Node* control) {
  if (!Owns(node) || !Owns(control)) ThrowInvalid("AddControlInput: the node is not in this graph");
  auto& controls = node->control_inputs_;
  if (std::find(controls.begin(), controls.end(), control) != controls.end()) return;
  if (DependsOn(control, node)) {
    throw Error(ErrorCode::kInvalidArgument,
                StrCat("cannot add control input '", control->name(),
                       "': it depends on this node, so the edit would make a cycle"),
                node->name(), node->op());
  }
  controls.push_back(control);
  control->consumers_.push_back({node, Consumer::kControlInput});
  if (control->id_ > node->id_) SortTopologically();
}

void Graph::RemoveControlInput(Node* node, Node* control) {
  auto& controls = node->control_inputs_;
  auto it = std::find(controls.begin(), controls.end(), control);
  if (it == controls.end()) {
    throw Error(ErrorCode::kNotFound,
                StrCat("'", control->name(), "' is not a control input of this node"), node->name(),
                node->op());
  }
  controls.erase(it);
  auto& from = control->consumers_;
  from.erase(std::find(from.begin(), from.end(), Consumer{node, Consumer::kControlInput}));
}

void Graph::RemoveNode(Node* node) {
  if (!Owns(node)) ThrowInvalid("RemoveNode: the node is not in this graph");
  if (!node->consumers_.empty()) {
    std::string names;
    const size_t shown = std::min<size_t>(node->consumers_.size(), 3);
    for (size_t k = 0; k < shown; ++k) {
      names += StrCat(k ? ", " : "", "'", node->consumers_[k].node->name(), "'");
    }
    if (node->consumers_.size() > shown) names += StrCat(" and ", node->consumers_.size() - shown, " more");
    throw Error(ErrorCode::kFailedPrecondition,
                StrCat("cannot remove a node that others consume: ", names), node->name(),
                node->op());
  }
  for (int i = 0; i < node->num_inputs(); ++i) {
    auto& from = node->inputs_[static_cast<size_t>(i)].node->consumers_;
    from.erase(std::find(from.begin(), from.end(), Consumer{node, i}));
  }
  for (Node* c : node->control_inputs_) {
    auto& from = c->consumers_;
    from.erase(std::find(from.begin(), from.end(), Consumer{node, Consumer::kControlInput}));
  }
  for (auto& [key, members] : collections_) std::erase(members, node);
  by_name_.erase(node->name_);
  nodes_.erase(nodes_.begin() + node->id_);
  Renumber();
}

void Graph::Renumber() {
  for (size_t k = 0; k < nodes_.size(); ++k) nodes_[k]->id_ = static_cast<int>(k);
}

void Graph::SortTopologically() {
  // Kahn's algorithm taking, among the ready nodes, the earliest in the old
  // order, so that an edit moves as few nodes as it must.
  const size_t n = nodes_.size();
  std::vector<int> waiting(n, 0);
  for (const auto& node : nodes_) {
    waiting[static_cast<size_t>(node->id_)] =
        node->num_inputs() + static_cast<int>(node->control_inputs_.size());
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t k = 0; k < n; ++k) {
    if (waiting[k] == 0) ready.push(static_cast<int>(k));
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(n);
  while (!ready.empty()) {
    const int k = ready.top();
    ready.pop();
    for (const Consumer& c : nodes_[static_cast<size_t>(k)]->consumers_) {
      if (--waiting[static_cast<size_t>(c.node->id_)] == 0) ready.push(c.node->id_);
    }
    sorted.push_back(std::move(nodes_[static_cast<size_t>(k)]));
  }
  // Edits refuse cycles, so every node was placed.
  nodes_ = std::move(sorted);
  Renumber();
}

void Graph::AddToCollection(const std::string& key, Node* node) {
  std::vector<Node*>& nodes = collections_[key];
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
}

const std::vector<Node*>& Graph::GetCollection(const std::string& key) const {
  static const std::vector<Node*> kEmpty;
  auto it = collections_.find(key);
  return it == collections_.end() ? kEmpty : it->second;
}

}  // namespace tensorgraph
