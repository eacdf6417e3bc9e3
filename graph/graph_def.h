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
// Throws kInvalidArgument naming the node and what was expected.
std::unique_ptr<Graph> FromGraphDef(const proto::GraphDef& graph_def);

// Reads a .pb (binary) or .pbtxt / .txt (text) file, chosen by extension.
proto::GraphDef ReadGraphDef(const std::filesystem::path& path);
// Both forms are deterministic: the same GraphDef gives the same bytes.
void WriteGraphDef(const proto::GraphDef& graph_def, const std::filesystem::path& path);
// The binary form with map entries (attrs) in sorted order.
std::string SerializeGraphDef(const proto::GraphDef& graph_def);

inline std::unique_ptr<Graph> LoadGraph(const std::filesystem::path& path) { return FromGraphDef(ReadGraphDef(path)); }
inline void SaveGraph(const Graph& graph, const std::filesystem::path& path) {
  WriteGraphDef(ToGraphDef(graph), path);
}

// Tensor <-> TensorProto. FromTensorProto validates dtype, shape and that
// the content matches them (a short *_val list repeats its last value).
proto::TensorProto ToTensorProto(const Tensor& tensor);
Tensor FromTensorProto(const proto::TensorProto& proto);
proto::TensorShapeProto ToShapeProto(const PartialShape& shape);
PartialShape FromShapeProto(const proto::TensorShapeProto& proto);

}  // namespace tensorgraph
