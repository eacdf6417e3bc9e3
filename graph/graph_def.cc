#include "graph/graph_def.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace tensorgraph {
namespace {

// Constants are expanded in memory; a repeated-value Const larger than this
// is refused rather than allowed to exhaust memory.
constexpr int64_t kMaxConstBytes = int64_t{1} << 31;

[[noreturn]] void NodeError(const proto::NodeDef& node, const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message, node.name(), node.op());
}

// --- tensors and shapes -------------------------------------------------------

template <typename T, typename Repeated>
void FillFromList(Tensor& t, const Repeated& values) {
  T* out = t.data<T>();
  const int64_t n = t.num_elements();
  const int64_t given = values.size();
  for (int64_t i = 0; i < n; ++i) {
    // A short list repeats its last value; an empty one means zeros.
    out[i] = given == 0 ? T{} : static_cast<T>(values.Get(static_cast<int>(std::min(i, given - 1))));
  }
}

// Which *_val field holds values of each dtype, and how many it has.
int TypedValueCount(const proto::TensorProto& p, DataType dtype) {
  switch (dtype) {
    case DT_FLOAT: return p.float_val_size();
    case DT_DOUBLE: return p.double_val_size();
    case DT_INT32:
    case DT_UINT8: return p.int_val_size();
    case DT_INT64: return p.int64_val_size();
    case DT_BOOL: return p.bool_val_size();
    default: return 0;
  }
}

int AllTypedValueCount(const proto::TensorProto& p) {
  return p.float_val_size() + p.double_val_size() + p.int_val_size() + p.int64_val_size() +
         p.bool_val_size() + p.half_val_size() + p.string_val_size() + p.scomplex_val_size() +
         p.dcomplex_val_size() + p.uint32_val_size() + p.uint64_val_size();
}

}  // namespace

proto::TensorShapeProto ToShapeProto(const PartialShape& shape) {
  proto::TensorShapeProto p;
  if (!shape.rank_known()) {
    p.set_unknown_rank(true);
    return p;
  }
  for (int64_t d : shape.dims()) p.add_dim()->set_size(d);
  return p;
}

PartialShape FromShapeProto(const proto::TensorShapeProto& p) {
  if (p.unknown_rank()) {
    if (p.dim_size() > 0) ThrowInvalid("shape has unknown_rank set and also ", p.dim_size(), " dims");
    return PartialShape::UnknownRank();
  }
  std::vector<int64_t> dims;
  for (const auto& d : p.dim()) dims.push_back(d.size());
  return PartialShape(std::move(dims));  // rejects < -1 and overflow
}

proto::TensorProto ToTensorProto(const Tensor& tensor) {
  if (!tensor.on_host()) ThrowInvalid("ToTensorProto needs a host tensor");
  if (tensor.dtype() == DT_RESOURCE) ThrowInvalid("a resource handle cannot be serialized");
  proto::TensorProto p;
  p.set_dtype(static_cast<proto::DataType>(tensor.dtype()));
  *p.mutable_tensor_shape() = ToShapeProto(tensor.shape());
  if (tensor.bytes() > 0) {
    p.set_tensor_content(std::string(static_cast<const char*>(tensor.raw_data()), tensor.bytes()));
  }
  return p;
}

Tensor FromTensorProto(const proto::TensorProto& p) { return FromTensorProto(p, kMaxConstBytes); }

