#include "runtime/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/device.h"

namespace tensorgraph {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is read and written as little-endian host memory");

using Json = nlohmann::json;

constexpr size_t kLengthBytes = 8;
// The reference implementation refuses longer headers; so do we, before
// allocating for one.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// It pads the header with spaces so the data starts 8-byte aligned.
constexpr size_t kHeaderAlignment = 8;
constexpr std::string_view kMetadataKey = "__metadata__";
// Containers a valid header nests: the header object, an entry, its arrays.
constexpr int kMaxHeaderDepth = 2;

// The first pass over a header: its nesting depth and a repeated top-level
// key, from parse events alone, in linear time.
struct HeaderScan : nlohmann::json_sax<Json> {
  int depth = 0;
  bool too_deep = false;
  std::set<std::string, std::less<>> top_keys;
  std::optional<std::string> repeated;
  std::string error;

  bool Open() {
    if (depth > kMaxHeaderDepth) {
      too_deep = true;
      return false;  // stops the parse
    }
    ++depth;
    return true;
  }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return --depth, true; }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return --depth, true; }
  bool key(string_t& k) override {
    if (depth == 1 && !repeated && !top_keys.insert(k).second) repeated = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error = e.what();
    return false;
  }
};
constexpr std::string_view kFormat = "tensorgraph";

struct SafetensorsType {
  DataType dtype;
  std::string_view name;
};
constexpr SafetensorsType kTypes[] = {
    {DT_FLOAT, "F32"}, {DT_DOUBLE, "F64"}, {DT_INT32, "I32"},
    {DT_INT64, "I64"}, {DT_UINT8, "U8"},   {DT_BOOL, "BOOL"},
};
// Valid safetensors dtypes with no tensorgraph type: refused as
// unimplemented rather than as a malformed file.
constexpr std::string_view kOtherSafetensorsTypes[] = {
    "F16", "BF16", "I8", "I16", "U16", "U32", "U64", "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0",
    "F6_E2M3", "F6_E3M2", "F4",
};

template <typename... Args>
[[noreturn]] void FileError(ErrorCode code, const std::filesystem::path& path, Args&&... args) {
  ThrowError(code, "checkpoint '", path.string(), "': ", std::forward<Args>(args)...);
}

std::optional<DataType> DataTypeFromSafetensors(std::string_view name) {
  for (const SafetensorsType& t : kTypes) {
    if (t.name == name) return t.dtype;
  }
  return std::nullopt;
}

std::string_view SafetensorsName(DataType dtype) {
  for (const SafetensorsType& t : kTypes) {
    if (t.dtype == dtype) return t.name;
  }
  return {};
}

// "F32 (float)", for messages that compare file and graph dtypes.
std::string Describe(DataType dtype) {
  return StrCat(SafetensorsName(dtype), " (", DataTypeName(dtype), ")");
}

std::string Crc32Hex(uLong crc) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
  return hex;
}

uLong UpdateCrc(uLong crc, const void* data, size_t bytes) {
  return bytes == 0 ? crc : crc32_z(crc, static_cast<const Bytef*>(data), bytes);
}

// One tensor as the header describes it, checked against the data size.
struct Entry {
  std::string name;
  DataType dtype = DT_INVALID;
  Shape shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// A JSON number that is a non-negative integer fitting `limit`.
// A JSON value for an error message: short arrays of numbers as written,
// anything else by its type and size, so a hostile header is never printed
// whole (nor walked recursively).
std::string Brief(const Json& value) {
  if (value.is_array() && value.size() <= 8 &&
      std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_number(); })) {
    return value.dump();
  }
  std::string text = value.type_name();
  if (value.is_array() || value.is_object()) text += StrCat(" of ", value.size(), " elements");
  return text;
}

std::optional<uint64_t> NonNegativeInteger(const Json& value, uint64_t limit) {
  if (!value.is_number_unsigned()) return std::nullopt;
  const uint64_t v = value.get<uint64_t>();
  if (v > limit) return std::nullopt;
  return v;
}

