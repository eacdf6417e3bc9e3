#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

const std::string kTfData = TG_TEST_DATA_DIR "/tf/";

// The nodes of random.pbtxt, each drawn twice by TensorFlow in one session.
const std::vector<std::string> kTfRandomNodes = {"uniform_f32", "normal_f32", "truncated_f32",
                                                 "uniform_f64", "normal_f64"};

Tensor TfDraw(const std::string& node, int run) {
  return ReadNpy(kTfData + "random." + node + ".run" + std::to_string(run) + ".npy");
}

// Floats as sign-magnitude integers, so that adjacent floats differ by 1.
int64_t UlpDistance(float a, float b) {
  auto ordinal = [](float x) {
    const auto bits = std::bit_cast<uint32_t>(x);
    const int64_t magnitude = bits & 0x7fffffffu;
    return bits >> 31 ? -magnitude : magnitude;
  };
  return std::abs(ordinal(a) - ordinal(b));
}

// Uniforms must match bit for bit. Normals go through log, sin and cos,
// where libm implementations may round differently: float32 within 2 ulp,
// float64 within 1e-12 relative.
void CheckMatchesTf(const Tensor& got, const Tensor& want, bool exact) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  if (exact) {
    CHECK(got.BitwiseEquals(want));
    return;
  }
  if (got.dtype() == DT_FLOAT) {
    const auto g = got.flat<float>(), w = want.flat<float>();
    for (size_t i = 0; i < g.size(); ++i) {
      INFO("element " << i << ": " << g[i] << " vs TensorFlow's " << w[i]);
      CHECK(UlpDistance(g[i], w[i]) <= 2);
    }
  } else {
    const auto g = got.flat<double>(), w = want.flat<double>();
    for (size_t i = 0; i < g.size(); ++i) {
      INFO("element " << i << ": " << g[i] << " vs TensorFlow's " << w[i]);
      CHECK(std::abs(g[i] - w[i]) <= 1e-12 * std::abs(w[i]));
    }
  }
}

std::vector<double> AsDoubles(const Tensor& t) {
  if (t.dtype() == DT_FLOAT) {
    auto s = t.flat<float>();
    return {s.begin(), s.end()};
  }
  return t.ToVector<double>();
}

struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Moments MomentsOf(const Tensor& t) {
  const std::vector<double> v = AsDoubles(t);
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.stddev += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(m.stddev / static_cast<double>(v.size()));
  m.min = *std::min_element(v.begin(), v.end());
  m.max = *std::max_element(v.begin(), v.end());
  return m;
}

}  // namespace

TEST_CASE("Seeded random ops reproduce TensorFlow's two draws", "[random]") {
  std::unique_ptr<Graph> graph = LoadGraph(kTfData + "random.pbtxt");
  const std::vector<TensorName> fetches(kTfRandomNodes.begin(), kTfRandomNodes.end());
  // Both runs in one session; RunAndRoundTrip also repeats them in fresh
  // sessions, which must restart the streams.
  auto runs = testing::RunAndRoundTrip(*graph, {{{}, fetches}, {{}, fetches}});
  for (int run = 1; run <= 2; ++run) {
    for (size_t i = 0; i < kTfRandomNodes.size(); ++i) {
      const std::string& node = kTfRandomNodes[i];
      INFO(node << ", run " << run);
      const bool exact = graph->FindNode(node)->op() == "RandomUniform";
      CheckMatchesTf(runs[static_cast<size_t>(run - 1)][i], TfDraw(node, run), exact);
    }
  }
}

TEST_CASE("A random op continues its stream whichever signature runs it", "[random]") {
  std::unique_ptr<Graph> graph = LoadGraph(kTfData + "random.pbtxt");
  auto runs = testing::RunAndRoundTrip(
      *graph, {{{}, {"uniform_f32"}}, {{}, {"uniform_f64", "uniform_f32"}}, {{}, {"uniform_f64"}}});
  CHECK(runs[0][0].BitwiseEquals(TfDraw("uniform_f32", 1)));
  CHECK(runs[1][0].BitwiseEquals(TfDraw("uniform_f64", 1)));
  CHECK(runs[1][1].BitwiseEquals(TfDraw("uniform_f32", 2)));
  CHECK(runs[2][0].BitwiseEquals(TfDraw("uniform_f64", 2)));
}

