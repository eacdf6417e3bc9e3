// GraphDef import validation: every malformed graph is refused with its
// own error (code, node, and what was expected), never an assert or a crash;
// and TensorFlow's encodings that look odd but are valid import correctly.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

proto::GraphDef Parse(const std::string& text) {
  proto::GraphDef g;
  INFO(text);
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &g));
  return g;
}

std::string Attr(std::string_view key, std::string_view value) {
  return StrCat("attr { key: '", key, "' value { ", value, " } } ");
}

std::string NodeText(std::string_view name, std::string_view op,
                     const std::vector<std::string>& inputs = {}, std::string_view attrs = "") {
  std::string s = StrCat("node { name: '", name, "' op: '", op, "' ");
  for (const auto& in : inputs) s += StrCat("input: '", in, "' ");
  return s + std::string(attrs) + "} ";
}

std::string Placeholder(std::string_view name, std::string_view dtype = "DT_FLOAT") {
  return NodeText(name, "Placeholder", {}, Attr("dtype", StrCat("type: ", dtype)));
}

// A Const whose value attr holds `tensor` (the inside of a TensorProto).
std::string Const(std::string_view name, std::string_view dtype, std::string_view tensor) {
  return NodeText(
      name, "Const", {},
      Attr("dtype", StrCat("type: ", dtype)) + Attr("value", StrCat("tensor { ", tensor, " }")));
}

std::string Identity(std::string_view name, std::string_view input) {
  return NodeText(name, "Identity", {std::string(input)}, Attr("T", "type: DT_FLOAT"));
}

// What importing `text` throws, compared with what it should; "" when it matches.
std::string ImportError(const std::string& text, std::string_view node, std::string_view fragment,
                        ErrorCode code = ErrorCode::kInvalidArgument) {
  const proto::GraphDef g = Parse(text);
  return ErrorMismatch([&] { FromGraphDef(g); }, code, node, fragment);
}

// Imports `text` and fetches `fetch` through a save-and-reload round trip.
Tensor ImportAndRun(const std::string& text, const std::string& fetch, const FeedList& feeds = {}) {
  std::unique_ptr<Graph> graph = FromGraphDef(Parse(text));
  return RunAndRoundTrip(*graph, feeds, {fetch}).at(0);
}

// --- ops and attrs ------------------------------------------------------------------

TEST_CASE("import refuses an unknown op", "[import]") {
  CHECK(ImportError(NodeText("a", "NoSuchOp"), "a", "unknown op 'NoSuchOp'") == "");
}

TEST_CASE("import refuses a missing attr", "[import]") {
  CHECK(ImportError(NodeText("x", "Placeholder"), "x", "missing attr 'dtype'") == "");
}

TEST_CASE("import refuses an attr of the wrong type", "[import]") {
  CHECK(ImportError(NodeText("x", "Placeholder", {}, Attr("dtype", "i: 1")), "x",
                    "attr 'dtype' must hold a type, found int") == "");
  const std::string mm = Placeholder("a") + Placeholder("b") +
                         NodeText("mm", "MatMul", {"a", "b"},
                                  Attr("T", "type: DT_FLOAT") + Attr("transpose_a", "i: 1"));
  CHECK(ImportError(mm, "mm", "attr 'transpose_a' must hold a bool, found int") == "");
  const std::string squeeze =
      Placeholder("a") +
      NodeText("s", "Squeeze", {"a"},
               Attr("T", "type: DT_FLOAT") + Attr("squeeze_dims", "list { f: 1 }"));
  CHECK(ImportError(squeeze, "s", "list holds values of another type") == "");
}

TEST_CASE("import refuses attr values the op does not allow", "[import]") {
  SECTION("a dtype outside the allowed set: MatMul T=bool") {
    const std::string text = Placeholder("a", "DT_BOOL") + Placeholder("b", "DT_BOOL") +
                             NodeText("mm", "MatMul", {"a", "b"}, Attr("T", "type: DT_BOOL"));
    CHECK(ImportError(text, "mm", "attr 'T' is bool, not one of the allowed") == "");
  }
  SECTION("an int below its minimum: ConcatV2 N=1") {
    const std::string text =
        Placeholder("a") + Const("axis", "DT_INT32", "dtype: DT_INT32 tensor_shape {} int_val: 0") +
        NodeText("cat", "ConcatV2", {"a", "axis"},
                 Attr("N", "i: 1") + Attr("T", "type: DT_FLOAT") + Attr("Tidx", "type: DT_INT32"));
    CHECK(ImportError(text, "cat", "attr 'N' is 1, below its minimum 2") == "");
  }
  SECTION("a list length that does not match the inputs, or does not fit an int") {
    const std::string inputs =
        Placeholder("a") + Const("axis", "DT_INT32", "dtype: DT_INT32 tensor_shape {} int_val: 0");
    for (const char* n : {"3", "4294967298"}) {
      INFO("N = " << n);
      CHECK(ImportError(inputs + NodeText("cat", "ConcatV2", {"a", "a", "axis"},
                                          Attr("N", StrCat("i: ", n))),
                        "cat", n) == "");
    }
  }
  SECTION("a string outside the allowed set: BiasAdd data_format") {
    const std::string text =
        Placeholder("v") + Placeholder("b") +
        NodeText("ba", "BiasAdd", {"v", "b"},
                 Attr("T", "type: DT_FLOAT") + Attr("data_format", "s: 'NWHC'"));
    CHECK(ImportError(text, "ba", "'NWHC', not one of the allowed") == "");
  }
}

