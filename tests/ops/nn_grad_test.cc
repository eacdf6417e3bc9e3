// Gradients of the nn ops and of variable reads: the gradient ops' values
// against hand-computed ones, and every gradient function against central
// differences in float64.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "graph/gradients.h"
#include "tensorgraph.h"
#include "tests/support/gradient_check.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;

namespace {

// Test values in [-scale, scale], the same on every run.
std::vector<double> RandomValues(int64_t n, unsigned seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = dist(rng);
  return v;
}

Tensor RandomTensor(const Shape& shape, unsigned seed, double scale = 1.0) {
  return Tensor::FromVector(RandomValues(shape.num_elements(), seed, scale), shape);
}

// A float64 input of the function under test, fed through a placeholder.
struct GradInput {
  Output x;
  Tensor value;
};

GradInput Input(const Scope& scope, const std::string& name, Tensor value) {
  return {ops::Placeholder(scope.WithOpName(name), DT_DOUBLE, value.shape()), std::move(value)};
}

// The ys' gradients with respect to the inputs, against central
// differences of L = sum_k sum(y_k * w_k) (tests/support/gradient_check.h,
// whose bound follows from the step and the scale of L and the gradient).
testing::GradientProblem Problem(const std::vector<GradInput>& inputs, std::vector<Output> ys) {
  testing::GradientProblem problem;
  for (const GradInput& in : inputs) {
    problem.xs.push_back(in.x);
    problem.x_values.push_back(in.value);
  }
  problem.ys = std::move(ys);
  return problem;
}

void CheckGradients(const testing::GradientBuilder& build) {
  const testing::GradientCheckResult result = testing::CheckGradients(build);
  INFO(result.Report());
  CHECK(result.ok());
  CHECK(result.elements_checked > 0);
}

template <typename T>
Tensor Values(const std::vector<double>& values, Shape shape) {
  return Tensor::FromVector(std::vector<T>(values.begin(), values.end()), std::move(shape));
}

template <typename T>
void CheckValues(const Tensor& got, const std::vector<double>& want, const Shape& shape) {
  REQUIRE(got.shape() == shape);
  const std::vector<T> g = got.ToVector<T>();
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(g[i]) == Approx(want[i]).epsilon(1e-6));
  }
}

// Rows of probabilities (positive, summing to 1) of the given shape.
Tensor Distributions(const Shape& shape, unsigned seed) {
  std::vector<double> v = RandomValues(shape.num_elements(), seed);
  const int64_t classes = shape.dim(shape.rank() - 1);
  for (size_t r = 0; r < v.size(); r += static_cast<size_t>(classes)) {
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += (v[r + c] = std::exp(v[r + c]));
    for (int64_t c = 0; c < classes; ++c) v[r + c] /= sum;
  }
  return Tensor::FromVector(v, shape);
}

}  // namespace

// --- the gradient ops ------------------------------------------------------------

TEMPLATE_TEST_CASE("ReluGrad passes gradients where features are positive", "[nngrad]", float,
                   double) {
  Graph g;
  Scope root(g);
  auto grads = ops::Const(root, Values<TestType>({1, 2, 3, 4, 5, 6}, Shape{2, 3}));
  auto features = ops::Const(root, Values<TestType>({-1, 0, 0.5, 2, -3, 1e-3}, Shape{2, 3}));
  auto out = ops::ReluGrad(root, grads, features);
  CHECK(out.shape() == PartialShape({2, 3}));
  auto got = testing::RunAndRoundTrip(g, {}, {out});
  CheckValues<TestType>(got[0], {0, 0, 3, 4, 0, 6}, Shape{2, 3});
}

TEMPLATE_TEST_CASE("SoftplusGrad scales gradients by sigmoid(features)", "[nngrad]", float,
                   double) {
  Graph g;
  Scope root(g);
  auto grads = ops::Const(root, Values<TestType>({1, 2, 3, 4}, Shape{4}));
  auto features = ops::Const(root, Values<TestType>({0, 1, -2, -1000}, Shape{4}));
  auto out = ops::SoftplusGrad(root, grads, features);
  auto got = testing::RunAndRoundTrip(g, {}, {out});
  const auto sigmoid = [](double x) { return 1 / (1 + std::exp(-x)); };
  CheckValues<TestType>(got[0], {0.5, 2 * sigmoid(1), 3 * sigmoid(-2), 0}, Shape{4});
}

