#include <chrono>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "runtime/checkpoint.h"
#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

namespace fs = std::filesystem;

using testing::FileBytes;
using testing::WriteBytes;

// A safetensors file with this header text and data, as written by hand.
std::string SafetensorsBytes(const std::string& header, const std::string& data = "") {
  std::string bytes(8, '\0');
  for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::vector<std::string> DirectoryEntries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// One variable per (name, initial value), each with an AssignVariableOp
// initializer (grouped under "init") and a ReadVariableOp "<name>/read".
// `declared` overrides a variable's declared shape.
struct Model {
  Graph graph;
  std::vector<std::string> reads;
};

std::unique_ptr<Model> MakeModel(const NamedTensors& variables,
                                 const std::map<std::string, PartialShape>& declared = {}) {
  auto model = std::make_unique<Model>();
  Scope root(model->graph);
  std::vector<Node*> inits;
  for (const auto& [name, value] : variables) {
    auto it = declared.find(name);
    const PartialShape shape = it != declared.end() ? it->second : PartialShape(value.shape());
    auto v = ops::Variable(root.WithOpName(name), value.dtype(), shape);
    inits.push_back(v.Assign(root.WithOpName(name + "/init"), ops::Const(root, value)));
    model->reads.push_back(v.Read(root.WithOpName(name + "/read")).name());
  }
  ops::Group(root.WithOpName("init"), inits);
  return model;
}

std::vector<Tensor> ReadAll(Session& session, const Model& model) {
  std::vector<TensorName> fetches(model.reads.begin(), model.reads.end());
  return session.Run({}, fetches);
}

// One variable of each dtype a checkpoint holds, a scalar and a zero-size
// tensor among them.
NamedTensors Values(float offset = 0) {
  return {
      {"w", Tensor::FromVector<float>({0.5f + offset, -1.25f, 3e38f, -0.0f, 1e-3f, 7}, Shape{2, 3})},
      {"b", Tensor::FromVector<double>({1e-300, -2.5 + offset, 3.0})},
      {"step", Tensor::Scalar<int64_t>(INT64_MIN + static_cast<int64_t>(offset))},
      {"counts", Tensor::FromVector<int32_t>({-2147483647 - 1, 0, 7, 2147483647}, Shape{2, 2})},
      {"pixels", Tensor::FromVector<uint8_t>({0, 128, 255})},
      {"mask", Tensor::FromVector<bool>({true, false, offset != 0, true})},
      {"empty", Tensor::Zeros(DT_FLOAT, Shape{0, 2})},
  };
}

NamedTensors Without(NamedTensors tensors, const std::string& name) {
  std::erase_if(tensors, [&](const auto& t) { return t.first == name; });
  return tensors;
}

NamedTensors Replace(NamedTensors tensors, const std::string& name, Tensor value) {
  for (auto& t : tensors) {
    if (t.first == name) t.second = std::move(value);
  }
  return tensors;
}

// Saves a model initialized with `values` to `path`.
void SaveValues(const NamedTensors& values, const fs::path& path) {
  auto model = MakeModel(values);
  Session session(model->graph);
  session.Run({}, {}, {"init"});
  SaveCheckpoint(session, path);
}

void CheckBitwiseEqual(const std::vector<Tensor>& got, const NamedTensors& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(expected[i].first << ": " << got[i].DebugString() << " vs "
                           << expected[i].second.DebugString());
    CHECK(got[i].BitwiseEquals(expected[i].second));
  }
}

}  // namespace

TEST_CASE("A checkpoint restores every variable bit for bit into a new session",
          "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_round_trip");
  const fs::path path = dir / "model.safetensors";
  auto model = MakeModel(Values());
  Session first(model->graph);
  first.Run({}, {}, {"init"});
  const std::vector<Tensor> saved = ReadAll(first, *model);
  SaveCheckpoint(first, path);
  CHECK(DirectoryEntries(dir) == std::vector<std::string>{"model.safetensors"});

  Session second(model->graph);
  RestoreCheckpoint(second, path);
  const std::vector<Tensor> restored = ReadAll(second, *model);
  CheckBitwiseEqual(restored, Values());
  for (size_t i = 0; i < saved.size(); ++i) CHECK(restored[i].BitwiseEquals(saved[i]));

  SECTION("a graph reloaded from a .pb restores it too") {
    SaveGraph(model->graph, dir / "model.pb");
    std::unique_ptr<Graph> loaded = LoadGraph(dir / "model.pb");
    Session third(*loaded);
    RestoreCheckpoint(third, path);
    std::vector<TensorName> fetches(model->reads.begin(), model->reads.end());
    CheckBitwiseEqual(third.Run({}, fetches), Values());
  }
}