Entry ParseEntry(const std::string& name, const Json& value, uint64_t data_bytes,
                 const std::filesystem::path& path) {
  auto fail = [&](ErrorCode code, auto&&... args) {
    FileError(code, path, "tensor '", name, "': ", args...);
  };
  if (!value.is_object()) {
    fail(ErrorCode::kInvalidArgument, "expected an object with \"dtype\", \"shape\" and ",
         "\"data_offsets\", found ", value.type_name());
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) fail(ErrorCode::kInvalidArgument, "missing \"", field, "\"");
  }
  Entry entry;
  entry.name = name;

  const Json& dtype = value["dtype"];
  if (!dtype.is_string()) {
    fail(ErrorCode::kInvalidArgument, "\"dtype\" must be a string, found ", dtype.type_name());
  }
  const std::string& dtype_name = dtype.get_ref<const std::string&>();
  if (auto d = DataTypeFromSafetensors(dtype_name)) {
    entry.dtype = *d;
  } else if (std::find(std::begin(kOtherSafetensorsTypes), std::end(kOtherSafetensorsTypes),
                       dtype_name) != std::end(kOtherSafetensorsTypes)) {
    fail(ErrorCode::kUnimplemented, "dtype ", dtype_name,
         " is not supported; expected F32, F64, I32, I64, U8 or BOOL");
  } else {
    fail(ErrorCode::kInvalidArgument, "unknown dtype \"", dtype_name,
         "\"; expected F32, F64, I32, I64, U8 or BOOL");
  }

  const Json& shape = value["shape"];
  if (!shape.is_array()) {
    fail(ErrorCode::kInvalidArgument, "\"shape\" must be an array, found ", shape.type_name());
  }
  std::vector<int64_t> dims;
  for (const Json& dim : shape) {
    const auto d = NonNegativeInteger(dim, std::numeric_limits<int64_t>::max());
    if (!d) {
      fail(ErrorCode::kInvalidArgument, "\"shape\" must hold non-negative integers, found ",
           Brief(shape));
    }
    dims.push_back(static_cast<int64_t>(*d));
  }
  try {
    entry.shape = Shape(std::move(dims));
  } catch (const Error& e) {
    fail(ErrorCode::kInvalidArgument, "bad shape ", Brief(shape), ": ", e.message());
  }

  const Json& offsets = value["data_offsets"];
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = NonNegativeInteger(offsets[0], std::numeric_limits<uint64_t>::max());
    end = NonNegativeInteger(offsets[1], std::numeric_limits<uint64_t>::max());
  }
  if (!begin || !end) {
    fail(ErrorCode::kInvalidArgument,
         "\"data_offsets\" must be [begin, end] with non-negative integers, found ",
         Brief(offsets));
  }
  if (*begin > *end) {
    fail(ErrorCode::kInvalidArgument, "data_offsets [", *begin, ", ", *end,
         "] end before they begin");
  }
  if (*end > data_bytes) {
    fail(ErrorCode::kDataLoss, "data_offsets [", *begin, ", ", *end,
         "] extend past the end of the data section (", data_bytes,
         " bytes): the file is truncated or the header is wrong");
  }
  entry.begin = *begin;
  entry.end = *end;
  // Compared by division first so an enormous shape cannot overflow.
  const uint64_t item = DataTypeSize(entry.dtype);
  const uint64_t count = static_cast<uint64_t>(entry.shape.num_elements());
  const uint64_t size = entry.end - entry.begin;
  if (count > size / item || count * item != size) {
    fail(ErrorCode::kInvalidArgument, "data_offsets [", *begin, ", ", *end, "] span ", size,
         " bytes; a ", dtype_name, " tensor of shape ", entry.shape.ToString(), " needs ",
         count, " x ", item, " bytes");
  }
  return entry;
}

