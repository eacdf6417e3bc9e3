// Optimizers end to end: Minimize on a float64 least-squares problem whose
// gradient is known in closed form, compared step by step with plain float64
// implementations of each algorithm (written from the published update
// rules, sharing no code with the kernels); slot names; the train node; the
// global step; clipping; initializers; learning-rate schedules.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <random>

#include "tensorgraph.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {
namespace {

using Catch::Matchers::Contains;
using Vec = std::vector<double>;

constexpr int kRows = 5, kIn = 4, kOut = 3;

Vec Uniform(size_t n, std::mt19937& rng, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> dist(lo, hi);
  Vec v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

// loss = 0.5 * sum((x W + b - y)^2); params = W (row-major [kIn,kOut]) then b.
struct LeastSquares {
  Vec x, y, w0, b0;

  explicit LeastSquares(uint32_t seed) {
    std::mt19937 rng(seed);
    x = Uniform(kRows * kIn, rng);
    y = Uniform(kRows * kOut, rng);
    w0 = Uniform(kIn * kOut, rng);
    b0 = Uniform(kOut, rng);
  }

  // The gradient with respect to (W, b) at params, and the loss.
  std::pair<Vec, double> Gradient(const Vec& params) const {
    Vec grad(params.size(), 0.0);
    double loss = 0;
    for (int r = 0; r < kRows; ++r) {
      for (int o = 0; o < kOut; ++o) {
        double pred = params[kIn * kOut + o];
        for (int i = 0; i < kIn; ++i) pred += x[r * kIn + i] * params[i * kOut + o];
        const double residual = pred - y[r * kOut + o];
        loss += 0.5 * residual * residual;
        for (int i = 0; i < kIn; ++i) grad[i * kOut + o] += x[r * kIn + i] * residual;
        grad[kIn * kOut + o] += residual;
      }
    }
    return {grad, loss};
  }
};

// One reference optimizer: state per parameter element, step t from 1.
using ReferenceStep = std::function<void(Vec& params, const Vec& grad, int t)>;

ReferenceStep ReferenceFor(const std::string& name, double lr) {
  auto state = std::make_shared<std::vector<Vec>>();
  auto slots = [state](size_t n, size_t count, double init) -> std::vector<Vec>& {
    if (state->empty()) state->assign(count, Vec(n, init));
    return *state;
  };
  if (name == "sgd") {
    return [lr](Vec& p, const Vec& g, int) {
      for (size_t i = 0; i < p.size(); ++i) p[i] -= lr * g[i];
    };
  }
  if (name == "momentum" || name == "nesterov") {
    const bool nesterov = name == "nesterov";
    return [=](Vec& p, const Vec& g, int) {
      Vec& buf = slots(p.size(), 1, 0)[0];
      for (size_t i = 0; i < p.size(); ++i) {
        buf[i] = 0.9 * buf[i] + g[i];
        p[i] -= nesterov ? lr * (g[i] + 0.9 * buf[i]) : lr * buf[i];
      }
    };
  }
  if (name == "adam" || name == "adamw") {
    const double wd = name == "adamw" ? 0.01 : 0;
    return [=](Vec& p, const Vec& g, int t) {
      auto& s = slots(p.size(), 2, 0);
      // Kingma and Ba with the bias correction folded into the step size,
      // epsilon added to sqrt(v) (TensorFlow's form).
      const double lr_t = lr * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
      for (size_t i = 0; i < p.size(); ++i) {
        p[i] *= 1 - lr * wd;
        s[0][i] = 0.9 * s[0][i] + 0.1 * g[i];
        s[1][i] = 0.999 * s[1][i] + 0.001 * g[i] * g[i];
        p[i] -= lr_t * s[0][i] / (std::sqrt(s[1][i]) + 1e-8);
      }
    };
  }
  if (name == "rmsprop" || name == "rmsprop_centered") {
    const bool centered = name == "rmsprop_centered";
    return [=](Vec& p, const Vec& g, int) {
      auto& s = slots(p.size(), 3, 0);  // ms, mom, mg
      for (size_t i = 0; i < p.size(); ++i) {
        s[0][i] = 0.9 * s[0][i] + 0.1 * g[i] * g[i];
        s[2][i] = 0.9 * s[2][i] + 0.1 * g[i];
        const double denom = centered ? s[0][i] - s[2][i] * s[2][i] : s[0][i];
        s[1][i] = 0.5 * s[1][i] + lr * g[i] / std::sqrt(denom + 1e-10);
        p[i] -= s[1][i];
      }
    };
  }
  REQUIRE(name == "adagrad");
  return [=](Vec& p, const Vec& g, int) {
    Vec& accum = slots(p.size(), 1, 0.1)[0];
    for (size_t i = 0; i < p.size(); ++i) {
      accum[i] += g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(accum[i]) + 1e-7);
    }
  };
}

std::unique_ptr<train::Optimizer> MakeOptimizer(const std::string& name, double lr) {
  if (name == "sgd") return std::make_unique<train::GradientDescent>(train::GradientDescentOptions{lr});
  if (name == "momentum") return std::make_unique<train::Momentum>(train::MomentumOptions{lr});
  if (name == "nesterov") {
    return std::make_unique<train::Momentum>(
        train::MomentumOptions{.learning_rate = lr, .nesterov = true});
  }
  if (name == "adam") return std::make_unique<train::Adam>(train::AdamOptions{lr});
  if (name == "adamw") return std::make_unique<train::AdamW>(train::AdamWOptions{lr});
  if (name == "rmsprop") {
    return std::make_unique<train::RMSProp>(
        train::RMSPropOptions{.learning_rate = lr, .momentum = 0.5});
  }
  if (name == "rmsprop_centered") {
    return std::make_unique<train::RMSProp>(
        train::RMSPropOptions{.learning_rate = lr, .momentum = 0.5, .centered = true});
  }
  return std::make_unique<train::Adagrad>(train::AdagradOptions{lr});
}

train::Initializer FromValues(const Vec& values) {
  return [values](const Scope& scope, const train::InitializerArgs& args) {
    return ops::Const(scope, Tensor::FromVector(values, args.shape));
  };
}

struct Model {
  Graph graph;
  Output loss;
  ops::ResourceVariable w, b, step;
  Node* train = nullptr;
  Node* init = nullptr;
  std::unique_ptr<train::Optimizer> optimizer;
};

void BuildModel(Model& m, const LeastSquares& problem, const std::string& optimizer, double lr,
                double clip_norm = 0) {
  Scope root(m.graph);
  m.w = train::Variable(root.WithOpName("w"), {kIn, kOut}, FromValues(problem.w0),
                        {.dtype = DT_DOUBLE});
  m.b = train::Variable(root.WithOpName("b"), {kOut}, FromValues(problem.b0),
                        {.dtype = DT_DOUBLE});
  const Output x = ops::Const(root.WithOpName("x"), Tensor::FromVector(problem.x, {kRows, kIn}));
  const Output y = ops::Const(root.WithOpName("y"), Tensor::FromVector(problem.y, {kRows, kOut}));
  const Output pred = ops::BiasAdd(root, ops::MatMul(root, x, m.w.Read(root)), m.b.Read(root));
  const Output residual = pred - y;
  m.loss = ops::Mul(root.WithOpName("loss"), ops::Sum(root, ops::Square(root, residual), {0, 1}),
                    ops::ScalarConst(root, DT_DOUBLE, 0.5));
  m.step = train::GetOrCreateGlobalStep(root);
  m.optimizer = MakeOptimizer(optimizer, lr);
  m.train = m.optimizer->Minimize(root, m.loss, {.global_step = m.step, .clip_norm = clip_norm});
  m.init = train::GlobalVariablesInitializer(root);
}

Vec Params(Session& session, const Model& m) {
  const auto got = session.Run({}, {m.w.Read(Scope(const_cast<Graph&>(m.graph))),
                                    m.b.Read(Scope(const_cast<Graph&>(m.graph)))});
  Vec params = got[0].ToVector<double>();
  for (double v : got[1].ToVector<double>()) params.push_back(v);
  return params;
}

TEST_CASE("every optimizer follows its float64 reference step by step", "[optimizers]") {
  const LeastSquares problem(7);
  for (const std::string name : {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop",
                                 "rmsprop_centered", "adagrad"}) {
    INFO("optimizer " << name);
    const double lr = name == "sgd" || name == "momentum" || name == "nesterov" ? 0.02 : 0.05;
    Model m;
    BuildModel(m, problem, name, lr);
    Session session(m.graph);
    session.Run({}, {}, {m.init});
    Vec params = problem.w0;
    params.insert(params.end(), problem.b0.begin(), problem.b0.end());
    const ReferenceStep reference = ReferenceFor(name, lr);
    double first_loss = 0, last_loss = 0;
    for (int t = 1; t <= 20; ++t) {
      const auto [grad, loss] = problem.Gradient(params);
      const double got_loss = session.Run({}, {m.loss}, {m.train})[0].scalar<double>();
      REQUIRE(got_loss == Approx(loss).epsilon(1e-12));
      reference(params, grad, t);
      if (t == 1) first_loss = loss;
      last_loss = loss;
    }
    const Vec got = Params(session, m);
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("parameter " << i);
      CHECK(got[i] == Approx(params[i]).epsilon(1e-11).margin(1e-13));
    }
    CHECK(last_loss < first_loss);  // it trains
    const Tensor step = session.Run({}, {m.step.Read(Scope(m.graph))})[0];
    CHECK(step.scalar<int64_t>() == 20);
  }
}

