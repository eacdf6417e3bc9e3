// The elementwise math family's gradient support: AddN, the activation
// gradient ops, BroadcastGradientArgs and ReduceGradientToShape, forward;
// and every gradient function against central differences in float64.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "graph/gradients.h"
#include "ops/gradient_helpers.h"
#include "tensorgraph.h"
#include "tests/support/gradient_check.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

Tensor RunOne(const Graph& graph, const Output& fetch, const FeedList& feeds = {}) {
  return testing::RunAndRoundTrip(graph, feeds, {fetch}).at(0);
}

template <typename T>
void CheckValues(const Tensor& got, const Shape& shape, const std::vector<double>& want,
                 double rel_tol = 1e-12) {
  REQUIRE(got.dtype() == kDataTypeOf<T>);
  REQUIRE(got.shape() == shape);
  const std::vector<T> values = got.ToVector<T>();
  REQUIRE(values.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i << ": got " << +values[i] << ", want " << want[i]);
    CHECK(std::abs(static_cast<double>(values[i]) - want[i]) <= rel_tol * std::abs(want[i]));
  }
}

// Values drawn uniformly from [lo, hi], or from [-hi, -lo] u [lo, hi] when
// `either_sign`, from a generator seeded per input.
struct Range {
  double lo = -2, hi = 2;
  bool either_sign = false;
};

Tensor RandomValues(const Shape& shape, Range range, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(range.lo, range.hi);
  std::vector<double> values(static_cast<size_t>(shape.num_elements()));
  for (double& v : values) {
    v = uniform(rng);
    if (range.either_sign && rng() % 2 == 0) v = -v;
  }
  return Tensor::FromVector(values, shape);
}

struct GradInput {
  Shape shape;
  Range range = {};
};

using Build = std::function<Output(const Scope&, const std::vector<Output>&)>;

// Runs the shared finite-difference check on y = build(xs) for float64
// Placeholders xs of the given shapes (their static shapes known, or
// unknown so that the gradients take their run-time shape paths), and
// requires every element to be checked and to pass.
void CheckGradient(const std::vector<GradInput>& inputs, const Build& build,
                   bool static_shapes = true) {
  const testing::GradientCheckResult result = testing::CheckGradients([&](const Scope& root) {
    testing::GradientProblem problem;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const PartialShape shape =
          static_shapes ? PartialShape(inputs[i].shape) : PartialShape::UnknownRank();
      problem.xs.push_back(ops::Placeholder(root, DT_DOUBLE, shape));
      problem.x_values.push_back(
          RandomValues(inputs[i].shape, inputs[i].range, 17 + static_cast<uint32_t>(i)));
    }
    problem.ys.push_back(build(root, problem.xs));
    return problem;
  });
  INFO(result.Report());
  CHECK(result.ok());
  CHECK(result.kinks_skipped == 0);
  CHECK(result.xs_checked == static_cast<int>(inputs.size()));
}

struct BinaryGradCase {
  const char* op;
  Output (*build)(const Scope&, Output, Output);
  Range x_range = {};
  Range y_range = {};
};

}  // namespace

// --- forward ----------------------------------------------------------------------

TEMPLATE_TEST_CASE("AddN sums its inputs", "[mathgrad]", float, double, int32_t, int64_t) {
  Graph g;
  Scope root(g);
  auto a = ops::Const<TestType>(root, {1, 2, 3, 4}, {2, 2});
  auto b = ops::Const<TestType>(root, {10, 20, 30, 40}, {2, 2});
  auto c = ops::Const<TestType>(root, {-1, -2, -3, -4}, {2, 2});
  auto one = ops::AddN(root, {a});
  auto three = ops::AddN(root, {a, b, c});
  CHECK(three.node->op() == "AddN");
  CHECK(three.shape() == PartialShape({2, 2}));
  auto out = testing::RunAndRoundTrip(g, {}, {one, three});
  CheckValues<TestType>(out[0], {2, 2}, {1, 2, 3, 4});
  CheckValues<TestType>(out[1], {2, 2}, {10, 20, 30, 40});
}

TEST_CASE("AddN of one tensor given several times, past one block", "[mathgrad]") {
  // The neg node's buffer is free to be reused for the sum, while it is
  // also every input: the sum must still read the inputs' values.
  Graph g;
  Scope root(g);
  std::vector<double> values(1000), want(1000);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<double>(i);
    want[i] = -3.0 * static_cast<double>(i);
  }
  auto x = ops::Neg(root, ops::Const<double>(root, values));
  auto sum = ops::AddN(root, {x, x, x});
  CheckValues<double>(RunOne(g, sum), {1000}, want);
}

