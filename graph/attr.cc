#include "graph/attr.h"

#include <sstream>

namespace tensorgraph {

std::string_view AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kBool: return "bool";
    case AttrType::kString: return "string";
    case AttrType::kType: return "type";
    case AttrType::kShape: return "shape";
    case AttrType::kTensor: return "tensor";
    case AttrType::kListInt: return "list(int)";
    case AttrType::kListFloat: return "list(float)";
    case AttrType::kListString: return "list(string)";
    case AttrType::kListType: return "list(type)";
    case AttrType::kListShape: return "list(shape)";
  }
  return "?";
}

namespace {

struct Printer {
  std::ostringstream& os;
  void operator()(int64_t v) { os << v; }
  void operator()(float v) { os << v; }
  void operator()(bool v) { os << (v ? "true" : "false"); }
  void operator()(const std::string& v) { os << "'" << v << "'"; }
  void operator()(DataType v) { os << DataTypeName(v); }
  void operator()(const PartialShape& v) { os << v.ToString(); }
  void operator()(const Tensor& v) { os << v.DebugString(4); }
  template <typename T>
  void operator()(const std::vector<T>& list) {
    os << "[";
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) os << ",";
      (*this)(list[i]);
    }
    os << "]";
  }
};

}  // namespace

std::string AttrValueToString(const AttrValue& value) {
  std::ostringstream os;
  std::visit(Printer{os}, value);
  return os.str();
}

}  // namespace tensorgraph
