// Runs the built `tg` binary as a user would and checks what it prints.
#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/checkpoint.h"
#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;
using Catch::StartsWith;

namespace {

namespace fs = std::filesystem;

const std::string kData = TG_SOURCE_DIR "/tests/data/tf/";

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string Quoted(const std::string& arg) { return "'" + arg + "'"; }

struct TgResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `tg ARGS` (already shell-quoted) with stdout and stderr captured in
// files under `dir`.
TgResult RunTg(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string command = Quoted(std::string(TG_BINARY_DIR) + "/tg") + " " + args + " >" +
                              Quoted(out.string()) + " 2>" + Quoted(err.string());
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), ReadText(out), ReadText(err)};
}

// A failed command: exit code 1 and exactly one line on stderr.
void CheckFailure(const TgResult& result, const std::string& message) {
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, StartsWith("tg: error: "));
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  CHECK(result.err.back() == '\n');
  CHECK_THAT(result.err, Contains(message));
}

// y = x + 1.5 for a float x of shape [?,?], saved as a binary GraphDef.
fs::path SaveAddGraph(const fs::path& dir) {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, -1});
  ops::Identity(root.WithOpName("y"), x + 1.5);
  const fs::path path = dir / "add.pb";
  SaveGraph(g, path);
  return path;
}

}  // namespace