Tensor FromTensorProto(const proto::TensorProto& p, int64_t max_bytes) {
  const int wire = static_cast<int>(p.dtype());
  if (!IsSupportedDataType(wire) || wire == static_cast<int>(DT_RESOURCE)) {
    ThrowInvalid("tensor dtype ", proto::DataType_Name(p.dtype()), " (", wire,
                 ") is not supported; expected float, double, int32, uint8, int64 or bool");
  }
  const DataType dtype = static_cast<DataType>(wire);
  const PartialShape partial = FromShapeProto(p.tensor_shape());
  if (!partial.fully_defined()) {
    ThrowInvalid("tensor shape ", partial.ToString(), " must be fully defined");
  }
  const Shape shape = partial.ToShape();
  const int64_t n = shape.num_elements();
  if (n > std::min(max_bytes, kMaxConstBytes) / static_cast<int64_t>(DataTypeSize(dtype))) {
    if (max_bytes < kMaxConstBytes) {
      ThrowError(ErrorCode::kResourceExhausted, "a ", DataTypeName(dtype), " tensor of shape ",
                 shape.ToString(), " would take the graph's constants past the memory limit (",
                 max_bytes, " bytes left)");
    }
    ThrowInvalid("tensor of shape ", shape.ToString(), " exceeds the ", kMaxConstBytes,
                 "-byte limit for constants");
  }
  if (!p.tensor_content().empty()) {
    if (AllTypedValueCount(p) > 0) {
      ThrowInvalid("tensor has both tensor_content and typed *_val entries");
    }
    const size_t want = static_cast<size_t>(n) * DataTypeSize(dtype);
    if (p.tensor_content().size() != want) {
      ThrowInvalid("tensor_content has ", p.tensor_content().size(), " bytes; a ",
                   DataTypeName(dtype), " tensor of shape ", shape.ToString(), " needs ", want);
    }
    Tensor t(dtype, shape);
    std::memcpy(t.raw_data(), p.tensor_content().data(), want);
    if (dtype == DT_BOOL) {
      for (bool& b : t.flat<bool>()) b = reinterpret_cast<const uint8_t&>(b) != 0;
    }
    return t;
  }
  const int count = TypedValueCount(p, dtype);
  if (AllTypedValueCount(p) != count) {
    ThrowInvalid("tensor of dtype ", DataTypeName(dtype),
                 " carries values in a *_val field of another dtype");
  }
  if (count > n) {
    ThrowInvalid("tensor has ", count, " values but its shape ", shape.ToString(), " holds ", n);
  }
  if (count > 0 && n == 0) ThrowInvalid("tensor of shape ", shape.ToString(), " has values");
  Tensor t(dtype, shape);
  switch (dtype) {
    case DT_FLOAT: FillFromList<float>(t, p.float_val()); break;
    case DT_DOUBLE: FillFromList<double>(t, p.double_val()); break;
    case DT_INT32: FillFromList<int32_t>(t, p.int_val()); break;
    case DT_UINT8:
      for (int32_t v : p.int_val()) {
        if (v < 0 || v > 255) ThrowInvalid("uint8 tensor value ", v, " is out of range [0,255]");
      }
      FillFromList<uint8_t>(t, p.int_val());
      break;
    case DT_INT64: FillFromList<int64_t>(t, p.int64_val()); break;
    case DT_BOOL: FillFromList<bool>(t, p.bool_val()); break;
    default: break;
  }
  return t;
}

