// The builder API (Scope: names, control dependencies, device hints,
// build-time inference and errors) and the Session behaviours a builder
// relies on (control inputs, plan caching, pruning, feed checks, threads).
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

Node* MakePlaceholder(const Scope& s, DataType t, PartialShape shape) {
  return s.AddNode("Placeholder", {}, {{"dtype", t}, {"shape", std::move(shape)}});
}

Node* MakeConst(const Scope& s, const Tensor& value) {
  return s.AddNode("Const", {}, {{"value", value}, {"dtype", value.dtype()}});
}

Node* MakeVariable(const Scope& s, const std::string& shared_name) {
  return s.AddNode(
      "VarHandleOp", {},
      {{"dtype", DT_FLOAT}, {"shape", PartialShape({2})}, {"shared_name", shared_name}});
}

const proto::NodeDef& FindNodeDef(const proto::GraphDef& g, const std::string& name) {
  for (const auto& n : g.node()) {
    if (n.name() == name) return n;
  }
  FAIL("no node '" << name << "' in the GraphDef");
  throw std::logic_error("unreachable");
}

// --- names ---------------------------------------------------------------------------

TEST_CASE("Scope names nodes after their op under nested, unique name scopes", "[builder]") {
  Graph g;
  Scope root(g);
  Node* x = MakePlaceholder(root, DT_FLOAT, PartialShape({2, 2}));
  CHECK(x->name() == "Placeholder");
  CHECK(MakePlaceholder(root, DT_FLOAT, PartialShape({2, 2}))->name() == "Placeholder_1");

  const Scope dense = root.NewSubScope("dense");
  CHECK(dense.name_prefix() == "dense/");
  CHECK(dense.AddNode("MatMul", {x, x})->name() == "dense/MatMul");
  CHECK(dense.AddNode("MatMul", {x, x})->name() == "dense/MatMul_1");
  CHECK(dense.WithOpName("logits").AddNode("MatMul", {x, x})->name() == "dense/logits");

  const Scope again = root.NewSubScope("dense");
  CHECK(again.name_prefix() == "dense_1/");
  CHECK(again.AddNode("MatMul", {x, x})->name() == "dense_1/MatMul");

  CHECK(root.NewSubScope("a").NewSubScope("b").AddNode("NoOp", {})->name() == "a/b/NoOp");
  CHECK(root.NewSubScope("a").name_prefix() == "a_1/");
}

TEST_CASE("automatic names skip names already taken explicitly", "[builder]") {
  Graph g;
  Scope root(g);
  CHECK(root.WithOpName("NoOp_1").AddNode("NoOp", {})->name() == "NoOp_1");
  CHECK(root.AddNode("NoOp", {})->name() == "NoOp");
  CHECK(root.AddNode("NoOp", {})->name() == "NoOp_2");
  CHECK(ErrorMismatch([&] { root.NewSubScope("bad/scope"); }, ErrorCode::kInvalidArgument, "",
                      "bad/scope") == "");
}

TEST_CASE("a duplicate explicit name is an error naming the node", "[builder]") {
  Graph g;
  Scope root(g);
  const Scope named = root.NewSubScope("dense").WithOpName("w");
  MakePlaceholder(named, DT_FLOAT, PartialShape({2}));
  CHECK(ErrorMismatch([&] { MakePlaceholder(named, DT_FLOAT, PartialShape({2})); },
                      ErrorCode::kInvalidArgument, "dense/w", "duplicate") == "");
  CHECK(ErrorMismatch([&] { root.WithOpName("bad name").AddNode("NoOp", {}); },
                      ErrorCode::kInvalidArgument, "bad name", "invalid node name") == "");
  CHECK(g.num_nodes() == 1);
}

// --- control dependencies -------------------------------------------------------------

