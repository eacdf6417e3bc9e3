// The plan compiler's passes, each on its own (runtime/plan.h), on the CPU
// and on the test device whose memory the host may not read.
#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/plan.h"
#include "tensorgraph.h"
#include "tests/support/test_device.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

Signature Sig(std::vector<std::string> feeds, std::vector<std::string> fetches,
              std::vector<std::string> targets = {}) {
  std::sort(feeds.begin(), feeds.end());
  std::sort(targets.begin(), targets.end());
  return {std::move(feeds), std::move(fetches), std::move(targets)};
}

std::vector<std::string> Names(const Plan& plan) {
  std::vector<std::string> names;
  for (const Node* n : plan.nodes) names.push_back(n->name());
  return names;
}

const PlanStep& StepOf(const Plan& plan, std::string_view node) {
  for (const PlanStep& s : plan.steps) {
    if (s.kind == PlanStep::Kind::kKernel && s.node->name() == node) return s;
  }
  FAIL("no step for " << node);
  return plan.steps.front();
}

int Copies(const Plan& plan) {
  return static_cast<int>(std::count_if(plan.steps.begin(), plan.steps.end(), [](const PlanStep& s) {
    return s.kind == PlanStep::Kind::kCopy;
  }));
}

Device* TestDev() { return &testing::GetTestDevice(); }

}  // namespace

TEST_CASE("PrunePass keeps what the fetches and targets need, in graph order", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto a = ops::Relu(root.WithOpName("a"), x);
  ops::Neg(root.WithOpName("b"), a);
  ops::Neg(root.WithOpName("unused"), a);
  auto c = ops::Relu(root.WithOpName("c"), x);
  Node* t = root.WithOpName("t").WithControlDependencies(std::vector<Node*>{c.node}).AddNode("NoOp", {}, {});

  Plan plan;
  PrunePass(g, Sig({"x"}, {"b"}, {"t"}), plan);
  CHECK(Names(plan) == std::vector<std::string>{"a", "b", "c", "t"});
  REQUIRE(plan.feeds.size() == 1);
  CHECK(plan.feeds[0].output == x);
  CHECK(plan.slots[0].memory == CpuDevice());  // feeds arrive in host memory

  // Feeding `a` cuts x off from b.
  Plan fed;
  PrunePass(g, Sig({"a"}, {"b"}), fed);
  CHECK(Names(fed) == std::vector<std::string>{"b"});

  Plan bad;
  CHECK_THROWS_WITH(PrunePass(g, Sig({}, {}, {"nope"}), bad), Contains("target 'nope'"));
  (void)t;
}

TEST_CASE("PlacePass colocates with resources and keeps shape arithmetic on the host", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {3});
  Output read = w.Read(root.WithOpName("read"));
  Output y = ops::Add(root.WithOpName("y"), x, read);
  // int32 arithmetic on shapes: Shape's output is host memory, so the Add
  // of two shapes runs on the CPU even in a test-device session.
  ops::Add(root.WithOpName("shape_sum"), ops::Shape(root.WithOpName("shape_x"), x),
                      ops::Shape(root.WithOpName("shape_y"), y));
  ops::Reshape(root.WithOpName("flat"), y, ops::Const<int32_t>(root.WithOpName("minus_one"), {-1}));

  Plan plan;
  std::map<int, std::shared_ptr<OpKernel>> stateful;
  PrunePass(g, Sig({"x"}, {"y", "shape_sum", "flat"}), plan);
  PlacePass(TestDev(), plan, stateful);
  std::map<std::string, Device*> device;
  for (size_t i = 0; i < plan.nodes.size(); ++i) device[plan.nodes[i]->name()] = plan.node_devices[i];
  CHECK(device.at("w") == TestDev());
  CHECK(device.at("read") == TestDev());
  CHECK(device.at("y") == TestDev());
  // Shape of a device tensor runs on the device (it reads only the shape
  // and writes host memory); of a host tensor (the feed), on the CPU.
  CHECK(device.at("shape_y") == TestDev());
  CHECK(device.at("shape_x") == CpuDevice());
  CHECK(device.at("shape_sum") == CpuDevice());
  CHECK(device.at("minus_one") == CpuDevice());  // a small int32 constant
  CHECK(device.at("flat") == TestDev());
  CHECK(plan.placement_notes.empty());
  // Stateful kernels are kept for the next plan.
  CHECK(stateful.count(w.handle.node->id()) == 1);
}

