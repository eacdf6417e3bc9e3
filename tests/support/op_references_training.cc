// Harness entries for the update ops (ResourceApply*, AssignSubVariableOp).
// They change variables, so each gets a behaviour: initialize the variable
// and its slots, apply two updates with different gradients, and compare
// every variable with a float64 reference of the op's formula. TensorFlow's
// own kernels are checked against the same ops in training_ops_test.cc.
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/support/gradient_check.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

// One update op: its variables (input order), hyperparameter values by
// input name, and the update of one element in float64.
struct UpdateSpec {
  std::vector<std::string> variables;  // "var" first, then the slots
  std::map<std::string, double> hyper;
  AttrMap attrs;
  // Rewrites element values (in `variables` order) given hyperparameters.
  std::function<void(std::vector<double>& v, const std::map<std::string, double>& h, double g)>
      update;
  // Where each variable's initial values are drawn (slots that are sums of
  // squares must start non-negative).
  std::vector<Domain> domains;
};

const std::map<std::string, UpdateSpec>& UpdateSpecs() {
  static const std::map<std::string, UpdateSpec> specs = [] {
    const Domain any{-1, 1}, positive{0.1, 2};
    std::map<std::string, UpdateSpec> s;
    s["ResourceApplyGradientDescent"] = {
        {"var"}, {{"alpha", 0.25}}, {}, [](auto& v, auto& h, double g) {
          v[0] -= h.at("alpha") * g;
        },
        {any}};
    for (bool nesterov : {false, true}) {
      s[nesterov ? "ResourceApplyMomentum/nesterov" : "ResourceApplyMomentum"] = {
          {"var", "accum"},
          {{"lr", 0.1}, {"momentum", 0.9}},
          {{"use_nesterov", nesterov}},
          [nesterov](auto& v, auto& h, double g) {
            const double lr = h.at("lr"), mu = h.at("momentum");
            v[1] = mu * v[1] + g;
            v[0] -= nesterov ? lr * (g + mu * v[1]) : lr * v[1];
          },
          {any, any}};
      s[nesterov ? "ResourceApplyAdam/nesterov" : "ResourceApplyAdam"] = {
          {"var", "m", "v"},
          {{"beta1_power", std::pow(0.9, 3)},
           {"beta2_power", std::pow(0.999, 3)},
           {"lr", 0.01},
           {"beta1", 0.9},
           {"beta2", 0.999},
           {"epsilon", 1e-7}},
          {{"use_nesterov", nesterov}},
          [nesterov](auto& v, auto& h, double g) {
            const double b1 = h.at("beta1"), b2 = h.at("beta2");
            const double lr_t =
                h.at("lr") * std::sqrt(1 - h.at("beta2_power")) / (1 - h.at("beta1_power"));
            v[1] = b1 * v[1] + (1 - b1) * g;
            v[2] = b2 * v[2] + (1 - b2) * g * g;
            const double m_hat = nesterov ? b1 * v[1] + (1 - b1) * g : v[1];
            v[0] -= lr_t * m_hat / (std::sqrt(v[2]) + h.at("epsilon"));
          },
          {any, any, positive}};
    }
    s["ResourceApplyRMSProp"] = {
        {"var", "ms", "mom"},
        {{"lr", 0.01}, {"rho", 0.9}, {"momentum", 0.5}, {"epsilon", 1e-7}},
        {},
        [](auto& v, auto& h, double g) {
          const double rho = h.at("rho");
          v[1] = rho * v[1] + (1 - rho) * g * g;
          v[2] = h.at("momentum") * v[2] + h.at("lr") * g / std::sqrt(v[1] + h.at("epsilon"));
          v[0] -= v[2];
        },
        {any, positive, any}};
    s["ResourceApplyCenteredRMSProp"] = {
        {"var", "mg", "ms", "mom"},
        {{"lr", 0.01}, {"rho", 0.9}, {"momentum", 0.5}, {"epsilon", 1e-7}},
        {},
        [](auto& v, auto& h, double g) {
          const double rho = h.at("rho");
          v[2] = rho * v[2] + (1 - rho) * g * g;
          v[1] = rho * v[1] + (1 - rho) * g;
          const double variance = v[2] - v[1] * v[1] + h.at("epsilon");
          v[3] = h.at("momentum") * v[3] + h.at("lr") * g / std::sqrt(variance);
          v[0] -= v[3];
        },
        // ms >= mg^2 keeps the variance positive.
        {any, Domain{-0.5, 0.5}, Domain{1, 2}, any}};
    for (bool update_slots : {true, false}) {
      s[update_slots ? "ResourceApplyAdagradV2" : "ResourceApplyAdagradV2/frozen"] = {
          {"var", "accum"},
          {{"lr", 0.1}, {"epsilon", 1e-7}},
          {{"update_slots", update_slots}},
          [update_slots](auto& v, auto& h, double g) {
            if (update_slots) v[1] += g * g;
            v[0] -= h.at("lr") * g / (std::sqrt(v[1]) + h.at("epsilon"));
          },
          {any, positive}};
    }
    return s;
  }();
  return specs;
}