namespace {

// --- attrs ----------------------------------------------------------------------

DataType CheckedType(proto::DataType wire) {
  const int v = static_cast<int>(wire);
  if (v > 100) {
    ThrowInvalid("reference dtype ", proto::DataType_Name(wire),
                 " is not supported: variables must be resource variables");
  }
  if (!IsSupportedDataType(v)) {
    ThrowInvalid("dtype ", proto::DataType_Name(wire), " (", v, ") is not supported");
  }
  return static_cast<DataType>(v);
}

const char* ValueCaseName(proto::AttrValue::ValueCase c) {
  switch (c) {
    case proto::AttrValue::kS: return "string";
    case proto::AttrValue::kI: return "int";
    case proto::AttrValue::kF: return "float";
    case proto::AttrValue::kB: return "bool";
    case proto::AttrValue::kType: return "type";
    case proto::AttrValue::kShape: return "shape";
    case proto::AttrValue::kTensor: return "tensor";
    case proto::AttrValue::kList: return "list";
    case proto::AttrValue::kFunc: return "func";
    case proto::AttrValue::kPlaceholder: return "placeholder";
    case proto::AttrValue::VALUE_NOT_SET: return "nothing";
  }
  return "?";
}

// `tensor_bytes_left` bounds a tensor attr's size and is reduced by it.
AttrValue ConvertAttr(const AttrDef& def, const proto::AttrValue& v, int64_t& tensor_bytes_left) {
  using C = proto::AttrValue;
  const bool is_list = def.type >= AttrType::kListInt;
  const C::ValueCase want = is_list ? C::kList
                            : def.type == AttrType::kInt    ? C::kI
                            : def.type == AttrType::kFloat  ? C::kF
                            : def.type == AttrType::kBool   ? C::kB
                            : def.type == AttrType::kString ? C::kS
                            : def.type == AttrType::kType   ? C::kType
                            : def.type == AttrType::kShape  ? C::kShape
                                                            : C::kTensor;
  if (v.value_case() != want) {
    ThrowInvalid("attr '", def.name, "' must hold a ", AttrTypeName(def.type), ", found ",
                 ValueCaseName(v.value_case()));
  }
  const auto& l = v.list();
  auto only = [&](int own_size) {
    const int total = l.s_size() + l.i_size() + l.f_size() + l.b_size() + l.type_size() +
                      l.shape_size() + l.tensor_size() + l.func_size();
    if (total != own_size) {
      ThrowInvalid("attr '", def.name, "' must be a ", AttrTypeName(def.type),
                   ", but its list holds values of another type");
    }
  };
  switch (def.type) {
    case AttrType::kInt: return v.i();
    case AttrType::kFloat: return v.f();
    case AttrType::kBool: return v.b();
    case AttrType::kString: return v.s();
    case AttrType::kType: return CheckedType(v.type());
    case AttrType::kShape: return FromShapeProto(v.shape());
    case AttrType::kTensor: {
      Tensor t = FromTensorProto(v.tensor(), tensor_bytes_left);
      tensor_bytes_left -= static_cast<int64_t>(t.bytes());
      return t;
    }
    case AttrType::kListInt: only(l.i_size()); return std::vector<int64_t>(l.i().begin(), l.i().end());
    case AttrType::kListFloat: only(l.f_size()); return std::vector<float>(l.f().begin(), l.f().end());
    case AttrType::kListString:
      only(l.s_size());
      return std::vector<std::string>(l.s().begin(), l.s().end());
    case AttrType::kListType: {
      only(l.type_size());
      std::vector<DataType> types;
      for (int t : l.type()) types.push_back(CheckedType(static_cast<proto::DataType>(t)));
      return types;
    }
    case AttrType::kListShape: {
      only(l.shape_size());
      std::vector<PartialShape> shapes;
      for (const auto& s : l.shape()) shapes.push_back(FromShapeProto(s));
      return shapes;
    }
  }
  ThrowError(ErrorCode::kInternal, "unhandled attr type");
}

proto::AttrValue ToAttrProto(const AttrValue& value) {
  proto::AttrValue p;
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, int64_t>) p.set_i(v);
        else if constexpr (std::is_same_v<V, float>) p.set_f(v);
        else if constexpr (std::is_same_v<V, bool>) p.set_b(v);
        else if constexpr (std::is_same_v<V, std::string>) p.set_s(v);
        else if constexpr (std::is_same_v<V, DataType>) p.set_type(static_cast<proto::DataType>(v));
        else if constexpr (std::is_same_v<V, PartialShape>) *p.mutable_shape() = ToShapeProto(v);
        else if constexpr (std::is_same_v<V, Tensor>) *p.mutable_tensor() = ToTensorProto(v);
        else if constexpr (std::is_same_v<V, std::vector<int64_t>>) for (auto x : v) p.mutable_list()->add_i(x);
        else if constexpr (std::is_same_v<V, std::vector<float>>) for (auto x : v) p.mutable_list()->add_f(x);
        else if constexpr (std::is_same_v<V, std::vector<std::string>>) for (const auto& x : v) p.mutable_list()->add_s(x);
        else if constexpr (std::is_same_v<V, std::vector<DataType>>) for (auto x : v) p.mutable_list()->add_type(static_cast<proto::DataType>(x));
        else if constexpr (std::is_same_v<V, std::vector<PartialShape>>) for (const auto& x : v) *p.mutable_list()->add_shape() = ToShapeProto(x);
        // An empty list still needs the list case set to mean "empty list".
        if constexpr (!std::is_arithmetic_v<V> && !std::is_same_v<V, std::string> &&
                      !std::is_same_v<V, DataType> && !std::is_same_v<V, PartialShape> &&
                      !std::is_same_v<V, Tensor>) {
          p.mutable_list();
        }
      },
      value);
  return p;
}

// --- import -----------------------------------------------------------------------