TEST_CASE("AddN wraps on integer overflow and rejects mismatched shapes", "[mathgrad]") {
  Graph g;
  Scope root(g);
  auto big = ops::Const<int32_t>(root, {2147483647});
  CheckValues<int32_t>(RunOne(g, ops::AddN(root, {big, big})), {1}, {-2});
  auto row = ops::Const<float>(root, {1, 2, 3});
  auto col = ops::Const<float>(root, {1, 2, 3}, {3, 1});
  CHECK_THROWS_WITH(ops::AddN(root, {row, col}), Contains("same shape"));
  auto fed = ops::Placeholder(root, DT_FLOAT);
  auto sum = ops::AddN(root, {row, fed});
  Session session(g);
  CHECK_THROWS_WITH(session.Run({{fed, Tensor::FromVector<float>({1, 2})}}, {sum}),
                    Contains("same shape"));
}

TEMPLATE_TEST_CASE("activation gradient ops compute from y and dy", "[mathgrad]", float, double) {
  Graph g;
  Scope root(g);
  auto y = ops::Const<TestType>(root, {0.5, 0.25}, {2});
  auto dy = ops::Const<TestType>(root, {2, 4}, {2});
  auto out = testing::RunAndRoundTrip(
      g, {},
      {ops::SigmoidGrad(root, y, dy), ops::TanhGrad(root, y, dy), ops::SqrtGrad(root, y, dy),
       ops::RsqrtGrad(root, y, dy)});
  CheckValues<TestType>(out[0], {2}, {0.5, 0.75});        // dy * y * (1 - y)
  CheckValues<TestType>(out[1], {2}, {1.5, 3.75});        // dy * (1 - y^2)
  CheckValues<TestType>(out[2], {2}, {2, 8});             // 0.5 * dy / y
  CheckValues<TestType>(out[3], {2}, {-0.125, -0.03125});  // -0.5 * dy * y^3

  auto three = ops::Const<TestType>(root, {1, 2, 3});
  CHECK_THROWS_WITH(ops::TanhGrad(root, y, three), Contains("same shape"));
}

