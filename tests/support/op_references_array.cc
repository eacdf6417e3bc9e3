// Harness entries for array ops: Const, Reshape, Transpose, ExpandDims,
// Squeeze, ConcatV2, Slice, Shape, Fill, StopGradient, BroadcastTo,
// InvertPermutation, Pad, ConcatOffset and Size. Expected shapes are written
// out by hand; values come from the references in op_references.cc and
// below.
#include <limits>

#include "tests/support/op_references.h"

namespace tensorgraph::testing {

namespace ref {

RefTensor BroadcastTo(const RefTensor& x, const std::vector<int64_t>& dims) {
  const size_t rank = dims.size(), offset = rank - x.dims.size();
  std::vector<double> values;
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < NumElements(dims); ++n) {
    // The input element: its dims align with the last ones of dims, and a
    // dim of 1 is read at index 0.
    int64_t source = 0;
    for (size_t d = 0; d < x.dims.size(); ++d) {
      source = source * x.dims[d] + (x.dims[d] == 1 ? 0 : index[offset + d]);
    }
    values.push_back(x.values[static_cast<size_t>(source)]);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return MakeRef(x.dtype, dims, values);
}

RefTensor Pad(const RefTensor& x, const std::vector<int64_t>& paddings) {
  const size_t rank = x.dims.size();
  std::vector<int64_t> dims(rank);
  for (size_t d = 0; d < rank; ++d) dims[d] = paddings[2 * d] + x.dims[d] + paddings[2 * d + 1];
  std::vector<double> values;
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < NumElements(dims); ++n) {
    bool inside = true;
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t i = index[d] - paddings[2 * d];
      inside = inside && i >= 0 && i < x.dims[d];
      source = source * x.dims[d] + i;
    }
    values.push_back(inside ? x.values[static_cast<size_t>(source)] : 0.0);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return MakeRef(x.dtype, dims, values);
}

std::vector<int64_t> InvertPermutation(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inverse;
}

std::vector<std::vector<int64_t>> ConcatOffset(const std::vector<std::vector<int64_t>>& shapes,
                                               int64_t axis) {
  const auto rank = static_cast<int64_t>(shapes.front().size());
  const auto a = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  std::vector<std::vector<int64_t>> offsets;
  int64_t start = 0;
  for (const auto& shape : shapes) {
    std::vector<int64_t> offset(shape.size(), 0);
    offset[a] = start;
    start += shape[a];
    offsets.push_back(offset);
  }
  return offsets;
}

}  // namespace ref

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

std::vector<OpCase> StopGradientCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T");
  std::vector<OpCase> cases;
  for (const Dims& dims : UnaryShapes()) {
    RefTensor x = Values(t, dims, rng);
    cases.push_back(ExpectOutputs("shape " + x.ShapeString(), {Fed(x)}, {}, {x}));
  }
  return cases;
}

std::vector<OpCase> BroadcastToCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tidx", DT_INT32);
  struct Case {
    Dims in, shape;
    bool fed;
  };
  const std::vector<Case> table = {
      {{3}, {2, 3}, false},         {{}, {2, 3}, false},     {{2, 1}, {2, 3}, false},
      {{1, 3}, {4, 2, 3}, false},   {{2, 3}, {2, 3}, false}, {{1}, {3, 0}, false},
      {{0, 3}, {2, 0, 3}, false},   {{}, {}, false},         {{1, 1, 2}, {3, 2, 2}, true},
      {{2, 1, 1}, {2, 4, 3}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(ExpectOutputs(
        x.ShapeString() + " to " + DimsString(c.shape) + (c.fed ? " (shape fed)" : ""),
        {Fed(x), Index(index, c.shape, c.fed)}, {}, {ref::BroadcastTo(x, c.shape)}));
  }
  for (bool fed : {false, true}) {
    const std::string suffix = fed ? " (shape fed)" : "";
    cases.push_back(ExpectError("[2,3] to [4,3]" + suffix,
                                {Fed(Values(t, {2, 3}, rng)), Index(index, {4, 3}, fed)}, {}, ""));
    cases.push_back(ExpectError("[2,3] to the lower-rank [3]" + suffix,
                                {Fed(Values(t, {2, 3}, rng)), Index(index, {3}, fed)}, {}, ""));
    cases.push_back(ExpectError("a negative dimension" + suffix,
                                {Fed(Values(t, {1}, rng)), Index(index, {-1, 1}, fed)}, {}, ""));
  }
  cases.push_back(ExpectError("shape a scalar",
                              {Fed(Values(t, {1}, rng)), Index(index, {2}, false, true)}, {}, ""));
  return cases;
}