struct ParsedInput {
  std::string node;
  int index = 0;
};

struct ParsedNode {
  const proto::NodeDef* def;
  std::vector<ParsedInput> inputs;
  std::vector<std::string> control_inputs;
  std::vector<int> deps;  // indices of the nodes it needs
};

void CheckVersions(const proto::GraphDef& g) {
  const auto& v = g.versions();
  if (v.min_consumer() > kGraphDefVersion) {
    ThrowInvalid("GraphDef requires a consumer of version ", v.min_consumer(),
                 " or newer; this is version ", kGraphDefVersion,
                 " (producer ", v.producer(), ")");
  }
  for (int bad : v.bad_consumers()) {
    if (bad == kGraphDefVersion) {
      ThrowInvalid("GraphDef disallows consumer version ", kGraphDefVersion, " (bad_consumers)");
    }
  }
}

std::vector<ParsedNode> ParseNodes(const proto::GraphDef& g) {
  std::unordered_map<std::string, int> index;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (!IsValidNodeName(n.name())) {
      NodeError(n, StrCat("invalid node name '", n.name(), "' (node #", i,
                          "): expected [A-Za-z0-9.][A-Za-z0-9_./>-]*"));
    }
    if (!index.emplace(n.name(), i).second) {
      NodeError(n, StrCat("duplicate node name: nodes #", index[n.name()], " and #", i,
                          " are both named '", n.name(), "'"));
    }
  }
  std::vector<ParsedNode> nodes;
  nodes.reserve(static_cast<size_t>(g.node_size()));
  for (const auto& n : g.node()) {
    ParsedNode p{&n, {}, {}, {}};
    for (int k = 0; k < n.input_size(); ++k) {
      const std::string& in = n.input(k);
      std::string name;
      if (!in.empty() && in[0] == '^') {
        name = in.substr(1);
        if (!IsValidNodeName(name)) {
          NodeError(n, StrCat("control input '", in, "' is not a valid node name"));
        }
        p.control_inputs.push_back(name);
      } else {
        if (!p.control_inputs.empty()) {
          NodeError(n, StrCat("data input '", in, "' follows a control input; control inputs ('^name') must come last"));
        }
        std::string_view node_name;
        int idx = 0;
        if (!ParseTensorName(in, &node_name, &idx) || !IsValidNodeName(node_name)) {
          NodeError(n, StrCat("input ", k, " '", in, "' is malformed: expected 'node' or 'node:index'"));
        }
        name = std::string(node_name);
        p.inputs.push_back({name, idx});
      }
      if (name == n.name()) {
        NodeError(n, StrCat("input '", in, "' is the node itself (a self loop)"));
      }
      auto it = index.find(name);
      if (it == index.end()) {
        NodeError(n, StrCat(in[0] == '^' ? "control input '" : "input '", in, "' names node '",
                            name, "', which does not exist"));
      }
      p.deps.push_back(it->second);
    }
    nodes.push_back(std::move(p));
  }
  return nodes;
}

// Kahn's algorithm, keeping the file's order among ready nodes; a cycle is
// reported as a path of node names.
std::vector<int> TopologicalOrder(const std::vector<ParsedNode>& nodes) {
  const size_t n = nodes.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    for (int d : nodes[i].deps) {
      ++pending[i];
      consumers[static_cast<size_t>(d)].push_back(static_cast<int>(i));
    }
  }
  std::vector<int> order, ready;
  for (size_t i = n; i-- > 0;) {
    if (pending[i] == 0) ready.push_back(static_cast<int>(i));
  }
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (int c : consumers[static_cast<size_t>(i)]) {
      if (--pending[static_cast<size_t>(c)] == 0) ready.push_back(c);
    }
  }
  if (order.size() == n) return order;
  // Walk dependencies among unfinished nodes until one repeats.
  int start = 0;
  while (pending[static_cast<size_t>(start)] == 0) ++start;
  std::vector<int> path;
  std::vector<int> seen_at(n, -1);
  int cur = start;
  while (seen_at[static_cast<size_t>(cur)] < 0) {
    seen_at[static_cast<size_t>(cur)] = static_cast<int>(path.size());
    path.push_back(cur);
    for (int d : nodes[static_cast<size_t>(cur)].deps) {
      if (pending[static_cast<size_t>(d)] > 0) {
        cur = d;
        break;
      }
    }
  }
  // The cycle from its last node back to `cur`, each node after the one
  // it depends on. A long cycle names its first few nodes and its length:
  // the message stays short whatever the input.
  constexpr size_t kNamed = 6;
  const size_t first = static_cast<size_t>(seen_at[static_cast<size_t>(cur)]);
  const size_t length = path.size() - first;
  const auto name = [&](size_t k) { return "'" + nodes[static_cast<size_t>(path[k])].def->name() + "'"; };
  std::string cycle;
  for (size_t k = path.size(); k-- > first && path.size() - k <= kNamed;) {
    cycle += (cycle.empty() ? "" : " <- ") + name(k);
  }
  if (length > kNamed) {
    cycle += StrCat(" <- ... (", length, " nodes in the cycle)");
  }
  cycle += " <- " + name(first);
  NodeError(*nodes[static_cast<size_t>(cur)].def, StrCat("the graph has a cycle: ", cycle));
}

}  // namespace

