#include "tests/support/gradient_check.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "graph/gradients.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::testing {

// --- the finite-difference check ----------------------------------------------

namespace {

constexpr size_t kMaxFailuresListed = 8;

// A weight of magnitude in [0.5, 1.5] and random sign: far enough from zero
// that every output element moves L, and distinct per element so that a
// gradient routed to the wrong element shows.
std::vector<double> RandomWeights(int64_t n, Rng& rng) {
  std::uniform_real_distribution<double> magnitude(0.5, 1.5);
  std::bernoulli_distribution negative(0.5);
  std::vector<double> w(static_cast<size_t>(n));
  for (double& v : w) v = negative(rng) ? -magnitude(rng) : magnitude(rng);
  return w;
}

std::string Num(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

class Checker {
 public:
  Checker(const GradientCheckOptions& options, GradientCheckResult& result)
      : options_(options), result_(result) {}

  void Run(const GradientBuilder& build) {
    Graph graph;
    Scope root(graph);
    GradientProblem problem = build(root);
    if (problem.xs.size() != problem.x_values.size()) {
      Fail("the builder gave ", problem.xs.size(), " xs but ", problem.x_values.size(), " values");
      return;
    }
    feeds_ = problem.fixed_feeds;
    for (size_t i = 0; i < problem.xs.size(); ++i)
      feeds_.emplace_back(problem.xs[i], problem.x_values[i]);
    for (const Output& y : problem.ys) {
      if (IsFloating(y.dtype())) ys_.push_back(y);
    }
    result_.ys_used = static_cast<int>(ys_.size());
    if (ys_.empty()) return;

    // The ys' run-time shapes size the weights.
    y_names_.assign(ys_.begin(), ys_.end());
    {
      Session session(graph);
      y0_ = Values(session.Run(feeds_, y_names_));
    }
    const Output loss = BuildLoss(root);

    GradientOptions gradient_options;
    gradient_options.unconnected = GradientOptions::Unconnected::kZeros;
    const std::vector<Output> grads = AddGradients(root, {loss}, problem.xs, {}, gradient_options);
    if (grads.size() != problem.xs.size()) {
      Fail("AddGradients returned ", grads.size(), " gradients for ", problem.xs.size(), " xs");
      return;
    }
    std::vector<TensorName> fetches;
    for (size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].node == nullptr) {
        Fail("x ", i, " '", problem.xs[i].name(), "': no gradient though unconnected xs get zeros");
        return;
      }
      fetches.emplace_back(grads[i]);
    }
    // On the CPU the gradients also go through a save and reload; on
    // another device the CPU's own run is that check's business.
    const std::vector<Tensor> analytic =
        options_.analytic_session.device == kDeviceCpu
            ? RunAndRoundTrip(graph, feeds_, fetches)
            : Session(graph, options_.analytic_session).Run(feeds_, fetches);
    if (!options_.compare_device.empty()) {
      std::vector<Tensor> other;
      try {
        other = Session(graph, SessionOptions{.device = options_.compare_device}).Run(feeds_, fetches);
      } catch (const std::exception& e) {
        Fail("the gradients on ", options_.compare_device, " threw: ", e.what());
        return;
      }
      for (size_t i = 0; i < other.size(); ++i) {
        if (!other[i].BitwiseEquals(analytic[i])) {
          Fail("x '", problem.xs[i].name(), "': the gradient on ", options_.compare_device,
               " is ", other[i].DebugString(), ", on the CPU ", analytic[i].DebugString());
        }
      }
    }
    std::vector<RefTensor> analytic_values;
    for (size_t i = 0; i < analytic.size(); ++i) {
      const Tensor& x = problem.x_values[i];
      if (analytic[i].dtype() != x.dtype() || analytic[i].shape() != x.shape()) {
        Fail("x '", problem.xs[i].name(), "': gradient is ", DataTypeName(analytic[i].dtype()),
             " ", analytic[i].shape().ToString(), ", the input ", DataTypeName(x.dtype()), " ",
             x.shape().ToString());
        return;
      }
      analytic_values.push_back(FromTensor(analytic[i]));
    }
    if (options_.corrupt_analytic) options_.corrupt_analytic(analytic_values);

    Session session(graph);
    for (size_t i = 0; i < problem.xs.size(); ++i) {
      CheckX(session, problem.xs[i], problem.x_values[i], analytic_values[i],
             problem.fixed_feeds.size() + i);
    }
  }

