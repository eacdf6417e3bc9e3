#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/checkpoint.h"
#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tools/graph_summary.h"

namespace tensorgraph::fuzz {
namespace {

namespace fs = std::filesystem;

// An invariant the input broke: report it and abort, so the fuzzer keeps
// the input as a crash.
[[noreturn]] void Bug(const std::string& what) {
  std::fprintf(stderr, "fuzz target invariant broken: %s\n", what.c_str());
  std::abort();
}

// The readers take paths: each input is written to this process's own
// file (under TMPDIR), named with the extension the reader expects.
fs::path InputFile(const std::string& name, const uint8_t* data, size_t size) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("tg_fuzz_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  const fs::path path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out.flush()) Bug("cannot write the input to " + path.string());
  return path;
}

bool SameTensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.bytes() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.bytes()) == 0);
}

const ImportOptions kImportLimits{.memory_limit_bytes = kRunMemoryLimit};

// What every imported graph must allow: tg inspect's summary, and a write
// that imports again to the same canonical bytes.
void CheckImported(const Graph& graph) {
  const tools::GraphSummary summary = tools::SummarizeGraph(graph);
  std::ostringstream sink;
  tools::PrintSummaryText(summary, sink);
  tools::PrintSummaryJson(summary, sink);
  const std::string once = SerializeGraphDef(ToGraphDef(graph));
  proto::GraphDef again;
  if (!again.ParseFromString(once)) Bug("a written GraphDef does not parse");
  std::unique_ptr<Graph> reimported;
  try {
    reimported = FromGraphDef(again);
  } catch (const Error& e) {
    Bug(std::string("a written GraphDef does not import: ") + e.what());
  }
  if (SerializeGraphDef(ToGraphDef(*reimported)) != once) {
    Bug("a written GraphDef imports to a different graph");
  }
}

void Import(const fs::path& path) {
  std::unique_ptr<Graph> graph;
  try {
    graph = LoadGraph(path, kImportLimits);
  } catch (const Error&) {
    return;
  }
  CheckImported(*graph);
}

// A node's outputs to fetch (all but resource handles), or the node as a
// target when it has none.
void AddFetchesAndTargets(const Node& node, std::vector<TensorName>& fetches,
                          std::vector<TargetName>& targets) {
  if (node.num_outputs() == 0) targets.emplace_back(&node);
  for (int k = 0; k < node.num_outputs(); ++k) {
    if (node.output_type(k) != DT_RESOURCE) fetches.emplace_back(node.output(k));
  }
}

// Runs the graph under the memory limit twice: the second Run reuses the
// compiled plan and the variables the first one may have set.
void RunTwice(std::shared_ptr<const Graph> graph, const FeedList& feeds,
              const std::vector<TensorName>& fetches, const std::vector<TargetName>& targets) {
  Session session(std::move(graph), {.memory_limit_bytes = kRunMemoryLimit});
  for (int run = 0; run < 2; ++run) {
    try {
      session.Run(feeds, fetches, targets);
    } catch (const Error&) {
      return;
    }
  }
}

}  // namespace

void GraphDefBinary(const uint8_t* data, size_t size) { Import(InputFile("graph.pb", data, size)); }

void GraphDefText(const uint8_t* data, size_t size) { Import(InputFile("graph.pbtxt", data, size)); }