std::vector<OpCase> InvertPermutationCases(const TypeMap& types, Rng&) {
  const DataType t = TypeOf(types, "T");
  struct Case {
    Dims perm;
    bool fed;
  };
  const std::vector<Case> table = {
      {{2, 0, 1}, false},      {{0}, false}, {{}, false}, {{3, 1, 0, 2, 4}, false}, {{1, 0}, true},
      {{4, 2, 0, 3, 1}, true}, {{}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    cases.push_back(ExpectOutputs("x " + DimsString(c.perm) + (c.fed ? " (fed)" : ""),
                                  {Index(t, c.perm, c.fed)}, {},
                                  {IndexRef(t, ref::InvertPermutation(c.perm))}));
  }
  for (bool fed : {false, true}) {
    const std::string suffix = fed ? " (fed)" : "";
    cases.push_back(ExpectError("repeated entry [0,0]" + suffix, {Index(t, {0, 0}, fed)}, {}, ""));
    cases.push_back(
        ExpectError("entry out of range [0,3]" + suffix, {Index(t, {0, 3}, fed)}, {}, ""));
    cases.push_back(
        ExpectError("negative entry [-1,0]" + suffix, {Index(t, {-1, 0}, fed)}, {}, ""));
  }
  cases.push_back(ExpectError("x a scalar", {Index(t, {0}, false, true)}, {}, ""));
  return cases;
}

// paddings as a [rank, 2] matrix from its rows, flattened.
CaseInput Paddings(DataType t, const Dims& flat, bool fed) {
  const auto rows = static_cast<int64_t>(flat.size() / 2);
  return IndexInput(MakeRef(t, {rows, 2}, std::vector<double>(flat.begin(), flat.end())), fed);
}

std::vector<OpCase> PadCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), index = TypeOf(types, "Tpaddings", DT_INT32);
  struct Case {
    Dims in, paddings;
    bool fed;
  };
  const std::vector<Case> table = {
      {{2, 3}, {1, 0, 2, 1}, false},
      {{}, {}, false},
      {{0, 3}, {1, 1, 0, 2}, false},
      {{2, 3, 4}, {0, 0, 0, 0, 0, 0}, false},
      {{3}, {0, 4}, false},
      {{2, 0}, {0, 1, 0, 0}, false},
      {{1, 2, 1, 3}, {1, 1, 0, 1, 2, 0, 0, 0}, true},
      {{2, 3}, {2, 2, 1, 1}, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    RefTensor x = Values(t, c.in, rng);
    cases.push_back(ExpectOutputs(
        x.ShapeString() + " paddings " + DimsString(c.paddings) + (c.fed ? " (fed)" : ""),
        {Fed(x), Paddings(index, c.paddings, c.fed)}, {}, {ref::Pad(x, c.paddings)}));
  }
  for (bool fed : {false, true}) {
    const std::string suffix = fed ? " (fed)" : "";
    cases.push_back(ExpectError("negative padding" + suffix,
                                {Fed(Values(t, {2, 3}, rng)), Paddings(index, {0, 0, -1, 1}, fed)},
                                {}, ""));
    cases.push_back(ExpectError("one row for a matrix" + suffix,
                                {Fed(Values(t, {2, 3}, rng)), Paddings(index, {1, 1}, fed)}, {},
                                ""));
    if (index == DT_INT64) {
      // 2 + 2^62 + 2^62 overflows int64: a size check that adds them wraps.
      cases.push_back(ExpectError(
          "padded size overflows" + suffix,
          {Fed(Values(t, {2}, rng)), Paddings(index, {int64_t{1} << 62, int64_t{1} << 62}, fed)},
          {}, ""));
    }
  }
  cases.push_back(ExpectError(
      "paddings of shape [2,3]",
      {Fed(Values(t, {2, 3}, rng)), IndexInput(MakeRef(index, {2, 3}, {0, 0, 0, 0, 0, 0}), false)},
      {}, ""));
  return cases;
}