TEST_CASE("import refuses an unknown attr", "[import]") {
  const std::string text = NodeText("x", "Placeholder", {},
                                    Attr("dtype", "type: DT_FLOAT") + Attr("colour", "s: 'blue'"));
  CHECK(ImportError(text, "x", "unknown attr 'colour'") == "");
}

TEST_CASE("import drops attrs that start with an underscore", "[import]") {
  const std::string text = NodeText("x", "Placeholder", {},
                                    Attr("dtype", "type: DT_FLOAT") + Attr("_class", "s: 'loc'"));
  std::unique_ptr<Graph> graph = FromGraphDef(Parse(text));
  CHECK(graph->FindNode("x")->attrs().count("_class") == 0);
}

TEST_CASE("import refuses an input count the signature does not take", "[import]") {
  CHECK(ImportError(Placeholder("a") + NodeText("add", "AddV2", {"a"}, Attr("T", "type: DT_FLOAT")),
                    "add", "expected 2 inputs, got 1") == "");
}

// --- constants -------------------------------------------------------------------

TEST_CASE("import refuses a Const whose content does not match its dtype and shape", "[import]") {
  SECTION("tensor_content of the wrong size") {
    CHECK(
        ImportError(
            Const(
                "c", "DT_FLOAT",
                R"(dtype: DT_FLOAT tensor_shape { dim { size: 2 } } tensor_content: "\000\000\200?")"),
            "c", "tensor_content has 4 bytes; a float tensor of shape [2] needs 8") == "");
  }
  SECTION("more float_val entries than elements") {
    CHECK(
        ImportError(Const("c", "DT_FLOAT",
                          "dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: [1, 2, 3]"),
                    "c", "tensor has 3 values but its shape [2] holds 2") == "");
  }
  SECTION("float_val on an int32 tensor") {
    CHECK(ImportError(Const("c", "DT_INT32",
                            "dtype: DT_INT32 tensor_shape { dim { size: 2 } } float_val: [1, 2]"),
                      "c", "carries values in a *_val field of another dtype") == "");
  }
  SECTION("both tensor_content and float_val") {
    CHECK(
        ImportError(
            Const(
                "c", "DT_FLOAT",
                R"(dtype: DT_FLOAT tensor_shape { dim { size: 1 } } tensor_content: "\000\000\200?" float_val: 1)"),
            "c", "both tensor_content and typed") == "");
  }
  SECTION("values for a zero-size tensor") {
    CHECK(ImportError(Const("c", "DT_FLOAT",
                            "dtype: DT_FLOAT tensor_shape { dim { size: 0 } } float_val: 1"),
                      "c", "values") == "");
  }
  SECTION("a uint8 value out of range") {
    CHECK(ImportError(Const("c", "DT_UINT8",
                            "dtype: DT_UINT8 tensor_shape { dim { size: 1 } } int_val: 300"),
                      "c", "uint8 tensor value 300 is out of range") == "");
  }
  SECTION("a tensor whose dtype is not the Const's") {
    CHECK(ImportError(Const("c", "DT_INT32", "dtype: DT_FLOAT tensor_shape {} float_val: 1"), "c",
                      "value is a float tensor but attr dtype is int32") == "");
  }
  SECTION("a tensor of an unknown dimension") {
    CHECK(ImportError(Const("c", "DT_FLOAT",
                            "dtype: DT_FLOAT tensor_shape { dim { size: -1 } } float_val: 1"),
                      "c", "must be fully defined") == "");
  }
}

