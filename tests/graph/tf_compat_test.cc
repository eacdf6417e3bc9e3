// Compatibility with TensorFlow itself, against fixtures TensorFlow made
// (tests/data/tf, see its README.txt): our op signatures match TensorFlow's
// OpDefs, and TensorFlow's graphs load and compute TensorFlow's values.
#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/npy.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

const std::filesystem::path kTfDir = std::filesystem::path(TG_TEST_DATA_DIR) / "tf";

// --- op_signatures.txt -------------------------------------------------------------

struct TfArg {
  std::string name;
  std::string type;  // a type attr or a dtype short name, "N*T" for lists
};

struct TfAttr {
  std::string name;
  std::string type;
  std::string default_value;  // "-" when none
  std::vector<std::string> allowed;
  std::optional<int64_t> minimum;
};

struct TfOp {
  std::string name;
  std::vector<TfArg> inputs, outputs;
  std::vector<TfAttr> attrs;
};

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

std::vector<TfOp> ReadSignatures() {
  std::ifstream in(kTfDir / "op_signatures.txt");
  REQUIRE(in);
  std::vector<TfOp> ops;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "op") {
      ops.emplace_back();
      words >> ops.back().name;
    } else if (kind == "input" || kind == "output") {
      TfArg arg;
      words >> arg.name >> arg.type;
      (kind == "input" ? ops.back().inputs : ops.back().outputs).push_back(arg);
    } else if (kind == "attr") {
      TfAttr attr;
      words >> attr.name >> attr.type;
      std::getline(words >> std::ws, attr.default_value);
      ops.back().attrs.push_back(attr);
    } else if (kind == "allowed" || kind == "min") {
      std::string name, value;
      words >> name >> value;
      REQUIRE(ops.back().attrs.back().name == name);
      if (kind == "allowed") {
        ops.back().attrs.back().allowed = SplitComma(value);
      } else {
        ops.back().attrs.back().minimum = std::stoll(value);
      }
    } else {
      REQUIRE(kind == "end");
    }
  }
  return ops;
}

// Attr values in op_signatures.txt's notation.
struct AttrRenderer {
  std::string operator()(int64_t v) const { return std::to_string(v); }
  std::string operator()(float v) const {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, end);
    return s.find_first_of(".en") == std::string::npos ? s + ".0" : s;
  }
  std::string operator()(bool v) const { return v ? "true" : "false"; }
  std::string operator()(const std::string& v) const { return "'" + v + "'"; }
  std::string operator()(DataType v) const { return std::string(DataTypeName(v)); }
  std::string operator()(const PartialShape& v) const {
    return v.rank_known() ? DimsString(v.dims()) : "<unknown>";
  }
  std::string operator()(const Tensor& v) const { return v.DebugString(); }
  template <typename T>
  std::string operator()(const std::vector<T>& list) const {
    std::string s;
    for (const auto& item : list) s += (s.empty() ? "" : ",") + (*this)(item);
    return "[" + s + "]";
  }
};

std::string Render(const AttrValue& value) { return std::visit(AttrRenderer{}, value); }

// The arg's type in op_signatures.txt's notation.
std::string Render(const ArgDef& arg) {
  const std::string type =
      arg.fixed_type != DT_INVALID ? std::string(DataTypeName(arg.fixed_type)) : arg.type_attr;
  return arg.number_attr.empty() ? type : arg.number_attr + "*" + type;
}

void CompareArgs(const std::string& op, const char* kind, const std::vector<TfArg>& tf,
                 const std::vector<ArgDef>& ours, std::vector<std::string>& mismatches) {
  if (tf.size() != ours.size()) {
    mismatches.push_back(StrCat(op, ": ", ours.size(), " ", kind, "s, TensorFlow has ", tf.size()));
    return;
  }
  for (size_t i = 0; i < tf.size(); ++i) {
    const std::string ours_text = ours[i].name + " " + Render(ours[i]);
    const std::string tf_text = tf[i].name + " " + tf[i].type;
    if (ours_text != tf_text) {
      mismatches.push_back(
          StrCat(op, ": ", kind, " ", i, " is '", ours_text, "', TensorFlow's is '", tf_text, "'"));
    }
  }
}