std::unique_ptr<Graph> FromGraphDef(const proto::GraphDef& graph_def, const ImportOptions& options) {
  CheckVersions(graph_def);
  int64_t tensor_bytes_left =
      options.memory_limit_bytes > 0 ? options.memory_limit_bytes : std::numeric_limits<int64_t>::max();
  const std::vector<ParsedNode> nodes = ParseNodes(graph_def);
  auto graph = std::make_unique<Graph>();
  graph->versions().producer = graph_def.versions().producer();
  graph->versions().min_consumer = graph_def.versions().min_consumer();
  for (int i : TopologicalOrder(nodes)) {
    const ParsedNode& p = nodes[static_cast<size_t>(i)];
    const proto::NodeDef& def = *p.def;
    const OpDef* op = OpRegistry::Global().Find(def.op());
    if (op == nullptr) {
      NodeError(def, StrCat("unknown op '", def.op(), "': no op of this name is registered"));
    }
    NodeSpec spec;
    spec.name = def.name();
    spec.op = def.op();
    spec.device = def.device();
    for (const auto& [name, value] : def.attr()) {
      if (!name.empty() && name[0] == '_') continue;  // internal annotations are dropped
      const AttrDef* attr = op->FindAttr(name);
      if (attr == nullptr) {
        std::string known;
        for (const auto& a : op->attrs) known += (known.empty() ? "" : ", ") + a.name;
        NodeError(def, StrCat("unknown attr '", name, "' (", op->name, " has ",
                              known.empty() ? std::string("no attrs") : known, ")"));
      }
      try {
        spec.attrs[name] = ConvertAttr(*attr, value, tensor_bytes_left);
      } catch (const Error& e) {
        throw Error(e.code(), e.message(), def.name(), def.op());
      }
    }
    for (const auto& in : p.inputs) {
      Node* src = graph->FindNode(in.node);
      if (in.index >= src->num_outputs()) {
        NodeError(def, StrCat("input '", in.node, ":", in.index, "' names output ", in.index,
                              " of ", src->op(), " '", in.node, "', which has ",
                              src->num_outputs(), " output", src->num_outputs() == 1 ? "" : "s"));
      }
      spec.inputs.emplace_back(src, in.index);
    }
    for (const auto& c : p.control_inputs) spec.control_inputs.push_back(graph->FindNode(c));
    graph->AddNode(std::move(spec));
  }
  return graph;
}