void GraphRun(const uint8_t* data, size_t size) {
  proto::GraphDef def;
  if (!def.ParseFromArray(data, static_cast<int>(size))) return;
  std::shared_ptr<Graph> graph;
  try {
    graph = FromGraphDef(def, kImportLimits);
  } catch (const Error&) {
    return;
  }
  std::vector<char> consumed(static_cast<size_t>(graph->num_nodes()), 0);
  for (const auto& node : graph->nodes()) {
    for (const Output& in : node->inputs()) consumed[static_cast<size_t>(in.node->id())] = 1;
    for (const Node* c : node->control_inputs()) consumed[static_cast<size_t>(c->id())] = 1;
  }
  FeedList feeds;
  std::vector<TensorName> fetches;
  std::vector<TargetName> targets;
  for (const auto& node : graph->nodes()) {
    if (node->op() == "Placeholder") {
      // Zeros of the declared shape, unknown dims taken as 1; a placeholder
      // of unknown rank stays unfed, which the Run must report.
      const PartialShape& declared = node->output_shape(0);
      if (declared.rank_known()) {
        std::vector<int64_t> dims = declared.dims();
        for (int64_t& d : dims) d = d < 0 ? 1 : d;
        const auto elements = MultiplyDims(dims);
        if (elements && *elements <= 4096 && node->output_type(0) != DT_RESOURCE) {
          feeds.emplace_back(node->output(0), Tensor::Zeros(node->output_type(0), Shape(dims)));
        }
      }
    }
    if (!consumed[static_cast<size_t>(node->id())]) AddFetchesAndTargets(*node, fetches, targets);
  }
  RunTwice(graph, feeds, fetches, targets);
}

namespace {

// The fuzzer's bytes as a stream of choices; zeros once they run out.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return empty() ? 0 : data_[pos_++]; }
  // One of `n` (n > 0).
  size_t Pick(size_t n) { return Byte() % n; }
  template <typename T>
  const T& PickFrom(const std::vector<T>& values) {
    return values[Pick(values.size())];
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Ordinary values and the extremes hostile graphs use.
const std::vector<int64_t> kInts = {0, 1, 2, 3, 4, -1, -2, 7, int64_t{1} << 31, int64_t{1} << 62,
                                    -(int64_t{1} << 31), std::numeric_limits<int64_t>::max()};
const std::vector<float> kFloats = {0.f, 1.f, -1.f, 0.5f, 1e30f, -1e-30f,
                                    std::numeric_limits<float>::infinity(),
                                    std::numeric_limits<float>::quiet_NaN()};
const std::vector<std::string> kStrings = {"", "v", "NHWC", "NCHW", "SAME", "VALID"};
const std::vector<DataType> kTypes = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8, DT_BOOL};
const std::vector<int64_t> kDims = {0, 1, 2, 3, -1, int64_t{1} << 62};

PartialShape ChooseShape(Choices& c) {
  std::vector<int64_t> dims(c.Pick(4));
  for (int64_t& d : dims) d = c.PickFrom(kDims);
  try {
    return PartialShape(dims);
  } catch (const Error&) {
    return PartialShape({2});
  }
}

Tensor ChooseTensor(Choices& c) {
  const DataType dtype = c.PickFrom(kTypes);
  const int64_t n = static_cast<int64_t>(c.Pick(5));
  Tensor t(dtype, Shape({n}));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = c.PickFrom(kInts);
    switch (dtype) {
      case DT_FLOAT: t.data<float>()[i] = c.PickFrom(kFloats); break;
      case DT_DOUBLE: t.data<double>()[i] = c.PickFrom(kFloats); break;
      case DT_INT32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DT_INT64: t.data<int64_t>()[i] = v; break;
      case DT_UINT8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DT_BOOL: t.data<bool>()[i] = (v & 1) != 0; break;
      default: break;
    }
  }
  return t;
}