void CompareAttr(const std::string& op, const TfAttr& tf, const AttrDef& ours,
                 std::vector<std::string>& mismatches) {
  const std::string where = op + " attr '" + tf.name + "'";
  if (AttrTypeName(ours.type) != tf.type) {
    mismatches.push_back(
        StrCat(where, ": type ", AttrTypeName(ours.type), ", TensorFlow's is ", tf.type));
  }
  const std::string ours_default = ours.default_value ? Render(*ours.default_value) : "-";
  if (ours_default != tf.default_value) {
    mismatches.push_back(
        StrCat(where, ": default ", ours_default, ", TensorFlow's is ", tf.default_value));
  }
  // What we allow must load in TensorFlow: our values are a subset of its.
  if (!tf.allowed.empty()) {
    std::vector<std::string> ours_allowed;
    if (ours.type == AttrType::kType) {
      const auto& types = ours.allowed_types.empty() ? AllNumericTypes() : ours.allowed_types;
      for (DataType t : types) ours_allowed.emplace_back(DataTypeName(t));
    }
    for (const auto& s : ours.allowed_strings) ours_allowed.push_back("'" + s + "'");
    for (const auto& value : ours_allowed) {
      if (std::find(tf.allowed.begin(), tf.allowed.end(), value) == tf.allowed.end()) {
        mismatches.push_back(StrCat(where, ": allows ", value, ", which TensorFlow does not"));
      }
    }
  }
  // A minimum of 0 on a list length says nothing.
  if (tf.minimum && (tf.type == "int" || *tf.minimum != 0) && ours.minimum != tf.minimum) {
    mismatches.push_back(StrCat(where, ": minimum ",
                                ours.minimum ? std::to_string(*ours.minimum) : "none",
                                ", TensorFlow's is ", *tf.minimum));
  }
}

TEST_CASE("op signatures match TensorFlow's OpDefs", "[tf]") {
  const std::vector<TfOp> tf_ops = ReadSignatures();
  REQUIRE(tf_ops.size() >= 50);
  std::vector<std::string> mismatches;
  for (const TfOp& tf : tf_ops) {
    const OpDef* ours = OpRegistry::Global().Find(tf.name);
    if (ours == nullptr) {
      mismatches.push_back(tf.name + ": not registered");
      continue;
    }
    CompareArgs(tf.name, "input", tf.inputs, ours->inputs, mismatches);
    CompareArgs(tf.name, "output", tf.outputs, ours->outputs, mismatches);
    for (const TfAttr& attr : tf.attrs) {
      const AttrDef* def = ours->FindAttr(attr.name);
      if (def == nullptr) {
        mismatches.push_back(tf.name + ": attr '" + attr.name + "' missing");
      } else {
        CompareAttr(tf.name, attr, *def, mismatches);
      }
    }
    for (const AttrDef& def : ours->attrs) {
      const bool known = std::any_of(tf.attrs.begin(), tf.attrs.end(),
                                     [&](const TfAttr& a) { return a.name == def.name; });
      if (!known) mismatches.push_back(tf.name + ": attr '" + def.name + "' is not TensorFlow's");
    }
  }
  std::string report;
  for (const auto& m : mismatches) report += "\n  " + m;
  INFO(mismatches.size() << " mismatches with TensorFlow:" << report);
  CHECK(mismatches.empty());
}

// --- TensorFlow-made graphs ----------------------------------------------------------

// float32 rel 1e-5 / abs 1e-6 (TensorFlow's Eigen kernels and ours round
// differently); float64 as tight as its upstream float32 math allows; ints exact.
Tolerance FixtureTolerance(DataType t) {
  if (IsFloating(t)) return {1e-5, 1e-6};
  return {};
}

void CheckAgainstNpy(const Tensor& got, const std::filesystem::path& npy, Tolerance tol) {
  INFO("compared with " << npy.filename().string());
  const Tensor want = ReadNpy(npy);
  CHECK(Compare(got, FromTensor(want), tol) == "");
}