TEST_CASE("Random ops are deterministic under a seed", "[random]") {
  auto build = [](Graph& g, int64_t seed) {
    Scope root(g);
    auto shape = ops::Const<int64_t>(root, {50, 4});
    return std::vector<TensorName>{
        ops::RandomUniform(root, shape, DT_FLOAT, {.seed = seed}),
        ops::RandomStandardNormal(root, shape, DT_DOUBLE, {.seed = seed, .seed2 = 9}),
        ops::TruncatedNormal(root, shape, DT_FLOAT, {.seed2 = seed}),
        ops::TruncatedNormal(root, shape, DT_DOUBLE, {.seed = seed, .seed2 = seed})};
  };
  Graph g1, g2, other;
  const auto fetches = build(g1, 42);
  build(g2, 42);
  build(other, 43);
  auto first = testing::RunAndRoundTrip(g1, {}, fetches);
  auto second = Session(g2).Run({}, fetches);
  auto different = Session(other).Run({}, fetches);
  for (size_t i = 0; i < fetches.size(); ++i) {
    INFO("fetch " << fetches[i].name);
    CHECK(first[i].shape() == Shape{50, 4});
    CHECK(first[i].BitwiseEquals(second[i]));
    CHECK_FALSE(first[i].BitwiseEquals(different[i]));
  }
}

TEST_CASE("Random ops without a seed differ from session to session", "[random]") {
  Graph g;
  Scope root(g);
  auto shape = ops::Const<int32_t>(root, {64});
  const std::vector<TensorName> fetches = {ops::RandomUniform(root, shape, DT_DOUBLE),
                                           ops::RandomStandardNormal(root, shape, DT_FLOAT),
                                           ops::TruncatedNormal(root, shape, DT_FLOAT)};
  // Not RunAndRoundTrip: these graphs are meant not to reproduce.
  auto a = Session(g).Run({}, fetches);
  auto b = Session(g).Run({}, fetches);
  for (size_t i = 0; i < fetches.size(); ++i) CHECK_FALSE(a[i].BitwiseEquals(b[i]));
}

TEST_CASE("Random draws have the expected distributions", "[random]") {
  Graph g;
  Scope root(g);
  auto shape = ops::Const<int32_t>(root, {100000});
  const std::vector<TensorName> fetches = {
      ops::RandomUniform(root, shape, DT_FLOAT, {.seed = 1}),
      ops::RandomUniform(root, shape, DT_DOUBLE, {.seed = 2}),
      ops::RandomStandardNormal(root, shape, DT_FLOAT, {.seed = 3}),
      ops::RandomStandardNormal(root, shape, DT_DOUBLE, {.seed = 4}),
      ops::TruncatedNormal(root, shape, DT_FLOAT, {.seed = 5}),
      ops::TruncatedNormal(root, shape, DT_DOUBLE, {.seed = 6})};
  auto out = testing::RunAndRoundTrip(g, {}, fetches);
  // With 100k draws the sample mean is within 0.003 (1 sigma) of the true one.
  for (int i : {0, 1}) {
    const Moments m = MomentsOf(out[static_cast<size_t>(i)]);
    INFO("uniform " << i << ": mean " << m.mean << ", stddev " << m.stddev);
    CHECK(std::abs(m.mean - 0.5) < 0.005);
    CHECK(std::abs(m.stddev - std::sqrt(1.0 / 12)) < 0.005);
    CHECK(m.min >= 0);
    CHECK(m.max < 1);
  }
  for (int i : {2, 3}) {
    const Moments m = MomentsOf(out[static_cast<size_t>(i)]);
    INFO("normal " << i << ": mean " << m.mean << ", stddev " << m.stddev);
    CHECK(std::abs(m.mean) < 0.015);
    CHECK(std::abs(m.stddev - 1) < 0.015);
    CHECK(m.max > 3.5);  // the tails are there
    CHECK(m.min < -3.5);
  }
  // A standard normal truncated to (-2, 2) has variance
  // 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2)) = 0.7737, stddev 0.8796.
  for (int i : {4, 5}) {
    const Moments m = MomentsOf(out[static_cast<size_t>(i)]);
    INFO("truncated normal " << i << ": mean " << m.mean << ", stddev " << m.stddev);
    CHECK(std::abs(m.mean) < 0.015);
    CHECK(std::abs(m.stddev - 0.8796) < 0.015);
    CHECK(m.min > -2);
    CHECK(m.max < 2);
    CHECK(m.max > 1.95);
  }
}