TEST_CASE("slots are named as TensorFlow names them", "[optimizers]") {
  const LeastSquares problem(1);
  auto names = [&](const std::string& optimizer) {
    Model m;
    BuildModel(m, problem, optimizer, 0.1);
    std::vector<std::string> vars;
    for (const auto& v : train::GlobalVariables(m.graph)) vars.push_back(v.handle.node->name());
    return vars;
  };
  using V = std::vector<std::string>;
  CHECK(names("sgd") == V{"w", "b", "global_step"});
  CHECK(names("momentum") == V{"w", "b", "global_step", "w/Momentum", "b/Momentum"});
  CHECK(names("adam") == V{"w", "b", "global_step", "w/Adam", "w/Adam_1", "beta1_power",
                           "beta2_power", "b/Adam", "b/Adam_1"});
  CHECK(names("rmsprop_centered") == V{"w", "b", "global_step", "w/RMSProp", "w/RMSProp_1",
                                       "w/RMSProp_2", "b/RMSProp", "b/RMSProp_1", "b/RMSProp_2"});
  CHECK(names("adagrad") == V{"w", "b", "global_step", "w/Adagrad", "b/Adagrad"});

  Model m;
  BuildModel(m, problem, "adam", 0.1);
  auto* adam = m.optimizer.get();
  REQUIRE(adam->GetSlot(m.w, "m"));
  CHECK(adam->GetSlot(m.w, "m")->handle.node->name() == "w/Adam");
  CHECK(adam->GetSlot(m.w, "v")->handle.node->name() == "w/Adam_1");
  CHECK_FALSE(adam->GetSlot(m.w, "momentum"));
  // Only the model's variables are trainable.
  CHECK(train::TrainableVariables(m.graph).size() == 2);
}

