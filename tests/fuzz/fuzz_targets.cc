#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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
    if (consumed[static_cast<size_t>(node->id())]) continue;
    if (node->num_outputs() == 0) targets.emplace_back(node.get());
    for (int k = 0; k < node->num_outputs(); ++k) {
      if (node->output_type(k) != DT_RESOURCE) fetches.emplace_back(node->output(k));
    }
  }
  Session session(graph, {.memory_limit_bytes = kRunMemoryLimit});
  // Twice: the second Run reuses the compiled plan and the variables the
  // first one may have set.
  for (int run = 0; run < 2; ++run) {
    try {
      session.Run(feeds, fetches, targets);
    } catch (const Error&) {
      return;
    }
  }
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
      {"checkpoint", Checkpoint, ".safetensors"},
      {"npy", Npy, ".npy"},
  };
  return targets;
}

}  // namespace tensorgraph::fuzz