namespace {

struct BroadcastArgsCase {
  std::vector<int64_t> s0, s1, r0, r1;
};

// BroadcastGradientArgs as TensorFlow computes it (checked against
// tf.raw_ops.BroadcastGradientArgs).
const std::vector<BroadcastArgsCase>& BroadcastArgsCases() {
  static const std::vector<BroadcastArgsCase> cases = {
      {{2, 3, 5}, {1}, {}, {0, 1, 2}},
      {{2, 3, 5}, {5}, {}, {0, 1}},
      {{2, 3, 5}, {3, 1}, {}, {0, 2}},
      {{1}, {2, 3, 5}, {0, 1, 2}, {}},
      {{2, 1, 3}, {4, 1}, {1}, {0, 2}},
      {{3, 1, 5}, {4, 1}, {1}, {0, 2}},
      {{}, {2, 3}, {0, 1}, {}},
      {{2, 3}, {}, {}, {0, 1}},
      {{2, 1}, {2, 1}, {}, {}},  // equal shapes: nothing, even along size-1 dims
      {{2, 3}, {2, 3}, {}, {}},
      {{}, {}, {}, {}},
      {{1, 1}, {1}, {0, 1}, {0, 1}},  // all-1 dims reduce both
      {{1}, {1, 1}, {0, 1}, {0, 1}},
      {{2, 1, 1}, {1, 1}, {1, 2}, {0, 1, 2}},
      {{0, 3}, {1, 3}, {}, {0}},
      {{1, 3}, {0, 1}, {0}, {1}},
  };
  return cases;
}

std::string Str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace

TEMPLATE_TEST_CASE("BroadcastGradientArgs matches TensorFlow", "[mathgrad]", int32_t, int64_t) {
  for (const BroadcastArgsCase& c : BroadcastArgsCases()) {
    DYNAMIC_SECTION(Str(c.s0) << " vs " << Str(c.s1)) {
      Graph g;
      Scope root(g);
      auto s0 = ops::Const<TestType>(root, std::vector<TestType>(c.s0.begin(), c.s0.end()));
      auto s1 = ops::Const<TestType>(root, std::vector<TestType>(c.s1.begin(), c.s1.end()));
      auto args = ops::BroadcastGradientArgs(root, s0, s1);
      CHECK(args.r0.dtype() == kDataTypeOf<TestType>);
      // Constant shapes give the outputs' lengths at graph building.
      CHECK(args.r0.shape() == PartialShape({static_cast<int64_t>(c.r0.size())}));
      CHECK(args.r1.shape() == PartialShape({static_cast<int64_t>(c.r1.size())}));
      auto out = testing::RunAndRoundTrip(g, {}, {args.r0, args.r1});
      CheckValues<TestType>(out[0], {static_cast<int64_t>(c.r0.size())},
                            std::vector<double>(c.r0.begin(), c.r0.end()));
      CheckValues<TestType>(out[1], {static_cast<int64_t>(c.r1.size())},
                            std::vector<double>(c.r1.begin(), c.r1.end()));
    }
  }
}

TEST_CASE("BroadcastGradientArgs rejects shapes that do not broadcast", "[mathgrad]") {
  Graph g;
  Scope root(g);
  // Constant shapes are checked when the node is built, ...
  CHECK_THROWS_WITH(ops::BroadcastGradientArgs(root, ops::Const<int32_t>(root, {2, 3}),
                                               ops::Const<int32_t>(root, {4})),
                    Contains("Incompatible shapes: [2,3] vs. [4]"));
  // ... fed ones when the run is planned for their values.
  auto s0 = ops::Placeholder(root.WithOpName("s0"), DT_INT32, {2});
  auto args = ops::BroadcastGradientArgs(root, s0, ops::Const<int32_t>(root, {4}));
  Session session(g);
  CHECK_THROWS_WITH(session.Run({{s0, Tensor::FromVector<int32_t>({2, 3})}}, {args.r0}),
                    Contains("Incompatible shapes: [2,3] vs. [4]"));
  CHECK_THROWS_WITH(ops::BroadcastGradientArgs(root, ops::Const<int32_t>(root, {2, 3}, {1, 2}),
                                               ops::Const<int32_t>(root, {4})),
                    Contains("must be a vector"));
  CHECK(OpRegistry::Global().Get("BroadcastGradientArgs").not_differentiable);
}

TEST_CASE("ReduceGradientToShape sums over the broadcast axes", "[mathgrad]") {
  for (const bool static_shapes : {true, false}) {
    DYNAMIC_SECTION((static_shapes ? "static shapes" : "shapes known at run time")) {
      Graph g;
      Scope root(g);
      // grad [2,3,2] against x [3,1]: sum over axes 0 and 2.
      std::vector<double> grad_values(12);
      for (size_t i = 0; i < grad_values.size(); ++i) grad_values[i] = static_cast<double>(i);
      auto shape_or_unknown = [&](const Shape& s) {
        return static_shapes ? PartialShape(s) : PartialShape::UnknownRank();
      };
      auto grad = ops::Placeholder(root, DT_DOUBLE, shape_or_unknown({2, 3, 2}));
      auto x = ops::Placeholder(root, DT_DOUBLE, shape_or_unknown({3, 1}));
      auto scalar = ops::Placeholder(root, DT_DOUBLE, shape_or_unknown({}));
      auto to_x = ReduceGradientToShape(root, grad, x);
      auto to_scalar = ReduceGradientToShape(root, grad, scalar);
      if (static_shapes) {
        CHECK(to_x.shape() == PartialShape({3, 1}));
        CHECK(to_scalar.shape() == PartialShape(Shape{}));
      }
      const FeedList feeds = {{grad, Tensor::FromVector(grad_values, {2, 3, 2})},
                              {x, Tensor::FromVector<double>({0, 0, 0}, {3, 1})},
                              {scalar, Tensor::Scalar<double>(0)}};
      auto out = testing::RunAndRoundTrip(g, feeds, {to_x, to_scalar});
      // Element (i, j, k) is 6i + 2j + k.
      CheckValues<double>(out[0], {3, 1}, {0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11});
      CheckValues<double>(out[1], {}, {66});
    }
  }
}

TEST_CASE("ReduceGradientToShape adds nothing for equal static shapes", "[mathgrad]") {
  Graph g;
  Scope root(g);
  auto grad = ops::Placeholder(root, DT_FLOAT, PartialShape({2, 3}));
  auto x = ops::Placeholder(root, DT_FLOAT, PartialShape({2, 3}));
  const int before = g.num_nodes();
  CHECK(ReduceGradientToShape(root, grad, x) == grad);
  CHECK(g.num_nodes() == before);
  // Equal but not fully known shapes may still differ at run time.
  auto partial = ops::Placeholder(root, DT_FLOAT, PartialShape({-1, 3}));
  CHECK(ReduceGradientToShape(root, partial, partial) != partial);
}

// --- gradients --------------------------------------------------------------------

TEST_CASE("binary op gradients match central differences", "[mathgrad]") {
  const Range positive{0.5, 2};
  const Range away_from_zero{0.5, 2, true};
  const std::vector<BinaryGradCase> cases = {
      {"AddV2", ops::AddV2},
      {"Add", ops::Add},
      {"Sub", ops::Sub},
      {"Mul", ops::Mul},
      {"RealDiv", ops::RealDiv, {}, away_from_zero},
      {"Maximum", ops::Maximum},
      {"Minimum", ops::Minimum},
      {"Pow", ops::Pow, positive},
  };
  struct Shapes {
    Shape x, y;
  };
  const std::vector<Shapes> shapes = {
      {{2, 1, 3}, {4, 1}}, {{4, 1}, {2, 1, 3}}, {{}, {2, 3}}, {{2, 3}, {}}, {{2, 3}, {2, 3}},
      {{}, {}},
  };
  for (const BinaryGradCase& c : cases) {
    for (const Shapes& s : shapes) {
      for (const bool static_shapes : {true, false}) {
        DYNAMIC_SECTION(c.op << " " << s.x.ToString() << " with " << s.y.ToString()
                             << (static_shapes ? "" : ", shapes unknown")) {
          CheckGradient(
              {{s.x, c.x_range}, {s.y, c.y_range}},
              [&](const Scope& root, const std::vector<Output>& xs) {
                return c.build(root, xs[0], xs[1]);
              },
              static_shapes);
        }
      }
    }
  }
}

TEST_CASE("unary op gradients match central differences", "[mathgrad]") {
  const Range positive{0.5, 2};
  const Range away_from_zero{0.5, 2, true};
  struct UnaryCase {
    const char* op;
    Output (*build)(const Scope&, Output);
    Range range = {};
  };
  const std::vector<UnaryCase> cases = {
      {"Neg", ops::Neg},
      {"Square", ops::Square},
      {"Sqrt", ops::Sqrt, positive},
      {"Rsqrt", ops::Rsqrt, positive},
      {"Exp", ops::Exp},
      {"Log", ops::Log, positive},
      {"Abs", ops::Abs, away_from_zero},
      {"Sign", ops::Sign, away_from_zero},
      {"Sigmoid", ops::Sigmoid, {-4, 4}},
      {"Tanh", ops::Tanh},
  };
  for (const UnaryCase& c : cases) {
    for (const Shape& shape : {Shape{2, 3}, Shape{}}) {
      DYNAMIC_SECTION(c.op << " " << shape.ToString()) {
        CheckGradient({{shape, c.range}}, [&](const Scope& root, const std::vector<Output>& xs) {
          return c.build(root, xs[0]);
        });
      }
    }
  }
}

TEST_CASE("AddN, Cast and SelectV2 gradients match central differences", "[mathgrad]") {
  SECTION("AddN") {
    CheckGradient({{{2, 3}}, {{2, 3}}, {{2, 3}}},
                  [](const Scope& root, const std::vector<Output>& xs) {
                    return ops::AddN(root, xs);
                  });
  }
  SECTION("AddN of one input") {
    CheckGradient({{{2}}}, [](const Scope& root, const std::vector<Output>& xs) {
      return ops::AddN(root, xs);
    });
  }
  SECTION("Cast double to double") {
    CheckGradient({{{2, 3}}}, [](const Scope& root, const std::vector<Output>& xs) {
      return ops::Cast(root, xs[0], DT_DOUBLE);
    });
  }
  for (const bool static_shapes : {true, false}) {
    DYNAMIC_SECTION("SelectV2 broadcasting t [2,1,3] and e [4,1]"
                    << (static_shapes ? "" : ", shapes unknown")) {
      CheckGradient(
          {{{2, 1, 3}}, {{4, 1}}},
          [](const Scope& root, const std::vector<Output>& xs) {
            auto condition = ops::Const<bool>(root, {true, false, true}, {1, 3});
            return ops::SelectV2(root, condition, xs[0], xs[1]);
          },
          static_shapes);
    }
  }
  SECTION("SelectV2 with a scalar e") {
    CheckGradient({{{2, 3}}, {Shape{}}}, [](const Scope& root, const std::vector<Output>& xs) {
      auto condition = ops::Const<bool>(root, {true, false, false, true, true, false}, {2, 3});
      return ops::SelectV2(root, condition, xs[0], xs[1]);
    });
  }
}

TEST_CASE("activation gradient ops' own gradients match central differences", "[mathgrad]") {
  struct GradOpCase {
    const char* op;
    Output (*build)(const Scope&, Output, Output);
    Range y_range;
  };
  const std::vector<GradOpCase> cases = {
      {"SigmoidGrad", ops::SigmoidGrad, {0.1, 0.9}},
      {"TanhGrad", ops::TanhGrad, {-0.9, 0.9}},
      {"SqrtGrad", ops::SqrtGrad, {0.5, 2}},
      {"RsqrtGrad", ops::RsqrtGrad, {0.5, 2}},
  };
  for (const GradOpCase& c : cases) {
    DYNAMIC_SECTION(c.op) {
      CheckGradient({{{2, 3}, c.y_range}, {{2, 3}}},
                    [&](const Scope& root, const std::vector<Output>& xs) {
                      return c.build(root, xs[0], xs[1]);
                    });
    }
  }
}

TEST_CASE("Pow's gradient is finite where x <= 0", "[mathgrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<double>(root, {0, -2, 2});
  auto y = ops::Const<double>(root, {2, 2, 3});
  auto grads = AddGradients(root, {ops::Pow(root, x, y)}, {x, y});
  auto out = testing::RunAndRoundTrip(g, {}, {grads[0], grads[1]});
  CheckValues<double>(out[0], {3}, {0, -4, 12});  // y * x^(y - 1)
  // z * log(x), taken as 0 where x <= 0.
  CheckValues<double>(out[1], {3}, {0, 0, 8 * std::log(2.0)});
}

TEST_CASE("Maximum and Minimum send the gradient to x on ties and to y for NaN",
          "[mathgrad]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Graph g;
  Scope root(g);
  auto x = ops::Const<double>(root, {1, 2, 5, nan});
  auto y = ops::Const<double>(root, {1, 3, 4, 0});
  auto max_grads = AddGradients(root, {ops::Maximum(root, x, y)}, {x, y});
  auto min_grads = AddGradients(root, {ops::Minimum(root, x, y)}, {x, y});
  auto out = testing::RunAndRoundTrip(g, {}, {max_grads[0], max_grads[1], min_grads[0],
                                              min_grads[1]});
  CheckValues<double>(out[0], {4}, {1, 0, 1, 0});
  CheckValues<double>(out[1], {4}, {0, 1, 0, 1});
  CheckValues<double>(out[2], {4}, {1, 1, 0, 0});
  CheckValues<double>(out[3], {4}, {0, 0, 1, 1});
}

TEST_CASE("Cast passes a gradient only between floating dtypes", "[mathgrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<float>(root, {1, 2});
  auto grads = AddGradients(root, {ops::Cast(root, x, DT_DOUBLE)}, {x},
                            {ops::Const<double>(root, {0.5, -3})});
  REQUIRE(grads[0].dtype() == DT_FLOAT);
  CheckValues<float>(RunOne(g, grads[0]), {2}, {0.5, -3});

  // Between a float and an integer the gradient function gives none.
  for (const DataType dst : {DT_INT32, DT_BOOL}) {
    auto cast = ops::Cast(root, x, dst);
    GradientContext ctx{root, *cast.node, {ops::ZerosLike(root, cast)}, {Output{}}};
    OpRegistry::Global().Get("Cast").gradient(ctx);
    REQUIRE(ctx.grad_inputs.size() == 1);
    CHECK(ctx.grad_inputs[0].node == nullptr);
  }
}

TEST_CASE("Sign's gradient is zeros and SelectV2's condition gets none", "[mathgrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const<double>(root, {-1, 0, 3});
  auto grads = AddGradients(root, {ops::Sign(root, x)}, {x});
  CheckValues<double>(RunOne(g, grads[0]), {3}, {0, 0, 0});

  auto condition = ops::Const<bool>(root, {true, false, true});
  auto select = ops::SelectV2(root, condition, x, x);
  GradientContext ctx{root, *select.node, {ops::OnesLike(root, select)}, {{}, {}, {}}};
  OpRegistry::Global().Get("SelectV2").gradient(ctx);
  REQUIRE(ctx.grad_inputs.size() == 3);
  CHECK(ctx.grad_inputs[0].node == nullptr);
}

TEST_CASE("every op of the family has a gradient or is marked not differentiable",
          "[mathgrad]") {
  for (const char* op :
       {"AddV2", "Add", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow", "Neg", "Square",
        "Sqrt", "Rsqrt", "Exp", "Log", "Abs", "Sign", "Sigmoid", "Tanh", "Cast", "SelectV2",
        "AddN", "SigmoidGrad", "TanhGrad", "SqrtGrad", "RsqrtGrad"}) {
    INFO(op);
    CHECK(OpRegistry::Global().Get(op).gradient);
  }
  for (const char* op : {"Equal", "Greater", "Less", "BroadcastGradientArgs"}) {
    INFO(op);
    CHECK(OpRegistry::Global().Get(op).not_differentiable);
  }
}
