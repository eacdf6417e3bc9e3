// Harness entries for array ops: Const, Reshape, Transpose, ExpandDims,
// Squeeze, ConcatV2, Slice, Shape and Fill. Expected shapes are written out
// by hand; values come from the references in op_references.cc.
#include <limits>

#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

using Dims = std::vector<int64_t>;

Domain ValueDomain(DataType t) { return IsFloating(t) ? Domain{} : Domain{-5, 5}; }

RefTensor Values(DataType t, Dims dims, Rng& rng) {
  return RandomRef(t, std::move(dims), ValueDomain(t), rng);
}

// An index input, as a Const (so shape inference sees it) or fed.
CaseInput Index(DataType t, const Dims& values, bool fed = false, bool scalar = false) {
  return IndexInput(IndexRef(t, values, scalar), fed);
}

std::vector<OpCase> ConstCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "dtype");
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 3}, Dims{}, Dims{0, 3}, Dims{4, 1, 2}}) {
    RefTensor value = Values(t, dims, rng);
    cases.push_back(ExpectOutputs("value " + value.ShapeString(), {},
                                  {{"value", ToTensor(value)}, {"dtype", t}}, {value}));
  }
  return cases;
}

std::vector<OpCase> ReshapeCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tshape", DT_INT32);
  struct Case {
    Dims in, shape, out;
    bool fed;
  };
  const std::vector<Case> table = {
      {{2, 3, 4}, {6, 4}, {6, 4}, false}, {{2, 3, 4}, {-1, 2}, {12, 2}, false},
      {{2, 3, 4}, {24}, {24}, false},     {{1}, {}, {}, false},
      {{}, {1, 1}, {1, 1}, false},        {{0, 3}, {3, 0}, {3, 0}, false},
      {{0, 3}, {-1, 3}, {0, 3}, false},   {{2, 3, 4}, {4, -1}, {4, 6}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    RefTensor shape = IndexRef(index, c.shape);
    cases.push_back(ExpectOutputs(
        x.ShapeString() + " to " + DimsString(c.shape) + (c.fed ? " (shape fed)" : ""),
        {Fed(x), IndexInput(shape, c.fed)}, {}, {ref::Reshape(x, c.out)}));
  }
  cases.push_back(
      ExpectError("6 elements into [4]", {Fed(Values(t, {2, 3}, rng)), Index(index, {4})}, {}, ""));
  cases.push_back(ExpectError("two unknown dimensions",
                              {Fed(Values(t, {2, 3}, rng)), Index(index, {-1, -1})}, {}, ""));
  if (index == DT_INT64) {
    cases.push_back(ExpectError(
        "a shape whose element count overflows",
        {Fed(Values(t, {2, 3}, rng)), Index(index, {int64_t{1} << 32, int64_t{1} << 32, 0}, true)},
        {}, ""));
  }
  return cases;
}

std::vector<OpCase> TransposeCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tperm", DT_INT32);
  struct Case {
    Dims in, perm;
    bool fed;
  };
  const std::vector<Case> table = {
      {{2, 3, 4}, {2, 0, 1}, false},
      {{2, 3}, {1, 0}, false},
      {{2, 3, 4}, {0, 1, 2}, false},
      {{0, 3}, {1, 0}, false},
      {{}, {}, false},
      {{2, 3, 4, 5}, {3, 1, 0, 2}, false},
      {{5, 7}, {1, 0}, true},
      {{2, 1, 3}, {1, 2, 0}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(ExpectOutputs(
        x.ShapeString() + " perm " + DimsString(c.perm) + (c.fed ? " (perm fed)" : ""),
        {Fed(x), Index(index, c.perm, c.fed)}, {}, {ref::Transpose(x, c.perm)}));
  }
  cases.push_back(ExpectError("repeated perm [0,0]",
                              {Fed(Values(t, {2, 3}, rng)), Index(index, {0, 0})}, {}, ""));
  cases.push_back(ExpectError("perm of the wrong rank",
                              {Fed(Values(t, {2, 3}, rng)), Index(index, {0, 1, 2})}, {}, ""));
  cases.push_back(ExpectError("perm out of range",
                              {Fed(Values(t, {2, 3}, rng)), Index(index, {0, 2}, true)}, {}, ""));
  return cases;
}