TEST_CASE("the train node is a NoOp whose control inputs are the step's updates",
          "[optimizers]") {
  const LeastSquares problem(2);
  Model m;
  BuildModel(m, problem, "adam", 0.1);
  CHECK(m.train->op() == "NoOp");
  CHECK(m.train->name() == "train");
  std::set<std::string> ops;
  for (const Node* dep : m.train->control_inputs()) ops.insert(dep->op());
  CHECK(ops == std::set<std::string>{"ResourceApplyAdam", "AssignVariableOp",
                                     "AssignAddVariableOp"});
  CHECK(m.train->control_inputs().size() == 5);  // w, b, two beta powers, the step
  CHECK(m.graph.FindNode("Adam/update_w/ResourceApplyAdam") != nullptr);
  CHECK(m.graph.FindNode("Adam/increment_global_step") != nullptr);
}

TEST_CASE("a training graph saved and reloaded trains the same", "[optimizers]") {
  const LeastSquares problem(3);
  Model m;
  BuildModel(m, problem, "rmsprop_centered", 0.05);
  std::vector<RunStep> steps = {{{}, {}, {m.init}}};
  for (int t = 0; t < 5; ++t) steps.push_back({{}, {m.loss}, {m.train}});
  // Fails the test on any difference between the original and the reloads.
  const auto got = RunAndRoundTrip(m.graph, steps);
  CHECK(got.back()[0].scalar<double>() < got[1][0].scalar<double>());
}