std::map<std::string, std::string> ParseMetadata(const Json& value,
                                                 const std::filesystem::path& path) {
  if (!value.is_object()) {
    FileError(ErrorCode::kInvalidArgument, path, "\"", kMetadataKey,
              "\" must be an object of strings, found ", value.type_name());
  }
  std::map<std::string, std::string> metadata;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) {
      FileError(ErrorCode::kInvalidArgument, path, "\"", kMetadataKey, "\" entry \"", key,
                "\" must be a string, found ", v.type_name());
    }
    metadata[key] = v.get<std::string>();
  }
  return metadata;
}

// Reads the data section in file order into the tensors, checking each read
// and the crc32 of every byte (gaps and trailing bytes included).
void ReadData(std::ifstream& in, uint64_t data_bytes, const std::vector<Entry>& by_offset,
              std::map<std::string, Tensor>& tensors, const std::filesystem::path& path,
              const std::optional<std::string>& expected_crc) {
  uLong crc = crc32_z(0, nullptr, 0);
  std::vector<char> scratch;
  uint64_t pos = 0;
  auto read = [&](char* dst, uint64_t bytes, const std::string& what) {
    if (bytes > 0 && !in.read(dst, static_cast<std::streamsize>(bytes))) {
      FileError(ErrorCode::kDataLoss, path, "reading ", bytes, " bytes of ", what,
                " at data offset ", pos, " failed");
    }
    crc = UpdateCrc(crc, dst, bytes);
    pos += bytes;
  };
  auto skip_to = [&](uint64_t offset) {
    while (pos < offset) {
      const uint64_t n = std::min<uint64_t>(offset - pos, 1 << 20);
      scratch.resize(n);
      read(scratch.data(), n, "unused data");
    }
  };
  for (const Entry& e : by_offset) {
    // A zero-size tensor may sit inside another's range; it reads nothing.
    if (e.begin == e.end) continue;
    skip_to(e.begin);
    Tensor& t = tensors.at(e.name);
    read(static_cast<char*>(t.raw_data()), e.end - e.begin, StrCat("tensor '", e.name, "'"));
  }
  skip_to(data_bytes);
  if (expected_crc && Crc32Hex(crc) != *expected_crc) {
    FileError(ErrorCode::kDataLoss, path, "data checksum mismatch: the header records crc32 ",
              *expected_crc, " but the data has ", Crc32Hex(crc), "; the file is corrupt");
  }
  for (const Entry& e : by_offset) {
    if (e.dtype != DT_BOOL) continue;
    // Any non-zero byte is true; a C++ bool must hold exactly 0 or 1.
    Tensor& t = tensors.at(e.name);
    auto* bytes = static_cast<unsigned char*>(t.raw_data());
    for (int64_t i = 0; i < t.num_elements(); ++i) bytes[i] = bytes[i] != 0;
  }
}

// A graph's variable: what its VarHandleOps declare.
struct GraphVariable {
  std::string node;  // the first VarHandleOp naming it
  DataType dtype = DT_INVALID;
  PartialShape shape;
};

// Every variable of the graph by name; several handles to one variable
// must agree on it (as ResourceManager::LookupOrCreateVariable requires).
std::map<std::string, GraphVariable> GraphVariables(const Graph& graph) {
  std::map<std::string, GraphVariable> variables;
  for (const auto& node : graph.nodes()) {
    if (node->op() != "VarHandleOp") continue;
    const std::string& shared_name = node->attr<std::string>("shared_name");
    const std::string& name = shared_name.empty() ? node->name() : shared_name;
    const DataType dtype = node->attr<DataType>("dtype");
    const PartialShape& shape = node->attr<PartialShape>("shape");
    auto [it, inserted] = variables.try_emplace(name, GraphVariable{node->name(), dtype, shape});
    if (inserted) continue;
    const GraphVariable& v = it->second;
    if (v.dtype != dtype || v.shape != shape) {
      throw Error(ErrorCode::kInvalidArgument,
                  StrCat("variable '", name, "' is declared as ", DataTypeName(dtype),
                         shape.ToString(), " here but as ", DataTypeName(v.dtype),
                         v.shape.ToString(), " by '", v.node, "'"),
                  node->name(), node->op());
    }
  }
  return variables;
}