TEST_CASE("ReluGrad and SoftplusGrad reject gradients and features of different shapes",
          "[nngrad]") {
  Graph g;
  Scope root(g);
  auto a = ops::Const(root, Values<float>({1, 2, 3}, Shape{3}));
  auto b = ops::Const(root, Values<float>({1, 2}, Shape{2}));
  CHECK_THROWS_WITH(ops::ReluGrad(root, a, b), Catch::Contains("must have the same shape"));
  CHECK_THROWS_WITH(ops::SoftplusGrad(root, a, b), Catch::Contains("must have the same shape"));
}

TEMPLATE_TEST_CASE("BiasAddGrad sums over all but the channel dimension", "[nngrad]", float,
                   double) {
  Graph g;
  Scope root(g);
  // [2, 2, 3]: NHWC channels are the last dim (3), NCHW ones dim 1 (2).
  auto grad = ops::Const(root, Values<TestType>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
                                                Shape{2, 2, 3}));
  auto nhwc = ops::BiasAddGrad(root, grad);
  auto nchw = ops::BiasAddGrad(root, grad, {"NCHW"});
  CHECK(nhwc.shape() == PartialShape({3}));
  CHECK(nchw.shape() == PartialShape({2}));
  auto got = testing::RunAndRoundTrip(g, {}, {nhwc, nchw});
  CheckValues<TestType>(got[0], {1 + 4 + 7 + 10, 2 + 5 + 8 + 11, 3 + 6 + 9 + 12}, Shape{3});
  CheckValues<TestType>(got[1], {1 + 2 + 3 + 7 + 8 + 9, 4 + 5 + 6 + 10 + 11 + 12}, Shape{2});
}

TEST_CASE("BiasAddGrad needs the rank its data_format implies", "[nngrad]") {
  Graph g;
  Scope root(g);
  auto matrix = ops::Const(root, Values<float>({1, 2, 3, 4}, Shape{2, 2}));
  CHECK(ops::BiasAddGrad(root, matrix).shape() == PartialShape({2}));
  CHECK_THROWS_WITH(ops::BiasAddGrad(root, matrix, {"NCHW"}),
                    Catch::Contains("out_backprop must have rank at least 3"));
}

// --- gradients against central differences -----------------------------------------

TEST_CASE("MatMul's gradient, for each transpose_a and transpose_b", "[nngrad]") {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      DYNAMIC_SECTION("transpose_a " << ta << ", transpose_b " << tb) {
        CheckGradients([&](const Scope& root) {
          // op(a) is [2, 3] and op(b) is [3, 4].
          auto a = Input(root, "a", RandomTensor(ta ? Shape{3, 2} : Shape{2, 3}, 1));
          auto b = Input(root, "b", RandomTensor(tb ? Shape{4, 3} : Shape{3, 4}, 2));
          return Problem({a, b}, {ops::MatMul(root, a.x, b.x, {.transpose_a = ta, .transpose_b = tb})});
        });
      }
    }
  }
}

TEST_CASE("BiasAdd's gradient, NHWC and NCHW", "[nngrad]") {
  SECTION("NHWC") {
    CheckGradients([](const Scope& root) {
      auto value = Input(root, "value", RandomTensor(Shape{2, 3, 4}, 3));
      auto bias = Input(root, "bias", RandomTensor(Shape{4}, 4));
      return Problem({value, bias}, {ops::BiasAdd(root, value.x, bias.x)});
    });
  }
  SECTION("NCHW") {
    CheckGradients([](const Scope& root) {
      auto value = Input(root, "value", RandomTensor(Shape{2, 3, 2, 2}, 5));
      auto bias = Input(root, "bias", RandomTensor(Shape{3}, 6));
      return Problem({value, bias}, {ops::BiasAdd(root, value.x, bias.x, {"NCHW"})});
    });
  }
}

TEST_CASE("Relu's and Softplus's gradients", "[nngrad]") {
  CheckGradients([](const Scope& root) {
    auto features = Input(root, "features", RandomTensor(Shape{3, 4}, 7, 3.0));
    return Problem({features}, {ops::Relu(root, features.x), ops::Softplus(root, features.x)});
  });
}