TEST_CASE("tg inspect summarizes a TensorFlow graph", "[cli]") {
  const fs::path dir = testing::TempDir("tg_inspect");
  const TgResult result = RunTg("inspect " + Quoted(kData + "mlp_frozen.pb"), dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK_THAT(result.out, StartsWith("producer version: 2474\nnodes: 131\nparameters: 136\n"));
  CHECK_THAT(result.out, Contains("inputs (1):\n  x:0  float [?,6]\n"));
  CHECK_THAT(result.out, Contains("optional inputs (1):\n  temperature:0  float []\n"));
  CHECK_THAT(result.out, Contains("\n  probs:0  float "));
  CHECK_THAT(result.out, Contains("\n  argmax:0  int64 "));
  CHECK_THAT(result.out, Contains("ops (49):\n  36  Const\n  11  Identity\n  9  AddV2\n  7  Mul\n"));
}

TEST_CASE("tg inspect counts variables and omits unfetchable outputs", "[cli]") {
  const fs::path dir = testing::TempDir("tg_inspect_variables");
  const TgResult result = RunTg("inspect " + Quoted(kData + "variables.pbtxt"), dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  // The variables' declared shapes (w 12, b 3, scale 1); the constants
  // that initialize them (and the increment) are not parameters.
  CHECK_THAT(result.out, Contains("nodes: 20\nparameters: 16\n"));
  // Assignments, NoOp and the consumed handles are no outputs.
  CHECK_THAT(result.out, Contains("outputs (1):\n  y:0  float [?,3]\n"));
  CHECK_THAT(result.out, Contains("variables (3):\n  w  float [4,3]\n  b  float [3]\n"
                                  "  scale  float []\nops (11):\n  4  Const\n"));
}

TEST_CASE("tg inspect tells a training graph's parameters from its optimizer state", "[cli]") {
  // w [3,4] and b [4] trained by Adam: 16 parameters; m and v of each (32)
  // plus two beta powers and the global step (3) are optimizer state.
  const fs::path dir = testing::TempDir("tg_inspect_training");
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  auto w = train::Variable(root.WithOpName("w"), {3, 4}, train::GlorotUniform(1));
  auto b = train::Variable(root.WithOpName("b"), {4}, train::Zeros());
  Output y = ops::BiasAdd(root, ops::MatMul(root, x, w.Read(root)), b.Read(root));
  Output loss = ops::Sum(root, ops::Square(root, y), {0, 1});
  train::Adam().Minimize(root, loss, {.global_step = train::GetOrCreateGlobalStep(root)});
  SaveGraph(g, dir / "train.pb");
  const TgResult result = RunTg("inspect " + Quoted((dir / "train.pb").string()), dir);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Contains("parameters: 16\noptimizer state: 35\n"));
  // What a user looks for: the step to run, the loss, the model's output;
  // not the gradient nobody uses (d loss / d x) or the optimizer's nodes.
  INFO(result.out);
  // The model's one sink is the loss, listed as such.
  CHECK_THAT(result.out, Contains("outputs (0):\ntargets, run for their effects (1):\n  train\n"));
  CHECK_THAT(result.out, Contains("losses (1):\n  Sum:0  float []\n"));
  CHECK_THAT(result.out, Contains("  w  float [3,4]\n"));
  CHECK_THAT(result.out, Contains("  w/Adam  float [3,4]  (optimizer state)\n"));
  CHECK_THAT(result.out, !Contains("gradients/"));

  // The planned training step can be recorded and replayed; the
  // initializer, which draws random numbers, cannot.
  const TgResult step = RunTg("inspect " + Quoted((dir / "train.pb").string()) +
                                  " --target train --feed-shape x=8,3",
                              dir);
  REQUIRE(step.exit_code == 0);
  CHECK_THAT(step.out, Contains("replayable: yes"));
  const TgResult init =
      RunTg("inspect " + Quoted((dir / "train.pb").string()) + " --target w/Assign", dir);
  REQUIRE(init.exit_code == 0);
  CHECK_THAT(init.out, Contains("replayable: no: ") && Contains("Philox"));
}

TEST_CASE("tg inspect --json prints one JSON object", "[cli]") {
  const fs::path dir = testing::TempDir("tg_inspect_json");
  const TgResult result = RunTg("inspect --json " + Quoted(kData + "mlp_frozen.pb"), dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, StartsWith("{\"producer_version\": 2474, \"nodes\": 131, \"parameters\": 136, "
                                     "\"optimizer_state\": 0, "));
  CHECK_THAT(result.out, Contains("\"inputs\": [{\"name\": \"x:0\", \"dtype\": \"float\", \"shape\": [-1, 6]}]"));
  CHECK_THAT(result.out, Contains("\"optional_inputs\": [{\"name\": \"temperature:0\", \"dtype\": \"float\", \"shape\": []}]"));
  CHECK_THAT(result.out, Contains("{\"name\": \"probs:0\", \"dtype\": \"float\", \"shape\": "));
  CHECK_THAT(result.out, Contains("\"ops\": {\"Const\": 36, \"Identity\": 11, \"AddV2\": 9, \"Mul\": 7, "));
  CHECK(std::count(result.out.begin(), result.out.end(), '\n') == 1);
  CHECK_THAT(result.out, Catch::EndsWith("}}\n"));
}

TEST_CASE("tg run feeds .npy files and writes fetches to .npy", "[cli]") {
  const fs::path dir = testing::TempDir("tg_run_mlp");
  const fs::path probs = dir / "probs.npy";
  const TgResult result = RunTg("run " + Quoted(kData + "mlp_frozen.pb") + " --feed " +
                                    Quoted("x:0=" + kData + "mlp_frozen.x.npy") + " --fetch " +
                                    Quoted("probs:0=" + probs.string()),
                                dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.empty());
  const Tensor want = ReadNpy(kData + "mlp_frozen.probs.npy");
  CHECK(testing::Compare(ReadNpy(probs), testing::FromTensor(want), {1e-5, 1e-6}).empty());
}

TEST_CASE("tg run prints fetches like numpy", "[cli]") {
  const fs::path dir = testing::TempDir("tg_run_print");
  const fs::path model = SaveAddGraph(dir);

  SECTION("small tensors in full") {
    WriteNpy(dir / "x.npy", Tensor::FromVector<float>({1, 2, -3, 40.25f}, Shape{2, 2}));
    const TgResult result = RunTg("run " + Quoted(model.string()) + " --feed " +
                                      Quoted("x=" + (dir / "x.npy").string()) +
                                      " --fetch y --fetch x:0",
                                  dir);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out ==
          "y: float [2,2]\n[[  2.5   3.5]\n [ -1.5 41.75]]\n"
          "x:0: float [2,2]\n[[   1.    2.]\n [  -3. 40.25]]\n");
  }
  SECTION("big tensors summarized") {
    std::vector<float> values(2000);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
    WriteNpy(dir / "x.npy", Tensor::FromVector<float>(values, Shape{2, 1000}));
    const TgResult result = RunTg("run " + Quoted(model.string()) + " --feed " +
                                      Quoted("x=" + (dir / "x.npy").string()) + " --fetch y",
                                  dir);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out ==
          "y: float [2,1000]\n"
          "[[   1.5    2.5    3.5 ...  998.5  999.5 1000.5]\n"
          " [1001.5 1002.5 1003.5 ... 1998.5 1999.5 2000.5]]\n");
  }
}