struct FetchList {
  std::vector<std::string> feeds, fetches;
};

FetchList ReadFetchList(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  FetchList list;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind, name;
    words >> kind >> name;
    if (kind == "feed") list.feeds.push_back(name);
    if (kind == "fetch") list.fetches.push_back(name);
  }
  return list;
}

// "probs:0" -> "probs"
std::string NodeOf(const std::string& tensor) { return tensor.substr(0, tensor.find(':')); }

TEST_CASE("TensorFlow's frozen MLP loads from .pb and .pbtxt and computes TensorFlow's values",
          "[tf]") {
  const FetchList list = ReadFetchList(kTfDir / "mlp_frozen.fetches.txt");
  REQUIRE(list.feeds == std::vector<std::string>{"x:0"});
  REQUIRE(list.fetches.size() == 11);
  const Tensor x = ReadNpy(kTfDir / "mlp_frozen.x.npy");
  std::vector<TensorName> fetches(list.fetches.begin(), list.fetches.end());
  for (const char* file : {"mlp_frozen.pb", "mlp_frozen.pbtxt"}) {
    DYNAMIC_SECTION("graph " << file) {
      std::unique_ptr<Graph> graph = LoadGraph(kTfDir / file);
      const std::vector<Tensor> got = RunAndRoundTrip(*graph, {{"x:0", x}}, fetches);
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("fetch " << list.fetches[i]);
        CheckAgainstNpy(got[i], kTfDir / ("mlp_frozen." + NodeOf(list.fetches[i]) + ".npy"),
                        FixtureTolerance(got[i].dtype()));
      }
    }
  }
}

TEST_CASE("TensorFlow's resource-variable graph runs its init, read, increment sequence", "[tf]") {
  const Tensor x = ReadNpy(kTfDir / "variables.x.npy");
  for (const char* file : {"variables.pb", "variables.pbtxt"}) {
    DYNAMIC_SECTION("graph " << file) {
      std::unique_ptr<Graph> graph = LoadGraph(kTfDir / file);
      const auto got =
          RunAndRoundTrip(*graph, {RunStep{{}, {}, {"init"}}, RunStep{{{"x:0", x}}, {"y:0"}},
                                   RunStep{{}, {}, {"increment"}}, RunStep{{{"x:0", x}}, {"y:0"}}});
      CheckAgainstNpy(got[1][0], kTfDir / "variables.y_before.npy", FixtureTolerance(DT_FLOAT));
      CheckAgainstNpy(got[3][0], kTfDir / "variables.y_after.npy", FixtureTolerance(DT_FLOAT));
    }
  }
}

TEST_CASE("seeded random ops reproduce TensorFlow's Philox draws", "[tf]") {
  std::unique_ptr<Graph> graph = LoadGraph(kTfDir / "random.pbtxt");
  const std::vector<std::string> nodes = {"uniform_f32", "normal_f32", "truncated_f32",
                                          "uniform_f64", "normal_f64"};
  std::vector<TensorName> fetches(nodes.begin(), nodes.end());
  const auto got = RunAndRoundTrip(*graph, {RunStep{{}, fetches}, RunStep{{}, fetches}});
  for (size_t i = 0; i < nodes.size(); ++i) {
    // Uniform draws and float64 normals are bit for bit; float32 normals
    // go through libm's sin, cos and log, which may differ by an ulp.
    const bool exact = nodes[i].rfind("uniform", 0) == 0 || nodes[i] == "normal_f64";
    const Tolerance tol = exact ? Tolerance{} : Tolerance{1e-5, 4e-6};
    for (int run = 0; run < 2; ++run) {
      INFO(nodes[i] << " run " << run + 1);
      CheckAgainstNpy(got[static_cast<size_t>(run)][i],
                      kTfDir / ("random." + nodes[i] + ".run" + std::to_string(run + 1) + ".npy"),
                      tol);
    }
  }
}

}  // namespace
}  // namespace tensorgraph::testing
