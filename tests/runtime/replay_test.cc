// Recording a step and replaying it (runtime/replay.h): the decision made
// before running, with its reasons; replays that equal eager runs bit for
// bit over a training run on the CPU (on devices with memory of their own:
// tests/runtime/device_training_test.cc); staged feeds; what a recording
// holds; and a recording dropped and made again when a variable leaves its
// buffer.
#include <catch2/catch.hpp>

#include "runtime/plan.h"
#include "runtime/replay.h"
#include "tensorgraph.h"
#include "tests/support/mlp.h"

using namespace tensorgraph;
using testing::BuildMlp;
using testing::MlpBatch;

namespace {

constexpr int64_t kBatch = 16;

// Replays on the CPU and the test device too (kAuto leaves them eager).
SessionOptions Replaying(std::string device = "CPU") {
  return SessionOptions{.device = std::move(device), .replay = SessionOptions::Replay::kAlways};
}

SessionOptions Eager(std::string device = "CPU") {
  return SessionOptions{.device = std::move(device), .replay = SessionOptions::Replay::kNever};
}

// Runs `steps` Adam steps in `session` on `model`, returning the losses.
std::vector<Tensor> Train(Session& session, const testing::Mlp& model, int first, int steps) {
  std::vector<Tensor> losses;
  for (int step = first; step < first + steps; ++step) {
    losses.push_back(session.Run(MlpBatch(model, step, kBatch), {model.loss}, {model.train})[0]);
  }
  return losses;
}

std::vector<TensorName> Names(const std::vector<Output>& outputs) {
  return {outputs.begin(), outputs.end()};
}

void CheckSameBits(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("tensor " << i << ": " << a[i].DebugString() << " vs " << b[i].DebugString());
    CHECK(a[i].BitwiseEquals(b[i]));
  }
}

}  // namespace

TEST_CASE("a replayed training run equals the eager one bit for bit", "[replay]") {
  const auto eager_model = BuildMlp();
  const auto replay_model = BuildMlp();
  Session eager(eager_model->graph, Eager());
  Session replay(replay_model->graph, Replaying());
  eager.Run({}, {}, {eager_model->init});
  replay.Run({}, {}, {replay_model->init});

  const PlanSummary plan = replay.Explain(MlpBatch(*replay_model, 0, kBatch),
                                          {replay_model->loss}, {replay_model->train});
  CHECK(plan.replayable);
  CHECK(plan.not_replayable_reason.empty());

  CheckSameBits(Train(replay, *replay_model, 0, 8), Train(eager, *eager_model, 0, 8));
  // The initializer draws random numbers: eager. The first step runs
  // eagerly, the second is recorded, every later one replayed.
  const Session::StepCounts counts = replay.step_counts();
  CHECK(counts.eager == 2);
  CHECK(counts.recorded == 1);
  CHECK(counts.replayed == 6);
  CHECK(eager.step_counts().replayed == 0);
  CheckSameBits(replay.Run({}, Names(replay_model->reads)), eager.Run({}, Names(eager_model->reads)));
}