TEST_CASE("SaveCheckpoint writes the safetensors layout", "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_layout");
  const fs::path path = dir / "model.safetensors";
  SaveValues(Values(), path);

  const std::string bytes = FileBytes(path);
  REQUIRE(bytes.size() >= 8);
  uint64_t header_bytes = 0;
  for (size_t i = 8; i-- > 0;) header_bytes = (header_bytes << 8) | static_cast<unsigned char>(bytes[i]);
  // Padded with spaces so the data starts 8-byte aligned, as the reference
  // implementation writes it.
  CHECK(header_bytes % 8 == 0);
  const std::string header = bytes.substr(8, header_bytes);
  CHECK(header.front() == '{');
  CHECK_THAT(header, Contains(R"("w":{"data_offsets":[55,79],"dtype":"F32","shape":[2,3]})"));
  CHECK_THAT(header, Contains(R"("step":{"data_offsets":[47,55],"dtype":"I64","shape":[]})"));
  CHECK_THAT(header, Contains(R"("empty":{"data_offsets":[40,40],"dtype":"F32","shape":[0,2]})"));
  CHECK_THAT(header, Contains(R"("mask":{"data_offsets":[40,44],"dtype":"BOOL","shape":[4]})"));
  // Sorted by name, data contiguous: b, counts, empty, mask, pixels, step, w.
  CHECK(bytes.size() == 8 + header_bytes + 24 + 16 + 0 + 4 + 3 + 8 + 24);

  const Checkpoint checkpoint = ReadCheckpoint(path);
  CHECK(checkpoint.metadata.at("format") == "tensorgraph");
  CHECK(checkpoint.metadata.at("crc32").size() == 8);
  CHECK(checkpoint.tensors.size() == 7);
  CHECK(checkpoint.tensors.at("counts").BitwiseEquals(Values()[3].second));
}

TEST_CASE("A checkpoint written by Python's safetensors restores", "[checkpoint]") {
  // tests/data/checkpoint/generate.py wrote it with safetensors.numpy.
  Graph g;
  Scope root(g);
  struct Var {
    const char* name;
    DataType dtype;
    PartialShape shape;
  };
  const std::vector<Var> vars = {
      {"dense/kernel", DT_FLOAT, {-1, 3}},  // a partial declared shape
      {"dense/bias", DT_DOUBLE, {3}},
      {"counts", DT_INT32, {2, 2}},
      {"step", DT_INT64, {}},
      {"pixels", DT_UINT8, {3}},
      {"mask", DT_BOOL, {4}},
      {"empty", DT_FLOAT, {0, 2}},
  };
  std::vector<TensorName> reads;
  for (size_t i = 0; i < vars.size(); ++i) {
    // Named through shared_name, not the node name.
    Output handle = ops::VarHandleOp(root.WithOpName(StrCat("handle", i)), vars[i].dtype,
                                     vars[i].shape, vars[i].name);
    reads.push_back(ops::ReadVariableOp(root, handle, vars[i].dtype));
  }
  Session session(g);
  RestoreCheckpoint(session, TG_TEST_DATA_DIR "/checkpoint/python_written.safetensors");
  const std::vector<Tensor> got = session.Run({}, reads);
  CHECK(got[0].BitwiseEquals(
      Tensor::FromVector<float>({0.5f, -1.25f, 2.0f, 3.5f, -0.0f, 1e-3f}, Shape{2, 3})));
  CHECK(got[1].BitwiseEquals(Tensor::FromVector<double>({0.1, -0.2, 1e300})));
  CHECK(got[2].BitwiseEquals(
      Tensor::FromVector<int32_t>({-2147483647 - 1, 0, 7, 2147483647}, Shape{2, 2})));
  CHECK(got[3].BitwiseEquals(Tensor::Scalar<int64_t>(-9000000000)));
  CHECK(got[4].BitwiseEquals(Tensor::FromVector<uint8_t>({0, 128, 255})));
  CHECK(got[5].BitwiseEquals(Tensor::FromVector<bool>({true, false, false, true})));
  CHECK(got[6].BitwiseEquals(Tensor::Zeros(DT_FLOAT, Shape{0, 2})));

  // No crc32 from Python; its own metadata comes through.
  const Checkpoint checkpoint =
      ReadCheckpoint(TG_TEST_DATA_DIR "/checkpoint/python_written.safetensors");
  CHECK(checkpoint.metadata == std::map<std::string, std::string>{{"written_by", "safetensors.numpy"}});
}

