#include "graph/dtype.h"

#include <array>
#include <utility>

namespace tensorgraph {
namespace {

struct DataTypeInfo {
  DataType dtype;
  std::string_view name;
  std::string_view enum_name;
  size_t size;
};

constexpr std::array<DataTypeInfo, 7> kInfos = {{
    {DT_FLOAT, "float", "DT_FLOAT", 4},
    {DT_DOUBLE, "double", "DT_DOUBLE", 8},
    {DT_INT32, "int32", "DT_INT32", 4},
    {DT_UINT8, "uint8", "DT_UINT8", 1},
    {DT_INT64, "int64", "DT_INT64", 8},
    {DT_BOOL, "bool", "DT_BOOL", 1},
    {DT_RESOURCE, "resource", "DT_RESOURCE", sizeof(void*)},
}};

const DataTypeInfo* Info(DataType dtype) {
  for (const auto& info : kInfos) {
    if (info.dtype == dtype) return &info;
  }
  return nullptr;
}

}  // namespace

std::string_view DataTypeName(DataType dtype) {
  const DataTypeInfo* info = Info(dtype);
  return info ? info->name : "invalid";
}

std::optional<DataType> DataTypeFromName(std::string_view name) {
  for (const auto& info : kInfos) {
    if (info.name == name || info.enum_name == name) return info.dtype;
  }
  if (name == "float32") return DT_FLOAT;
  if (name == "float64") return DT_DOUBLE;
  return std::nullopt;
}

bool IsSupportedDataType(int wire_value) {
  return Info(static_cast<DataType>(wire_value)) != nullptr;
}

size_t DataTypeSize(DataType dtype) {
  const DataTypeInfo* info = Info(dtype);
  return info ? info->size : 0;
}

bool IsFloating(DataType dtype) { return dtype == DT_FLOAT || dtype == DT_DOUBLE; }

bool IsInteger(DataType dtype) {
  return dtype == DT_INT32 || dtype == DT_INT64 || dtype == DT_UINT8;
}

const std::vector<DataType>& AllNumericTypes() {
  static const std::vector<DataType> types = {DT_FLOAT, DT_DOUBLE, DT_INT32,
                                              DT_UINT8, DT_INT64,  DT_BOOL};
  return types;
}

}  // namespace tensorgraph