TEST_CASE("whether a step can be replayed is decided before it runs, with the reason",
          "[replay]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  auto shape = ops::Placeholder(root.WithOpName("shape"), DT_INT32, {2});
  auto seed = ops::Placeholder(root.WithOpName("n"), DT_FLOAT, {});
  auto reshaped = ops::Reshape(root.WithOpName("reshape"), x, shape);
  auto begin = ops::Placeholder(root.WithOpName("begin"), DT_INT32, {1});
  ops::Slice(root.WithOpName("slice"), x, begin, ops::Const(root, std::vector<int32_t>{2}));
  auto noise = ops::RandomUniform(root.WithOpName("noise"), ops::Const(root, std::vector<int32_t>{3}),
                                  DT_FLOAT);
  auto sized = ops::Fill(root.WithOpName("fill"),
                         ops::Reshape(root, ops::Cast(root, seed, DT_INT32), ops::Const(root, std::vector<int32_t>{1})),
                         ops::ScalarConst(root, DT_FLOAT, 1));
  auto doubled = ops::Mul(root.WithOpName("double"), x, ops::ScalarConst(root, DT_FLOAT, 2));
  auto constant = ops::ScalarConst(root.WithOpName("constant"), DT_FLOAT, 5);
  Session session(g, Replaying());
  const Tensor four = Tensor::FromVector<float>({1, 2, 3, 4});

  const PlanSummary plain = session.Explain({{x, four}}, {doubled});
  CHECK(plain.replayable);

  const PlanSummary fed_shape =
      session.Explain({{x, four}, {shape, Tensor::FromVector<int32_t>({2, 2})}}, {reshaped});
  CHECK_FALSE(fed_shape.replayable);
  // The shape is a fed value, which the specialization (keyed by shapes)
  // does not know.
  CHECK_THAT(fed_shape.not_replayable_reason,
             Catch::Contains("'reshape' (Reshape)") &&
                 Catch::Contains("known only while the step runs"));

  // Slice's begin is read on the host; fed, it makes the step dynamic
  // (Slice's shape function checks it). Were the shapes known anyway, the
  // host read alone would refuse: a replay would slice where it was
  // recorded.
  {
    ResourceManager resources;
    std::map<int, std::shared_ptr<OpKernel>> stateful;
    const std::shared_ptr<Plan> plan =
        CompilePlan(g, Signature{{"begin", "x"}, {"slice"}, {}}, CpuDevice(), stateful);
    const Tensor one = Tensor::FromVector<int32_t>({1});
    auto spec = std::const_pointer_cast<Specialization>(SpecializeShapes(*plan, {&one, &four}, resources));
    CHECK_THAT(spec->replay.reason, Catch::Contains("known only while the step runs"));
    for (size_t s = 0; s < plan->steps.size(); ++s) {
      if (spec->dynamic[s]) spec->output_shapes[s] = {Shape{2}};
      spec->dynamic[s] = 0;
    }
    CHECK_THAT(DecideReplay(*plan, *spec).reason,
               Catch::Contains("'slice' (Slice)") && Catch::Contains("reads input 1 on the host"));
  }

  const PlanSummary random = session.Explain({}, {noise});
  CHECK_FALSE(random.replayable);
  CHECK_THAT(random.not_replayable_reason,
             Catch::Contains("'noise' (RandomUniform)") && Catch::Contains("Philox"));

  const PlanSummary dynamic = session.Explain({{seed, Tensor::Scalar(3.0f)}}, {sized});
  CHECK_FALSE(dynamic.replayable);
  CHECK_THAT(dynamic.not_replayable_reason, Catch::Contains("'fill' (Fill)") &&
                                                Catch::Contains("known only while the step runs"));

  const PlanSummary nothing = session.Explain({}, {constant});
  CHECK_FALSE(nothing.replayable);
  CHECK_THAT(nothing.not_replayable_reason, Catch::Contains("nothing runs"));

  // The steps that cannot be replayed still run, eagerly, and right.
  for (int run = 0; run < 3; ++run) {
    const auto out = session.Run({{x, four}, {shape, Tensor::FromVector<int32_t>({2, 2})}}, {reshaped});
    CHECK(out[0].shape() == Shape({2, 2}));
  }
  CHECK(session.step_counts().recorded == 0);
}

TEST_CASE("a replay stages its feeds: each run sees its own", "[replay]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  auto y = ops::Square(root, x) + 1.0f;
  Session session(g, Replaying());
  for (int run = 0; run < 5; ++run) {
    const float v = static_cast<float>(run);
    Tensor feed = Tensor::FromVector<float>({v, -v, 2 * v});
    const Tensor out = session.Run({{x, feed}}, {y, x})[0];
    CHECK(out.ToVector<float>() == std::vector<float>{v * v + 1, v * v + 1, 4 * v * v + 1});
    // The fetches are the caller's own: a later replay does not change them.
    feed.flat<float>()[0] = 100;
    CHECK(out.ToVector<float>()[0] == v * v + 1);
  }
  CHECK(session.step_counts().replayed == 3);
}