TEST_CASE("clipping by global norm scales every gradient by one factor", "[optimizers]") {
  Graph graph;
  Scope root(graph);
  const Output a = ops::Const(root, std::vector<double>{3, 0}, Shape{2});
  const Output b = ops::Const(root, std::vector<double>{0, 4, 0, 0}, Shape{2, 2});
  auto [clipped, norm] = train::ClipByGlobalNorm(root, {a, Output(), b}, 1.0);
  REQUIRE(clipped[1].node == nullptr);
  Session session(graph);
  const auto got = session.Run({}, {norm, clipped[0], clipped[2]});
  CHECK(got[0].scalar<double>() == Approx(5));
  CHECK(got[1].ToVector<double>()[0] == Approx(0.6));
  CHECK(got[1].ToVector<double>()[1] == 0);
  CHECK(got[2].ToVector<double>()[1] == Approx(0.8));
  // Under the limit nothing changes.
  auto [kept, norm2] = train::ClipByGlobalNorm(root, {a, b}, 10.0);
  CHECK(session.Run({}, {kept[0]})[0].ToVector<double>() == std::vector<double>{3, 0});

  // Minimize with clip_norm applies the clipped gradient: plain SGD moves
  // the parameters by exactly lr * clip_norm in norm.
  const LeastSquares problem(4);
  Model m;
  BuildModel(m, problem, "sgd", 1.0, /*clip_norm=*/0.01);
  Session s(m.graph);
  s.Run({}, {}, {m.init});
  const Vec before = Params(s, m);
  s.Run({}, {}, {m.train});
  const Vec after = Params(s, m);
  double moved = 0;
  for (size_t i = 0; i < before.size(); ++i) moved += (after[i] - before[i]) * (after[i] - before[i]);
  CHECK(std::sqrt(moved) == Approx(0.01).epsilon(1e-9));
}

TEST_CASE("Adam trains float and double variables in one graph", "[optimizers]") {
  // One beta-power pair per dtype; each variable steps by about lr.
  Graph graph;
  Scope root(graph);
  auto f = train::Variable(root.WithOpName("f"), {2}, train::Constant(1));
  auto d = train::Variable(root.WithOpName("d"), {2}, train::Constant(1), {.dtype = DT_DOUBLE});
  const Output loss = ops::AddV2(root, ops::Cast(root, ops::Sum(root, f.Read(root), {0}), DT_DOUBLE),
                                 ops::Sum(root, d.Read(root), {0}));
  train::Adam adam({.learning_rate = 0.1});
  Node* step = adam.Minimize(root, loss);
  // A second train node on the same optimizer reuses its slots.
  Node* again = adam.Minimize(root, loss, {.name = "train_again"});
  CHECK(graph.FindNode("beta1_power_1") != nullptr);
  CHECK(graph.FindNode("f/Adam_2") == nullptr);
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(graph);
  session.Run({}, {}, {init});
  session.Run({}, {}, {step});
  session.Run({}, {}, {again});
  const auto got = session.Run({}, {f.Read(root), d.Read(root)});
  CHECK(got[0].ToVector<float>()[0] == Approx(0.8).epsilon(1e-5));
  CHECK(got[1].ToVector<double>()[1] == Approx(0.8).epsilon(1e-5));
}

TEST_CASE("optimizers explain what they cannot train", "[optimizers]") {
  Graph graph;
  Scope root(graph);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  train::GradientDescent sgd;
  CHECK_THROWS_WITH(sgd.Minimize(root, x), Contains("there are no trainable variables"));
  auto w = train::Variable(root.WithOpName("w"), {2}, train::Zeros());
  const Output unrelated = ops::Square(root, x);
  CHECK_THROWS_WITH(sgd.Minimize(root, unrelated),
                    Contains("no gradients for any variable (w)"));
  const train::Initializer wrong = [](const Scope& scope, const train::InitializerArgs&) {
    return ops::Const(scope, std::vector<float>{1, 2, 3});
  };
  CHECK_THROWS_WITH(train::Variable(root.WithOpName("v"), {2}, wrong),
                    Contains("the initializer of variable 'v' made a float tensor of shape [3], "
                             "not float [2]"));
}