TEST_CASE("tg run runs targets for their effects", "[cli]") {
  const fs::path dir = testing::TempDir("tg_run_target");
  const TgResult result = RunTg("run " + Quoted(kData + "variables.pb") + " --target init", dir);
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.empty());
}

TEST_CASE("tg run --init initializes variables in a step before the fetches", "[cli]") {
  // TensorFlow's variables graph: y = (x @ w + b) * scale once 'init' ran.
  const fs::path dir = testing::TempDir("tg_run_init");
  const fs::path y = dir / "y.npy";
  const TgResult result =
      RunTg("run " + Quoted(kData + "variables.pb") + " --init init --feed " +
                Quoted("x=" + kData + "variables.x.npy") + " --fetch " + Quoted("y=" + y.string()),
            dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Tensor want = ReadNpy(kData + "variables.y_before.npy");
  CHECK(testing::Compare(ReadNpy(y), testing::FromTensor(want), {1e-5, 1e-6}).empty());
}

TEST_CASE("tg run --checkpoint restores the variables first", "[cli]") {
  // TensorFlow's variables graph, initialized and changed (b += [1, 10,
  // 100]) in a session of ours, checkpointed; tg then reproduces y_after.
  const fs::path dir = testing::TempDir("tg_run_checkpoint");
  std::shared_ptr<Graph> graph = LoadGraph(kData + "variables.pb");
  Session session(graph);
  session.Run({}, {}, {"init"});
  session.Run({}, {}, {"increment"});
  const fs::path checkpoint = dir / "variables.safetensors";
  SaveCheckpoint(session, checkpoint);
  const fs::path y = dir / "y.npy";
  const TgResult result = RunTg("run " + Quoted(kData + "variables.pb") + " --checkpoint " +
                                    Quoted(checkpoint.string()) + " --feed " +
                                    Quoted("x=" + kData + "variables.x.npy") + " --fetch " +
                                    Quoted("y=" + y.string()),
                                dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const Tensor want = ReadNpy(kData + "variables.y_after.npy");
  CHECK(testing::Compare(ReadNpy(y), testing::FromTensor(want), {1e-5, 1e-6}).empty());

  // A checkpoint of another graph is refused by name.
  CheckFailure(RunTg("run " + Quoted(kData + "mlp_frozen.pb") + " --checkpoint " +
                         Quoted(checkpoint.string()) + " --fetch argmax",
                     dir),
               "is not a variable of the graph");
}

TEST_CASE("tg convert goes from .pb to .pbtxt and back unchanged", "[cli]") {
  const fs::path dir = testing::TempDir("tg_convert");
  for (const char* model : {"variables.pb", "mlp_frozen.pb"}) {
    INFO(model);
    const fs::path text = dir / "model.pbtxt", binary = dir / "model.pb";
    const TgResult to_text = RunTg("convert " + Quoted(kData + model) + " " + Quoted(text.string()), dir);
    INFO(to_text.err);
    REQUIRE(to_text.exit_code == 0);
    CHECK_THAT(ReadText(text), Contains("node {\n  name: \"x\"\n  op: \"Placeholder\"\n"));
    const TgResult to_binary = RunTg("convert " + Quoted(text.string()) + " " + Quoted(binary.string()), dir);
    INFO(to_binary.err);
    REQUIRE(to_binary.exit_code == 0);
    // TensorFlow's fields that our .proto lacks are all that is dropped.
    proto::GraphDef original = ReadGraphDef(kData + model);
    original.DiscardUnknownFields();
    CHECK(google::protobuf::util::MessageDifferencer::Equals(ReadGraphDef(binary), original));
  }
}

TEST_CASE("tg dot draws nodes, data edges and control edges", "[cli]") {
  const fs::path dir = testing::TempDir("tg_dot");
  const TgResult result = RunTg("dot " + Quoted(kData + "variables.pb"), dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, StartsWith("digraph tensorgraph {\n"));
  CHECK_THAT(result.out, Contains("  \"w\" [label=\"w\\nVarHandleOp\"];\n"));
  CHECK_THAT(result.out, Contains("  \"x\" -> \"MatMul\" [label=\"float [?,4]\"];\n"));
  CHECK_THAT(result.out, Contains("  \"w\" -> \"w/read\" [label=\"resource []\"];\n"));
  CHECK_THAT(result.out, Contains("  \"w/Assign\" -> \"init\" [style=dashed];\n"));
  CHECK_THAT(result.out, Catch::EndsWith("}\n"));

  const TgResult to_file =
      RunTg("dot " + Quoted(kData + "variables.pb") + " -o " + Quoted((dir / "g.dot").string()), dir);
  REQUIRE(to_file.exit_code == 0);
  CHECK(to_file.out.empty());
  CHECK(ReadText(dir / "g.dot") == result.out);
}

// y = 3 * x * x + x and z = x * u for float xs of shape [2], plus an input
// nothing uses and an integer output, saved as a binary GraphDef.
fs::path SaveGradGraph(const fs::path& dir) {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto u = ops::Placeholder(root.WithOpName("u"), DT_FLOAT, {2});
  ops::Placeholder(root.WithOpName("unused"), DT_FLOAT, {2});
  ops::Identity(root.WithOpName("y"), x * x * 3.0f + x);
  ops::Identity(root.WithOpName("z"), x * u);
  ops::Cast(root.WithOpName("n"), x, DT_INT32);
  const fs::path path = dir / "grad.pb";
  SaveGraph(g, path);
  return path;
}

// The lines of `text`, each split at its tab.
std::vector<std::pair<std::string, std::string>> TabbedLines(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    lines.emplace_back(line.substr(0, tab), tab == std::string::npos ? "" : line.substr(tab + 1));
  }
  return lines;
}

TEST_CASE("tg grad adds gradients that tg run computes", "[cli][gradients]") {
  const fs::path dir = testing::TempDir("tg_grad");
  const fs::path model = SaveGradGraph(dir), out = dir / "with_grads.pb";
  const TgResult result = RunTg("grad " + Quoted(model.string()) + " --ys y,z --xs x,unused,u:0 -o " +
                                    Quoted(out.string()),
                                dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  const auto lines = TabbedLines(result.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].first == "x");
  CHECK_THAT(lines[0].second, StartsWith("gradients/"));
  CHECK(lines[1] == std::pair<std::string, std::string>{"unused", "none"});
  CHECK(lines[2].first == "u");
  CHECK_THAT(lines[2].second, StartsWith("gradients/"));

  WriteNpy(dir / "x.npy", Tensor::FromVector<float>({1, -2}));
  WriteNpy(dir / "u.npy", Tensor::FromVector<float>({0.5f, 4}));
  const fs::path gx = dir / "gx.npy", gu = dir / "gu.npy";
  const TgResult run = RunTg("run " + Quoted(out.string()) + " --feed " +
                                 Quoted("x=" + (dir / "x.npy").string()) + " --feed " +
                                 Quoted("u=" + (dir / "u.npy").string()) + " --fetch " +
                                 Quoted(lines[0].second + "=" + gx.string()) + " --fetch " +
                                 Quoted(lines[2].second + "=" + gu.string()),
                             dir);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // d(y + z)/dx = 6x + 1 + u; d(y + z)/du = x.
  CHECK(testing::Compare(ReadNpy(gx), testing::MakeRef(DT_FLOAT, {2}, {7.5, -7}), {1e-6, 0})
            .empty());
  CHECK(testing::Compare(ReadNpy(gu), testing::MakeRef(DT_FLOAT, {2}, {1, -2}), {0, 0}).empty());

  SECTION("text output, one y") {
    const fs::path text = dir / "with_grads.pbtxt";
    const TgResult to_text = RunTg("grad " + Quoted(model.string()) + " --ys y --xs u,x -o " +
                                       Quoted(text.string()),
                                   dir);
    INFO(to_text.err);
    REQUIRE(to_text.exit_code == 0);
    const auto text_lines = TabbedLines(to_text.out);
    REQUIRE(text_lines.size() == 2);
    CHECK(text_lines[0] == std::pair<std::string, std::string>{"u", "none"});
    CHECK_THAT(ReadText(text), Contains("node {\n  name: \"" + text_lines[1].second));
  }
  SECTION("again on its own output, beside the first gradients") {
    const fs::path twice = dir / "twice.pb";
    const TgResult again = RunTg("grad " + Quoted(out.string()) + " --ys y --xs x -o " +
                                     Quoted(twice.string()),
                                 dir);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    const auto again_lines = TabbedLines(again.out);
    REQUIRE(again_lines.size() == 1);
    CHECK_THAT(again_lines[0].second, StartsWith("gradients/"));
    CHECK(again_lines[0].second != lines[0].second);
  }
}

TEST_CASE("tg grad reports bad names and non-floating ys in one line", "[cli][gradients]") {
  const fs::path dir = testing::TempDir("tg_grad_errors");
  const std::string model = Quoted(SaveGradGraph(dir).string());
  const std::string out = Quoted((dir / "out.pb").string());
  SECTION("unknown y") {
    CheckFailure(RunTg("grad " + model + " --ys nope --xs x -o " + out, dir),
                 "no node named 'nope' in the graph");
  }
  SECTION("unknown x among several") {
    CheckFailure(RunTg("grad " + model + " --ys y --xs x,missing -o " + out, dir),
                 "no node named 'missing' in the graph");
  }
  SECTION("output index out of range") {
    CheckFailure(RunTg("grad " + model + " --ys y:3 --xs x -o " + out, dir), "y:3");
  }
  SECTION("integer y") {
    CheckFailure(RunTg("grad " + model + " --ys n --xs x -o " + out, dir),
                 "gradients are taken of floating tensors");
  }
  SECTION("missing model") {
    CheckFailure(RunTg("grad " + Quoted((dir / "absent.pb").string()) + " --ys y --xs x -o " + out,
                       dir),
                 "cannot open graph file");
  }
  CHECK_FALSE(fs::exists(dir / "out.pb"));
  SECTION("usage errors keep CLI11's exit code") {
    for (const std::string args : {"grad " + model + " --ys y --xs x", "grad " + model + " --ys y -o " + out}) {
      INFO("tg " << args);
      const TgResult result = RunTg(args, dir);
      CHECK(result.exit_code != 0);
      CHECK(result.exit_code != 1);
    }
  }
}

TEST_CASE("tg reports bad input in one line and exits 1", "[cli]") {
  const fs::path dir = testing::TempDir("tg_errors");
  const std::string variables = Quoted(kData + "variables.pb");
  WriteText(dir / "garbage.pb", "this is not a protobuf \xff\xff\xff");
  WriteText(dir / "unknown_op.pbtxt", "node { name: \"a\" op: \"Bogus\" }\n");
  WriteText(dir / "garbage.npy", "not numpy");
  WriteNpy(dir / "ints.npy", Tensor::FromVector<int32_t>({1, 2, 3, 4}, Shape{1, 4}));
  const std::string garbage_npy = (dir / "garbage.npy").string();
  const std::string ints_npy = (dir / "ints.npy").string();

  SECTION("missing model") {
    CheckFailure(RunTg("inspect " + Quoted((dir / "absent.pb").string()), dir),
                 "cannot open graph file '" + (dir / "absent.pb").string() + "'");
  }
  SECTION("malformed model") {
    CheckFailure(RunTg("dot " + Quoted((dir / "garbage.pb").string()), dir),
                 "is not a binary GraphDef");
  }
  SECTION("invalid graph") {
    CheckFailure(RunTg("convert " + Quoted((dir / "unknown_op.pbtxt").string()) + " " +
                           Quoted((dir / "out.pb").string()),
                       dir),
                 "Bogus 'a': unknown op 'Bogus': no op of this name is registered");
    CHECK_FALSE(fs::exists(dir / "out.pb"));
  }
  SECTION("feed without a file") {
    CheckFailure(RunTg("run " + variables + " --feed x:0 --fetch y:0", dir),
                 "--feed 'x:0': missing file name; expected NAME[:i]=FILE.npy");
  }
  SECTION("feed with a bad tensor name") {
    CheckFailure(RunTg("run " + variables + " --feed " + Quoted("x:z=" + ints_npy) + " --fetch y", dir),
                 "bad tensor name 'x:z'; expected NAME[:i]=FILE.npy");
  }
  SECTION("unknown fetch") {
    CheckFailure(RunTg("run " + variables + " --fetch nope:0", dir), "no node named 'nope' in the graph");
  }
  SECTION("bad .npy feed") {
    CheckFailure(RunTg("run " + variables + " --feed " + Quoted("x=" + garbage_npy) + " --fetch y", dir),
                 "npy file '" + garbage_npy + "': not a .npy file");
  }
  SECTION("feed of the wrong dtype") {
    CheckFailure(RunTg("run " + variables + " --feed " + Quoted("x=" + ints_npy) + " --fetch y", dir),
                 "feed for 'x' is int32, expected float");
  }
  SECTION("kernel error") {
    WriteNpy(dir / "x.npy", Tensor::Zeros(DT_FLOAT, Shape{1, 4}));
    CheckFailure(RunTg("run " + variables + " --feed " + Quoted("x=" + (dir / "x.npy").string()) +
                           " --fetch y",
                       dir),
                 "is uninitialized: run its initializer first");
  }
  SECTION("nothing to run") {
    CheckFailure(RunTg("run " + variables, dir),
                 "nothing to run: give at least one --fetch, --target or --init");
  }
  SECTION("usage errors keep CLI11's exit code") {
    for (const std::string args : {"", "inspect", "frobnicate x.pb", "run"}) {
      INFO("tg " << args);
      const TgResult result = RunTg(args, dir);
      CHECK(result.exit_code != 0);
      CHECK(result.exit_code != 1);
      CHECK_THAT(result.err, !StartsWith("tg: error: "));
    }
  }
}

TEST_CASE("tg --memory-limit refuses graphs and runs that need more", "[cli][memory]") {
  // A 1 MiB constant, and a Fill whose size is fed at run time.
  const fs::path dir = testing::TempDir("tg_memory_limit");
  Graph g;
  Scope root(g);
  ops::Const(root.WithOpName("table"), Tensor::Zeros(DT_FLOAT, Shape{1 << 18}));
  const Output dims = ops::Placeholder(root.WithOpName("dims"), DT_INT32, {1});
  ops::Fill(root.WithOpName("fill"), dims, ops::ScalarConst(root, DT_FLOAT, 1.0));
  const fs::path model = dir / "model.pb";
  SaveGraph(g, model);
  WriteNpy(dir / "small.npy", Tensor::FromVector<int32_t>({16}));
  WriteNpy(dir / "huge.npy", Tensor::FromVector<int32_t>({1 << 30}));
  const std::string m = Quoted(model.string());
  const std::string small = Quoted("dims=" + (dir / "small.npy").string());
  const std::string huge = Quoted("dims=" + (dir / "huge.npy").string());

  CHECK(RunTg("inspect --memory-limit 2MiB " + m, dir).exit_code == 0);
  CheckFailure(RunTg("inspect --memory-limit 512KiB " + m, dir),
               "more than the memory limit of 524288");
  CHECK(RunTg("run --memory-limit 16MiB " + m + " --feed " + small + " --fetch fill", dir).exit_code == 0);
  CheckFailure(RunTg("run --memory-limit 16MiB " + m + " --feed " + huge + " --fetch fill", dir),
               "Fill 'fill': output 0 (float[1073741824], 4294967296 bytes) would take this Run's "
               "tensors to more than the session's memory limit of 16777216 bytes");
  // Without the flag there is no limit, and a bad one is a usage error.
  CHECK(RunTg("run " + m + " --feed " + small + " --fetch fill", dir).exit_code == 0);
  CHECK(RunTg("run --memory-limit lots " + m + " --fetch fill", dir).exit_code > 1);
}

TEST_CASE("tg inspect counts parameters past int64 without wrapping", "[cli][hostile]") {
  // Two variables of 2^62 elements each: 2^63 parameters, one more than
  // int64 holds. The count reads as int64's maximum, never negative.
  const fs::path dir = testing::TempDir("tg_inspect_huge");
  Graph g;
  Scope root(g);
  const int64_t big = int64_t{1} << 62;
  ops::Variable(root.WithOpName("a"), DT_FLOAT, {big});
  ops::Variable(root.WithOpName("b"), DT_FLOAT, {big});
  SaveGraph(g, dir / "huge.pb");
  const TgResult result = RunTg("inspect " + Quoted((dir / "huge.pb").string()), dir);
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Contains("parameters: 9223372036854775807\n"));
}
