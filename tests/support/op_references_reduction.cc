// References and harness entries for reductions: Sum, Mean, Max, ArgMax.
#include <cmath>
#include <limits>

#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

using Dims = std::vector<int64_t>;

std::vector<bool> ReducedDims(int rank, const Dims& axes) {
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t a : axes) reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  return reduced;
}

double Lowest(DataType t) {
  switch (t) {
    case DT_INT32:
      return std::numeric_limits<int32_t>::lowest();
    case DT_INT64:
      return static_cast<double>(std::numeric_limits<int64_t>::lowest());
    case DT_UINT8:
      return 0;
    default:
      return -std::numeric_limits<double>::infinity();
  }
}

}  // namespace

namespace ref {

RefTensor Reduce(const RefTensor& x, const Dims& axes, bool keep_dims, Reduction kind) {
  const std::vector<bool> reduced = ReducedDims(x.rank(), axes);
  Dims kept, out_dims;  // kept: reduced dimensions as 1
  int64_t count = 1;
  for (size_t d = 0; d < x.dims.size(); ++d) {
    kept.push_back(reduced[d] ? 1 : x.dims[d]);
    if (reduced[d]) count *= x.dims[d];
    if (!reduced[d] || keep_dims) out_dims.push_back(kept.back());
  }
  const double init = kind == Reduction::kMax ? Lowest(x.dtype) : 0;
  std::vector<double> acc(static_cast<size_t>(NumElements(kept)), init);
  // Walk x in row-major order, tracking the multi-index by hand.
  Dims index(x.dims.size(), 0);
  for (double v : x.values) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset = offset * kept[d] + (reduced[d] ? 0 : index[d]);
    double& a = acc[static_cast<size_t>(offset)];
    a = kind == Reduction::kMax ? std::max(a, v) : a + v;
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < x.dims[d]) break;
      index[d] = 0;
    }
  }
  if (kind == Reduction::kMean) {
    for (double& a : acc) {
      a = IsFloating(x.dtype) ? a / static_cast<double>(count)
                              : std::trunc(a / static_cast<double>(count));
    }
  }
  return MakeRef(x.dtype, out_dims, acc);
}

RefTensor ArgMax(const RefTensor& x, int64_t axis, DataType out) {
  const auto a = static_cast<size_t>(axis < 0 ? axis + x.rank() : axis);
  int64_t outer = 1, inner = 1;
  Dims dims;
  for (size_t d = 0; d < x.dims.size(); ++d) {
    if (d < a) outer *= x.dims[d];
    if (d > a) inner *= x.dims[d];
    if (d != a) dims.push_back(x.dims[d]);
  }
  const int64_t n = x.dims[a];
  std::vector<double> values;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        if (x.values[static_cast<size_t>((o * n + k) * inner + i)] >
            x.values[static_cast<size_t>((o * n + best) * inner + i)]) {
          best = k;
        }
      }
      values.push_back(static_cast<double>(best));
    }
  }
  return MakeRef(out, dims, values);
}

}  // namespace ref