// --- initializers -------------------------------------------------------------------

std::vector<float> InitialValue(const Shape& shape, const train::Initializer& init,
                                const std::string& name = "v") {
  Graph graph;
  Scope root(graph);
  auto v = train::Variable(root.WithOpName(name), shape, init);
  Node* init_op = train::GlobalVariablesInitializer(root);
  Session session(graph);
  session.Run({}, {}, {init_op});
  return session.Run({}, {v.Read(root)})[0].ToVector<float>();
}

struct Stats {
  double mean = 0, stddev = 0, min = INFINITY, max = -INFINITY;
};
Stats StatsOf(const std::vector<float>& values) {
  Stats s;
  for (float v : values) {
    s.mean += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
  }
  s.mean /= static_cast<double>(values.size());
  for (float v : values) s.stddev += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(s.stddev / static_cast<double>(values.size()));
  return s;
}

TEST_CASE("initializers draw what they promise, deterministically", "[optimizers][init]") {
  CHECK(InitialValue({2, 3}, train::Zeros()) == std::vector<float>(6, 0.f));
  CHECK(InitialValue({4}, train::Constant(2.5)) == std::vector<float>(4, 2.5f));

  // Glorot uniform on [400, 600]: limit sqrt(6 / 1000).
  const Shape shape{400, 600};
  const double limit = std::sqrt(6.0 / 1000);
  const Stats glorot = StatsOf(InitialValue(shape, train::GlorotUniform(3)));
  CHECK(glorot.min >= -limit);
  CHECK(glorot.max < limit);
  CHECK(glorot.stddev == Approx(limit / std::sqrt(3.0)).epsilon(0.01));
  // He normal: stddev sqrt(2 / fan_in) after the truncation.
  const Stats he = StatsOf(InitialValue(shape, train::HeNormal(3)));
  CHECK(he.stddev == Approx(std::sqrt(2.0 / 400)).epsilon(0.01));
  CHECK(std::abs(he.mean) < 0.001);
  CHECK(he.max <= 2 * std::sqrt(2.0 / 400) / 0.8796256610342398 + 1e-6);
  const Stats glorot_normal = StatsOf(InitialValue(shape, train::GlorotNormal(3)));
  CHECK(glorot_normal.stddev == Approx(std::sqrt(2.0 / 1000)).epsilon(0.01));
  const Stats he_uniform = StatsOf(InitialValue(shape, train::HeUniform(3)));
  CHECK(he_uniform.max < std::sqrt(6.0 / 400));
  CHECK(he_uniform.stddev == Approx(std::sqrt(2.0 / 400)).epsilon(0.01));
  const Stats normal = StatsOf(InitialValue(shape, train::RandomNormal(1, 0.5, 9)));
  CHECK(normal.mean == Approx(1).epsilon(0.005));
  CHECK(normal.stddev == Approx(0.5).epsilon(0.01));
  const Stats uniform = StatsOf(InitialValue(shape, train::RandomUniform(-2, 3, 9)));
  CHECK(uniform.min >= -2);
  CHECK(uniform.max < 3);
  CHECK(uniform.mean == Approx(0.5).epsilon(0.02));
  const Stats truncated = StatsOf(InitialValue(shape, train::TruncatedNormal(0, 1, 9)));
  CHECK(truncated.max <= 2);
  CHECK(truncated.min >= -2);

  // Same seed and name: the same values; another name or seed: others.
  const auto a = InitialValue({8, 8}, train::GlorotUniform(5), "w");
  CHECK(a == InitialValue({8, 8}, train::GlorotUniform(5), "w"));
  CHECK(a != InitialValue({8, 8}, train::GlorotUniform(5), "w2"));
  CHECK(a != InitialValue({8, 8}, train::GlorotUniform(6), "w"));

  CHECK(train::ComputeFans(Shape{3, 3, 16, 32}).in == 144);
  CHECK(train::ComputeFans(Shape{3, 3, 16, 32}).out == 288);
  CHECK(train::ComputeFans(Shape{7}).in == 7);
}

