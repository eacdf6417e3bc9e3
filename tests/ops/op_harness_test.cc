// The op harness: every op in the registry, on every dtype its kernel type
// attr allows that the project supports, against a float64 reference
// (tests/support/op_references*). An op without a harness entry, or an
// allowed dtype without a CPU kernel, fails the run, so no op can dodge it.
// Ops that are not pure functions get behaviour checks instead. Every case
// also runs on the test device (tests/support/test_device.h) and must give
// the CPU's results bit for bit, or the CPU's error. The gradient mode
// (gradient_harness_test.cc) runs over the same cases, on both devices.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "runtime/kernel.h"
#include "tests/support/gpu.h"
#include "tests/support/gradient_check.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"
#include "tests/support/test_device.h"

namespace tensorgraph::testing {
namespace {

// --- running one case ------------------------------------------------------------

constexpr const char* kNodeName = "op_under_test";

struct Coverage {
  std::set<std::string> ops;
  int op_dtypes = 0;
  int cases = 0;
  int checks = 0;
};

Node* BuildCase(Graph& graph, const std::string& op, const OpCase& c, const TypeMap& types,
                FeedList& feeds, bool& all_known) {
  Scope root(graph);
  std::vector<Output> inputs;
  all_known = true;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const RefTensor& value = c.inputs[i].value;
    const Scope named = root.WithOpName("input_" + std::to_string(i));
    if (c.inputs[i].constant) {
      inputs.push_back(
          named.AddNode("Const", {}, {{"value", ToTensor(value)}, {"dtype", value.dtype}}));
      continue;
    }
    Node* p = named.AddNode("Placeholder", {},
                            {{"dtype", value.dtype}, {"shape", PartialShape(value.dims)}});
    inputs.push_back(p);
    feeds.emplace_back(Output(p), ToTensor(value));
    if (c.inputs[i].shapes_output) all_known = false;
  }
  AttrMap attrs = c.attrs;
  for (const auto& [name, t] : types) attrs.emplace(name, t);
  return root.WithOpName(kNodeName).AddNode(op, inputs, attrs);
}

void RunCase(const std::string& op, const OpCase& c, const TypeMap& types, Coverage& coverage) {
  INFO(op << " [" << Describe(types) << "] case '" << c.label << "'");
  ++coverage.cases;
  Graph graph;
  FeedList feeds;
  bool all_known = true;
  if (c.error) {
    ++coverage.checks;
    const std::string mismatch = ErrorMismatch(
        [&] {
          Node* node = BuildCase(graph, op, c, types, feeds, all_known);
          std::vector<TensorName> fetches;
          for (int k = 0; k < node->num_outputs(); ++k) fetches.push_back(Output(node, k));
          Session(graph).Run(feeds, fetches, {node});
        },
        *c.error, kNodeName, c.error_fragment);
    CHECK(mismatch == "");
    // The test device refuses the same inputs with the same error.
    Graph again;
    FeedList again_feeds;
    CHECK(ErrorMismatch(
              [&] {
                Node* node = BuildCase(again, op, c, types, again_feeds, all_known);
                std::vector<TensorName> fetches;
                for (int k = 0; k < node->num_outputs(); ++k) fetches.push_back(Output(node, k));
                Session(again, SessionOptions{.device = std::string(kDeviceTest)})
                    .Run(again_feeds, fetches, {node});
              },
              *c.error, kNodeName, c.error_fragment) == "");
    return;
  }
  try {
    Node* node = BuildCase(graph, op, c, types, feeds, all_known);
    REQUIRE(node->num_outputs() == static_cast<int>(c.expected.size()));
    std::vector<TensorName> fetches;
    for (int k = 0; k < node->num_outputs(); ++k) fetches.push_back(Output(node, k));
    const std::vector<Tensor> got = RunAndRoundTrip(graph, feeds, fetches);
    for (size_t k = 0; k < got.size(); ++k) {
      INFO("output " << k);
      CHECK(Compare(got[k], c.expected[k], c.tol) == "");
      // With every input shape and index value known, inference should
      // know the result's shape exactly.
      if (all_known)
        CHECK(node->output_shape(static_cast<int>(k)).ToString() == c.expected[k].ShapeString());
      coverage.checks += all_known ? 2 : 1;
    }
    // The device axis: the test device, whose memory the executor may not
    // read, gives the CPU's results bit for bit.
    CHECK(CompareOnTestDevice(graph, feeds, fetches, got) == "");
    ++coverage.checks;
  } catch (const std::exception& e) {
    FAIL_CHECK("threw: " << e.what());
  }
}

// --- behaviour checks for ops that are not pure functions -------------------------

// Counts the checks a behaviour makes, through CHECK.
#define HARNESS_CHECK(count, ...) \
  do {                            \
    ++(count);                    \
    CHECK(__VA_ARGS__);           \
  } while (0)

Tolerance Exact() { return {}; }

int PlaceholderBehaviour(const TypeMap& types) {
  const DataType t = TypeOf(types, "dtype");
  Rng rng = RngFor("Placeholder");
  int n = 0;
  Graph graph;
  Scope root(graph);
  Node* x = root.WithOpName("x").AddNode("Placeholder", {},
                                         {{"dtype", t}, {"shape", PartialShape({-1, 3})}});
  for (std::vector<int64_t> dims : {std::vector<int64_t>{2, 3}, std::vector<int64_t>{0, 3}}) {
    const RefTensor value = RandomRef(t, dims, {}, rng);
    const auto got = RunAndRoundTrip(graph, {{Output(x), ToTensor(value)}}, {Output(x)});
    HARNESS_CHECK(n, Compare(got[0], value, Exact()) == "");
  }
  Session session(graph);
  HARNESS_CHECK(n, ErrorMismatch([&] { session.Run({}, {Output(x)}); },
                                 ErrorCode::kFailedPrecondition, "x") == "");
  const Tensor wrong_shape = ToTensor(RandomRef(t, {2, 4}, {}, rng));
  HARNESS_CHECK(n, ErrorMismatch(
                       [&] {
                         session.Run({{Output(x), wrong_shape}}, {Output(x)});
                       },
                       ErrorCode::kInvalidArgument, "x", "[2,4]") == "");
  const DataType other = t == DT_FLOAT ? DT_INT32 : DT_FLOAT;
  const Tensor wrong_dtype = ToTensor(RandomRef(other, {2, 3}, {}, rng));
  HARNESS_CHECK(n, ErrorMismatch(
                       [&] {
                         session.Run({{Output(x), wrong_dtype}}, {Output(x)});
                       },
                       ErrorCode::kInvalidArgument, "x", DataTypeName(other)) == "");
  return n;
}

int PlaceholderWithDefaultBehaviour(const TypeMap& types) {
  const DataType t = TypeOf(types, "dtype");
  Rng rng = RngFor("PlaceholderWithDefault");
  int n = 0;
  Graph graph;
  Scope root(graph);
  const RefTensor fallback = RandomRef(t, {2, 3}, {}, rng);
  Node* def = root.WithOpName("default").AddNode("Const", {},
                                                 {{"value", ToTensor(fallback)}, {"dtype", t}});
  Node* x = root.WithOpName("x").AddNode("PlaceholderWithDefault", {def},
                                         {{"dtype", t}, {"shape", PartialShape({-1, 3})}});
  HARNESS_CHECK(n, x->output_shape(0) == PartialShape({-1, 3}));
  const RefTensor fed = RandomRef(t, {4, 3}, {}, rng);
  const auto got = RunAndRoundTrip(
      graph, {RunStep{{}, {Output(x)}}, RunStep{{{Output(x), ToTensor(fed)}}, {Output(x)}}});
  HARNESS_CHECK(n, Compare(got[0][0], fallback, Exact()) == "");
  HARNESS_CHECK(n, Compare(got[1][0], fed, Exact()) == "");
  Graph bad;
  Scope bad_root(bad);
  Node* wide = bad_root.WithOpName("wide").AddNode(
      "Const", {}, {{"value", ToTensor(RandomRef(t, {2, 4}, {}, rng))}, {"dtype", t}});
  HARNESS_CHECK(n, ErrorMismatch(
                       [&] {
                         bad_root.WithOpName("y").AddNode(
                             "PlaceholderWithDefault", {wide},
                             {{"dtype", t}, {"shape", PartialShape({-1, 3})}});
                       },
                       ErrorCode::kInvalidArgument, "y") == "");
  return n;
}

int NoOpBehaviour(const TypeMap&) {
  int n = 0;
  Graph graph;
  Scope root(graph);
  Node* unfed = root.WithOpName("unfed").AddNode("Placeholder", {}, {{"dtype", DT_FLOAT}});
  Node* alone = root.WithOpName("alone").AddNode("NoOp", {});
  Node* group = root.WithOpName("group")
                    .WithControlDependencies(std::vector<Node*>{unfed})
                    .AddNode("NoOp", {});
  HARNESS_CHECK(n, alone->num_outputs() == 0);
  HARNESS_CHECK(n, RunAndRoundTrip(graph, {}, {}, {alone}).empty());
  // The control input runs, and the unfed placeholder says so.
  Session session(graph);
  HARNESS_CHECK(n, ErrorMismatch([&] { session.Run({}, {}, {group}); },
                                 ErrorCode::kFailedPrecondition, "unfed") == "");
  return n;
}

// --- variables ---------------------------------------------------------------------

// A variable "v" of dtype t and shape [2,3] with assign, assign-add (when
// the dtype allows it) and read nodes, all fed from placeholder "value".
struct VariableGraph {
  Graph graph;
  Node* handle = nullptr;
  Node* value = nullptr;
  Node* assign = nullptr;
  Node* add = nullptr;
  Node* read = nullptr;