TEST_CASE("Concurrent runs of a random op never draw the same numbers", "[random]") {
  auto build = [](Graph& g) {
    Scope root(g);
    return ops::RandomStandardNormal(root.WithOpName("z"), ops::Const<int32_t>(root, {257}),
                                     DT_FLOAT, {.seed = 7, .seed2 = 3});
  };
  constexpr int kThreads = 4, kRunsPerThread = 25;
  Graph g;
  build(g);
  Session session(g);
  std::vector<std::vector<std::vector<float>>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&session, &drawn, t] {
      for (int r = 0; r < kRunsPerThread; ++r) {
        drawn[static_cast<size_t>(t)].push_back(session.Run({}, {"z"})[0].ToVector<float>());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::vector<float>> concurrent;
  for (auto& runs : drawn) concurrent.insert(concurrent.end(), runs.begin(), runs.end());

  // The same number of runs one after another: the same draws, in some order.
  std::vector<std::vector<float>> sequential;
  Session one_by_one(g);
  for (int r = 0; r < kThreads * kRunsPerThread; ++r) {
    sequential.push_back(one_by_one.Run({}, {"z"})[0].ToVector<float>());
  }
  std::sort(concurrent.begin(), concurrent.end());
  std::sort(sequential.begin(), sequential.end());
  CHECK(concurrent == sequential);
  CHECK(std::adjacent_find(sequential.begin(), sequential.end()) == sequential.end());
}

TEST_CASE("Random ops take their shape from an int32 or int64 vector", "[random]") {
  Graph g;
  Scope root(g);
  auto from_int64 = ops::RandomUniform(root, ops::Const<int64_t>(root, {2, 3}), DT_DOUBLE);
  auto scalar =
      ops::RandomStandardNormal(root, ops::Const<int32_t>(root, {}), DT_FLOAT, {.seed = 1});
  auto empty = ops::TruncatedNormal(root, ops::Const<int32_t>(root, {3, 0}), DT_FLOAT, {.seed = 1});
  auto fed_shape = ops::Placeholder(root.WithOpName("shape"), DT_INT32, {2});
  auto fed = ops::RandomUniform(root, fed_shape, DT_FLOAT, {.seed = 1});
  auto any_rank = ops::RandomUniform(root, ops::Placeholder(root, DT_INT64), DT_FLOAT);
  CHECK(from_int64.shape() == PartialShape({2, 3}));
  CHECK(from_int64.dtype() == DT_DOUBLE);
  CHECK(scalar.shape() == PartialShape(Shape{}));
  CHECK(empty.shape() == PartialShape({3, 0}));
  CHECK(fed.shape() == PartialShape({-1, -1}));
  CHECK_FALSE(any_rank.shape().rank_known());

  auto out = testing::RunAndRoundTrip(g, {{fed_shape, Tensor::FromVector<int32_t>({4, 1})}},
                                      {scalar, empty, fed});
  CHECK(out[0].shape() == Shape{});
  CHECK(out[1].shape() == Shape{3, 0});
  CHECK(out[2].shape() == Shape{4, 1});

  const OpDef& def = OpRegistry::Global().Get("TruncatedNormal");
  CHECK(def.stateful);
  CHECK(def.not_differentiable);
  CHECK(def.kernel_type_attr == "dtype");
}

TEST_CASE("Random ops reject shapes that are not non-negative vectors", "[random]") {
  Graph g;
  Scope root(g);
  CHECK_THROWS_WITH(
      ops::RandomUniform(root.WithOpName("u"), ops::Const<int32_t>(root, {2, -3}), DT_FLOAT),
      Contains("RandomUniform 'u': shape has negative dimension -3 at index 1"));
  CHECK_THROWS_WITH(
      ops::RandomUniform(root, ops::Const<int32_t>(root, {2, 3}, Shape{1, 2}), DT_FLOAT),
      Contains("shape must be a vector, got a tensor of shape [1,2]"));
  CHECK_THROWS_WITH(
      ops::TruncatedNormal(root.WithOpName("huge"),
                           ops::Const<int64_t>(root, {int64_t{1} << 40, int64_t{1} << 40}),
                           DT_FLOAT),
      Contains("TruncatedNormal 'huge': shape [1099511627776,1099511627776] has more elements"));

  auto shape = ops::Placeholder(root.WithOpName("shape"), DT_INT64);
  auto draw = ops::RandomStandardNormal(root.WithOpName("draw"), shape, DT_DOUBLE, {.seed = 1});
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(g, {{shape, Tensor::FromVector<int64_t>({5, -1})}}, {draw}),
      Contains("RandomStandardNormal 'draw': shape has negative dimension -1 at index 1"));
  CHECK_THROWS_WITH(testing::RunAndRoundTrip(g, {{shape, Tensor::Scalar<int64_t>(5)}}, {draw}),
                    Contains("shape must be a vector, got a tensor of shape []"));
  CHECK_THROWS_WITH(
      testing::RunAndRoundTrip(
          g, {{shape, Tensor::FromVector<int64_t>({int64_t{1} << 40, int64_t{1} << 40})}}, {draw}),
      Contains("RandomStandardNormal 'draw': shape [1099511627776,1099511627776] has more "
               "elements"));
}