TEST_CASE("import fills a short value list by repeating its last value, as TensorFlow does",
          "[import]") {
  SECTION("float_val {1, 2} for shape [3] gives {1, 2, 2}") {
    const Tensor t =
        ImportAndRun(Const("c", "DT_FLOAT",
                           "dtype: DT_FLOAT tensor_shape { dim { size: 3 } } float_val: [1, 2]"),
                     "c");
    CHECK(t.ToVector<float>() == std::vector<float>{1, 2, 2});
  }
  SECTION("an empty list gives zeros") {
    const Tensor t = ImportAndRun(
        Const("c", "DT_FLOAT", "dtype: DT_FLOAT tensor_shape { dim { size: 3 } }"), "c");
    CHECK(t.ToVector<float>() == std::vector<float>{0, 0, 0});
  }
  SECTION("one int_val fills an int32 matrix") {
    const Tensor t = ImportAndRun(
        Const("c", "DT_INT32",
              "dtype: DT_INT32 tensor_shape { dim { size: 2 } dim { size: 2 } } int_val: 7"),
        "c");
    CHECK(t.shape() == Shape({2, 2}));
    CHECK(t.ToVector<int32_t>() == std::vector<int32_t>{7, 7, 7, 7});
  }
  SECTION("bool_val and int64_val repeat too") {
    CHECK(ImportAndRun(
              Const("c", "DT_BOOL",
                    "dtype: DT_BOOL tensor_shape { dim { size: 3 } } bool_val: [false, true]"),
              "c")
              .ToVector<bool>() == std::vector<bool>{false, true, true});
    CHECK(ImportAndRun(Const("c", "DT_INT64",
                             "dtype: DT_INT64 tensor_shape { dim { size: 2 } } int64_val: -5"),
                       "c")
              .ToVector<int64_t>() == std::vector<int64_t>{-5, -5});
  }
}

// --- shapes ----------------------------------------------------------------------

TEST_CASE("import refuses negative and overflowing dimensions", "[import]") {
  const auto placeholder_with_shape = [](std::string_view dims) {
    return NodeText(
        "x", "Placeholder", {},
        Attr("dtype", "type: DT_FLOAT") + Attr("shape", StrCat("shape { ", dims, " }")));
  };
  CHECK(ImportError(placeholder_with_shape("dim { size: 2 } dim { size: -2 }"), "x",
                    "shape dimension -2 is negative") == "");
  CHECK(ImportError(placeholder_with_shape("dim { size: 4294967296 } dim { size: 4294967296 }"),
                    "x", "more elements than int64 can count") == "");
  CHECK(ImportError(placeholder_with_shape("unknown_rank: true dim { size: 2 }"), "x",
                    "unknown_rank") == "");
  CHECK(ImportError(Const("c", "DT_FLOAT", "dtype: DT_FLOAT tensor_shape { dim { size: -3 } }"),
                    "c", "shape dimension -3 is negative") == "");
  CHECK(
      ImportError(
          Const(
              "c", "DT_FLOAT",
              "dtype: DT_FLOAT tensor_shape { dim { size: 4294967296 } dim { size: 4294967296 } }"),
          "c", "more elements than int64 can count") == "");
  // Representable, but no constant that large is accepted into memory.
  CHECK(ImportError(
            Const("c", "DT_FLOAT", "dtype: DT_FLOAT tensor_shape { dim { size: 4294967296 } }"),
            "c", "limit for constants") == "");
}

// --- names and edges -----------------------------------------------------------------