// Counts the checks a behaviour makes, through CHECK.
#define TRAINING_CHECK(count, ...) \
  do {                             \
    ++(count);                     \
    CHECK(__VA_ARGS__);            \
  } while (0)

int UpdateBehaviour(const std::string& label, const UpdateSpec& spec, DataType t) {
  INFO(label << " " << DataTypeName(t));
  const std::string op = label.substr(0, label.find('/'));
  const OpDef& def = OpRegistry::Global().Get(op);
  Rng rng = RngFor(label);
  const std::vector<int64_t> dims = {3, 4};
  int n = 0;

  Graph graph;
  Scope root(graph);
  std::vector<Output> inputs(def.inputs.size());
  std::vector<Node*> reads;
  std::vector<TargetName> assigns;
  FeedList init_feeds;
  std::vector<RefTensor> state;
  for (size_t k = 0; k < spec.variables.size(); ++k) {
    const std::string& name = spec.variables[k];
    const Output handle = ops::VarHandleOp(root.WithOpName(name), t, PartialShape(dims));
    const Output value = ops::Placeholder(root.WithOpName(name + "/value"), t, PartialShape(dims));
    assigns.push_back(ops::AssignVariableOp(root.WithOpName(name + "/assign"), handle, value));
    reads.push_back(ops::ReadVariableOp(root.WithOpName(name + "/read"), handle, t).node);
    state.push_back(RandomRef(t, dims, spec.domains[k], rng));
    init_feeds.emplace_back(value, ToTensor(state.back()));
    inputs[k] = handle;
  }
  // The gradient's shape is left unknown so that a wrong one reaches the kernel.
  const Output grad =
      ops::Placeholder(root.WithOpName("grad"), t, PartialShape::UnknownRank());
  for (size_t i = spec.variables.size(); i < def.inputs.size(); ++i) {
    const std::string& name = def.inputs[i].name;
    inputs[i] = name == "grad" || name == "delta"
                    ? grad
                    : ops::Const(root.WithOpName(name),
                                 ToTensor(MakeRef(t, {}, {spec.hyper.at(name)})));
  }
  std::map<std::string, double> hyper;  // as the dtype holds them
  for (const auto& [name, value] : spec.hyper) hyper[name] = RoundTo(t, value);
  Node* apply = root.WithOpName("apply").AddNode(op, inputs, spec.attrs);

  const RefTensor g1 = RandomRef(t, dims, {-1, 1}, rng), g2 = RandomRef(t, dims, {-1, 1}, rng);
  std::vector<TensorName> fetch_all;
  for (Node* read : reads) fetch_all.push_back(Output(read));
  std::vector<RunStep> steps = {{init_feeds, {}, assigns},
                                {{{grad, ToTensor(g1)}}, {}, {apply}},
                                {{{grad, ToTensor(g2)}}, {}, {apply}},
                                {{}, fetch_all}};
  const auto got = RunAndRoundTrip(graph, steps);

  // Float kernels round after every operation; the reference does not.
  const Tolerance tol = t == DT_FLOAT ? Tolerance{1e-5, 1e-6} : Tolerance{1e-12, 1e-14};
  for (const RefTensor* g : {&g1, &g2}) {
    for (int64_t e = 0; e < g->num_elements(); ++e) {
      std::vector<double> v;
      for (const RefTensor& s : state) v.push_back(s.values[e]);
      spec.update(v, hyper, g->values[e]);
      for (size_t k = 0; k < state.size(); ++k) state[k].values[e] = v[k];
    }
  }
  for (size_t k = 0; k < state.size(); ++k) {
    INFO("variable " << spec.variables[k]);
    TRAINING_CHECK(n, Compare(got[3][k], state[k], tol) == "");
  }

  // Before initialization the update fails, naming the node; with a
  // gradient of the wrong shape too.
  Session fresh(graph);
  TRAINING_CHECK(n, ErrorMismatch([&] { fresh.Run({{grad, ToTensor(g1)}}, {}, {apply}); },
                                  ErrorCode::kFailedPrecondition, "apply",
                                  "uninitialized") == "");
  fresh.Run(init_feeds, {}, assigns);
  TRAINING_CHECK(n, ErrorMismatch(
                        [&] {
                          fresh.Run({{grad, ToTensor(RandomRef(t, {4, 3}, {}, rng))}}, {},
                                    {apply});
                        },
                        ErrorCode::kInvalidArgument, "apply",
                        "has shape [3,4] but the gradient has shape [4,3]") == "");
  return n;
}

