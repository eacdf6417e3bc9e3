// Element types. The enum values are TensorFlow's DataType values, so a
// DataType converts to and from the wire enum by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tensorgraph {

enum class DataType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt64 = 9,
  kBool = 10,
  kResource = 20,
};

inline constexpr DataType DT_INVALID = DataType::kInvalid;
inline constexpr DataType DT_FLOAT = DataType::kFloat;
inline constexpr DataType DT_DOUBLE = DataType::kDouble;
inline constexpr DataType DT_INT32 = DataType::kInt32;
inline constexpr DataType DT_UINT8 = DataType::kUInt8;
inline constexpr DataType DT_INT64 = DataType::kInt64;
inline constexpr DataType DT_BOOL = DataType::kBool;
inline constexpr DataType DT_RESOURCE = DataType::kResource;

// The short name used in op signatures and messages: "float", "int32"...
std::string_view DataTypeName(DataType dtype);
// Parses a short name ("float") or TensorFlow's enum name ("DT_FLOAT").
std::optional<DataType> DataTypeFromName(std::string_view name);
// Whether the runtime supports tensors of this wire enum value.
bool IsSupportedDataType(int wire_value);
// Bytes per element; 0 for kInvalid. A resource element is an opaque handle.
size_t DataTypeSize(DataType dtype);
bool IsFloating(DataType dtype);
bool IsInteger(DataType dtype);

// Every supported element type that holds numbers (not resource).
const std::vector<DataType>& AllNumericTypes();

template <typename T>
struct DataTypeOf;
template <> struct DataTypeOf<float> { static constexpr DataType value = DT_FLOAT; };
template <> struct DataTypeOf<double> { static constexpr DataType value = DT_DOUBLE; };
template <> struct DataTypeOf<int32_t> { static constexpr DataType value = DT_INT32; };
template <> struct DataTypeOf<uint8_t> { static constexpr DataType value = DT_UINT8; };
template <> struct DataTypeOf<int64_t> { static constexpr DataType value = DT_INT64; };
template <> struct DataTypeOf<bool> { static constexpr DataType value = DT_BOOL; };

template <typename T>
inline constexpr DataType kDataTypeOf = DataTypeOf<T>::value;

// Calls fn(T{}) with T the C++ type of `dtype` (one of the numeric types);
// throws kInvalidArgument naming `what` for any other dtype.
template <typename Fn>
decltype(auto) VisitDataType(DataType dtype, std::string_view what, Fn&& fn);

}  // namespace tensorgraph

#include "graph/dtype_visit.inc"