void RemoveQuietly(const std::filesystem::path& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

}  // namespace

Checkpoint ReadCheckpoint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FileError(ErrorCode::kNotFound, path, "cannot open it for reading: ", std::strerror(errno));
  std::error_code ec;
  const uintmax_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec) FileError(ErrorCode::kNotFound, path, "cannot read its size: ", ec.message());
  if (file_bytes < kLengthBytes) {
    FileError(ErrorCode::kDataLoss, path, "truncated: ", file_bytes,
              " bytes, shorter than the 8-byte header length");
  }

  unsigned char length[kLengthBytes];
  if (!in.read(reinterpret_cast<char*>(length), kLengthBytes)) {
    FileError(ErrorCode::kDataLoss, path, "reading the header length failed");
  }
  uint64_t header_bytes = 0;
  for (size_t i = kLengthBytes; i-- > 0;) header_bytes = (header_bytes << 8) | length[i];
  if (header_bytes > kMaxHeaderBytes) {
    FileError(ErrorCode::kInvalidArgument, path, "header length ", header_bytes,
              " exceeds the limit of ", kMaxHeaderBytes, " bytes; is this a safetensors file?");
  }
  if (header_bytes > file_bytes - kLengthBytes) {
    FileError(ErrorCode::kDataLoss, path, "truncated: the header length is ", header_bytes,
              " bytes but only ", file_bytes - kLengthBytes, " follow it");
  }
  std::string header_text(header_bytes, '\0');
  if (!in.read(header_text.data(), static_cast<std::streamsize>(header_bytes))) {
    FileError(ErrorCode::kDataLoss, path, "reading the ", header_bytes, "-byte header failed");
  }
  const uint64_t data_bytes = file_bytes - kLengthBytes - header_bytes;

  // JSON objects may repeat a key; the parser would keep the last silently.
  // A valid header nests three levels at most (header, entry, shape), so
  // anything deeper is refused by a first, event-only pass, before a tree
  // is built that could cost memory. (nlohmann's callback parser would do
  // both in one pass, but takes time quadratic in the number of entries.)
  HeaderScan scan;
  Json header;
  try {
    Json::sax_parse(header_text, &scan);
    if (!scan.too_deep) header = Json::parse(header_text);
  } catch (const Json::exception& e) {
    FileError(ErrorCode::kInvalidArgument, path, "the header is not valid JSON: ", e.what());
  }
  if (scan.too_deep) {
    FileError(ErrorCode::kInvalidArgument, path, "the header nests deeper than ",
              kMaxHeaderDepth, " levels; a safetensors header has an object of tensor entries "
              "holding arrays of numbers");
  }
  if (!scan.error.empty()) {
    FileError(ErrorCode::kInvalidArgument, path, "the header is not valid JSON: ", scan.error);
  }
  const std::optional<std::string>& repeated = scan.repeated;
  if (!header.is_object()) {
    FileError(ErrorCode::kInvalidArgument, path, "the header must be a JSON object, found ",
              header.type_name());
  }
  if (repeated) {
    FileError(ErrorCode::kInvalidArgument, path, "the header names tensor '", *repeated,
              "' twice");
  }

  Checkpoint checkpoint;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      checkpoint.metadata = ParseMetadata(value, path);
    } else {
      entries.push_back(ParseEntry(name, value, data_bytes, path));
    }
  }

  std::optional<std::string> expected_crc;
  if (auto it = checkpoint.metadata.find("crc32"); it != checkpoint.metadata.end()) {
    const std::string& crc = it->second;
    const bool hex = crc.size() == 8 && std::all_of(crc.begin(), crc.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex) {
      FileError(ErrorCode::kInvalidArgument, path, "metadata crc32 \"", crc,
                "\" is not 8 lowercase hex digits");
    }
    expected_crc = crc;
  }

  // Ranges must not overlap; an empty range overlaps nothing.
  std::vector<Entry> by_offset = entries;
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  const Entry* last = nullptr;
  for (const Entry& e : by_offset) {
    if (e.begin == e.end) continue;
    if (last != nullptr && e.begin < last->end) {
      FileError(ErrorCode::kInvalidArgument, path, "tensor '", e.name, "': data_offsets [",
                e.begin, ", ", e.end, "] overlap those of tensor '", last->name, "' [",
                last->begin, ", ", last->end, "]");
    }
    if (last == nullptr || e.end > last->end) last = &e;
  }

  for (const Entry& e : entries) checkpoint.tensors.emplace(e.name, Tensor(e.dtype, e.shape));
  ReadData(in, data_bytes, by_offset, checkpoint.tensors, path, expected_crc);
  return checkpoint;
}