TEST_CASE("control dependencies are recorded, exported and imported", "[builder]") {
  Graph g;
  Scope root(g);
  Node* a = root.WithOpName("a").AddNode("NoOp", {});
  Node* b = root.WithOpName("b").AddNode("NoOp", {});
  const Scope after_a = root.WithControlDependencies(std::vector<Node*>{a});
  Node* x = MakePlaceholder(root.WithOpName("x"), DT_FLOAT, PartialShape({2}));
  Node* y = after_a.WithControlDependencies(std::vector<Output>{Output(b)})
                .WithOpName("y")
                .AddNode("Identity", {x});
  Node* z = after_a.WithNoControlDependencies().WithOpName("z").AddNode("Identity", {x});
  CHECK(y->control_inputs() == std::vector<Node*>{a, b});
  CHECK(z->control_inputs().empty());

  const proto::GraphDef def = ToGraphDef(g);
  const proto::NodeDef& y_def = FindNodeDef(def, "y");
  REQUIRE(y_def.input_size() == 3);
  CHECK(y_def.input(0) == "x");
  CHECK(y_def.input(1) == "^a");
  CHECK(y_def.input(2) == "^b");
  std::unique_ptr<Graph> back = FromGraphDef(def);
  REQUIRE(back->FindNode("y")->control_inputs().size() == 2);
  CHECK(back->FindNode("y")->control_inputs()[1]->name() == "b");
}

TEST_CASE("Session runs the control inputs of what it runs", "[builder]") {
  Graph g;
  Scope root(g);
  Node* v = MakeVariable(root.WithOpName("v"), "v");
  Node* w = MakeVariable(root.WithOpName("w"), "w");
  Node* assign_v =
      root.WithOpName("assign_v")
          .AddNode("AssignVariableOp", {v, MakeConst(root, Tensor::FromVector<float>({1, 2}))},
                   {{"dtype", DT_FLOAT}});
  Node* assign_w =
      root.WithOpName("assign_w")
          .AddNode("AssignVariableOp", {w, MakeConst(root, Tensor::FromVector<float>({10, 20}))},
                   {{"dtype", DT_FLOAT}});
  // The read has no data path to the assignment: only the control edge
  // makes the variable initialized when it runs.
  Node* read_v = root.WithControlDependencies(std::vector<Node*>{assign_v})
                     .WithOpName("read_v")
                     .AddNode("ReadVariableOp", {v}, {{"dtype", DT_FLOAT}});
  Node* init = root.WithControlDependencies(std::vector<Node*>{assign_w})
                   .WithOpName("init")
                   .AddNode("NoOp", {});
  Node* read_w = root.WithOpName("read_w").AddNode("ReadVariableOp", {w}, {{"dtype", DT_FLOAT}});

  const auto got = RunAndRoundTrip(
      g, {RunStep{{}, {Output(read_v)}}, RunStep{{}, {}, {init}}, RunStep{{}, {Output(read_w)}}});
  CHECK(got[0][0].ToVector<float>() == std::vector<float>{1, 2});
  CHECK(got[2][0].ToVector<float>() == std::vector<float>{10, 20});

  // Without the target, w stays uninitialized.
  Session fresh(g);
  CHECK(ErrorMismatch([&] { fresh.Run({}, {Output(read_w)}); }, ErrorCode::kFailedPrecondition,
                      "read_w") == "");

  // An unfed placeholder reached only through a control edge still runs.
  Node* p = MakePlaceholder(root.WithOpName("p"), DT_FLOAT, PartialShape({2}));
  Node* gated =
      root.WithControlDependencies(std::vector<Node*>{p}).WithOpName("gated").AddNode("NoOp", {});
  Session session(g);
  CHECK(ErrorMismatch([&] { session.Run({}, {}, {gated}); }, ErrorCode::kFailedPrecondition, "p") ==
        "");
}

TEST_CASE("a fed placeholder reached through a control edge is not run", "[builder]") {
  // TensorFlow moves a fed placeholder's control edges to the feed, so
  // feeding it satisfies them.
  Graph g;
  Scope root(g);
  Node* p = MakePlaceholder(root.WithOpName("p"), DT_FLOAT, PartialShape({2}));
  Node* gated =
      root.WithControlDependencies(std::vector<Node*>{p}).WithOpName("gated").AddNode("NoOp", {});
  Session session(g);
  CHECK_NOTHROW(session.Run({{"p", Tensor::FromVector<float>({1, 2})}}, {}, {gated}));
}

