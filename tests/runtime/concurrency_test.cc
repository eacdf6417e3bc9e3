// Several threads calling Session::Run on one session. Forward runs and
// training runs on variables no other thread touches must give exactly the
// results of a serial run; training shared variables from every thread at
// once (Hogwild) must stay memory-safe. `make tsan` runs these under
// ThreadSanitizer, which turns any data race into a failure.
#include <catch2/catch.hpp>
#include <barrier>
#include <random>
#include <thread>

#include "tensorgraph.h"

namespace tensorgraph::testing {
namespace {

constexpr int kThreads = 8;
constexpr int64_t kBatch = 16, kIn = 12, kHidden = 24, kClasses = 5;

// A two-layer classifier under `scope`, trained by its own Adam.
struct Mlp {
  Output x, labels, logits, loss;
  Node* train = nullptr;
  std::vector<ops::ResourceVariable> variables;
};

Mlp BuildMlp(const Scope& root, const std::string& name, int64_t seed) {
  const Scope s = root.NewSubScope(name);
  Mlp m;
  m.x = ops::Placeholder(s.WithOpName("x"), DT_FLOAT, Shape({kBatch, kIn}));
  m.labels = ops::Placeholder(s.WithOpName("labels"), DT_INT32, Shape({kBatch}));
  auto w1 = train::Variable(s.WithOpName("w1"), {kIn, kHidden}, train::GlorotUniform(seed));
  auto b1 = train::Variable(s.WithOpName("b1"), {kHidden}, train::Constant(0.01));
  auto w2 = train::Variable(s.WithOpName("w2"), {kHidden, kClasses}, train::GlorotUniform(seed + 1));
  auto b2 = train::Variable(s.WithOpName("b2"), {kClasses}, train::Zeros());
  m.variables = {w1, b1, w2, b2};
  const Output hidden =
      ops::Relu(s, ops::BiasAdd(s, ops::MatMul(s, m.x, w1.Read(s)), b1.Read(s)));
  m.logits = ops::BiasAdd(s.WithOpName("logits"), ops::MatMul(s, hidden, w2.Read(s)), b2.Read(s));
  const auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(s, m.logits, m.labels);
  m.loss = ops::Mean(s.WithOpName("loss"), xent.loss, std::vector<int64_t>{0});
  return m;
}

// Batch `step` of thread `thread`'s data: a fixed function of both.
FeedList Batch(const Mlp& m, int thread, int step) {
  std::mt19937 rng(static_cast<uint32_t>(1000 * thread + step));
  std::normal_distribution<float> normal;
  std::vector<float> x(kBatch * kIn);
  for (float& v : x) v = normal(rng);
  std::vector<int32_t> labels(kBatch);
  for (int64_t i = 0; i < kBatch; ++i) labels[i] = static_cast<int32_t>(rng() % kClasses);
  return {{m.x, Tensor::FromVector(x, Shape({kBatch, kIn}))},
          {m.labels, Tensor::FromVector(labels, Shape({kBatch}))}};
}

// Runs body(thread) on kThreads threads released together.
template <typename Body>
void OnThreads(Body body) {
  std::barrier start(kThreads);
  std::vector<std::exception_ptr> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

bool BitwiseEqual(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.bytes()) == 0;
}

TEST_CASE("forward runs from 8 threads give the serial results bit for bit", "[concurrency]") {
  Graph graph;
  Scope root(graph);
  Mlp m = BuildMlp(root, "model", 7);
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(graph);
  session.Run({}, {}, {init});

  constexpr int kSteps = 20;
  std::vector<std::vector<std::vector<Tensor>>> serial(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kSteps; ++i) serial[t].push_back(session.Run(Batch(m, t, i), {m.logits, m.loss}));
  }