  VariableGraph(DataType t, const std::string& shared_name = "v") {
    Scope root(graph);
    handle = root.WithOpName("v").AddNode(
        "VarHandleOp", {},
        {{"dtype", t}, {"shape", PartialShape({2, 3})}, {"shared_name", shared_name}});
    value = root.WithOpName("value").AddNode("Placeholder", {},
                                             {{"dtype", t}, {"shape", PartialShape({2, 3})}});
    assign = root.WithOpName("assign").AddNode("AssignVariableOp", {handle, value}, {{"dtype", t}});
    read = root.WithOpName("read").AddNode("ReadVariableOp", {handle}, {{"dtype", t}});
    const OpDef* add_op = OpRegistry::Global().Find("AssignAddVariableOp");
    const AttrDef* add_dtype = add_op ? add_op->FindAttr("dtype") : nullptr;
    const auto allowed = add_dtype ? SupportedValues(*add_dtype) : std::vector<DataType>{};
    if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) {
      add = root.WithOpName("add").AddNode("AssignAddVariableOp", {handle, value}, {{"dtype", t}});
    }
  }
};

int VariableBehaviour(std::string_view op, const TypeMap& types) {
  const DataType t = TypeOf(types, "dtype");
  Rng rng = RngFor(op);
  int n = 0;
  VariableGraph vg(t);
  const Domain domain = IsFloating(t) ? Domain{} : Domain{0, 20};
  const RefTensor a = RandomRef(t, {2, 3}, domain, rng), b = RandomRef(t, {2, 3}, domain, rng);
  const Tensor ta = ToTensor(a), tb = ToTensor(b);

  // Assign, read, re-assign: the last value wins.
  std::vector<RunStep> steps = {{{{Output(vg.value), ta}}, {}, {vg.assign}},
                                {{}, {Output(vg.read)}},
                                {{{Output(vg.value), tb}}, {}, {vg.assign}},
                                {{}, {Output(vg.read)}}};
  RefTensor after_add;
  if (vg.add != nullptr) {
    // Adding twice accumulates.
    steps.push_back({{{Output(vg.value), ta}}, {}, {vg.add}});
    steps.push_back({{{Output(vg.value), ta}}, {}, {vg.add}});
    steps.push_back({{}, {Output(vg.read)}});
    after_add = ref::Map2(ref::Map2(b, a, t, std::plus<>()), a, t, std::plus<>());
  }
  const auto got = RunAndRoundTrip(vg.graph, steps);
  HARNESS_CHECK(n, Compare(got[1][0], a, Exact()) == "");
  HARNESS_CHECK(n, Compare(got[3][0], b, Exact()) == "");
  if (vg.add != nullptr) HARNESS_CHECK(n, Compare(got[6][0], after_add, Exact()) == "");

  Session fresh(vg.graph);
  if (op == "ReadVariableOp" || op == "VarHandleOp") {
    HARNESS_CHECK(n, ErrorMismatch([&] { fresh.Run({}, {Output(vg.read)}); },
                                   ErrorCode::kFailedPrecondition, "read", "uninitialized") == "");
  }
  if (op == "AssignAddVariableOp" && vg.add != nullptr) {
    HARNESS_CHECK(n, ErrorMismatch(
                         [&] {
                           fresh.Run({{Output(vg.value), ta}}, {}, {vg.add});
                         },
                         ErrorCode::kFailedPrecondition, "add", "uninitialized") == "");
  }
  if (op == "VarHandleOp") {
    // A handle is not a value: it can be neither fetched nor fed.
    HARNESS_CHECK(n, ErrorMismatch([&] { fresh.Run({}, {Output(vg.handle)}); },
                                   ErrorCode::kInvalidArgument, "v") == "");
    // Handles with one shared_name share the variable within a session.
    Scope root(vg.graph);
    Node* alias = root.WithOpName("alias").AddNode(
        "VarHandleOp", {},
        {{"dtype", t}, {"shape", PartialShape({2, 3})}, {"shared_name", std::string("v")}});
    Node* alias_read =
        root.WithOpName("alias_read").AddNode("ReadVariableOp", {alias}, {{"dtype", t}});
    Session session(vg.graph);
    session.Run({{Output(vg.value), ta}}, {}, {vg.assign});
    HARNESS_CHECK(n, Compare(session.Run({}, {Output(alias_read)})[0], a, Exact()) == "");
  }
  if (op == "ReadVariableOp") {
    // Reading with the wrong dtype is refused, when built or when run.
    const DataType other = t == DT_FLOAT ? DT_DOUBLE : DT_FLOAT;
    Scope root(vg.graph);
    Session session(vg.graph);
    session.Run({{Output(vg.value), ta}}, {}, {vg.assign});
    HARNESS_CHECK(n, ErrorMismatch(
                         [&] {
                           Node* wrong =
                               root.WithOpName("wrong_read")
                                   .AddNode("ReadVariableOp", {vg.handle}, {{"dtype", other}});
                           session.Run({}, {Output(wrong)});
                         },
                         ErrorCode::kInvalidArgument, "wrong_read") == "");
  }
  return n;
}