// --- devices ----------------------------------------------------------------------------

TEST_CASE("device hints are recorded in nodes and in the GraphDef", "[builder]") {
  Graph g;
  Scope root(g);
  const Scope cpu = root.WithDevice("/device:CPU:0");
  Node* x = MakePlaceholder(cpu.WithOpName("x"), DT_FLOAT, PartialShape({2}));
  Node* y = cpu.NewSubScope("layer").WithOpName("y").AddNode("Identity", {x});
  Node* z = root.WithOpName("z").AddNode("Identity", {y});
  CHECK(x->device() == "/device:CPU:0");
  CHECK(y->device() == "/device:CPU:0");
  CHECK(z->device().empty());

  const proto::GraphDef def = ToGraphDef(g);
  CHECK(FindNodeDef(def, "x").device() == "/device:CPU:0");
  CHECK(FindNodeDef(def, "layer/y").device() == "/device:CPU:0");
  CHECK(FindNodeDef(def, "z").device().empty());
  CHECK(FromGraphDef(def)->FindNode("layer/y")->device() == "/device:CPU:0");

  const auto got = RunAndRoundTrip(g, {{"x", Tensor::FromVector<float>({3, 4})}}, {Output(z)});
  CHECK(got[0].ToVector<float>() == std::vector<float>{3, 4});
}

// --- build-time inference -------------------------------------------------------------------

TEST_CASE("build-time inference gives dtypes and shapes with unknown dims and broadcasting",
          "[builder]") {
  Graph g;
  Scope root(g);
  Node* batch3 = MakePlaceholder(root, DT_FLOAT, PartialShape({-1, 3}));
  Node* row3 = MakePlaceholder(root, DT_FLOAT, PartialShape({3}));
  Node* col = MakePlaceholder(root, DT_FLOAT, PartialShape({-1, 1}));
  Node* row5 = MakePlaceholder(root, DT_FLOAT, PartialShape({1, 5}));
  Node* cube = MakePlaceholder(root, DT_FLOAT, PartialShape({2, 1, 3}));
  Node* tall = MakePlaceholder(root, DT_FLOAT, PartialShape({4, 1}));
  Node* unknown = MakePlaceholder(root, DT_FLOAT, PartialShape::UnknownRank());
  Node* images = MakePlaceholder(root, DT_FLOAT, PartialShape({-1, 784}));
  Node* w = MakePlaceholder(root, DT_FLOAT, PartialShape({784, 10}));

  const auto shape_of = [&](const char* op, std::vector<Output> inputs, AttrMap attrs = {}) {
    return root.AddNode(op, std::move(inputs), std::move(attrs))->output_shape(0).ToString();
  };
  CHECK(shape_of("AddV2", {batch3, row3}) == "[?,3]");
  CHECK(shape_of("AddV2", {col, row5}) == "[?,5]");
  CHECK(shape_of("Mul", {cube, tall}) == "[2,4,3]");
  CHECK(shape_of("AddV2", {unknown, row3}) == "<unknown>");
  CHECK(shape_of("MatMul", {images, w}) == "[?,10]");
  CHECK(shape_of("MatMul", {w, images}, {{"transpose_a", true}, {"transpose_b", true}}) ==
        "[10,?]");
  Node* axis = MakeConst(root, Tensor::Scalar<int32_t>(1));
  CHECK(shape_of("Sum", {batch3, axis}, {{"keep_dims", true}}) == "[?,1]");

  Node* eq = root.AddNode("Equal", {batch3, row3});
  CHECK(eq->output_type(0) == DT_BOOL);
  CHECK(eq->output_shape(0).ToString() == "[?,3]");
  Node* arg = root.AddNode("ArgMax", {images, axis}, {{"output_type", DT_INT32}});
  CHECK(arg->output_type(0) == DT_INT32);
  CHECK(arg->output_shape(0).ToString() == "[?]");
  Node* cast = root.AddNode("Cast", {batch3}, {{"DstT", DT_INT64}});
  CHECK(cast->output_type(0) == DT_INT64);
  CHECK(cast->attr<DataType>("SrcT") == DT_FLOAT);
}