TEST_CASE("InsertCopiesPass makes one copy per slot and destination", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4});
  ops::Relu(root.WithOpName("a"), x);
  ops::Neg(root.WithOpName("b"), x);
  ops::Shape(root.WithOpName("s"), x);  // reads the shape alone: no copy

  Plan plan;
  std::map<int, std::shared_ptr<OpKernel>> stateful;
  PrunePass(g, Sig({"x"}, {"a", "b", "s"}), plan);
  PlacePass(TestDev(), plan, stateful);
  InsertCopiesPass(plan);
  REQUIRE(Copies(plan) == 1);
  const PlanStep& copy = plan.steps.front();
  CHECK(copy.kind == PlanStep::Kind::kCopy);
  CHECK(copy.copy_from == CpuDevice());
  CHECK(copy.device == TestDev());
  const int copied = copy.first_output_slot;
  CHECK(StepOf(plan, "a").input_slots == std::vector<int>{copied});
  CHECK(StepOf(plan, "b").input_slots == std::vector<int>{copied});
  CHECK(StepOf(plan, "s").input_slots == std::vector<int>{plan.feeds[0].slot});
  CHECK(plan.slots[static_cast<size_t>(StepOf(plan, "s").first_output_slot)].memory == CpuDevice());
  CHECK(plan.slots[static_cast<size_t>(StepOf(plan, "a").first_output_slot)].memory == TestDev());

  // On the CPU nothing is copied.
  Plan cpu;
  PrunePass(g, Sig({"x"}, {"a", "b", "s"}), cpu);
  PlacePass(CpuDevice(), cpu, stateful);
  InsertCopiesPass(cpu);
  CHECK(Copies(cpu) == 0);
}

TEST_CASE("PlanLifetimesPass releases each slot after its last reader", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4});
  auto a = ops::Relu(root.WithOpName("a"), x);
  auto b = ops::Neg(root.WithOpName("b"), a);
  auto c = ops::Add(root.WithOpName("c"), a, b);
  ops::Mul(root.WithOpName("d"), c, c);

  std::map<int, std::shared_ptr<OpKernel>> stateful;
  std::shared_ptr<Plan> plan = CompilePlan(g, Sig({"x"}, {"d", "a"}), CpuDevice(), stateful);
  const PlanStep& sa = StepOf(*plan, "a");
  const PlanStep& sb = StepOf(*plan, "b");
  const PlanStep& sc = StepOf(*plan, "c");
  const PlanStep& sd = StepOf(*plan, "d");
  // a is fetched: never released, never handed over.
  CHECK(sb.hand_over == std::vector<char>{0});
  CHECK(sc.hand_over == std::vector<char>{0, 1});
  // c is read twice by d: not handed over, released after d.
  CHECK(sd.hand_over == std::vector<char>{0, 0});
  CHECK(std::count(sd.release.begin(), sd.release.end(), sc.first_output_slot) == 1);
  CHECK(std::count(sc.release.begin(), sc.release.end(), sb.first_output_slot) == 1);
  for (const PlanStep& s : plan->steps) {
    CHECK(std::count(s.release.begin(), s.release.end(), sa.first_output_slot) == 0);
    CHECK(std::count(s.release.begin(), s.release.end(), sd.first_output_slot) == 0);
  }
  // The feed is released after its last reader, a.
  CHECK(std::count(sa.release.begin(), sa.release.end(), plan->feeds[0].slot) == 1);
}

TEST_CASE("AssignStreamsPass makes Run wait only for devices holding fetches", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4});
  ops::Relu(root.WithOpName("a"), x);
  ops::Shape(root.WithOpName("s"), x);
  std::map<int, std::shared_ptr<OpKernel>> stateful;
  CHECK(CompilePlan(g, Sig({"x"}, {"a"}), TestDev(), stateful)->sync_before_fetch ==
        std::vector<Device*>{TestDev()});
  // Shape's output is host memory: nothing to wait for.
  CHECK(CompilePlan(g, Sig({"x"}, {"s"}), TestDev(), stateful)->sync_before_fetch.empty());
  CHECK(CompilePlan(g, Sig({"x"}, {"a"}), CpuDevice(), stateful)->sync_before_fetch.empty());
}