std::vector<OpCase> ExpandDimsCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tdim", DT_INT32);
  struct Case {
    Dims in;
    int64_t axis;
    Dims out;
    bool fed;
  };
  const std::vector<Case> table = {
      {{2, 3}, 0, {1, 2, 3}, false},  {{2, 3}, 1, {2, 1, 3}, false},  {{2, 3}, 2, {2, 3, 1}, false},
      {{2, 3}, -1, {2, 3, 1}, false}, {{2, 3}, -3, {1, 2, 3}, false}, {{}, 0, {1}, false},
      {{0, 3}, 1, {0, 1, 3}, false},  {{2, 3}, -2, {2, 1, 3}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(ExpectOutputs(
        x.ShapeString() + " axis " + std::to_string(c.axis) + (c.fed ? " (axis fed)" : ""),
        {Fed(x), Index(index, {c.axis}, c.fed, true)}, {}, {ref::Reshape(x, c.out)}));
  }
  RefTensor x = Values(t, {2, 3}, rng);
  cases.push_back(ExpectOutputs("axis as a one-element vector", {Fed(x), Index(index, {1})}, {},
                                {ref::Reshape(x, {2, 1, 3})}));
  cases.push_back(ExpectError(
      "axis 3 of a matrix", {Fed(Values(t, {2, 3}, rng)), Index(index, {3}, false, true)}, {}, ""));
  return cases;
}

std::vector<OpCase> SqueezeCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  struct Case {
    Dims in, squeeze, out;
  };
  const std::vector<Case> table = {
      {{1, 2, 1, 3}, {}, {2, 3}},
      {{1, 2, 1, 3}, {0}, {2, 1, 3}},
      {{1, 2, 1, 3}, {-2}, {1, 2, 3}},
      {{1, 2, 1, 3}, {0, 2}, {2, 3}},
      {{1, 1}, {}, {}},
      {{0, 1}, {1}, {0}},
      {{2, 3}, {}, {2, 3}},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(ExpectOutputs(x.ShapeString() + " squeeze_dims " + DimsString(c.squeeze),
                                  {Fed(x)}, {{"squeeze_dims", c.squeeze}},
                                  {ref::Reshape(x, c.out)}));
  }
  cases.push_back(ExpectError("squeezing a dimension of size 2", {Fed(Values(t, {1, 2}, rng))},
                              {{"squeeze_dims", Dims{1}}}, ""));
  cases.push_back(ExpectError("squeeze_dims out of range", {Fed(Values(t, {1, 2}, rng))},
                              {{"squeeze_dims", Dims{2}}}, ""));
  return cases;
}

std::vector<OpCase> ConcatCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tidx", DT_INT32);
  struct Case {
    std::vector<Dims> ins;
    int64_t axis;
    bool fed;
  };
  const std::vector<Case> table = {
      {{{2, 3}, {2, 4}}, 1, false},
      {{{2, 3}, {1, 3}, {3, 3}}, 0, false},
      {{{2, 3}, {2, 2}}, -1, false},
      {{{0, 3}, {2, 3}}, 0, false},
      {{{2}, {3}}, 0, false},
      {{{2, 1, 3}, {2, 2, 3}}, 1, false},
      {{{2, 3}, {2, 3}, {2, 3}, {2, 3}}, -2, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    std::vector<RefTensor> xs;
    std::vector<CaseInput> inputs;
    std::string label;
    for (const Dims& dims : c.ins) {
      xs.push_back(Values(t, dims, rng));
      inputs.push_back(Fed(xs.back()));
      label += xs.back().ShapeString() + " ";
    }
    inputs.push_back(Index(index, {c.axis}, c.fed, true));
    cases.push_back(
        ExpectOutputs(label + "axis " + std::to_string(c.axis) + (c.fed ? " (axis fed)" : ""),
                      inputs, {}, {ref::Concat(xs, c.axis)}));
  }
  cases.push_back(ExpectError(
      "[2,3] and [3,3] along axis 1",
      {Fed(Values(t, {2, 3}, rng)), Fed(Values(t, {3, 3}, rng)), Index(index, {1}, false, true)},
      {}, ""));
  cases.push_back(ExpectError(
      "axis 2 of matrices",
      {Fed(Values(t, {2, 3}, rng)), Fed(Values(t, {2, 3}, rng)), Index(index, {2}, false, true)},
      {}, ""));
  return cases;
}