TEST_CASE("a build-time mistake names the node and what was expected", "[builder]") {
  Graph g;
  Scope root(g);
  Node* x = MakePlaceholder(root.WithOpName("x"), DT_FLOAT, PartialShape({32, 784}));
  Node* w = MakePlaceholder(root.WithOpName("w"), DT_FLOAT, PartialShape({512, 10}));
  const Scope dense = root.NewSubScope("dense");
  const int before = g.num_nodes();
  try {
    dense.AddNode("MatMul", {x, w});
    FAIL("MatMul of [32,784] and [512,10] was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    CHECK(e.node() == "dense/MatMul");
    CHECK(e.op() == "MatMul");
    CHECK_THAT(e.what(), Catch::Contains("dense/MatMul") &&
                             Catch::Contains("inner dimensions differ") &&
                             Catch::Contains("[32,784]") && Catch::Contains("[512,10]"));
  }
  CHECK(g.num_nodes() == before);

  Node* i = MakePlaceholder(root.WithOpName("i"), DT_INT32, PartialShape({32, 784}));
  CHECK(ErrorMismatch(
            [&] {
              dense.WithOpName("sum").AddNode("AddV2", {x, i});
            },
            ErrorCode::kInvalidArgument, "dense/sum", "int32") == "");
  CHECK(ErrorMismatch([&] { root.WithOpName("u").AddNode("NoSuchOp", {}); },
                      ErrorCode::kInvalidArgument, "u", "unknown op") == "");
  CHECK(ErrorMismatch(
            [&] {
              root.WithOpName("m").AddNode("MatMul", {x, x}, {{"transpose_a", int64_t{1}}});
            },
            ErrorCode::kInvalidArgument, "m", "transpose_a") == "");
  // The failed names were not taken: a correct node may use them.
  CHECK(dense.WithOpName("sum").AddNode("AddV2", {x, x})->name() == "dense/sum");
}

// --- sessions -------------------------------------------------------------------------------

// y = x + 1 and z = y + 1, for a float placeholder x of shape [?,3].
struct Chain {
  Graph g;
  Node* x;
  Node* y;
  Node* z;
  Chain() {
    Scope root(g);
    x = MakePlaceholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1, 3}));
    Node* one = MakeConst(root.WithOpName("one"), Tensor::Scalar<float>(1));
    y = root.WithOpName("y").AddNode("AddV2", {x, one});
    z = root.WithOpName("z").AddNode("AddV2", {y, one});
  }
};

TEST_CASE("Session compiles one plan per signature and reuses it", "[builder]") {
  Chain c;
  Session session(c.g);
  CHECK(session.num_plans() == 0);
  for (int i = 0; i < 5; ++i) {
    const auto out =
        session.Run({{"x", Tensor::FromVector<float>({float(i), 0, 0}, {1, 3})}}, {"z"});
    CHECK(out[0].ToVector<float>() == std::vector<float>{float(i) + 2, 2, 2});
  }
  CHECK(session.num_plans() == 1);
  // Another batch size is the same signature.
  session.Run({{"x", Tensor::Zeros(DT_FLOAT, Shape({4, 3}))}}, {"z"});
  CHECK(session.num_plans() == 1);
  session.Run({{"x", Tensor::Zeros(DT_FLOAT, Shape({1, 3}))}}, {"z", "y"});
  CHECK(session.num_plans() == 2);
  session.Run({{"y", Tensor::Zeros(DT_FLOAT, Shape({1, 3}))}}, {"z"});
  CHECK(session.num_plans() == 3);
  session.Run({{"x", Tensor::Zeros(DT_FLOAT, Shape({1, 3}))}}, {"z", "y"});
  CHECK(session.num_plans() == 3);
}