  template <typename... Args>
  void Fail(Args&&... args) {
    if (result_.failures.size() < kMaxFailuresListed) {
      result_.failures.push_back(StrCat(std::forward<Args>(args)...));
    } else if (result_.failures.size() == kMaxFailuresListed) {
      result_.failures.push_back("(further failures not listed)");
    }
  }

 private:
  static std::vector<RefTensor> Values(const std::vector<Tensor>& tensors) {
    std::vector<RefTensor> values;
    for (const Tensor& t : tensors) values.push_back(FromTensor(t));
    return values;
  }

  // L = sum_k sum(y_k * w_k), under "gradient_check/". Also measures
  // |L|_1 = sum_k sum |y_k * w_k| and the ys' machine epsilon, which size
  // the rounding error of one evaluation of L.
  Output BuildLoss(const Scope& root) {
    const Scope scope = root.NewSubScope("gradient_check");
    Rng rng(options_.seed);
    Output loss;
    for (size_t k = 0; k < ys_.size(); ++k) {
      const RefTensor w = MakeRef(ys_[k].dtype(), y0_[k].dims,
                                  RandomWeights(y0_[k].num_elements(), rng));
      weights_.push_back(w.values);
      for (size_t j = 0; j < w.values.size(); ++j)
        loss_l1_ += std::abs(w.values[j] * y0_[k].values[j]);
      epsilon_ = std::max(epsilon_, Epsilon(ys_[k].dtype()));
      const Output wk = ops::Const(scope.WithOpName("w" + std::to_string(k)), ToTensor(w));
      std::vector<int64_t> axes;
      for (int d = 0; d < y0_[k].rank(); ++d) axes.push_back(d);
      const Output term = ops::Sum(scope, ops::Mul(scope, ys_[k], wk), axes);
      loss = k == 0 ? term : ops::AddV2(scope, loss, term);
    }
    return loss;
  }

  static double Epsilon(DataType dtype) {
    switch (dtype) {
      case DT_FLOAT: return std::numeric_limits<float>::epsilon();
      default: return std::numeric_limits<double>::epsilon();
    }
  }

  // L(x with one element changed) - L(x), summed per output element so that
  // the elements the change does not reach cancel exactly instead of adding
  // their rounding error to the difference.
  double DeltaL(Session& session, size_t feed_index, const RefTensor& x, int64_t element,
                double value) {
    RefTensor changed = x;
    changed.values[static_cast<size_t>(element)] = value;
    FeedList feeds = feeds_;
    feeds[feed_index].second = ToTensor(changed);
    const std::vector<RefTensor> y = Values(session.Run(feeds, y_names_));
    long double delta = 0;
    for (size_t k = 0; k < y.size(); ++k) {
      if (y[k].dims != y0_[k].dims) {
        ThrowError(ErrorCode::kInternal, "output ", k, " changed shape from ",
                   y0_[k].ShapeString(), " to ", y[k].ShapeString(),
                   " when an input value changed");
      }
      for (size_t j = 0; j < y[k].values.size(); ++j)
        delta += static_cast<long double>(weights_[k][j]) * (y[k].values[j] - y0_[k].values[j]);
    }
    return static_cast<double>(delta);
  }

  // A central difference of L at one element, or nothing at a kink.
  struct Difference {
    double numeric = 0;
    double step = 0;  // (x + h) - (x - h), as the dtype rounds them
    bool kink = false;
  };