int AssignSubBehaviour(DataType t) {
  Rng rng = RngFor("AssignSubVariableOp");
  const Domain domain = IsFloating(t) ? Domain{} : Domain{-20, 20};
  const RefTensor a = RandomRef(t, {2, 3}, domain, rng), b = RandomRef(t, {2, 3}, domain, rng);
  Graph graph;
  Scope root(graph);
  const Output handle = ops::VarHandleOp(root.WithOpName("v"), t, PartialShape({2, 3}));
  const Output value = ops::Placeholder(root.WithOpName("value"), t, PartialShape({2, 3}));
  Node* assign = ops::AssignVariableOp(root.WithOpName("assign"), handle, value);
  Node* sub = ops::AssignSubVariableOp(root.WithOpName("sub"), handle, value);
  const Output read = ops::ReadVariableOp(root.WithOpName("read"), handle, t);
  // a - b - b.
  const auto got = RunAndRoundTrip(graph, {{{{value, ToTensor(a)}}, {}, {assign}},
                                           {{{value, ToTensor(b)}}, {}, {sub}},
                                           {{{value, ToTensor(b)}}, {}, {sub}},
                                           {{}, {read}}});
  const RefTensor once = ref::Map2(a, b, t, std::minus<>());
  int n = 0;
  TRAINING_CHECK(n, Compare(got[3][0], ref::Map2(once, b, t, std::minus<>()), {}) == "");
  Session fresh(graph);
  TRAINING_CHECK(n, ErrorMismatch([&] { fresh.Run({{value, ToTensor(a)}}, {}, {sub}); },
                                  ErrorCode::kFailedPrecondition, "sub", "uninitialized") == "");
  return n;
}

}  // namespace

void AddTrainingEntries(HarnessTable& table) {
  std::map<std::string, std::vector<std::string>> labels_by_op;
  for (const auto& [label, spec] : UpdateSpecs()) {
    labels_by_op[label.substr(0, label.find('/'))].push_back(label);
  }
  for (const auto& [op, labels] : labels_by_op) {
    // C++20 lambdas may not capture a structured binding (clang rejects it).
    table[op] = {{}, nullptr, [labels = labels](const TypeMap& types) {
                   int n = 0;
                   for (const std::string& label : labels) {
                     n += UpdateBehaviour(label, UpdateSpecs().at(label), TypeOf(types, "T"));
                   }
                   return n;
                 }};
  }
  table["AssignSubVariableOp"] = {
      {}, nullptr, [](const TypeMap& types) { return AssignSubBehaviour(TypeOf(types, "dtype")); }};
}

}  // namespace tensorgraph::testing