AttrValue ChooseAttr(Choices& c, const AttrDef& def) {
  const size_t count = c.Pick(4);
  switch (def.type) {
    case AttrType::kInt: return c.PickFrom(kInts);
    case AttrType::kFloat: return c.PickFrom(kFloats);
    case AttrType::kBool: return (c.Byte() & 1) != 0;
    case AttrType::kString:
      return def.allowed_strings.empty() ? c.PickFrom(kStrings) : c.PickFrom(def.allowed_strings);
    case AttrType::kType:
      return def.allowed_types.empty() ? c.PickFrom(kTypes) : c.PickFrom(def.allowed_types);
    case AttrType::kShape: return ChooseShape(c);
    case AttrType::kTensor: return ChooseTensor(c);
    case AttrType::kListInt: {
      std::vector<int64_t> v(count);
      for (int64_t& x : v) x = c.PickFrom(kInts);
      return v;
    }
    case AttrType::kListFloat: {
      std::vector<float> v(count);
      for (float& x : v) x = c.PickFrom(kFloats);
      return v;
    }
    case AttrType::kListString: {
      std::vector<std::string> v(count);
      for (std::string& x : v) x = c.PickFrom(kStrings);
      return v;
    }
    case AttrType::kListType: {
      std::vector<DataType> v(count);
      for (DataType& x : v) x = c.PickFrom(kTypes);
      return v;
    }
    case AttrType::kListShape: {
      std::vector<PartialShape> v;
      for (size_t i = 0; i < count; ++i) v.push_back(ChooseShape(c));
      return v;
    }
  }
  return int64_t{0};
}

}  // namespace

void GraphBuild(const uint8_t* data, size_t size) {
  Choices c(data, size);
  auto graph = std::make_shared<Graph>();
  Scope root(*graph);
  // A pool to draw inputs from: constants of each dtype, and placeholders
  // whose values (shapes computed at run time) come from the bytes.
  std::vector<Output> pool = {
      ops::Const(root, Tensor::FromVector<float>({1, -2, 3, 0.5f, 0, 4}, Shape{2, 3})),
      ops::Const(root, Tensor::FromVector<float>({2})),
      ops::Const(root, Tensor::FromVector<double>({1, 2, 3})),
      ops::Const(root, Tensor::FromVector<int32_t>({2, 3})),
      ops::Const(root, Tensor::FromVector<int32_t>({1}, Shape{})),
      ops::Const(root, Tensor::FromVector<int64_t>({3})),
      ops::Const(root, Tensor::FromVector<bool>({true, false})),
      ops::Const(root, Tensor::FromVector<uint8_t>({7, 200})),
  };
  const Output dims = ops::Placeholder(root.WithOpName("dims"), DT_INT64, {2});
  const Output index = ops::Placeholder(root.WithOpName("index"), DT_INT32, {});
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1, 3}));
  pool.insert(pool.end(), {dims, index, x});
  const FeedList feeds = {
      {dims, Tensor::FromVector<int64_t>({c.PickFrom(kInts), c.PickFrom(kInts)})},
      {index, Tensor::FromVector<int32_t>({static_cast<int32_t>(c.PickFrom(kInts))}, Shape{})},
      {x, Tensor::Zeros(DT_FLOAT, Shape{static_cast<int64_t>(c.Pick(3)), 3})}};

  const std::vector<const OpDef*> registry = OpRegistry::Global().List();
  for (int n = 0; n < 24 && !c.empty(); ++n) {
    const OpDef& op = *registry[c.Pick(registry.size())];
    NodeSpec spec;
    spec.name = "n" + std::to_string(n);
    spec.op = op.name;
    for (const AttrDef& attr : op.attrs) {
      // Type attrs that inputs determine are inferred; the others (an
      // output's dtype) and half the attrs with defaults are chosen.
      const bool inferred = attr.type == AttrType::kType &&
                            std::any_of(op.inputs.begin(), op.inputs.end(),
                                        [&](const ArgDef& a) { return a.type_attr == attr.name; });
      if (inferred || (attr.default_value && (c.Byte() & 1))) continue;
      spec.attrs[attr.name] = ChooseAttr(c, attr);
    }
    for (const ArgDef& arg : op.inputs) {
      size_t count = 1;
      if (!arg.number_attr.empty()) {
        count = 1 + c.Pick(3);
        spec.attrs[arg.number_attr] = static_cast<int64_t>(count);
      }
      // The first input of a type attr picks it; the rest follow it.
      for (size_t k = 0; k < count; ++k) {
        DataType want = arg.fixed_type;
        if (want == DT_INVALID && !arg.type_attr.empty() && spec.attrs.count(arg.type_attr)) {
          if (const auto* t = std::get_if<DataType>(&spec.attrs.at(arg.type_attr))) want = *t;
        }
        std::vector<Output> matching;
        for (const Output& o : pool) {
          if (want == DT_INVALID || o.dtype() == want) matching.push_back(o);
        }
        const Output in = c.PickFrom(matching.empty() ? pool : matching);
        spec.inputs.push_back(in);
        if (want == DT_INVALID && !arg.type_attr.empty()) spec.attrs[arg.type_attr] = in.dtype();
      }
    }
    try {
      Node* node = graph->AddNode(std::move(spec));
      for (int k = 0; k < node->num_outputs(); ++k) pool.push_back(node->output(k));
    } catch (const Error&) {
      // Refused when built: the normal outcome for most choices.
    }
  }

  CheckImported(*graph);
  std::vector<TensorName> fetches;
  std::vector<TargetName> targets;
  for (const auto& node : graph->nodes()) AddFetchesAndTargets(*node, fetches, targets);
  RunTwice(graph, feeds, fetches, targets);
}