void WriteCheckpoint(const std::filesystem::path& path,
                     const std::map<std::string, Tensor>& tensors) {
  Json header = Json::object();
  uint64_t offset = 0;
  uLong crc = crc32_z(0, nullptr, 0);
  for (const auto& [name, tensor] : tensors) {
    if (name == kMetadataKey) {
      FileError(ErrorCode::kInvalidArgument, path, "a tensor cannot be named '", kMetadataKey,
                "', which safetensors reserves");
    }
    const std::string_view dtype = SafetensorsName(tensor.dtype());
    if (dtype.empty()) {
      FileError(ErrorCode::kInvalidArgument, path, "tensor '", name, "' has dtype ",
                DataTypeName(tensor.dtype()),
                ", which cannot be saved; expected float, double, int32, int64, uint8 or bool");
    }
    if (!tensor.on_host()) {
      FileError(ErrorCode::kInvalidArgument, path, "tensor '", name, "' is in ",
                tensor.allocator()->name(), " memory; expected a host tensor");
    }
    header[name] = {{"dtype", dtype},
                    {"shape", tensor.shape().dims()},
                    {"data_offsets", {offset, offset + tensor.bytes()}}};
    offset += tensor.bytes();
    crc = UpdateCrc(crc, tensor.raw_data(), tensor.bytes());
  }
  header[std::string(kMetadataKey)] = {{"format", kFormat}, {"crc32", Crc32Hex(crc)}};
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {
    FileError(ErrorCode::kInvalidArgument, path, "cannot encode the header: ", e.what());
  }
  text.resize((text.size() + kHeaderAlignment - 1) / kHeaderAlignment * kHeaderAlignment, ' ');
  unsigned char length[kLengthBytes];
  for (size_t i = 0; i < kLengthBytes; ++i) length[i] = static_cast<unsigned char>(text.size() >> (8 * i));

  // The temporary file sits beside the target so the rename stays within one
  // file system and is atomic; the pid keeps concurrent writers apart.
  const std::filesystem::path tmp = StrCat(path.string(), ".tmp.", getpid());
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) {
    FileError(ErrorCode::kNotFound, path, "cannot create '", tmp.string(),
              "': ", std::strerror(errno));
  }
  auto fail = [&](const char* what) {
    const int error = errno;
    if (file != nullptr) std::fclose(file);
    RemoveQuietly(tmp);
    FileError(ErrorCode::kDataLoss, path, what, " '", tmp.string(), "' failed: ",
              std::strerror(error));
  };
  auto write = [&](const void* data, size_t bytes) {
    if (bytes > 0 && std::fwrite(data, 1, bytes, file) != bytes) fail("writing");
  };
  write(length, kLengthBytes);
  write(text.data(), text.size());
  for (const auto& [name, tensor] : tensors) write(tensor.raw_data(), tensor.bytes());
  if (std::fflush(file) != 0) fail("flushing");
  // The data must be on disk before the rename makes it the checkpoint.
  if (::fsync(fileno(file)) != 0) fail("syncing");
  const int closed = std::fclose(file);
  file = nullptr;
  if (closed != 0) fail("closing");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming over the checkpoint");

  // Sync the directory so the rename itself survives a crash.
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    FileError(ErrorCode::kDataLoss, path, "syncing its directory '", dir.string(),
              "' failed: ", std::strerror(error));
  }
  ::close(fd);
}