  // Half the threads fetch (logits, loss), half fetch (loss, logits): two
  // signatures compiled while the other threads run.
  std::vector<std::vector<std::vector<Tensor>>> parallel(kThreads);
  // Eagerly, and replaying: one thread at a time replays the recording of
  // a step, the others run it eagerly meanwhile.
  const auto replay = GENERATE(SessionOptions::Replay::kNever, SessionOptions::Replay::kAlways);
  Session fresh(graph, SessionOptions{.replay = replay});
  fresh.Run({}, {}, {init});
  OnThreads([&](int t) {
    for (int i = 0; i < kSteps; ++i) {
      if (t % 2 == 0) {
        parallel[t].push_back(fresh.Run(Batch(m, t, i), {m.logits, m.loss}));
      } else {
        auto got = fresh.Run(Batch(m, t, i), {m.loss, m.logits});
        parallel[t].push_back({got[1], got[0]});
      }
    }
  });
  CHECK(fresh.num_plans() == 3);  // init, and the two fetch orders
  int mismatches = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kSteps; ++i) {
      for (int k = 0; k < 2; ++k) mismatches += !BitwiseEqual(serial[t][i][k], parallel[t][i][k]);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("8 threads training their own models in one session match serial training bit for bit",
          "[concurrency]") {
  // One graph, one session, 8 models: each thread steps its own model (its
  // own variables and Adam state) while the others step theirs.
  Graph graph;
  Scope root(graph);
  std::vector<Mlp> models;
  for (int t = 0; t < kThreads; ++t) {
    models.push_back(BuildMlp(root, "model_" + std::to_string(t), 100 + t));
    train::Adam adam({.learning_rate = 0.01});
    models.back().train = adam.Minimize(root, models.back().loss,
                                        {.var_list = models.back().variables,
                                         .name = "train_" + std::to_string(t)});
  }
  Node* init = train::GlobalVariablesInitializer(root);

  constexpr int kSteps = 30;
  auto final_values = [&](Session& session) {
    std::vector<Tensor> values;
    for (const Mlp& m : models) {
      for (const auto& v : m.variables) values.push_back(session.Run({}, {v.Read(root)})[0]);
    }
    return values;
  };
  // Variable reads are built above, before any session compiles a plan.
  for (const Mlp& m : models) {
    for (const auto& v : m.variables) v.Read(root);
  }

  Session serial(graph);
  serial.Run({}, {}, {init});
  std::vector<std::vector<Tensor>> serial_losses(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kSteps; ++i) {
      serial_losses[t].push_back(serial.Run(Batch(models[t], t, i), {models[t].loss}, {models[t].train})[0]);
    }
  }

  // Eagerly, and with each thread's step recorded and replayed.
  const auto replay = GENERATE(SessionOptions::Replay::kNever, SessionOptions::Replay::kAlways);
  Session parallel(graph, SessionOptions{.replay = replay});
  parallel.Run({}, {}, {init});
  std::vector<std::vector<Tensor>> parallel_losses(kThreads);
  OnThreads([&](int t) {
    for (int i = 0; i < kSteps; ++i) {
      parallel_losses[t].push_back(
          parallel.Run(Batch(models[t], t, i), {models[t].loss}, {models[t].train})[0]);
    }
  });

  int mismatches = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kSteps; ++i) mismatches += !BitwiseEqual(serial_losses[t][i], parallel_losses[t][i]);
  }
  CHECK(mismatches == 0);
  if (replay == SessionOptions::Replay::kAlways) CHECK(parallel.step_counts().replayed > 0);
  const auto want = final_values(serial);
  const auto got = final_values(parallel);
  REQUIRE(want.size() == got.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(BitwiseEqual(want[i], got[i]));
  // And the models learned: the loss of thread 0's last batch went down.
  CHECK(serial_losses[0].back().scalar<float>() < serial_losses[0].front().scalar<float>());
}

TEST_CASE("8 threads training one shared model at once stay memory-safe", "[concurrency]") {
  // Hogwild: every thread steps the same variables; each update reads a
  // consistent snapshot (copy-on-write while another step holds it), so
  // the values stay finite and the loss goes down, though updates may be
  // lost (docs/user_guide.md). Half the threads only evaluate meanwhile.
  Graph graph;
  Scope root(graph);
  Mlp m = BuildMlp(root, "model", 3);
  train::Adam adam({.learning_rate = 0.01});
  m.train = adam.Minimize(root, m.loss);
  Node* init = train::GlobalVariablesInitializer(root);
  Session session(graph);
  session.Run({}, {}, {init});
  const FeedList probe = Batch(m, 0, 0);
  const float before = session.Run(probe, {m.loss})[0].scalar<float>();

  constexpr int kSteps = 40;
  OnThreads([&](int t) {
    for (int i = 0; i < kSteps; ++i) {
      // The training threads revisit the probe batch among their own.
      const FeedList feeds = i % 4 == 0 ? probe : Batch(m, t, i);
      const Tensor loss = t % 2 == 0 ? session.Run(feeds, {m.loss}, {m.train})[0]
                                     : session.Run(feeds, {m.loss})[0];
      if (!std::isfinite(loss.scalar<float>())) throw std::runtime_error("non-finite loss");
    }
  });
  const float after = session.Run(probe, {m.loss})[0].scalar<float>();
  CHECK(std::isfinite(after));
  CHECK(after < before);
}

}  // namespace
}  // namespace tensorgraph::testing

namespace tensorgraph::testing {

TEST_CASE("8 threads running many feed shapes at once share and evict specializations safely",
          "[concurrency]") {
  // Every thread runs its own batch sizes: 40 shapes in all, more than a
  // plan keeps, so specializations are made, shared and forgotten while
  // other threads use them.
  Graph graph;
  Scope root(graph);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
  Output y = ops::Relu(root.WithOpName("y"),
                       ops::Reshape(root, x * 2.0, ops::Shape(root, x)) -
                           ops::Mean(root, x, std::vector<int64_t>{0}, {.keep_dims = true}));
  const auto feed = [&](int64_t rows) {
    std::vector<float> v(static_cast<size_t>(rows * 4));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) - 3.0f;
    return Tensor::FromVector<float>(v, {rows, 4});
  };
  Session serial(graph);
  std::vector<Tensor> expected;
  for (int64_t rows = 1; rows <= 40; ++rows) expected.push_back(serial.Run({{x, feed(rows)}}, {y})[0]);

  Session session(graph);
  std::vector<int> mismatches(kThreads, 0);
  OnThreads([&](int t) {
    for (int i = 0; i < 30; ++i) {
      const int64_t rows = 1 + (t * 5 + i) % 40;
      const Tensor got = session.Run({{x, feed(rows)}}, {y})[0];
      mismatches[static_cast<size_t>(t)] += !BitwiseEqual(got, expected[static_cast<size_t>(rows - 1)]);
    }
  });
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[static_cast<size_t>(t)] == 0);
  CHECK(session.num_plans() == 1);
}

}  // namespace tensorgraph::testing