std::vector<OpCase> ConcatOffsetCases(const TypeMap& types, Rng&) {
  const DataType t = TypeOf(types, "shape_type", DT_INT32);
  struct Case {
    std::vector<Dims> shapes;
    int64_t axis;
    bool fed;
  };
  const std::vector<Case> table = {
      {{{2, 3}, {2, 5}, {2, 0}}, 1, false},
      {{{2, 3}, {1, 3}, {3, 3}}, 0, false},
      {{{2}, {3}, {4}}, 0, false},
      {{{2, 3}, {2, 2}}, -1, false},
      {{{0, 3}, {2, 3}}, 0, false},
      {{{2, 1, 3}, {2, 2, 3}, {2, 0, 3}, {2, 4, 3}}, -2, false},
      {{{2, 3, 4}, {2, 3, 1}}, 2, true},
      {{{4, 1}, {4, 6}, {4, 2}}, -1, true},
  };
  std::vector<OpCase> cases;
  for (const Case& c : table) {
    std::vector<CaseInput> inputs = {Index(DT_INT32, {c.axis}, c.fed, true)};
    std::vector<RefTensor> expected;
    std::string label;
    for (const Dims& shape : c.shapes) {
      inputs.push_back(Index(t, shape, c.fed));
      label += DimsString(shape) + " ";
    }
    for (const Dims& offset : ref::ConcatOffset(c.shapes, c.axis))
      expected.push_back(IndexRef(t, offset));
    cases.push_back(ExpectOutputs(
        label + "along " + std::to_string(c.axis) + (c.fed ? " (fed)" : ""), inputs, {}, expected));
  }
  for (bool fed : {false, true}) {
    const std::string suffix = fed ? " (fed)" : "";
    cases.push_back(ExpectError(
        "[2,3] and [3,3] along 1" + suffix,
        {Index(DT_INT32, {1}, fed, true), Index(t, {2, 3}, fed), Index(t, {3, 3}, fed)}, {}, ""));
    cases.push_back(ExpectError(
        "concat_dim 2 of matrices" + suffix,
        {Index(DT_INT32, {2}, fed, true), Index(t, {2, 3}, fed), Index(t, {2, 3}, fed)}, {}, ""));
    cases.push_back(ExpectError(
        "shapes of different ranks" + suffix,
        {Index(DT_INT32, {0}, fed, true), Index(t, {2, 3}, fed), Index(t, {2, 3, 1}, fed)}, {},
        ""));
  }
  cases.push_back(ExpectError("concat_dim a vector",
                              {Index(DT_INT32, {0}), Index(t, {2, 3}), Index(t, {2, 3})}, {}, ""));
  return cases;
}

std::vector<OpCase> SizeCases(const TypeMap& types, Rng& rng) {
  const DataType t = TypeOf(types, "T"), out = TypeOf(types, "out_type", DT_INT32);
  std::vector<OpCase> cases;
  for (const Dims& dims : {Dims{2, 3, 4}, Dims{}, Dims{0, 3}, Dims{7}, Dims{1, 1, 1}}) {
    RefTensor x = Values(t, dims, rng);
    cases.push_back(ExpectOutputs("size of " + x.ShapeString(), {Fed(x)}, {},
                                  {IndexRef(out, {NumElements(dims)}, true)}));
  }
  return cases;
}

}  // namespace

void AddArrayEntries(HarnessTable& table) {
  table["StopGradient"] = {{"T"}, StopGradientCases, nullptr};
  table["BroadcastTo"] = {{"T", "Tidx"}, BroadcastToCases, nullptr};
  table["InvertPermutation"] = {{"T"}, InvertPermutationCases, nullptr};
  table["Pad"] = {{"T", "Tpaddings"}, PadCases, nullptr};
  table["ConcatOffset"] = {{"shape_type"}, ConcatOffsetCases, nullptr};
  table["Size"] = {{"T", "out_type"}, SizeCases, nullptr};
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