TEST_CASE("a live read of a variable makes the next step record again, with the same results",
          "[replay]") {
  const auto eager_model = BuildMlp();
  const auto replay_model = BuildMlp();
  Session eager(eager_model->graph, Eager());
  Session replay(replay_model->graph, Replaying());
  eager.Run({}, {}, {eager_model->init});
  replay.Run({}, {}, {replay_model->init});
  CheckSameBits(Train(replay, *replay_model, 0, 4), Train(eager, *eager_model, 0, 4));
  // The caller holds every variable's value (on the CPU, its buffer):
  // the update copies on write, so the recorded buffers are stale.
  const std::vector<Tensor> held = replay.Run({}, Names(replay_model->reads));
  const std::vector<Tensor> held_eager = eager.Run({}, Names(eager_model->reads));
  CheckSameBits(Train(replay, *replay_model, 4, 4), Train(eager, *eager_model, 4, 4));
  CheckSameBits(held, held_eager);  // what was read stays as it was
  CHECK(replay.step_counts().recorded >= 2);
  CHECK(replay.step_counts().replayed >= 3);
  CheckSameBits(replay.Run({}, Names(replay_model->reads)), eager.Run({}, Names(eager_model->reads)));
}

TEST_CASE("a recording reuses the buffers its step lets go of", "[replay]") {
  constexpr int64_t kElements = 1 << 20;  // 4 MiB of float per tensor
  constexpr int kChain = 12;
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kElements});
  Output y = x;
  for (int i = 0; i < kChain; ++i) y = y + 1.0;
  Session session(g, Replaying());
  const Tensor feed = Tensor::Zeros(DT_FLOAT, Shape{kElements});
  session.Run({{x, feed}}, {y});  // eager
  Allocator* host = CpuDevice()->allocator();
  const int64_t before = host->GetStats().bytes_in_use;
  Tensor out = session.Run({{x, feed}}, {y})[0];  // recorded
  CHECK(session.step_counts().recorded == 1);
  const int64_t tensor_bytes = kElements * 4;
  // The recording keeps the staged feed and the two buffers the chain
  // alternates between; the caller holds its own copy of the fetch.
  const int64_t kept = host->GetStats().bytes_in_use - before;
  CHECK(kept >= 3 * tensor_bytes);
  CHECK(kept <= 4 * tensor_bytes + 4096);
  out = session.Run({{x, feed}}, {y})[0];  // replayed: nothing new is kept
  CHECK(session.step_counts().replayed == 1);
  CHECK(host->GetStats().bytes_in_use - before == kept);
  CHECK(out.flat<float>()[kElements - 1] == static_cast<float>(kChain));
}

TEST_CASE("assigning a variable a value of its shape keeps its buffer", "[replay]") {
  Graph g;
  Scope root(g);
  auto v = train::Variable(root.WithOpName("v"), {4}, train::Zeros());
  auto value = ops::Placeholder(root.WithOpName("value"), DT_FLOAT, {4});
  Node* assign = v.Assign(root.WithOpName("assign"), value);
  Session session(g, Replaying());
  session.Run({}, {}, {train::GlobalVariablesInitializer(root)});
  Variable* variable = session.resources().Variables().at("v");
  const void* buffer = variable->buffer_id();
  for (int run = 0; run < 3; ++run) {
    const float f = static_cast<float>(run);
    session.Run({{value, Tensor::FromVector<float>({f, f, f, f})}}, {}, {assign});
    CHECK(variable->buffer_id() == buffer);
    CHECK(variable->Read()->ToVector<float>() == std::vector<float>{f, f, f, f});
  }
}