namespace {

// The nodes in topological order, taking among the nodes whose inputs are
// all placed the one with the smallest name. Depends on names and edges
// only, not on the order nodes were added, which for nodes made inside one
// C++ expression is the compiler's choice.
std::vector<const Node*> CanonicalOrder(const Graph& graph) {
  std::unordered_map<const Node*, int> pending;
  std::unordered_map<const Node*, std::vector<const Node*>> consumers;
  for (const auto& node : graph.nodes()) {
    int& count = pending[node.get()];
    for (const Output& in : node->inputs()) {
      ++count;
      consumers[in.node].push_back(node.get());
    }
    for (const Node* c : node->control_inputs()) {
      ++count;
      consumers[c].push_back(node.get());
    }
  }
  const auto by_name = [](const Node* a, const Node* b) { return a->name() < b->name(); };
  std::set<const Node*, decltype(by_name)> ready(by_name);
  for (const auto& [node, count] : pending) {
    if (count == 0) ready.insert(node);
  }
  std::vector<const Node*> order;
  order.reserve(graph.nodes().size());
  while (!ready.empty()) {
    const Node* node = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(node);
    for (const Node* consumer : consumers[node]) {
      if (--pending[consumer] == 0) ready.insert(consumer);
    }
  }
  if (order.size() != graph.nodes().size()) {
    ThrowError(ErrorCode::kInternal, "the graph has a cycle: ",
               graph.nodes().size() - order.size(), " nodes cannot be ordered");
  }
  return order;
}

}  // namespace

proto::GraphDef ToGraphDef(const Graph& graph) {
  proto::GraphDef g;
  g.mutable_versions()->set_producer(kGraphDefVersion);
  g.mutable_versions()->set_min_consumer(kGraphDefMinConsumer);
  for (const Node* node : CanonicalOrder(graph)) {
    proto::NodeDef* n = g.add_node();
    n->set_name(node->name());
    n->set_op(node->op());
    if (!node->device().empty()) n->set_device(node->device());
    for (const Output& in : node->inputs()) n->add_input(in.name());
    for (const Node* c : node->control_inputs()) n->add_input("^" + c->name());
    for (const auto& [name, value] : node->attrs()) (*n->mutable_attr())[name] = ToAttrProto(value);
  }
  return g;
}

// --- files ------------------------------------------------------------------------

namespace {

bool IsTextPath(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  return ext == ".pbtxt" || ext == ".txt" || ext == ".prototxt";
}

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty()) first = StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  std::string first;
};

}  // namespace

proto::GraphDef ReadGraphDef(const std::filesystem::path& path, const ImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowError(ErrorCode::kNotFound, "cannot open graph file '", path.string(), "'");
  if (options.memory_limit_bytes > 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > static_cast<uintmax_t>(options.memory_limit_bytes)) {
      ThrowError(ErrorCode::kResourceExhausted, "graph file '", path.string(), "' has ", size,
                 " bytes, more than the memory limit of ", options.memory_limit_bytes);
    }
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  proto::GraphDef g;
  if (IsTextPath(path)) {
    google::protobuf::TextFormat::Parser parser;
    // TensorFlow writes fields this format does not model (a node's
    // experimental_type); skip them as binary parsing does.
    parser.AllowUnknownField(true);
    CollectErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(bytes, &g)) {
      ThrowError(ErrorCode::kInvalidArgument, "'", path.string(),
                 "' is not a text GraphDef: ", errors.first);
    }
  } else if (!g.ParseFromString(bytes)) {
    ThrowError(ErrorCode::kInvalidArgument, "'", path.string(),
               "' is not a binary GraphDef (protobuf parsing failed; for text use .pbtxt)");
  }
  return g;
}

std::string SerializeGraphDef(const proto::GraphDef& graph_def) {
  // Protobuf writes map fields (a node's attrs) in hash order unless asked
  // for sorted keys; the same graph must give the same bytes.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!graph_def.SerializeToCodedStream(&coded)) {
      ThrowError(ErrorCode::kInternal, "GraphDef serialization failed");
    }
  }
  return bytes;
}

void WriteGraphDef(const proto::GraphDef& graph_def, const std::filesystem::path& path) {
  std::string bytes;
  if (IsTextPath(path)) {
    // Unknown fields kept from a binary file would print as bare field
    // numbers, which no text parser reads back. (Text format prints map
    // entries sorted by key.)
    google::protobuf::TextFormat::Printer printer;
    printer.SetHideUnknownFields(true);
    printer.PrintToString(graph_def, &bytes);
  } else {
    bytes = SerializeGraphDef(graph_def);
  }
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) ThrowError(ErrorCode::kNotFound, "cannot write '", tmp, "'");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) ThrowError(ErrorCode::kDataLoss, "writing '", tmp, "' failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) ThrowError(ErrorCode::kDataLoss, "renaming '", tmp, "' to '", path.string(), "': ", ec.message());
}

}  // namespace tensorgraph