TEST_CASE("one init node initializes every variable, slots included", "[optimizers][init]") {
  const LeastSquares problem(5);
  Model m;
  BuildModel(m, problem, "adam", 0.1);
  // w, b, global_step, 4 slots, 2 beta powers.
  CHECK(m.init->control_inputs().size() == 9);
  Session session(m.graph);
  CHECK_THROWS_WITH(session.Run({}, {}, {m.train}), Contains("uninitialized"));
  session.Run({}, {}, {m.init});
  session.Run({}, {}, {m.train});
  CHECK(session.Run({}, {m.step.Read(Scope(m.graph))})[0].scalar<int64_t>() == 1);
}

// --- learning-rate schedules -----------------------------------------------------------

TEST_CASE("learning-rate schedules follow their formulas", "[optimizers][schedules]") {
  Graph graph;
  Scope root(graph);
  const Output step = ops::Placeholder(root.WithOpName("step"), DT_INT64, PartialShape{});
  const Output exponential = train::ExponentialDecay(
      root, step, {.learning_rate = 0.1, .decay_steps = 100, .decay_rate = 0.5});
  const Output staircase = train::ExponentialDecay(
      root, step, {.learning_rate = 0.1, .decay_steps = 100, .decay_rate = 0.5, .staircase = true});
  const Output piecewise = train::PiecewiseConstant(root, step, {10, 20}, {1.0, 0.5, 0.25});
  const Output cosine = train::CosineDecay(
      root, step, {.learning_rate = 0.2, .decay_steps = 100, .alpha = 0.1, .warmup_steps = 10,
                   .warmup_start = 0.02});
  Session session(graph);
  for (int64_t t : {0, 1, 5, 9, 10, 11, 20, 21, 50, 109, 110, 150, 1000}) {
    INFO("step " << t);
    const auto got = session.Run({{step, Tensor::Scalar<int64_t>(t)}},
                                 {exponential, staircase, piecewise, cosine});
    const double d = static_cast<double>(t);
    CHECK(got[0].scalar<float>() == Approx(0.1 * std::pow(0.5, d / 100)).epsilon(1e-6));
    CHECK(got[1].scalar<float>() == Approx(0.1 * std::pow(0.5, std::floor(d / 100))).epsilon(1e-6));
    CHECK(got[2].scalar<float>() == (t <= 10 ? 1.0f : t <= 20 ? 0.5f : 0.25f));
    double want;
    if (t < 10) {
      want = 0.02 + (0.2 - 0.02) * d / 10;
    } else {
      const double progress = std::min(d - 10, 100.0) / 100;
      want = 0.2 * (0.9 * 0.5 * (1 + std::cos(std::numbers::pi * progress)) + 0.1);
    }
    CHECK(got[3].scalar<float>() == Approx(want).epsilon(1e-5));
  }
  CHECK_THROWS_WITH(train::PiecewiseConstant(root, step, {10, 5}, {1, 2, 3}),
                    Contains("boundaries must increase"));
  CHECK_THROWS_WITH(train::PiecewiseConstant(root, step, {10}, {1}), Contains("need 2 values"));
  CHECK_THROWS_WITH(train::ExponentialDecay(root, ops::ScalarConst(root, DT_FLOAT, 1), {}),
                    Contains("must be an int32 or int64 scalar"));
}

TEST_CASE("a schedule drives the optimizer through the global step", "[optimizers][schedules]") {
  // SGD on loss = w with lr = 1, 0.5, 0.25 (piecewise in the step): w moves
  // by exactly the schedule's rate at each step.
  Graph graph;
  Scope root(graph);
  auto w = train::Variable(root.WithOpName("w"), {}, train::Zeros(), {.dtype = DT_DOUBLE});
  auto step = train::GetOrCreateGlobalStep(root);
  const Output lr = train::PiecewiseConstant(root, step.Read(root), {0, 1}, {1.0, 0.5, 0.25});
  train::GradientDescent sgd({.learning_rate = lr});
  Node* train_op = sgd.Minimize(root, w.Read(root), {.global_step = step});
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(graph);
  session.Run({}, {}, {init});
  std::vector<double> values;
  for (int t = 0; t < 4; ++t) {
    session.Run({}, {}, {train_op});
    values.push_back(session.Run({}, {w.Read(root)})[0].scalar<double>());
  }
  CHECK(values == std::vector<double>{-1, -1.5, -1.75, -2});
}

}  // namespace
}  // namespace tensorgraph::testing