TEST_CASE("feeding an intermediate tensor prunes what produces it", "[builder]") {
  Chain c;
  // x is never fed: it is not needed once y is.
  const auto got =
      RunAndRoundTrip(c.g, {{"y", Tensor::FromVector<float>({1, 2, 3}, {1, 3})}}, {"z", "y"});
  CHECK(got[0].ToVector<float>() == std::vector<float>{2, 3, 4});
  CHECK(got[1].ToVector<float>() == std::vector<float>{1, 2, 3});
  Session session(c.g);
  CHECK(ErrorMismatch([&] { session.Run({}, {"z"}); }, ErrorCode::kFailedPrecondition, "x") == "");
}

TEST_CASE("Session refuses wrong feeds and unknown names", "[builder]") {
  Chain c;
  Session session(c.g);
  const Tensor good = Tensor::Zeros(DT_FLOAT, Shape({2, 3}));
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", Tensor::Zeros(DT_INT32, Shape({2, 3}))}}, {"z"});
            },
            ErrorCode::kInvalidArgument, "x", "int32") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", Tensor::Zeros(DT_FLOAT, Shape({2, 4}))}}, {"z"});
            },
            ErrorCode::kInvalidArgument, "x", "[2,4]") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", Tensor::Zeros(DT_FLOAT, Shape({3}))}}, {"z"});
            },
            ErrorCode::kInvalidArgument, "x", "[3]") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", good}}, {"nope"});
            },
            ErrorCode::kNotFound, "", "nope") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", good}}, {"z:1"});
            },
            ErrorCode::kNotFound, "z", "z:1") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", good}}, {}, {"nope"});
            },
            ErrorCode::kNotFound, "", "nope") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"nope", good}}, {"z"});
            },
            ErrorCode::kNotFound, "", "nope") == "");
  CHECK(ErrorMismatch(
            [&] {
              session.Run({{"x", good}, {"x:0", good}}, {"z"});
            },
            ErrorCode::kInvalidArgument, "", "fed twice") == "");
  // The session still works after refusing.
  CHECK(session.Run({{"x", good}}, {"z"})[0].ToVector<float>() == std::vector<float>(6, 2));
}

TEST_CASE("several threads run one session at once", "[builder]") {
  // y = relu(x @ w + b) for x of shape [1,4], checked per run against plain loops.
  Graph g;
  Scope root(g);
  const std::vector<float> w_values = {0.5f, -1, 2, 1, 0.25f, -0.5f, -2, 1, 0, 1.5f, -1, 0.75f};
  const std::vector<float> b_values = {0.1f, -0.2f, 0.3f};
  Node* x = MakePlaceholder(root.WithOpName("x"), DT_FLOAT, PartialShape({1, 4}));
  Node* w = MakeConst(root, Tensor::FromVector<float>(w_values, {4, 3}));
  Node* b = MakeConst(root, Tensor::FromVector<float>(b_values));
  Node* h = root.WithOpName("h").AddNode("BiasAdd", {root.AddNode("MatMul", {x, w}), b});
  root.WithOpName("y").AddNode("Relu", {h});
  const auto expected = [&](const std::vector<float>& xv) {
    std::vector<float> out(3);
    for (int j = 0; j < 3; ++j) {
      double s = b_values[static_cast<size_t>(j)];
      for (int k = 0; k < 4; ++k)
        s += double(xv[static_cast<size_t>(k)]) * w_values[static_cast<size_t>(k * 3 + j)];
      out[static_cast<size_t>(j)] = static_cast<float>(std::max(s, 0.0));
    }
    return out;
  };

  Session session(g);
  constexpr int kThreads = 4, kRuns = 200;
  std::atomic<int> wrong{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        const std::vector<float> xv = {float(t), float(r % 7) - 3, 0.5f * float(r % 5),
                                       -float(t + r % 3)};
        try {
          // Two signatures interleaved, so plans are made and shared concurrently.
          const bool both = r % 2 == 0;
          std::vector<TensorName> fetches = {"y"};
          if (both) fetches.push_back("h");
          const auto out = session.Run({{"x", Tensor::FromVector<float>(xv, {1, 4})}}, fetches);
          const auto want = expected(xv);
          const auto got = out[0].ToVector<float>();
          for (size_t j = 0; j < 3; ++j) {
            if (std::abs(got[j] - want[j]) > 1e-5f) ++wrong;
          }
          if (out.size() != (both ? 2u : 1u)) ++wrong;
        } catch (const std::exception&) {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(errors == 0);
  CHECK(session.num_plans() == 2);
}

TEST_CASE("concurrent runs of a seeded random op take each draw exactly once", "[builder]") {
  // A stateful kernel is shared by every run of a session: concurrent runs
  // must split its stream between them, neither repeating nor tearing it.
  Graph g;
  Scope root(g);
  Node* shape = MakeConst(root, Tensor::FromVector<int32_t>({64}));
  root.WithOpName("r").AddNode("RandomUniform", {shape},
                               {{"dtype", DT_FLOAT}, {"seed", int64_t{3}}, {"seed2", int64_t{4}}});
  constexpr int kThreads = 4, kRuns = 50;
  std::vector<std::vector<float>> serial;
  Session one(g);
  for (int i = 0; i < kThreads * kRuns; ++i)
    serial.push_back(one.Run({}, {"r"})[0].ToVector<float>());

  Session shared(g);
  std::vector<std::vector<std::vector<float>>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r)
        per_thread[static_cast<size_t>(t)].push_back(shared.Run({}, {"r"})[0].ToVector<float>());
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::vector<float>> concurrent;
  for (auto& draws : per_thread) concurrent.insert(concurrent.end(), draws.begin(), draws.end());
  std::sort(serial.begin(), serial.end());
  std::sort(concurrent.begin(), concurrent.end());
  CHECK(concurrent == serial);
}

}  // namespace
}  // namespace tensorgraph::testing