TEST_CASE("SpecializeShapes computes shapes, precomputes constants and knows the peak",
          "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
  auto dims = ops::Placeholder(root.WithOpName("dims"), DT_INT32, {2});
  // Shape(x) -> Prod-free arithmetic: reshape x to [rows * 2, 2] from its
  // own shape, known once x's shape is.
  ops::Shape(root.WithOpName("shape"), x);
  Output doubled = ops::Mul(root.WithOpName("doubled"), x, ops::ScalarConst(root, DT_FLOAT, 2.0));
  Output relu = ops::Relu(root.WithOpName("relu"), doubled);
  Output by_value = ops::Reshape(root.WithOpName("by_value"), relu, dims);

  ResourceManager resources;
  std::map<int, std::shared_ptr<OpKernel>> stateful;
  {
    std::shared_ptr<Plan> plan = CompilePlan(g, Sig({"x"}, {"relu", "shape"}), CpuDevice(), stateful);
    const Tensor feed(DT_FLOAT, Shape{3, 4});
    std::shared_ptr<const Specialization> spec = SpecializeShapes(*plan, {&feed}, resources);
    std::map<std::string, size_t> at;
    for (size_t s = 0; s < plan->steps.size(); ++s) at[plan->steps[s].node->name()] = s;
    CHECK(spec->output_shapes[at.at("relu")] == std::vector<Shape>{Shape{3, 4}});
    CHECK(spec->precomputed[at.at("shape")] == 1);  // from x's shape alone
    CHECK(spec->precomputed[at.at("doubled")] == 0);
    CHECK(spec->dynamic[at.at("relu")] == 0);
    // x * 2 and the Relu are alive together at the Relu.
    CHECK(spec->peak_bytes == 2 * 3 * 4 * 4);
    // Plan::Specialize caches one specialization per set of feed shapes.
    CHECK(plan->Specialize({&feed}, resources) == plan->Specialize({&feed}, resources));
    const Tensor other(DT_FLOAT, Shape{5, 4});
    CHECK(plan->Specialize({&other}, resources) != plan->Specialize({&feed}, resources));
  }
  {
    // A shape that is a fed value is known only while running.
    std::shared_ptr<Plan> plan =
        CompilePlan(g, Sig({"dims", "x"}, {"by_value"}), CpuDevice(), stateful);
    const Tensor feed_dims = Tensor::FromVector<int32_t>({6, 2});
    const Tensor feed_x(DT_FLOAT, Shape{3, 4});
    std::vector<const Tensor*> feeds(2);
    for (size_t i = 0; i < plan->feeds.size(); ++i) {
      feeds[i] = plan->feeds[i].name == "dims" ? &feed_dims : &feed_x;
    }
    std::shared_ptr<const Specialization> spec = SpecializeShapes(*plan, feeds, resources);
    size_t step = 0;
    for (size_t s = 0; s < plan->steps.size(); ++s) {
      if (plan->steps[s].node->name() == "by_value") step = s;
    }
    CHECK(spec->dynamic[step] == 1);
    CHECK(spec->peak_bytes == -1);
    // The executor computes it just before the kernel.
    Session session(g);
    auto out = session.Run({{dims, feed_dims}, {x, Tensor::Zeros(DT_FLOAT, {3, 4})}}, {by_value});
    CHECK(out[0].shape() == Shape({6, 2}));
    CHECK_THROWS_WITH(
        session.Run({{dims, Tensor::FromVector<int32_t>({5, 2})}, {x, Tensor::Zeros(DT_FLOAT, {3, 4})}},
                    {by_value}),
        Contains("by_value"));
  }
}

TEST_CASE("a plan keeps a bounded number of specializations", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  ops::Relu(root.WithOpName("y"), x);
  Session session(g);
  for (int64_t n = 1; n <= static_cast<int64_t>(Plan::kMaxSpecializations) * 2 + 3; ++n) {
    auto out = session.Run({{x, Tensor::Zeros(DT_FLOAT, {n})}}, {"y"});
    CHECK(out[0].num_elements() == n);
  }
  CHECK(session.num_plans() == 1);
}

TEST_CASE("Explain plans without data, and Run refuses a feed with no data", "[plan]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 8});
  Output y = ops::Relu(root.WithOpName("y"), x);
  Session session(g);
  const PlanSummary plan = session.Explain({{x, Tensor::Metadata(DT_FLOAT, {16, 8})}}, {y});
  CHECK(plan.kernels == 1);
  CHECK(plan.copies == 0);
  CHECK(plan.peak_bytes == 16 * 8 * 4);
  CHECK_THROWS_WITH(session.Run({{x, Tensor::Metadata(DT_FLOAT, {16, 8})}}, {y}),
                    Contains("no data"));
  CHECK_THROWS_WITH(session.Explain({{x, Tensor::Metadata(DT_FLOAT, {16, 9})}}, {y}),
                    Contains("[16,9]"));
}

TEST_CASE("PrunePass runs a variable's update after the readers of its reads", "[plan]") {
  // Graph order puts the update before the second reader of `read`: the
  // update would find the buffer shared and copy it. The plan moves the
  // update after the reader.
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {3});
  Output read = w.Read(root.WithOpName("read"));
  Output first = ops::Neg(root.WithOpName("first"), read);
  Node* update = w.AssignAdd(root.WithOpName("update"), first);
  ops::Relu(root.WithOpName("second"), read);
  // A read after the update, by a control edge, stays after it.
  Output later = w.Read(root.WithOpName("later").WithControlDependencies(std::vector<Node*>{update}));
  ops::Neg(root.WithOpName("later_user"), later);

  Plan plan;
  PrunePass(g, Sig({}, {"second", "later_user"}, {"update"}), plan);
  const std::vector<std::string> names = Names(plan);
  const auto at = [&](const char* n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  CHECK(at("second") < at("update"));
  CHECK(at("first") < at("update"));
  CHECK(at("update") < at("later"));
  CHECK(at("later") < at("later_user"));
  CHECK(names.size() == 7);

  Session session(g);
  session.Run({}, {}, {w.Assign(root.WithOpName("init"), ops::Const<float>(root, {1, -2, 3}))});
  auto out = session.Run({}, {"second", "later_user"}, {"update"});
  CHECK(out[0].ToVector<float>() == std::vector<float>{1, 0, 3});   // the value before
  CHECK(out[1].ToVector<float>() == std::vector<float>{0, 0, 0});   // -(w - w)
}
