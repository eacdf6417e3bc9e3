// Node attributes in memory: typed values, decoded and checked against the
// op's definition when a node enters the graph.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "graph/dtype.h"
#include "graph/shape.h"
#include "graph/tensor.h"

namespace tensorgraph {

enum class AttrType {
  kInt,
  kFloat,
  kBool,
  kString,
  kType,
  kShape,
  kTensor,
  kListInt,
  kListFloat,
  kListString,
  kListType,
  kListShape,
};

// The name in op signatures and messages: "int", "list(type)"...
std::string_view AttrTypeName(AttrType type);

// The variant alternatives are in AttrType order.
using AttrValue = std::variant<int64_t, float, bool, std::string, DataType, PartialShape, Tensor,
                               std::vector<int64_t>, std::vector<float>,
                               std::vector<std::string>, std::vector<DataType>,
                               std::vector<PartialShape>>;
using AttrMap = std::map<std::string, AttrValue, std::less<>>;

inline AttrType TypeOf(const AttrValue& value) { return static_cast<AttrType>(value.index()); }

// "true", "[1,2]", "float", "[?,3]", "float[2]"...
std::string AttrValueToString(const AttrValue& value);

}  // namespace tensorgraph