  Difference Differentiate(Session& session, size_t feed_index, const RefTensor& x,
                           int64_t element) {
    const double v = x.values[static_cast<size_t>(element)];
    const double h = options_.step * std::max(std::abs(v), 1.0);
    // The steps actually taken, after rounding x +- h to the dtype.
    const double up = RoundTo(x.dtype, v + h), down = RoundTo(x.dtype, v - h),
                 up2 = RoundTo(x.dtype, v + 2 * h);
    const double forward = DeltaL(session, feed_index, x, element, up) / (up - v);
    const double backward = -DeltaL(session, feed_index, x, element, down) / (v - down);
    const double forward2 = DeltaL(session, feed_index, x, element, up2) / (up2 - v);
    // A smooth function's one-sided slopes agree to about h * f'', and do
    // not depend on the step; a kink splits them, a jump grows them as
    // 1/h. There is no derivative to check at either.
    const double scale = std::max({std::abs(forward), std::abs(backward), 1.0});
    Difference d;
    d.step = up - down;
    d.kink = std::abs(forward - backward) > 1e-3 * scale ||
             std::abs(forward - forward2) > 1e-3 * scale;
    d.numeric = (forward * (up - v) + backward * (v - down)) / (up - down);
    return d;
  }

  void CheckX(Session& session, const Output& x, const Tensor& x_value, const RefTensor& analytic,
              size_t feed_index) {
    ++result_.xs_checked;
    const std::string where = "x '" + x.name() + "'";
    const RefTensor xr = FromTensor(x_value);
    const int64_t n = xr.num_elements();
    std::vector<Difference> differences(static_cast<size_t>(n));
    double gradient_scale = 0;  // max |numeric| over the elements checked
    for (int64_t j = 0; j < n; ++j) {
      Difference& d = differences[static_cast<size_t>(j)];
      d = Differentiate(session, feed_index, xr, j);
      if (!d.kink) gradient_scale = std::max(gradient_scale, std::abs(d.numeric));
    }
    const GradientTolerance& tol = options_.tolerance;
    for (int64_t j = 0; j < n; ++j) {
      const Difference& d = differences[static_cast<size_t>(j)];
      if (d.kink) {
        ++result_.kinks_skipped;
        continue;
      }
      ++result_.elements_checked;
      const double a = analytic.values[static_cast<size_t>(j)];
      const double rounding = RoundingAllowance(tol, loss_l1_, d.step, epsilon_);
      const double allowed =
          AllowedGradientError(tol, a, d.numeric, gradient_scale, loss_l1_, d.step, epsilon_);
      const double error = std::abs(a - d.numeric);
      // NaN fails: !(NaN <= allowed).
      const double ratio = allowed > 0 ? error / allowed : (error == 0 ? 0 : INFINITY);
      if (!(ratio <= 1)) {
        Fail(where, " element ", j, " (x = ", Num(xr.values[static_cast<size_t>(j)]),
             "): analytic ", Num(a), ", numeric ", Num(d.numeric), ", error ", Num(error),
             " > allowed ", Num(allowed), " (", Num(tol.rtol), " relative + ",
             Num(tol.gradient_atol), " x gradient scale ", Num(gradient_scale),
             " + rounding ", Num(rounding), ")");
      }
      if (std::isnan(ratio) || ratio > result_.worst_error_ratio)
        result_.worst_error_ratio = std::isnan(ratio) ? INFINITY : ratio;
    }
  }

  const GradientCheckOptions& options_;
  GradientCheckResult& result_;
  FeedList feeds_;
  std::vector<Output> ys_;
  std::vector<TensorName> y_names_;
  std::vector<RefTensor> y0_;
  std::vector<std::vector<double>> weights_;
  double loss_l1_ = 0;
  double epsilon_ = 0;
};

}  // namespace