TEST_CASE("RestoreCheckpoint refuses a file that does not match the graph, naming the variable",
          "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_mismatch");
  const fs::path path = dir / "model.safetensors";

  // The session's graph has every variable of Values(); each file differs.
  auto model = MakeModel(Values());
  Session session(model->graph);
  session.Run({}, {}, {"init"});
  // Assign new values so a restore that wrongly went ahead would show.
  auto other = MakeModel(Values(1));
  Session other_session(other->graph);
  other_session.Run({}, {}, {"init"});
  const fs::path good = dir / "good.safetensors";
  SaveCheckpoint(other_session, good);

  struct Case {
    const char* what;
    std::function<void()> make;  // writes `path`
    std::string message;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {"wrong dtype", [&] { SaveValues(Replace(Values(), "b", Tensor::FromVector<float>({1, 2, 3})), path); },
       "variable 'b' is F32 (float) in the file, but the graph declares double (VarHandleOp 'b')",
       ErrorCode::kInvalidArgument},
      {"wrong shape",
       [&] { SaveValues(Replace(Values(), "w", Tensor::Zeros(DT_FLOAT, Shape{3, 2})), path); },
       "variable 'w' has shape [3,2] in the file, but the graph declares [2,3]",
       ErrorCode::kInvalidArgument},
      {"missing variable", [&] { SaveValues(Without(Values(), "pixels"), path); },
       "variable 'pixels' of the graph is not in the checkpoint", ErrorCode::kNotFound},
      {"extra tensor",
       [&] {
         NamedTensors values = Values(1);
         values.emplace_back("zzz_extra", Tensor::Scalar<float>(1));
         SaveValues(values, path);
       },
       "tensor 'zzz_extra' is not a variable of the graph; restore is strict and expects "
       "exactly the graph's variables",
       ErrorCode::kInvalidArgument},
      {"truncated data",
       [&] {
         const std::string bytes = FileBytes(good);
         WriteBytes(path, bytes.substr(0, bytes.size() - 5));
       },
       "tensor 'w': data_offsets [55, 79] extend past the end of the data section (74 bytes): "
       "the file is truncated",
       ErrorCode::kDataLoss},
      {"truncated header",
       [&] { WriteBytes(path, FileBytes(good).substr(0, 100)); },
       "bytes but only 92 follow it", ErrorCode::kDataLoss},
      {"shorter than the length",
       [&] { WriteBytes(path, FileBytes(good).substr(0, 5)); },
       "truncated: 5 bytes, shorter than the 8-byte header length", ErrorCode::kDataLoss},
      {"flipped data byte",
       [&] {
         std::string bytes = FileBytes(good);
         bytes[bytes.size() - 3] ^= 0x10;
         WriteBytes(path, bytes);
       },
       "data checksum mismatch: the header records crc32 ", ErrorCode::kDataLoss},
      {"bad JSON",
       [&] {
         std::string bytes = FileBytes(good);
         bytes[8 + 15] = '}';  // {"__metadata__"} ...
         WriteBytes(path, bytes);
       },
       "the header is not valid JSON", ErrorCode::kInvalidArgument},
      {"overlapping offsets",
       [&] {
         // Two of the graph's variables share bytes.
         std::string bytes = FileBytes(good);
         const std::string from = R"("data_offsets":[44,47],"dtype":"U8")";
         const std::string to = R"("data_offsets":[43,46],"dtype":"U8")";
         REQUIRE(bytes.find(from) != std::string::npos);
         bytes.replace(bytes.find(from), from.size(), to);
         WriteBytes(path, bytes);
       },
       "tensor 'pixels': data_offsets [43, 46] overlap those of tensor 'mask' [40, 44]",
       ErrorCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    c.make();
    try {
      RestoreCheckpoint(session, path);
      FAIL("RestoreCheckpoint did not throw");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Contains(c.message));
      CHECK_THAT(e.what(), Contains(StrCat("checkpoint '", path.string(), "'")));
      CHECK(e.code() == c.code);
    }
    // Nothing was assigned: the session still holds its own values.
    CheckBitwiseEqual(ReadAll(session, *model), Values());
  }

  // The untouched file restores, and replaces every value.
  RestoreCheckpoint(session, good);
  CheckBitwiseEqual(ReadAll(session, *model), Values(1));
}