TEST_CASE("Softmax's and LogSoftmax's gradients", "[nngrad]") {
  SECTION("rank 2") {
    for (bool log : {false, true}) {
      CheckGradients([&](const Scope& root) {
        auto logits = Input(root, "logits", RandomTensor(Shape{3, 5}, 8, 2.0));
        return Problem({logits}, {log ? ops::LogSoftmax(root, logits.x) : ops::Softmax(root, logits.x)});
      });
    }
  }
  SECTION("rank 3, normalized over the last dimension") {
    CheckGradients([](const Scope& root) {
      auto logits = Input(root, "logits", RandomTensor(Shape{2, 2, 3}, 9, 2.0));
      return Problem({logits}, {ops::Softmax(root, logits.x), ops::LogSoftmax(root, logits.x)});
    });
  }
}

TEST_CASE("SoftmaxCrossEntropyWithLogits's gradient", "[nngrad]") {
  SECTION("of the loss, for features and labels") {
    CheckGradients([](const Scope& root) {
      auto features = Input(root, "features", RandomTensor(Shape{3, 4}, 10, 2.0));
      auto labels = Input(root, "labels", Distributions(Shape{3, 4}, 11));
      auto xent = ops::SoftmaxCrossEntropyWithLogits(root, features.x, labels.x);
      return Problem({features, labels}, {xent.loss});
    });
  }
  SECTION("of the loss and the backprop output") {
    CheckGradients([](const Scope& root) {
      auto features = Input(root, "features", RandomTensor(Shape{3, 4}, 12, 2.0));
      auto labels = Input(root, "labels", Distributions(Shape{3, 4}, 13));
      auto xent = ops::SoftmaxCrossEntropyWithLogits(root, features.x, labels.x);
      return Problem({features, labels}, {xent.loss, xent.backprop});
    });
  }
  SECTION("with labels broadcast over the batch") {
    CheckGradients([](const Scope& root) {
      auto features = Input(root, "features", RandomTensor(Shape{3, 4}, 14, 2.0));
      auto row = Input(root, "row_labels", Distributions(Shape{1, 4}, 15));
      auto vector = Input(root, "vector_labels", Distributions(Shape{4}, 16));
      return Problem({features, row, vector},
                     {ops::SoftmaxCrossEntropyWithLogits(root, features.x, row.x).loss,
                      ops::SoftmaxCrossEntropyWithLogits(root, features.x, vector.x).loss});
    });
  }
  SECTION("with features broadcast over the batch") {
    CheckGradients([](const Scope& root) {
      auto features = Input(root, "features", RandomTensor(Shape{1, 4}, 17, 2.0));
      auto labels = Input(root, "labels", Distributions(Shape{3, 4}, 18));
      auto xent = ops::SoftmaxCrossEntropyWithLogits(root, features.x, labels.x);
      return Problem({features, labels}, {xent.loss, xent.backprop});
    });
  }
}

TEST_CASE("SparseSoftmaxCrossEntropyWithLogits's gradient", "[nngrad]") {
  for (DataType label_type : {DT_INT32, DT_INT64}) {
    for (bool with_backprop : {false, true}) {
      DYNAMIC_SECTION("labels " << DataTypeName(label_type)
                                << (with_backprop ? ", the loss and the backprop output" : ", the loss")) {
        CheckGradients([&](const Scope& root) {
          auto features = Input(root, "features", RandomTensor(Shape{4, 3}, 19, 2.0));
          auto labels = label_type == DT_INT32
                            ? ops::Const(root, Tensor::FromVector<int32_t>({2, 0, 1, 2}, Shape{4}))
                            : ops::Const(root, Tensor::FromVector<int64_t>({2, 0, 1, 2}, Shape{4}));
          auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(root, features.x, labels);
          return with_backprop ? Problem({features}, {xent.loss, xent.backprop})
                               : Problem({features}, {xent.loss});
        });
      }
    }
  }
}

TEST_CASE("The labels of SparseSoftmaxCrossEntropyWithLogits get no gradient", "[nngrad]") {
  Graph g;
  Scope root(g);
  auto features = ops::Const(root, RandomTensor(Shape{2, 3}, 20));
  auto labels = ops::Placeholder(root, DT_INT64, Shape{2});
  auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(root, features, labels);
  auto grads = AddGradients(root, {xent.loss}, {features, labels});
  CHECK(grads[0].node != nullptr);
  CHECK(grads[1].node == nullptr);
}