void SaveCheckpoint(Session& session, const std::filesystem::path& path) {
  std::map<std::string, Tensor> values;
  for (const auto& [name, declared] : GraphVariables(session.graph())) {
    const Variable* variable = session.resources().FindVariable(name);
    std::optional<Tensor> value = variable ? variable->Read() : std::nullopt;
    if (!value) {
      FileError(ErrorCode::kFailedPrecondition, path, "variable '", name,
                "' is uninitialized: run the initializer first");
    }
    // The read shares the variable's buffer: kernels copy on write while it
    // is held, so the file gets one consistent value of each variable.
    values.emplace(name, variable->device()->CopyToHost(*value));
  }
  WriteCheckpoint(path, values);
}

void RestoreCheckpoint(Session& session, const std::filesystem::path& path) {
  const std::map<std::string, GraphVariable> variables = GraphVariables(session.graph());
  Checkpoint checkpoint = ReadCheckpoint(path);
  ResourceManager& resources = session.resources();

  for (const auto& [name, declared] : variables) {
    auto it = checkpoint.tensors.find(name);
    if (it == checkpoint.tensors.end()) {
      FileError(ErrorCode::kNotFound, path, "variable '", name,
                "' of the graph is not in the checkpoint");
    }
    const Tensor& value = it->second;
    if (value.dtype() != declared.dtype) {
      FileError(ErrorCode::kInvalidArgument, path, "variable '", name, "' is ",
                Describe(value.dtype()), " in the file, but the graph declares ",
                DataTypeName(declared.dtype), " (VarHandleOp '", declared.node, "')");
    }
    if (!declared.shape.IsCompatibleWith(value.shape())) {
      FileError(ErrorCode::kInvalidArgument, path, "variable '", name, "' has shape ",
                value.shape().ToString(), " in the file, but the graph declares ",
                declared.shape.ToString(), " (VarHandleOp '", declared.node, "')");
    }
    // A variable the session already made (by another graph) must agree too.
    if (const Variable* existing = resources.FindVariable(name)) {
      if (existing->dtype() != value.dtype() ||
          !existing->declared_shape().IsCompatibleWith(value.shape())) {
        FileError(ErrorCode::kInvalidArgument, path, "variable '", name, "' exists in the ",
                  "session as ", DataTypeName(existing->dtype()),
                  existing->declared_shape().ToString(), "; the file holds ",
                  DataTypeName(value.dtype()), value.shape().ToString());
      }
    }
  }
  for (const auto& [name, value] : checkpoint.tensors) {
    if (!variables.count(name)) {
      FileError(ErrorCode::kInvalidArgument, path, "tensor '", name,
                "' is not a variable of the graph; restore is strict and expects exactly ",
                "the graph's variables");
    }
  }

  // Values go to the variable's device: where it lives, or for one not
  // made yet, where its VarHandleOp runs in this session. Copies are made
  // before any variable is created or assigned, so a failed one changes
  // nothing.
  std::vector<std::tuple<std::string, Device*, Tensor>> placed;
  for (auto& [name, value] : checkpoint.tensors) {
    const Variable* variable = resources.FindVariable(name);
    Device* device = variable ? variable->device()
                              : session.DeviceFor(*session.graph().FindNode(variables.at(name).node));
    placed.emplace_back(name, device, device->CopyFromHost(value));
  }
  std::vector<std::pair<Variable*, Tensor>> assignments;
  for (auto& [name, device, value] : placed) {
    const GraphVariable& declared = variables.at(name);
    assignments.emplace_back(resources.LookupOrCreateVariable(name, declared.dtype, declared.shape,
                                                              declared.node, device),
                             std::move(value));
  }
  for (auto& [variable, value] : assignments) variable->Assign(std::move(value));
}

}  // namespace tensorgraph