void Checkpoint(const uint8_t* data, size_t size) {
  const fs::path path = InputFile("checkpoint.safetensors", data, size);
  tensorgraph::Checkpoint read;
  try {
    read = ReadCheckpoint(path);
  } catch (const Error&) {
    return;
  }
  // Written back, it reads as the same tensors.
  const fs::path copy = path.parent_path() / "copy.safetensors";
  WriteCheckpoint(copy, read.tensors);
  const tensorgraph::Checkpoint again = ReadCheckpoint(copy);
  if (again.tensors.size() != read.tensors.size()) Bug("a rewritten checkpoint lost tensors");
  for (const auto& [name, tensor] : read.tensors) {
    auto it = again.tensors.find(name);
    if (it == again.tensors.end() || !SameTensor(tensor, it->second)) {
      Bug("a rewritten checkpoint changed tensor '" + name + "'");
    }
  }
  // Restored into a graph with two variables: accepted only when it holds
  // exactly them, and then they hold its values.
  static const std::shared_ptr<Graph> graph = [] {
    auto g = std::make_shared<Graph>();
    Scope root(*g);
    ops::Variable(root.WithOpName("w"), DT_FLOAT, {2, 3});
    ops::Variable(root.WithOpName("step"), DT_INT64, {});
    return g;
  }();
  Session session(graph);
  try {
    RestoreCheckpoint(session, path);
  } catch (const Error&) {
    return;
  }
  for (const char* name : {"w", "step"}) {
    const Variable* v = session.resources().FindVariable(name);
    if (v == nullptr || !v->Read() || !SameTensor(*v->Read(), read.tensors.at(name))) {
      Bug(std::string("a restore did not set variable '") + name + "' to the file's value");
    }
  }
}

void Npy(const uint8_t* data, size_t size) {
  const fs::path path = InputFile("tensor.npy", data, size);
  Tensor tensor;
  try {
    tensor = ReadNpy(path);
  } catch (const Error&) {
    return;
  }
  const fs::path copy = path.parent_path() / "copy.npy";
  WriteNpy(copy, tensor);
  if (!SameTensor(ReadNpy(copy), tensor)) Bug("a rewritten .npy file reads differently");
}

const std::vector<Target>& Targets() {
  static const std::vector<Target> targets = {
      {"graphdef_binary", GraphDefBinary, ".pb"},
      {"graphdef_text", GraphDefText, ".pbtxt"},
      {"graph_run", GraphRun, ".pb"},
      {"graph_build", GraphBuild, ""},
      {"checkpoint", Checkpoint, ".safetensors"},
      {"npy", Npy, ".npy"},
  };
  return targets;
}

}  // namespace tensorgraph::fuzz