std::string GradientCheckResult::Report() const {
  std::string s = StrCat(xs_checked, " xs, ", elements_checked, " elements checked, ",
                         kinks_skipped, " skipped at kinks, ", ys_used, " ys in L, worst error ",
                         Num(worst_error_ratio), " of the allowed");
  for (const std::string& f : failures) s += "\n  " + f;
  return s;
}

double AllowedGradientError(const GradientTolerance& tol, double analytic, double numeric,
                            double gradient_scale, double loss_l1, double width, double epsilon) {
  return tol.rtol * std::max(std::abs(analytic), std::abs(numeric)) +
         tol.gradient_atol * gradient_scale + RoundingAllowance(tol, loss_l1, width, epsilon);
}

GradientCheckResult CheckGradients(const GradientBuilder& build,
                                   const GradientCheckOptions& options) {
  GradientCheckResult result;
  Checker checker(options, result);
  try {
    checker.Run(build);
  } catch (const std::exception& e) {
    checker.Fail("threw: ", e.what());
  }
  return result;
}

// --- shared by the op harness's forward and gradient modes ----------------------

bool HarnessSelects(std::string_view op) {
  static const std::vector<std::string> selected = [] {
    std::vector<std::string> names;
    const char* env = std::getenv("TG_HARNESS_OPS");
    std::string list = env ? env : "";
    for (size_t start = 0; start < list.size();) {
      size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) names.push_back(list.substr(start, end - start));
      start = end + 1;
    }
    return names;
  }();
  return selected.empty() || std::find(selected.begin(), selected.end(), op) != selected.end();
}

const HarnessTable& CaseTable() {
  static const HarnessTable table = [] {
    HarnessTable t;
    AddElementwiseEntries(t);
    AddArrayEntries(t);
    AddReductionEntries(t);
    AddNnEntries(t);
    AddConvEntries(t);
    AddPoolEntries(t);
    AddNormEntries(t);
    AddSlicingEntries(t);
    AddGatherEntries(t);
    AddMathEntries(t);
    AddBatchMatMulEntries(t);
    return t;
  }();
  return table;
}

std::vector<DataType> SupportedValues(const AttrDef& attr) {
  const auto& candidates = attr.allowed_types.empty() ? AllNumericTypes() : attr.allowed_types;
  const auto& numeric = AllNumericTypes();
  std::vector<DataType> values;
  for (DataType t : candidates) {
    if (std::find(numeric.begin(), numeric.end(), t) != numeric.end()) values.push_back(t);
  }
  return values;
}

std::vector<DataType> KernelDTypes(const OpDef& op) {
  if (op.kernel_type_attr.empty()) return {DT_INVALID};
  return SupportedValues(*op.FindAttr(op.kernel_type_attr));
}

std::vector<TypeMap> TypeAssignments(const OpDef& op, DataType kernel_dtype,
                                     const std::vector<std::string>& type_attrs) {
  std::vector<TypeMap> result(1);
  if (!op.kernel_type_attr.empty()) result[0][op.kernel_type_attr] = kernel_dtype;
  for (const std::string& name : type_attrs) {
    const AttrDef* attr = op.FindAttr(name);
    if (name == op.kernel_type_attr || attr == nullptr || attr->type != AttrType::kType) continue;
    std::vector<TypeMap> expanded;
    for (const TypeMap& partial : result) {
      for (DataType t : SupportedValues(*attr)) {
        expanded.push_back(partial);
        expanded.back()[name] = t;
      }
    }
    result = std::move(expanded);
  }
  return result;
}

std::string Describe(const TypeMap& types) {
  std::string s;
  for (const auto& [name, t] : types)
    s += (s.empty() ? "" : ", ") + name + "=" + std::string(DataTypeName(t));
  return s.empty() ? "no type attrs" : s;
}

Rng RngFor(std::string_view op) {
  uint32_t h = 2166136261u;
  for (char c : op) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return Rng(h);
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

}  // namespace tensorgraph::testing