TEST_CASE("ReadCheckpoint refuses malformed headers, naming the tensor", "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_malformed");
  const fs::path path = dir / "bad.safetensors";
  const std::string eight(8, '\0');
  struct Case {
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {SafetensorsBytes("[1, 2]"), "the header must be a JSON object, found array"},
      {SafetensorsBytes(R"({"x": 3})"),
       "tensor 'x': expected an object with \"dtype\", \"shape\" and \"data_offsets\", found number"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": []}})"),
       "tensor 'x': missing \"data_offsets\""},
      {SafetensorsBytes(R"({"x": {"dtype": "F17", "shape": [], "data_offsets": [0, 4]}})", eight),
       "tensor 'x': unknown dtype \"F17\"; expected F32, F64, I32, I64, U8 or BOOL"},
      {SafetensorsBytes(R"({"x": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})", eight),
       "tensor 'x': dtype F16 is not supported"},
      {SafetensorsBytes(R"({"x": {"dtype": 1, "shape": [], "data_offsets": [0, 4]}})", eight),
       "tensor 'x': \"dtype\" must be a string, found number"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", eight),
       "tensor 'x': \"shape\" must hold non-negative integers, found [-1]"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", eight),
       "tensor 'x': \"shape\" must hold non-negative integers"},
      {SafetensorsBytes(
           R"({"x": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})",
           eight),
       "tensor 'x': bad shape [4294967296,4294967296]"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [], "data_offsets": [0]}})", eight),
       "tensor 'x': \"data_offsets\" must be [begin, end] with non-negative integers, found [0]"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [], "data_offsets": [4, 0]}})", eight),
       "tensor 'x': data_offsets [4, 0] end before they begin"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [], "data_offsets": [0, 8]}})", eight),
       "tensor 'x': data_offsets [0, 8] span 8 bytes; a F32 tensor of shape [] needs 1 x 4 bytes"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [], "data_offsets": [0, 16]}})", eight),
       "tensor 'x': data_offsets [0, 16] extend past the end of the data section (8 bytes)"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},)"
                        R"( "x": {"dtype": "F32", "shape": [], "data_offsets": [4, 8]}})",
                        eight),
       "the header names tensor 'x' twice"},
      {SafetensorsBytes(R"({"__metadata__": {"crc32": 5}})"),
       "\"__metadata__\" entry \"crc32\" must be a string, found number"},
      {SafetensorsBytes(R"({"__metadata__": {"crc32": "xyz"}})"),
       "metadata crc32 \"xyz\" is not 8 lowercase hex digits"},
      {std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}",
       "header length 9223372036854775807 exceeds the limit of 100000000 bytes"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [[1]], "data_offsets": [0, 4]}})",
                        eight),
       "the header nests deeper than 2 levels"},
      // Deep nesting is refused while parsing: it neither recurses nor
      // builds a million arrays.
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": )" + std::string(1'000'000, '[') +
                        std::string(1'000'000, ']') + R"(, "data_offsets": [0, 4]}})",
                        eight),
       "the header nests deeper than 2 levels"},
      {SafetensorsBytes(R"({"x": {"dtype": "F32", "shape": [1, 2, 3, 4, 5, 6, 7, 8, 9, -1], )"
                        R"("data_offsets": [0, 4]}})",
                        eight),
       "\"shape\" must hold non-negative integers, found array of 10 elements"},
  };
  for (const Case& c : cases) {
    INFO(c.bytes);
    WriteBytes(path, c.bytes);
    CHECK_THROWS_WITH(ReadCheckpoint(path), Contains(c.message));
  }
  CHECK_THROWS_WITH(ReadCheckpoint(dir / "absent.safetensors"),
                    Contains("absent.safetensors': cannot open it for reading"));

  // Without a crc32, gaps and bytes no tensor uses are allowed, and a
  // zero-size tensor may point anywhere in bounds.
  WriteBytes(path, SafetensorsBytes(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]},)"
                                    R"( "z": {"dtype": "I64", "shape": [0], "data_offsets": [2, 2]}})",
                                    "\x09\x01\x02\x09"));
  const Checkpoint checkpoint = ReadCheckpoint(path);
  CHECK(checkpoint.tensors.at("a").ToVector<uint8_t>() == std::vector<uint8_t>{1, 2});
  CHECK(checkpoint.tensors.at("z").shape() == Shape{0});
}