// --- random ops ----------------------------------------------------------------

struct Moments {
  double mean = 0, stddev = 0, min = INFINITY, max = -INFINITY;
};
Moments MomentsOf(const RefTensor& x) {
  Moments m;
  for (double v : x.values) {
    m.mean += v;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  m.mean /= static_cast<double>(x.values.size());
  for (double v : x.values) m.stddev += (v - m.mean) * (v - m.mean);
  m.stddev = std::sqrt(m.stddev / static_cast<double>(x.values.size()));
  return m;
}

int RandomBehaviour(std::string_view op, const TypeMap& types) {
  const DataType t = TypeOf(types, "dtype"), index = TypeOf(types, "T", DT_INT32);
  int n = 0;
  Graph graph;
  Scope root(graph);
  auto random = [&](const std::string& name, std::vector<int64_t> dims, int64_t seed,
                    int64_t seed2) {
    Node* shape =
        root.WithOpName(name + "/shape")
            .AddNode("Const", {}, {{"value", ToTensor(IndexRef(index, dims))}, {"dtype", index}});
    return root.WithOpName(name).AddNode(
        std::string(op), {shape}, {{"dtype", t}, {"T", index}, {"seed", seed}, {"seed2", seed2}});
  };
  Node* small = random("small", {3, 5}, 7, 11);
  Node* same_seed = random("same_seed", {3, 5}, 7, 11);
  Node* other_seed = random("other_seed", {3, 5}, 8, 11);
  Node* large = random("large", {20000}, 1, 2);
  Node* empty = random("empty", {0, 3}, 7, 11);
  HARNESS_CHECK(n, small->output_type(0) == t);
  HARNESS_CHECK(n, small->output_shape(0) == PartialShape({3, 5}));

  // Two draws in one session, replayed bit for bit by fresh sessions on the
  // reloaded graphs: the stream is a function of the seeds alone.
  const std::vector<TensorName> fetches = {Output(small), Output(same_seed), Output(other_seed),
                                           Output(large), Output(empty)};
  const auto got = RunAndRoundTrip(graph, {RunStep{{}, fetches}, RunStep{{}, fetches}});
  const auto& first = got[0];
  HARNESS_CHECK(n, first[0].dtype() == t);
  HARNESS_CHECK(n, first[0].shape() == Shape({3, 5}));
  HARNESS_CHECK(n, first[4].shape() == Shape({0, 3}));
  HARNESS_CHECK(n, first[0].BitwiseEquals(first[1]));
  HARNESS_CHECK(n, !first[0].BitwiseEquals(first[2]));
  HARNESS_CHECK(n, !first[0].BitwiseEquals(got[1][0]));  // the second draw moves on

  const Moments m = MomentsOf(FromTensor(first[3]));
  INFO(op << " " << DataTypeName(t) << ": mean " << m.mean << ", stddev " << m.stddev << ", range ["
          << m.min << ", " << m.max << "]");
  if (op == "RandomUniform") {
    HARNESS_CHECK(n, (m.min >= 0 && m.max < 1));
    HARNESS_CHECK(n, std::abs(m.mean - 0.5) < 0.01);
    HARNESS_CHECK(n, std::abs(m.stddev - std::sqrt(1.0 / 12)) < 0.01);
  } else if (op == "RandomStandardNormal") {
    HARNESS_CHECK(n, std::abs(m.mean) < 0.03);
    HARNESS_CHECK(n, std::abs(m.stddev - 1) < 0.03);
    HARNESS_CHECK(n, (m.min < -3 && m.max > 3));
  } else {
    // A standard normal cut at two standard deviations: stddev 0.8796.
    HARNESS_CHECK(n, (m.min > -2 && m.max < 2));
    HARNESS_CHECK(n, std::abs(m.mean) < 0.03);
    HARNESS_CHECK(n, std::abs(m.stddev - 0.8796) < 0.03);
  }
  return n;
}

// --- the table ---------------------------------------------------------------------

// The pure ops' cases, shared with the gradient mode, plus behaviour checks
// for the ops that are not pure functions.
const HarnessTable& Table() {
  static const HarnessTable table = [] {
    HarnessTable t = CaseTable();
    AddTrainingEntries(t);
    t["Placeholder"] = {{"dtype"}, nullptr, PlaceholderBehaviour};
    t["PlaceholderWithDefault"] = {{"dtype"}, nullptr, PlaceholderWithDefaultBehaviour};
    t["NoOp"] = {{}, nullptr, NoOpBehaviour};
    for (const char* op :
         {"VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp"}) {
      t[op] = {
          {"dtype"}, nullptr, [op](const TypeMap& types) { return VariableBehaviour(op, types); }};
    }
    for (const char* op : {"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}) {
      t[op] = {{"dtype", "T"}, nullptr, [op](const TypeMap& types) {
                 return RandomBehaviour(op, types);
               }};
    }
    return t;
  }();
  return table;
}

// Runs every harness case: run_case for the pure ops' cases, and (when
// `behaviours`) the behaviour checks. Fills no_entry and no_kernel with
// the ops and dtypes it could not reach.
void ForEachCase(Coverage& coverage, bool behaviours,
                 const std::function<void(const std::string&, const OpCase&, const TypeMap&)>& run_case,
                 std::vector<std::string>& no_entry, std::vector<std::string>& no_kernel) {
  for (const OpDef* op : OpRegistry::Global().List()) {
    if (IsTestOnlyOp(op->name)) continue;
    auto entry = Table().find(op->name);
    if (entry == Table().end()) {
      no_entry.push_back(op->name);
      continue;
    }
    if (!HarnessSelects(op->name)) continue;
    Rng rng = RngFor(op->name);
    for (DataType dtype : KernelDTypes(*op)) {
      if (!KernelRegistry::Global().Has(op->name, kDeviceCpu, dtype)) {
        no_kernel.push_back(op->name + " " + op->kernel_type_attr + "=" +
                            std::string(DataTypeName(dtype)));
        continue;
      }
      coverage.ops.insert(op->name);
      ++coverage.op_dtypes;
      for (const TypeMap& types : TypeAssignments(*op, dtype, entry->second.type_attrs)) {
        if (entry->second.behaviour) {
          if (!behaviours) continue;
          INFO(op->name << " behaviour [" << Describe(types) << "]");
          ++coverage.cases;
          try {
            coverage.checks += entry->second.behaviour(types);
          } catch (const std::exception& e) {
            FAIL_CHECK("threw: " << e.what());
          }
          continue;
        }
        std::vector<OpCase> cases;
        try {
          cases = entry->second.cases(types, rng);
        } catch (const std::exception& e) {
          FAIL_CHECK(op->name << " [" << Describe(types) << "]: making cases threw: " << e.what());
        }
        for (const OpCase& c : cases) run_case(op->name, c, types);
      }
    }
  }
}

TEST_CASE("every registered op matches its float64 reference on every supported dtype",
          "[harness]") {
  Coverage coverage;
  std::vector<std::string> no_entry, no_kernel;
  ForEachCase(
      coverage, true,
      [&](const std::string& op, const OpCase& c, const TypeMap& types) {
        RunCase(op, c, types, coverage);
      },
      no_entry, no_kernel);
  WARN("op harness: " << coverage.ops.size() << " ops, " << coverage.op_dtypes
                      << " (op, dtype) pairs, " << coverage.cases << " cases, " << coverage.checks
                      << " checks");
  INFO("ops in the registry without a harness entry:" << JoinLines(no_entry));
  CHECK(no_entry.empty());
  INFO("allowed dtypes without a CPU kernel:" << JoinLines(no_kernel));
  CHECK(no_kernel.empty());
}

// The device axis on a GPU: every case's outputs, computed on the GPU,
// against the same float64 reference and tolerance as the CPU's (the GPU
// sums in another order and has its own libm, so not bit for bit).
// Error cases are left out: a GPU cannot check values in its memory on the
// host, and some kernels answer out-of-range values with NaN instead.
TEST_CASE("every registered op matches its float64 reference on the GPU", "[cuda][harness]") {
  TG_REQUIRE_GPU();
  Coverage coverage;
  std::vector<std::string> no_entry, no_kernel;
  ForEachCase(
      coverage, false,
      [&](const std::string& op, const OpCase& c, const TypeMap& types) {
        if (c.error) return;
        INFO(op << " [" << Describe(types) << "] case '" << c.label << "' on the GPU");
        ++coverage.cases;
        Graph graph;
        FeedList feeds;
        bool all_known = true;
        try {
          Node* node = BuildCase(graph, op, c, types, feeds, all_known);
          std::vector<TensorName> fetches;
          for (int k = 0; k < node->num_outputs(); ++k) fetches.push_back(Output(node, k));
          Session gpu(graph, SessionOptions{.device = "GPU"});
          const std::vector<Tensor> got = gpu.Run(feeds, fetches);
          for (size_t k = 0; k < got.size(); ++k) {
            INFO("output " << k);
            CHECK(Compare(got[k], c.expected[k], c.tol) == "");
            ++coverage.checks;
          }
        } catch (const std::exception& e) {
          FAIL_CHECK("threw: " << e.what());
        }
      },
      no_entry, no_kernel);
  WARN("op harness on the GPU: " << coverage.ops.size() << " ops, " << coverage.cases
                                 << " cases, " << coverage.checks << " checks");
}

TEST_CASE("every harness entry names a registered op", "[harness]") {
  std::vector<std::string> stale;
  for (const auto& [name, entry] : Table()) {
    if (OpRegistry::Global().Find(name) == nullptr) stale.push_back(name);
  }
  INFO("harness entries for ops that are not registered:" << JoinLines(stale));
  CHECK(stale.empty());
}

}  // namespace
}  // namespace tensorgraph::testing