namespace tensorgraph::testing {
namespace {

// One dense layer, its two variable reads built in the order `weights_first`
// says: what g++ and clang++ do with `BiasAdd(s, MatMul(s, x, w.Read(s)),
// b.Read(s))`, whose arguments they evaluate in different orders.
std::string DenseLayerBytes(bool weights_first) {
  Graph graph;
  const Scope root(graph);
  const Scope s = root.NewSubScope("dense");
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1, 4}));
  const auto w = ops::Variable(s.WithOpName("kernel"), DT_FLOAT, PartialShape({4, 3}));
  const auto b = ops::Variable(s.WithOpName("bias"), DT_FLOAT, PartialShape({3}));
  Output w_read, b_read;
  if (weights_first) {
    w_read = w.Read(s);
    b_read = b.Read(s);
  } else {
    b_read = b.Read(s);
    w_read = w.Read(s);
  }
  ops::BiasAdd(s, ops::MatMul(s, x, w_read), b_read);
  CHECK(w_read.node->name() == "dense/kernel/Read/ReadVariableOp");
  CHECK(b_read.node->name() == "dense/bias/Read/ReadVariableOp");
  return SerializeGraphDef(ToGraphDef(graph));
}

TEST_CASE("a graph's bytes do not depend on the order its nodes were built in",
          "[builder][determinism]") {
  CHECK(DenseLayerBytes(true) == DenseLayerBytes(false));
}

TEST_CASE("writing one graph twice gives the same bytes, attrs sorted", "[builder][determinism]") {
  // MatMul carries three attrs: a hash-ordered map writes them in any order.
  const std::string dir = TempDir("deterministic_write");
  std::string first;
  for (int i = 0; i < 2; ++i) {
    Graph graph;
    const Scope root(graph);
    const Output a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT, PartialShape({2, 2}));
    ops::MatMul(root, a, a, {.transpose_b = true});
    SaveGraph(graph, dir + "/g.pb");
    const std::string bytes = FileBytes(dir + "/g.pb");
    REQUIRE(!bytes.empty());
    if (i == 0) first = bytes;
    CHECK(bytes == first);
  }
  // Serialized again after a parse (a fresh map), still the same.
  CHECK(SerializeGraphDef(ReadGraphDef(dir + "/g.pb")) == first);
}

}  // namespace
}  // namespace tensorgraph::testing