// --- a model's variables ----------------------------------------------------------

// loss = mean(xent(relu(x w1 + b1) w2 + b2, labels)) with the weights as
// resource variables: AddGradients on the variables' handles gives
// d(loss)/d(variable), checked by assigning perturbed values.
TEST_CASE("A two-layer perceptron's gradients with respect to its variables", "[nngrad]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, RandomTensor(Shape{6, 4}, 21));
  auto labels = ops::Const(root, Tensor::FromVector<int32_t>({0, 1, 2, 1, 0, 2}, Shape{6}));

  struct Param {
    std::string name;
    ops::ResourceVariable variable;
    Output value;  // fed when assigning
    Node* assign;
    Tensor initial;
  };
  std::vector<Param> params;
  auto add_param = [&](const std::string& name, const Shape& shape, unsigned seed) {
    auto variable = ops::Variable(root.WithOpName(name), DT_DOUBLE, shape);
    auto value = ops::Placeholder(root.WithOpName(name + "_value"), DT_DOUBLE, shape);
    Node* assign = variable.Assign(root.WithOpName(name + "_assign"), value);
    params.push_back({name, variable, value, assign, RandomTensor(shape, seed)});
    return variable.Read(root);
  };
  auto w1 = add_param("w1", Shape{4, 5}, 22);
  auto b1 = add_param("b1", Shape{5}, 23);
  auto w2 = add_param("w2", Shape{5, 3}, 24);
  auto b2 = add_param("b2", Shape{3}, 25);
  auto hidden = ops::Relu(root, ops::BiasAdd(root, ops::MatMul(root, x, w1), b1));
  auto logits = ops::BiasAdd(root, ops::MatMul(root, hidden, w2), b2);
  auto loss = ops::Mean(root.WithOpName("loss"),
                        ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels).loss, {0});

  std::vector<Output> handles;
  for (const Param& p : params) handles.push_back(p.variable.handle);
  const std::vector<Output> grads = AddGradients(root, {loss}, handles);
  REQUIRE(grads.size() == params.size());

  FeedList init_feeds;
  std::vector<TargetName> assigns;
  for (const Param& p : params) {
    init_feeds.emplace_back(p.value, p.initial);
    assigns.emplace_back(p.assign);
  }
  const std::vector<TensorName> grad_names(grads.begin(), grads.end());
  const auto steps = testing::RunAndRoundTrip(g, {{init_feeds, {}, assigns}, {{}, grad_names}});
  const std::vector<Tensor>& analytic = steps[1];

  Session session(g);
  session.Run(init_feeds, {}, assigns);
  auto loss_with = [&](const Param& p, const Tensor& value) {
    session.Run({{p.value, value}}, {}, {p.assign});
    return session.Run({}, {loss})[0].scalar<double>();
  };
  // The loss is positive (a mean of cross entropies), so |L|_1 is L.
  constexpr double kStep = 1e-6;
  const double loss_l1 = session.Run({}, {loss})[0].scalar<double>();
  const testing::GradientTolerance tolerance;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    REQUIRE(analytic[i].shape() == p.initial.shape());
    std::vector<double> numeric;
    for (int64_t j = 0; j < p.initial.num_elements(); ++j) {
      Tensor value = p.initial.Clone();
      value.data<double>()[j] += kStep;
      const double up = loss_with(p, value);
      value = p.initial.Clone();
      value.data<double>()[j] -= kStep;
      const double down = loss_with(p, value);
      numeric.push_back((up - down) / (2 * kStep));
    }
    loss_with(p, p.initial);
    double scale = 0;
    for (double n : numeric) scale = std::max(scale, std::abs(n));
    for (size_t j = 0; j < numeric.size(); ++j) {
      const double a = analytic[i].data<double>()[j];
      INFO(p.name << " element " << j << ": analytic " << a << ", numeric " << numeric[j]);
      CHECK(std::abs(a - numeric[j]) <=
            testing::AllowedGradientError(tolerance, a, numeric[j], scale, loss_l1, 2 * kStep,
                                          std::numeric_limits<double>::epsilon()));
    }
  }
}