namespace {

Domain ValueDomain(DataType t) { return IsFloating(t) ? Domain{} : Domain{-5, 5}; }

// Sums of up to ~30 terms in [-3,3] may cancel to near zero, where the
// float32 result's error is relative to the terms, not to the sum.
Tolerance ReductionTolerance(DataType t) {
  if (t == DT_FLOAT) return {1e-5, 2e-5};
  if (t == DT_DOUBLE) return {1e-12, 1e-12};
  return {};
}

std::vector<OpCase> ReduceCases(ref::Reduction kind, const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tidx", DT_INT32);
  struct Case {
    Dims in, axes;
    bool keep_dims;
    bool scalar_axis = false;
    bool fed = false;
  };
  std::vector<Case> table = {
      {{2, 3, 4}, {1}, false, true},
      {{2, 3, 4}, {0, 2}, false},
      {{2, 3, 4}, {0, 2}, true},
      {{2, 3, 4}, {-1}, false},
      {{2, 3, 4}, {-1}, true},
      {{2, 3, 4}, {}, false},
      {{2, 3, 4}, {0, 1, 2}, false},
      {{2, 3, 4}, {2, 0, 1}, true},
      {{}, {}, false},
      {{0, 3}, {1}, false},
      {{0, 3}, {1}, true},
      {{64, 33}, {0}, false},
      {{2, 3, 4}, {1}, false, false, true},
      {{5, 6}, {-2}, true, true, true},
  };
  // Reducing an empty dimension: Sum gives 0, Max the lowest value, a float
  // Mean NaN (0/0). An integer Mean would divide by zero, so is not asked.
  if (kind != ref::Reduction::kMean || IsFloating(t)) table.push_back({{0, 3}, {0}, false});
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = RandomRef(t, c.in, ValueDomain(t), rng);
    RefTensor axes = IndexRef(index, c.axes, c.scalar_axis);
    OpCase oc = ExpectOutputs(x.ShapeString() + " axes " + DimsString(c.axes) +
                                  (c.keep_dims ? " keep_dims" : "") + (c.fed ? " (axes fed)" : ""),
                              {Fed(x), IndexInput(axes, c.fed)}, {{"keep_dims", c.keep_dims}},
                              {ref::Reduce(x, c.axes, c.keep_dims, kind)});
    oc.tol = ReductionTolerance(t);
    cases.push_back(std::move(oc));
  }
  if (IsFloating(t)) {
    // A long reduction of positive values: float32 accumulation error grows
    // with the length, so the bound is looser than for short ones.
    RefTensor x = RandomRef(t, {4, 1000}, {0.5, 1.5}, rng);
    OpCase oc =
        ExpectOutputs("long reduction [4,1000] axis 1", {Fed(x), Constant(IndexRef(index, {1}))},
                      {}, {ref::Reduce(x, {1}, false, kind)});
    oc.tol = t == DT_FLOAT ? Tolerance{1e-4, 0} : Tolerance{1e-11, 0};
    cases.push_back(std::move(oc));
  }
  const auto x = [&] { return Fed(RandomRef(t, {2, 3}, ValueDomain(t), rng)); };
  cases.push_back(ExpectError("axis 2 of a matrix", {x(), Constant(IndexRef(index, {2}))}, {}, ""));
  cases.push_back(ExpectError("axis 2 of a matrix, fed",
                              {x(), IndexInput(IndexRef(index, {2}), true)}, {}, ""));
  cases.push_back(
      ExpectError("axis -3 of a matrix", {x(), Constant(IndexRef(index, {-3}))}, {}, ""));
  cases.push_back(ExpectError("duplicate axes", {x(), Constant(IndexRef(index, {1, -1}))}, {}, ""));
  return cases;
}

std::vector<OpCase> ArgMaxCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tidx", DT_INT32);
  const DataType out = TypeOf(types, "output_type", DT_INT64);
  // Whole numbers in a small range, so ties occur: the first maximum wins.
  const Domain domain{-2, 2, 0, true};
  struct Case {
    Dims in;
    int64_t axis;
    bool fed = false;
  };
  const std::vector<Case> table = {{{2, 3, 4}, 0},  {{2, 3, 4}, 1},   {{2, 3, 4}, 2},
                                   {{2, 3, 4}, -1}, {{5}, 0},         {{0, 3}, 1},
                                   {{1, 7}, -2},    {{4, 9}, 1, true}};
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = RandomRef(t, c.in, domain, rng);
    cases.push_back(
        ExpectOutputs(x.ShapeString() + " axis " + std::to_string(c.axis) + (c.fed ? " (fed)" : ""),
                      {Fed(x), IndexInput(IndexRef(index, {c.axis}, true), c.fed)}, {},
                      {ref::ArgMax(x, c.axis, out)}));
  }
  const auto x = [&](Dims dims) { return Fed(RandomRef(t, std::move(dims), domain, rng)); };
  cases.push_back(
      ExpectError("axis 2 of a matrix", {x({2, 3}), Constant(IndexRef(index, {2}, true))}, {}, ""));
  cases.push_back(
      ExpectError("empty axis", {x({0, 3}), Constant(IndexRef(index, {0}, true))}, {}, ""));
  return cases;
}

}  // namespace

void AddReductionEntries(HarnessTable& table) {
  using ref::Reduction;
  for (auto [op, kind] : {std::pair{"Sum", Reduction::kSum}, std::pair{"Mean", Reduction::kMean},
                          std::pair{"Max", Reduction::kMax}}) {
    table[op] = {
        {"T", "Tidx"},
        [kind = kind](const TypeMap& types, Rng& rng) { return ReduceCases(kind, types, rng); },
        nullptr};
  }
  table["ArgMax"] = {{"T", "Tidx", "output_type"}, ArgMaxCases, nullptr};
}

}  // namespace tensorgraph::testing
