// The serialization boundary: Graph <-> GraphDef (TensorFlow's wire format),
// as binary .pb or text .pbtxt. Import validates everything once (ops,
// attrs, dtypes, shapes, names, inputs, cycles, versions) and reports the
// first problem naming the node; what it returns is trusted from then on.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "graph/graph.h"
#include "proto/graph.pb.h"

namespace tensorgraph {

// The GraphDef producer version this library writes, and the newest
// min_consumer it accepts. TensorFlow's graphs of supported ops load when
// their min_consumer is at most this.
inline constexpr int kGraphDefVersion = 2474;
inline constexpr int kGraphDefMinConsumer = 0;

// Nodes come in a canonical topological order (ties broken by name), so
// graphs that differ only in the order their nodes were added give the
// same GraphDef.
proto::GraphDef ToGraphDef(const Graph& graph);
struct ImportOptions {
  // When > 0, the most bytes a graph may bring in: ReadGraphDef refuses a
  // larger file, and FromGraphDef refuses constants (tensor attrs) that
  // together would hold more, before allocating them, with
  // kResourceExhausted. For graphs from untrusted sources; the Session's
  // own limit (SessionOptions::memory_limit_bytes) bounds what runs make.
  int64_t memory_limit_bytes = 0;
};

// Throws kInvalidArgument naming the node and what was expected.
std::unique_ptr<Graph> FromGraphDef(const proto::GraphDef& graph_def,
                                    const ImportOptions& options = {});

// Reads a .pb (binary) or .pbtxt / .txt (text) file, chosen by extension.
proto::GraphDef ReadGraphDef(const std::filesystem::path& path, const ImportOptions& options = {});
// Both forms are deterministic: the same GraphDef gives the same bytes.
void WriteGraphDef(const proto::GraphDef& graph_def, const std::filesystem::path& path);
// The binary form with map entries (attrs) in sorted order.
std::string SerializeGraphDef(const proto::GraphDef& graph_def);

inline std::unique_ptr<Graph> LoadGraph(const std::filesystem::path& path,
                                        const ImportOptions& options = {}) {
  return FromGraphDef(ReadGraphDef(path, options), options);
}
inline void SaveGraph(const Graph& graph, const std::filesystem::path& path) {
  WriteGraphDef(ToGraphDef(graph), path);
}

// Tensor <-> TensorProto. FromTensorProto validates dtype, shape and that
// the content matches them (a short *_val list repeats its last value).
proto::TensorProto ToTensorProto(const Tensor& tensor);
Tensor FromTensorProto(const proto::TensorProto& proto);
// As above, refusing (kResourceExhausted) a tensor of more than max_bytes.
Tensor FromTensorProto(const proto::TensorProto& proto, int64_t max_bytes);
proto::TensorShapeProto ToShapeProto(const PartialShape& shape);
PartialShape FromShapeProto(const proto::TensorShapeProto& proto);

}  // namespace tensorgraph