TEST_CASE("import refuses a cycle, naming its nodes", "[import]") {
  const std::string text = Placeholder("x") + Identity("a", "b") + Identity("b", "a");
  const std::string mismatch = ImportError(text, "", "cycle");
  CHECK(mismatch == "");
  const std::string what = [&] {
    try {
      FromGraphDef(Parse(text));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  CHECK_THAT(what, Catch::Contains("'a'") && Catch::Contains("'b'"));
  // A longer cycle is reported from one of its nodes.
  const std::string three = Identity("p", "r") + Identity("q", "p") + Identity("r", "q");
  CHECK(ImportError(three, "", "cycle") == "");
}

TEST_CASE("a cycle of 100000 nodes is reported by a few names and its length", "[import]") {
  // Built directly, not as text: node i reads node i-1, node 0 the last.
  constexpr int kNodes = 100000;
  proto::GraphDef g;
  for (int i = 0; i < kNodes; ++i) {
    proto::NodeDef* n = g.add_node();
    n->set_name("n" + std::to_string(i));
    n->set_op("Identity");
    n->add_input("n" + std::to_string((i + kNodes - 1) % kNodes));
    (*n->mutable_attr())["T"].set_type(proto::DT_FLOAT);
  }
  std::string what;
  try {
    FromGraphDef(g);
  } catch (const Error& e) {
    what = e.what();
  }
  CHECK_THAT(what, Catch::Contains("the graph has a cycle") &&
                       Catch::Contains("(100000 nodes in the cycle)"));
  CHECK(what.size() < 400);
}

TEST_CASE("import refuses a self loop", "[import]") {
  CHECK(ImportError(Identity("a", "a"), "a", "self loop") == "");
  CHECK(ImportError(Placeholder("x") + NodeText("n", "NoOp", {"^n"}), "n", "self loop") == "");
}

TEST_CASE("import refuses duplicate node names", "[import]") {
  CHECK(ImportError(Placeholder("x") + Placeholder("x"), "x", "duplicate node name") == "");
}

TEST_CASE("import refuses invalid node names", "[import]") {
  for (const char* name : {"", "bad name", "_x", "a:b", "/a", "é"}) {
    INFO("name '" << name << "'");
    CHECK(ImportError(Placeholder(name), name, "invalid node name") == "");
  }
}

TEST_CASE("import refuses inputs that do not exist", "[import]") {
  SECTION("a missing node") {
    CHECK(ImportError(Identity("a", "nope"), "a", "'nope', which does not exist") == "");
  }
  SECTION("a missing output of an existing node") {
    CHECK(ImportError(Placeholder("x") + Identity("a", "x:5"), "a", "names output 5") == "");
  }
  SECTION("a missing control input") {
    CHECK(ImportError(Placeholder("x") + NodeText("n", "NoOp", {"^nope"}), "n",
                      "control input '^nope'") == "");
  }
  SECTION("a malformed input name") {
    CHECK(ImportError(Placeholder("x") + Identity("a", "x:one"), "a", "malformed") == "");
    CHECK(ImportError(Placeholder("x") + Identity("a", "x:-1"), "a", "malformed") == "");
  }
}

TEST_CASE("import refuses a data input after a control input", "[import]") {
  const std::string text = Placeholder("x") + Placeholder("y") +
                           NodeText("add", "AddV2", {"^y", "x", "x"}, Attr("T", "type: DT_FLOAT"));
  CHECK(ImportError(text, "add", "follows a control input") == "");
}

// --- dtypes ----------------------------------------------------------------------

TEST_CASE("import refuses dtype mismatches between connected ports", "[import]") {
  SECTION("float into a port typed int32 by its attr") {
    const std::string text =
        Placeholder("f") + NodeText("add", "AddV2", {"f", "f"}, Attr("T", "type: DT_INT32"));
    CHECK(ImportError(text, "add", "is float from 'f' but attr T is int32") == "");
  }
  SECTION("float into an int32 index port") {
    const std::string text =
        Placeholder("f") + NodeText("r", "Reshape", {"f", "f"},
                                    Attr("T", "type: DT_FLOAT") + Attr("Tshape", "type: DT_INT32"));
    CHECK(ImportError(text, "r", "is float from 'f' but attr Tshape is int32") == "");
  }
  SECTION("two inputs that bind one type attr differently") {
    const std::string text =
        Placeholder("f") + Placeholder("i", "DT_INT32") + NodeText("add", "AddV2", {"f", "i"});
    CHECK(ImportError(text, "add", "is int32 from 'i' but attr T is float") == "");
  }
  SECTION("float into a fixed bool port") {
    const std::string text =
        Placeholder("f") + NodeText("s", "SelectV2", {"f", "f", "f"}, Attr("T", "type: DT_FLOAT"));
    CHECK(ImportError(text, "s", "must be bool") == "");
  }
}

TEST_CASE("import refuses reference and unsupported dtypes", "[import]") {
  CHECK(ImportError(Placeholder("x", "DT_FLOAT_REF"), "x", "reference dtype DT_FLOAT_REF") == "");
  CHECK(ImportError(Placeholder("x", "DT_STRING"), "x", "DT_STRING") == "");
  CHECK(ImportError(Const("c", "DT_FLOAT", "dtype: DT_FLOAT_REF tensor_shape {}"), "c",
                    "DT_FLOAT_REF") == "");
}

// --- versions ----------------------------------------------------------------------

TEST_CASE("import refuses graphs that exclude this consumer version", "[import]") {
  const std::string node = Placeholder("x");
  CHECK(ImportError(
            node + StrCat("versions { producer: 1 min_consumer: ", kGraphDefVersion + 1, " }"), "",
            StrCat("requires a consumer of version ", kGraphDefVersion + 1)) == "");
  CHECK(ImportError(
            node + StrCat("versions { producer: 1 bad_consumers: [1, ", kGraphDefVersion, "] }"),
            "", "bad_consumers") == "");
  // Graphs made for this version or older, or barring other versions, load.
  CHECK(FromGraphDef(Parse(node + StrCat("versions { producer: 9999 min_consumer: ",
                                         kGraphDefVersion, " bad_consumers: [1] }")))
            ->num_nodes() == 1);
}

// --- files ---------------------------------------------------------------------------

TEST_CASE("ReadGraphDef reports malformed and missing files", "[import]") {
  const std::filesystem::path dir = TempDir("import_validation");
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
  };
  // Field 1 (node), length 5, but only 3 bytes follow.
  const auto binary = write("truncated.pb", std::string("\x0a\x05"
                                                        "abc",
                                                        5));
  CHECK(ErrorMismatch([&] { ReadGraphDef(binary); }, ErrorCode::kInvalidArgument, "",
                      "is not a binary GraphDef") == "");
  const auto text = write("broken.pbtxt", "node { name: 'x' op: ");
  CHECK(ErrorMismatch([&] { ReadGraphDef(text); }, ErrorCode::kInvalidArgument, "",
                      "is not a text GraphDef: line 1") == "");
  CHECK(ErrorMismatch([&] { ReadGraphDef(dir / "missing.pb"); }, ErrorCode::kNotFound, "",
                      "cannot open") == "");
  CHECK(ErrorMismatch([&] { LoadGraph(dir / "missing.pbtxt"); }, ErrorCode::kNotFound, "",
                      "missing.pbtxt") == "");
}

// --- valid graphs ------------------------------------------------------------------

TEST_CASE("a valid graph listed out of topological order imports and runs", "[import]") {
  const std::string text =
      NodeText("out", "AddV2", {"sum", "one"}, Attr("T", "type: DT_FLOAT")) +
      NodeText("sum", "AddV2", {"x", "one"}, Attr("T", "type: DT_FLOAT")) +
      NodeText("after", "NoOp", {"^out"}) +
      Const("one", "DT_FLOAT", "dtype: DT_FLOAT tensor_shape {} float_val: 1") + Placeholder("x");
  std::unique_ptr<Graph> graph = FromGraphDef(Parse(text));
  // Imported nodes are held in an order where inputs come first.
  std::map<std::string, int> position;
  for (const auto& n : graph->nodes()) position[n->name()] = n->id();
  CHECK(position.at("x") < position.at("sum"));
  CHECK(position.at("one") < position.at("sum"));
  CHECK(position.at("sum") < position.at("out"));
  CHECK(position.at("out") < position.at("after"));
  const auto got =
      RunAndRoundTrip(*graph, {{"x", Tensor::FromVector<float>({1, 2, 3})}}, {"out"}, {"after"});
  CHECK(got.at(0).ToVector<float>() == std::vector<float>{3, 4, 5});
}

TEST_CASE("a deep chain of nodes imports and runs without recursing on its depth", "[import]") {
  constexpr int kDepth = 20000;
  proto::GraphDef g = Parse(Placeholder("n0"));
  for (int i = 1; i <= kDepth; ++i) {
    // Listed deepest first, so the import has to order all of it.
    proto::NodeDef* n = g.add_node();
    n->set_name(StrCat("n", kDepth + 1 - i));
    n->set_op("Identity");
    n->add_input(StrCat("n", kDepth - i));
  }
  std::unique_ptr<Graph> graph = FromGraphDef(g);
  REQUIRE(graph->num_nodes() == kDepth + 1);
  const auto got =
      RunAndRoundTrip(*graph, {{"n0", Tensor::FromVector<float>({4, 2})}}, {StrCat("n", kDepth)});
  CHECK(got.at(0).ToVector<float>() == std::vector<float>{4, 2});
}

TEST_CASE("an exported graph imports back to the same nodes and attrs", "[import]") {
  const std::string text =
      Placeholder("x") + Const("one", "DT_FLOAT", "dtype: DT_FLOAT tensor_shape {} float_val: 1") +
      NodeText("sum", "AddV2", {"x", "one", "^one"}, Attr("T", "type: DT_FLOAT"));
  std::unique_ptr<Graph> graph = FromGraphDef(Parse(text));
  const proto::GraphDef exported = ToGraphDef(*graph);
  std::unique_ptr<Graph> again = FromGraphDef(exported);
  REQUIRE(again->num_nodes() == 3);
  const Node* sum = again->FindNode("sum");
  REQUIRE(sum != nullptr);
  CHECK(sum->input(0).node->name() == "x");
  REQUIRE(sum->control_inputs().size() == 1);
  CHECK(sum->control_inputs()[0]->name() == "one");
  CHECK(google::protobuf::util::MessageDifferencer::Equals(ToGraphDef(*again), exported));
}

}  // namespace
}  // namespace tensorgraph::testing