TEST_CASE("SaveCheckpoint of an uninitialized variable fails and keeps the old file",
          "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_uninitialized");
  const fs::path path = dir / "model.safetensors";
  SaveValues(Values(), path);
  const std::string before = FileBytes(path);

  auto model = MakeModel(Values(1));
  Session session(model->graph);
  CHECK_THROWS_WITH(SaveCheckpoint(session, path),
                    Contains("variable 'b' is uninitialized: run the initializer first"));
  // Only some variables initialized: still refused, naming the first missing.
  session.Run({}, {}, {"w/init", "b/init"});
  try {
    SaveCheckpoint(session, path);
    FAIL("SaveCheckpoint did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kFailedPrecondition);
    CHECK_THAT(e.what(), Contains("variable 'counts' is uninitialized"));
  }
  CHECK(FileBytes(path) == before);
  CHECK(DirectoryEntries(dir) == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("SaveCheckpoint replaces an existing checkpoint and leaves no temporary file",
          "[checkpoint]") {
  const fs::path dir = testing::TempDir("checkpoint_replace");
  const fs::path path = dir / "model.safetensors";
  SaveValues(Values(), path);
  SaveValues(Values(1), path);
  CHECK(DirectoryEntries(dir) == std::vector<std::string>{"model.safetensors"});

  auto model = MakeModel(Values());
  Session session(model->graph);
  RestoreCheckpoint(session, path);
  CheckBitwiseEqual(ReadAll(session, *model), Values(1));

  // A variable updated after a restore saves its new value.
  session.Run({}, {}, {"init"});
  SaveCheckpoint(session, path);
  CheckBitwiseEqual(
      [&] {
        std::vector<Tensor> out;
        const Checkpoint c = ReadCheckpoint(path);
        for (const auto& [name, value] : Values()) out.push_back(c.tensors.at(name));
        return out;
      }(),
      Values());

  // A write that cannot start says why and leaves nothing behind.
  CHECK_THROWS_WITH(SaveCheckpoint(session, dir / "missing" / "model.safetensors"),
                    Contains("cannot create") && Contains("No such file or directory"));
  CHECK(DirectoryEntries(dir) == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("A header of 200000 entries is read in linear time", "[checkpoint][hostile]") {
  // Entries for variables the graph does not have: the restore refuses
  // them, after reading the whole header (this took minutes when the
  // parse was quadratic in entries).
  constexpr int kEntries = 200000;
  std::string header = "{";
  for (int i = 0; i < kEntries; ++i) {
    header += (i ? "," : "") + std::string("\"v") + std::to_string(i) +
              "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" + std::to_string(4 * i) +
              "," + std::to_string(4 * i + 4) + "]}";
  }
  header += "}";
  std::string bytes(8, '\0');
  for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>((header.size() >> (8 * b)) & 0xff);
  bytes += header + std::string(4 * kEntries, '\0');
  const std::string path = testing::TempDir("checkpoint_many_entries") + "/many.safetensors";
  WriteBytes(path, bytes);
  Graph g;
  Session session(g);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(RestoreCheckpoint(session, path), Error);
  WARN("restoring a 200000-entry header took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
       << " s");
}