std::vector<OpCase> SliceCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Index", DT_INT32);
  struct Case {
    Dims in, begin, size;
    bool fed;
  };
  const std::vector<Case> table = {
      {{3, 4, 5}, {1, 0, 2}, {2, -1, 2}, false},
      {{3, 4}, {0, 0}, {3, 4}, false},
      {{3, 4}, {1, 1}, {0, 2}, false},
      {{0, 3}, {0, 1}, {0, 2}, false},
      {{5}, {4}, {1}, false},
      {{3, 4, 5}, {2, 1, 0}, {1, 3, -1}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(
        ExpectOutputs(x.ShapeString() + " begin " + DimsString(c.begin) + " size " +
                          DimsString(c.size) + (c.fed ? " (fed)" : ""),
                      {Fed(x), Index(index, c.begin, c.fed), Index(index, c.size, c.fed)}, {},
                      {ref::Slice(x, c.begin, c.size)}));
  }
  cases.push_back(ExpectError("slice past the end",
                              {Fed(Values(t, {5}, rng)), Index(index, {2}), Index(index, {4})}, {},
                              ""));
  cases.push_back(ExpectError(
      "slice past the end, bounds fed",
      {Fed(Values(t, {5}, rng)), Index(index, {2}, true), Index(index, {4}, true)}, {}, ""));
  cases.push_back(ExpectError(
      "negative begin", {Fed(Values(t, {5}, rng)), Index(index, {-1}), Index(index, {1})}, {}, ""));
  if (index == DT_INT64) {
    // begin + size overflows int64: a bounds check that adds them wraps.
    for (bool fed : {false, true}) {
      cases.push_back(ExpectError(std::string("begin + size overflows") + (fed ? " (fed)" : ""),
                                  {Fed(Values(t, {5}, rng)), Index(index, {1}, fed),
                                   Index(index, {std::numeric_limits<int64_t>::max()}, fed)},
                                  {}, ""));
    }
  }
  return cases;
}

std::vector<OpCase> ShapeCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), out = TypeOf(types, "out_type", DT_INT32);
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 3, 4}, Dims{}, Dims{0, 3}, Dims{7}}) {
    RefTensor x = Values(t, dims, rng);
    cases.push_back(
        ExpectOutputs("shape of " + x.ShapeString(), {Fed(x)}, {}, {IndexRef(out, dims)}));
  }
  return cases;
}

std::vector<OpCase> FillCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "index_type", DT_INT32);
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 3}, Dims{}, Dims{0, 3}, Dims{2, 1, 4}}) {
    for (bool fed : {false, true}) {
      RefTensor value = Values(t, {}, rng);
      cases.push_back(ExpectOutputs("dims " + DimsString(dims) + (fed ? " (fed)" : ""),
                                    {Index(index, dims, fed), Fed(value)}, {},
                                    {FilledRef(t, dims, value.values[0])}));
    }
  }
  cases.push_back(
      ExpectError("value not a scalar", {Index(index, {2}), Fed(Values(t, {2}, rng))}, {}, ""));
  cases.push_back(ExpectError("negative dimension",
                              {Index(index, {2, -3}, true), Fed(Values(t, {}, rng))}, {}, ""));
  return cases;
}

}  // namespace

void AddArrayEntries(HarnessTable& table) {
  table["Const"] = {{"dtype"}, ConstCases, nullptr};
  table["Reshape"] = {{"T", "Tshape"}, ReshapeCases, nullptr};
  table["Transpose"] = {{"T", "Tperm"}, TransposeCases, nullptr};
  table["ExpandDims"] = {{"T", "Tdim"}, ExpandDimsCases, nullptr};
  table["Squeeze"] = {{"T"}, SqueezeCases, nullptr};
  table["ConcatV2"] = {{"T", "Tidx"}, ConcatCases, nullptr};
  table["Slice"] = {{"T", "Index"}, SliceCases, nullptr};
  table["Shape"] = {{"T", "out_type"}, ShapeCases, nullptr};
  table["Fill"] = {{"T", "index_type"}, FillCases, nullptr};
}

}  // namespace tensorgraph::testing
