#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "tensorgraph.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

Tensor RunOne(const Graph& g, Output out, const FeedList& feeds = {}) {
  return testing::RunAndRoundTrip(g, feeds, {out}).at(0);
}

template <typename T>
std::vector<T> Iota(int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), T{0});
  return v;
}

// Row-major transpose by index arithmetic: output index o reads the input at
// the multi-index whose dim perm[k] is o's k-th coordinate.
template <typename T>
std::vector<T> ReferenceTranspose(const std::vector<T>& x, const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& perm) {
  const size_t rank = dims.size();
  std::vector<int64_t> out_dims(rank);
  for (size_t k = 0; k < rank; ++k) out_dims[k] = dims[static_cast<size_t>(perm[k])];
  std::vector<T> out(x.size());
  for (size_t o = 0; o < out.size(); ++o) {
    std::vector<int64_t> in_index(rank);
    int64_t rest = static_cast<int64_t>(o);
    for (size_t k = rank; k-- > 0;) {
      in_index[static_cast<size_t>(perm[k])] = rest % out_dims[k];
      rest /= out_dims[k];
    }
    int64_t flat = 0;
    for (size_t d = 0; d < rank; ++d) flat = flat * dims[d] + in_index[d];
    out[o] = x[static_cast<size_t>(flat)];
  }
  return out;
}

const OpDef& Op(const char* name) { return OpRegistry::Global().Get(name); }

}  // namespace

// --- Reshape -----------------------------------------------------------------

TEST_CASE("Reshape with a constant shape infers the -1 dim at build time", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  auto y = ops::Reshape(root, x, {3, -1});
  CHECK(y.shape() == PartialShape({3, 2}));
  const Tensor value = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor out = RunOne(g, y, {{x, value}});
  CHECK(out.shape() == Shape({3, 2}));
  CHECK(out.ToVector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(out.raw_data() == value.raw_data());  // the buffer is shared, not copied
}

TEST_CASE("Reshape keeps what it knows of a partial input", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_INT32, {-1, 3});
  CHECK(ops::Reshape(root, x, {2, -1}).shape() == PartialShape({2, -1}));
  CHECK(ops::Reshape(root, x, {-1}).shape() == PartialShape({-1}));
  auto fed_shape = ops::Placeholder(root, DT_INT32, {3});
  CHECK(ops::Reshape(root, x, fed_shape).shape() == PartialShape::Unknown(3));
  auto any_shape = ops::Placeholder(root, DT_INT32);
  CHECK(!ops::Reshape(root, x, any_shape).shape().rank_known());
  auto flat = ops::Reshape(root, x, {-1});
  const Tensor out =
      RunOne(g, flat, {{x, Tensor::FromVector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3})}});
  CHECK(out.shape() == Shape({6}));
  CHECK(out.ToVector<int32_t>() == std::vector<int32_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("Reshape handles scalars, zero-size tensors, int64 shapes and every dtype", "[array]") {
  Graph g;
  Scope root(g);
  auto one = ops::Const(root, std::vector<double>{2.5}, Shape{1, 1});
  auto scalar = ops::Reshape(root, one, std::vector<int64_t>{});
  CHECK(scalar.shape() == PartialShape(Shape{}));
  auto back = ops::Reshape(root, scalar, ops::Const(root, std::vector<int64_t>{1, 1, 1}));
  CHECK(back.shape() == PartialShape({1, 1, 1}));

  auto empty = ops::Placeholder(root, DT_FLOAT, {0, 3});
  // As TensorFlow: the input's zero dim is left out when the target has one.
  CHECK(ops::Reshape(root, empty, {-1, 0}).shape() == PartialShape({3, 0}));
  auto to_0x5 = ops::Reshape(root, empty, {-1, 5});
  CHECK(to_0x5.shape() == PartialShape({0, 5}));

  auto flags = ops::Const(root, std::vector<bool>{true, false, true, true}, Shape{2, 2});
  auto flags_flat = ops::Reshape(root, flags, {4});
  auto bytes = ops::Const(root, std::vector<uint8_t>{1, 2, 3, 4, 5, 6}, Shape{6});
  auto bytes_3x2 = ops::Reshape(root, bytes, {3, 2});

  auto out = testing::RunAndRoundTrip(g, {{empty, Tensor::Zeros(DT_FLOAT, Shape{0, 3})}},
                                      {scalar, back, to_0x5, flags_flat, bytes_3x2});
  CHECK(out[0].shape() == Shape{});
  CHECK(out[0].scalar<double>() == 2.5);
  CHECK(out[1].shape() == Shape({1, 1, 1}));
  CHECK(out[2].shape() == Shape({0, 5}));
  CHECK(out[3].ToVector<bool>() == std::vector<bool>{true, false, true, true});
  CHECK(out[4].shape() == Shape({3, 2}));
  CHECK(out[4].ToVector<uint8_t>() == std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("Reshape rejects bad shapes at build time", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, Iota<float>(6), Shape{2, 3});
  CHECK_THROWS_WITH(
      ops::Reshape(root, x, {4, 2}),
      Contains("cannot reshape a tensor of 6 elements (shape [2,3]) to [4,2] (8 elements)"));
  auto seven = ops::Const(root, Iota<float>(7));
  CHECK_THROWS_WITH(
      ops::Reshape(root, seven, {-1, 2}),
      Contains(
          "cannot reshape a tensor of 7 elements (shape [7]) to [-1,2]: 7 is not a multiple of 2"));
  CHECK_THROWS_WITH(ops::Reshape(root, x, {-1, -1}),
                    Contains("shape [-1,-1] has more than one -1 (at indices 0 and 1)"));
  CHECK_THROWS_WITH(ops::Reshape(root, x, {3, -2}),
                    Contains("shape[1] is -2: expected a size >= 0, or -1 to infer it"));
  CHECK_THROWS_WITH(
      ops::Reshape(root, x, ops::Const(root, std::vector<int32_t>{2, 3}, Shape{1, 2})),
      Contains("shape must be a vector, got shape [1,2]"));
  auto any = ops::Placeholder(root, DT_FLOAT);
  CHECK_THROWS_WITH(
      ops::Reshape(root, any, {int64_t{1} << 40, int64_t{1} << 40}),
      Contains("shape [1099511627776,1099511627776] has more elements than int64 can count"));
  CHECK_THROWS_WITH(ops::Reshape(root, x, ops::Const(root, std::vector<float>{6})),
                    Contains("attr 'Tshape' is float"));
}

TEST_CASE("Reshape rejects an element-count mismatch at run time", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 3});
  auto y = ops::Reshape(root, x, {4, 2});
  CHECK_THROWS_WITH(
      RunOne(g, y, {{x, Tensor::FromVector<float>(Iota<float>(6), {2, 3})}}),
      Contains("cannot reshape a tensor of 6 elements (shape [2,3]) to [4,2] (8 elements)"));
  auto shape = ops::Placeholder(root, DT_INT64, {2});
  auto z = ops::Reshape(root, x, shape);
  CHECK_THROWS_WITH(RunOne(g, z,
                           {{x, Tensor::FromVector<float>(Iota<float>(6), {2, 3})},
                            {shape, Tensor::FromVector<int64_t>({-1, 4})}}),
                    Contains("6 is not a multiple of 4"));
}

// --- Transpose -----------------------------------------------------------------

TEST_CASE("Transpose of a matrix", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  auto y = ops::Transpose(root, x, {1, 0});
  CHECK(y.shape() == PartialShape({3, 2}));
  const Tensor out = RunOne(g, y);
  CHECK(out.shape() == Shape({3, 2}));
  CHECK(out.ToVector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("Transpose matches a reference for every permutation", "[array]") {
  // Size-1 dims and dims that stay neighbours are simplified away; these
  // shapes exercise each case, with tiles that do not divide the dims.
  const std::vector<std::vector<int64_t>> shapes = {
      {2, 3, 4, 5}, {2, 1, 3, 1}, {1, 35, 1, 40}, {3, 70, 2, 33}};
  for (const auto& dims : shapes) {
    std::vector<int64_t> perm = {0, 1, 2, 3};
    const int64_t n = Shape(dims).num_elements();
    const std::vector<int64_t> x_values = Iota<int64_t>(n);
    do {
      Graph g;
      Scope root(g);
      auto x = ops::Const(root, x_values, Shape(dims));
      auto y = ops::Transpose(root, x, perm);
      const Tensor out = RunOne(g, y);
      INFO("shape " << Shape(dims).ToString() << " perm " << PartialShape(perm).ToString());
      CHECK(out.ToVector<int64_t>() == ReferenceTranspose(x_values, dims, perm));
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST_CASE("Transpose of a large matrix, and of small dtypes", "[array]") {
  Graph g;
  Scope root(g);
  const std::vector<double> values = [] {
    std::vector<double> v(300 * 257);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.5;
    return v;
  }();
  auto big = ops::Const(root, values, Shape{300, 257});
  auto big_t = ops::Transpose(root, big, {1, 0});
  auto bytes = ops::Const(root, std::vector<uint8_t>{1, 2, 3, 4, 5, 6}, Shape{3, 2});
  auto bytes_t = ops::Transpose(root, bytes, {0, 1});  // identity
  auto flags =
      ops::Const(root, std::vector<bool>{true, false, false, true, true, false}, Shape{1, 2, 3});
  auto flags_t = ops::Transpose(root, flags, {2, 0, 1});
  auto out = testing::RunAndRoundTrip(g, {}, {big_t, bytes_t, flags_t});
  CHECK(out[0].ToVector<double>() == ReferenceTranspose(values, {300, 257}, {1, 0}));
  CHECK(out[1].ToVector<uint8_t>() == std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
  CHECK(out[2].shape() == Shape({3, 1, 2}));
  CHECK(out[2].ToVector<bool>() == std::vector<bool>{true, true, false, true, false, false});
}

TEST_CASE("Transpose of scalars, zero-size tensors and unknown permutations", "[array]") {
  Graph g;
  Scope root(g);
  auto s = ops::Const(root, std::vector<int32_t>{7}, Shape{});
  auto s_t = ops::Transpose(root, s, std::vector<int64_t>{});
  auto empty = ops::Placeholder(root, DT_FLOAT, {0, 3});
  auto empty_t = ops::Transpose(root, empty, {1, 0});
  CHECK(empty_t.shape() == PartialShape({3, 0}));
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  auto perm = ops::Placeholder(root, DT_INT64, {2});
  auto x_t = ops::Transpose(root, x, perm);
  CHECK(x_t.shape() == PartialShape({-1, -1}));
  auto out = testing::RunAndRoundTrip(g,
                                      {{empty, Tensor::Zeros(DT_FLOAT, Shape{0, 3})},
                                       {x, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
                                       {perm, Tensor::FromVector<int64_t>({1, 0})}},
                                      {s_t, empty_t, x_t});
  CHECK(out[0].scalar<int32_t>() == 7);
  CHECK(out[1].shape() == Shape({3, 0}));
  CHECK(out[2].ToVector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("Transpose rejects bad permutations", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(ops::Transpose(root, x, {0, 0}),
                    Contains("perm [0,0] names dim 0 twice: expected a permutation of [0, 2)"));
  CHECK_THROWS_WITH(ops::Transpose(root, x, {0, 2}),
                    Contains("perm[1] is 2: expected a value in [0, 2)"));
  CHECK_THROWS_WITH(ops::Transpose(root, x, {-1, 0}),
                    Contains("perm[0] is -1: expected a value in [0, 2)"));
  CHECK_THROWS_WITH(ops::Transpose(root, x, {2, 1, 0}),
                    Contains("perm has 3 entries, expected one per dim of x, of shape [2,3]"));
  CHECK_THROWS_WITH(ops::Transpose(root, x, ops::ScalarIndexConst(root, 1)),
                    Contains("perm must be a vector, got shape []"));

  auto perm = ops::Placeholder(root, DT_INT32, {2});
  auto y = ops::Transpose(root, x, perm);
  CHECK_THROWS_WITH(RunOne(g, y,
                           {{x, Tensor::FromVector<float>(Iota<float>(6), {2, 3})},
                            {perm, Tensor::FromVector<int32_t>({1, 1})}}),
                    Contains("perm [1,1] names dim 1 twice"));
}

// --- ExpandDims and Squeeze -----------------------------------------------------

TEST_CASE("ExpandDims inserts a dim at any axis, negative ones counting from the end", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK(ops::ExpandDims(root, x, 0).shape() == PartialShape({1, 2, 3}));
  CHECK(ops::ExpandDims(root, x, 1).shape() == PartialShape({2, 1, 3}));
  CHECK(ops::ExpandDims(root, x, 2).shape() == PartialShape({2, 3, 1}));
  CHECK(ops::ExpandDims(root, x, -1).shape() == PartialShape({2, 3, 1}));
  CHECK(ops::ExpandDims(root, x, -3).shape() == PartialShape({1, 2, 3}));
  auto axis = ops::Placeholder(root, DT_INT64, {});
  auto fed = ops::ExpandDims(root, x, axis);
  CHECK(fed.shape() == PartialShape::Unknown(3));
  auto s = ops::ExpandDims(root, ops::Const(root, std::vector<bool>{true}, Shape{}), 0);
  CHECK(s.shape() == PartialShape({1}));

  const Tensor value = Tensor::FromVector<float>(Iota<float>(6), {2, 3});
  auto out =
      testing::RunAndRoundTrip(g, {{x, value}, {axis, Tensor::Scalar<int64_t>(-2)}}, {fed, s});
  CHECK(out[0].shape() == Shape({2, 1, 3}));
  CHECK(out[0].raw_data() == value.raw_data());
  CHECK(out[1].ToVector<bool>() == std::vector<bool>{true});
}

TEST_CASE("ExpandDims rejects bad axes", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(ops::ExpandDims(root, x, 3),
                    Contains("dim 3 is out of range [-3, 3) for shape [2,3]"));
  CHECK_THROWS_WITH(ops::ExpandDims(root, x, -4),
                    Contains("dim -4 is out of range [-3, 3) for shape [2,3]"));
  CHECK_THROWS_WITH(ops::ExpandDims(root, x, ops::IndexConst(root, {0, 1})),
                    Contains("dim must hold a single value, got shape [2]"));
  auto axis = ops::Placeholder(root, DT_INT32, {});
  auto y = ops::ExpandDims(root, x, axis);
  CHECK_THROWS_WITH(RunOne(g, y,
                           {{x, Tensor::FromVector<float>(Iota<float>(6), {2, 3})},
                            {axis, Tensor::Scalar<int32_t>(5)}}),
                    Contains("dim 5 is out of range [-3, 3) for shape [2,3]"));
}

TEST_CASE("Squeeze removes size-1 dims", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_INT32, {1, 2, 1, 3});
  auto all = ops::Squeeze(root, x);
  CHECK(all.shape() == PartialShape({2, 3}));
  CHECK(ops::Squeeze(root, x, {.squeeze_dims = {2}}).shape() == PartialShape({1, 2, 3}));
  auto negative = ops::Squeeze(root, x, {.squeeze_dims = {-4, -2}});
  CHECK(negative.shape() == PartialShape({2, 3}));
  auto partial = ops::Placeholder(root, DT_INT32, {-1, 1});
  CHECK(!ops::Squeeze(root, partial).shape().rank_known());  // the unknown dim may be 1
  auto named = ops::Squeeze(root, partial, {.squeeze_dims = {1}});
  CHECK(named.shape() == PartialShape({-1}));
  auto s = ops::Squeeze(root, ops::Const(root, std::vector<uint8_t>{9}, Shape{1, 1}));
  CHECK(s.shape() == PartialShape(Shape{}));

  const Tensor value = Tensor::FromVector<int32_t>({1, 2, 3, 4, 5, 6}, {1, 2, 1, 3});
  auto out = testing::RunAndRoundTrip(
      g, {{x, value}, {partial, Tensor::FromVector<int32_t>({7, 8}, {2, 1})}},
      {all, negative, named, s});
  CHECK(out[0].shape() == Shape({2, 3}));
  CHECK(out[0].ToVector<int32_t>() == std::vector<int32_t>{1, 2, 3, 4, 5, 6});
  CHECK(out[0].raw_data() == value.raw_data());
  CHECK(out[1].shape() == Shape({2, 3}));
  CHECK(out[2].ToVector<int32_t>() == std::vector<int32_t>{7, 8});
  CHECK(out[3].scalar<uint8_t>() == 9);
}

TEST_CASE("Squeeze rejects dims that are not 1", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 1});
  CHECK_THROWS_WITH(ops::Squeeze(root, x, {.squeeze_dims = {0}}),
                    Contains("cannot squeeze dim 0 of shape [2,1]: its size is 2, expected 1"));
  CHECK_THROWS_WITH(ops::Squeeze(root, x, {.squeeze_dims = {2}}),
                    Contains("squeeze_dims entry 2 is out of range [-2, 2) for shape [2,1]"));
  auto partial = ops::Placeholder(root, DT_FLOAT, {-1, 1});
  auto y = ops::Squeeze(root, partial, {.squeeze_dims = {0}});
  CHECK(y.shape() == PartialShape({1}));
  CHECK_THROWS_WITH(RunOne(g, y, {{partial, Tensor::FromVector<float>({1, 2}, {2, 1})}}),
                    Contains("cannot squeeze dim 0 of shape [2,1]: its size is 2, expected 1"));
}

// --- ConcatV2 ---------------------------------------------------------------------

TEST_CASE("ConcatV2 joins along any axis", "[array]") {
  Graph g;
  Scope root(g);
  auto a = ops::Const(root, std::vector<float>{1, 2, 3, 4}, Shape{2, 2});
  auto b = ops::Const(root, std::vector<float>{5, 6}, Shape{2, 1});
  auto c = ops::Const(root, std::vector<float>{7, 8, 9, 10, 11, 12}, Shape{2, 3});
  auto cols = ops::ConcatV2(root, {a, b, c}, 1);
  CHECK(cols.shape() == PartialShape({2, 6}));
  auto cols_negative =
      ops::ConcatV2(root, {a, b}, ops::Const(root, std::vector<int64_t>{-1}, Shape{}));
  auto rows = ops::ConcatV2(root, {a, ops::Transpose(root, b, {1, 0})}, 0);
  CHECK(rows.shape() == PartialShape({3, 2}));
  auto empty = ops::Placeholder(root, DT_FLOAT, {2, 0});
  auto with_empty = ops::ConcatV2(root, {empty, b, empty}, 1);
  CHECK(with_empty.shape() == PartialShape({2, 1}));
  auto flags = ops::ConcatV2(
      root,
      {ops::Const(root, std::vector<bool>{true}), ops::Const(root, std::vector<bool>{false, true})},
      0);

  auto out = testing::RunAndRoundTrip(g, {{empty, Tensor::Zeros(DT_FLOAT, Shape{2, 0})}},
                                      {cols, cols_negative, rows, with_empty, flags});
  CHECK(out[0].ToVector<float>() == std::vector<float>{1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12});
  CHECK(out[1].ToVector<float>() == std::vector<float>{1, 2, 5, 3, 4, 6});
  CHECK(out[2].ToVector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(out[3].ToVector<float>() == std::vector<float>{5, 6});
  CHECK(out[4].ToVector<bool>() == std::vector<bool>{true, false, true});
}

TEST_CASE("ConcatV2 infers what it can from partial shapes", "[array]") {
  Graph g;
  Scope root(g);
  auto a = ops::Placeholder(root, DT_INT64, {-1, 3});
  auto b = ops::Placeholder(root, DT_INT64, {2, -1});
  auto any = ops::Placeholder(root, DT_INT64);
  CHECK(ops::ConcatV2(root, {a, b}, 0).shape() == PartialShape({-1, 3}));
  CHECK(ops::ConcatV2(root, {a, b}, 1).shape() == PartialShape({2, -1}));
  CHECK(ops::ConcatV2(root, {a, any}, 1).shape() == PartialShape({-1, -1}));
  auto axis = ops::Placeholder(root, DT_INT32, {});
  auto fed = ops::ConcatV2(root, {a, b}, axis);
  CHECK(fed.shape() == PartialShape::Unknown(2));
  const Tensor out = RunOne(g, fed,
                            {{a, Tensor::FromVector<int64_t>({1, 2, 3}, {1, 3})},
                             {b, Tensor::FromVector<int64_t>({4, 5, 6, 7, 8, 9}, {2, 3})},
                             {axis, Tensor::Scalar<int32_t>(0)}});
  CHECK(out.shape() == Shape({3, 3}));
  CHECK(out.ToVector<int64_t>() == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("ConcatV2 rejects mismatched values and axes", "[array]") {
  Graph g;
  Scope root(g);
  auto a = ops::Placeholder(root, DT_FLOAT, {3, 3});
  auto b = ops::Placeholder(root, DT_FLOAT, {2, 4});
  auto v = ops::Placeholder(root, DT_FLOAT, {3});
  auto s = ops::Placeholder(root, DT_FLOAT, {});
  CHECK_THROWS_WITH(ops::ConcatV2(root, {a, b}, 1),
                    Contains("values[1] has shape [2,4] but values[0] has shape [3,3]: they may "
                             "differ only in dim 1"));
  CHECK_THROWS_WITH(ops::ConcatV2(root, {a, v}, 0),
                    Contains("values[1] has shape [3] but values[0] has shape [3,3]: every value "
                             "must have the same rank"));
  CHECK_THROWS_WITH(ops::ConcatV2(root, {a, a}, 2),
                    Contains("axis 2 is out of range [-2, 2) for shape [3,3]"));
  CHECK_THROWS_WITH(ops::ConcatV2(root, {s, s}, 0),
                    Contains("cannot concatenate scalars: values[0] is a scalar"));
  CHECK_THROWS_WITH(ops::ConcatV2(root, {a, a}, ops::IndexConst(root, {0})),
                    Contains("axis must be a scalar, got shape [1]"));
  CHECK_THROWS_WITH(ops::ConcatV2(root, {a}, 0), Contains("attr 'N' is 1, below its minimum 2"));
  auto huge = ops::Placeholder(root, DT_FLOAT, {int64_t{1} << 62, 0});
  CHECK_THROWS_WITH(ops::ConcatV2(root, {huge, huge}, 0),
                    Contains("the concatenated dim 0 has more elements than int64 can count"));

  auto p = ops::Placeholder(root, DT_FLOAT, {-1, 2});
  auto q = ops::Placeholder(root, DT_FLOAT, {-1, 2});
  auto y = ops::ConcatV2(root, {p, q}, 1);
  CHECK_THROWS_WITH(RunOne(g, y,
                           {{p, Tensor::FromVector<float>({1, 2}, {1, 2})},
                            {q, Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2})}}),
                    Contains("values[1] has shape [2,2] but values[0] has shape [1,2]"));
}

// --- Slice ------------------------------------------------------------------------

TEST_CASE("Slice takes a block, with -1 sizes running to the end", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Const(root, Iota<int32_t>(24), Shape{2, 3, 4});
  auto middle = ops::Slice(root, x, {0, 1, 1}, {2, 2, 2});
  CHECK(middle.shape() == PartialShape({2, 2, 2}));
  auto rest = ops::Slice(root, x, {1, 1, 0}, {-1, -1, -1});
  CHECK(rest.shape() == PartialShape({1, 2, 4}));
  auto plane = ops::Slice(root, x, {1, 0, 0}, {1, 3, 4});  // one contiguous run
  auto none = ops::Slice(root, x, {2, 0, 0}, {0, 3, 4});
  CHECK(none.shape() == PartialShape({0, 3, 4}));
  auto whole = ops::Slice(root, x, {0, 0, 0}, {2, 3, 4});
  auto begin = ops::Placeholder(root, DT_INT64, {3});
  auto fed = ops::Slice(root, x, begin, ops::Const(root, std::vector<int64_t>{1, -1, 1}));
  CHECK(fed.shape() == PartialShape({1, -1, 1}));

  auto out = testing::RunAndRoundTrip(g, {{begin, Tensor::FromVector<int64_t>({1, 1, 3})}},
                                      {middle, rest, plane, none, whole, fed});
  CHECK(out[0].ToVector<int32_t>() == std::vector<int32_t>{5, 6, 9, 10, 17, 18, 21, 22});
  CHECK(out[1].ToVector<int32_t>() == std::vector<int32_t>{16, 17, 18, 19, 20, 21, 22, 23});
  CHECK(out[2].ToVector<int32_t>() ==
        std::vector<int32_t>{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  CHECK(out[3].shape() == Shape({0, 3, 4}));
  CHECK(out[4].ToVector<int32_t>() == Iota<int32_t>(24));
  CHECK(out[5].shape() == Shape({1, 2, 1}));
  CHECK(out[5].ToVector<int32_t>() == std::vector<int32_t>{19, 23});
}

TEST_CASE("Slice of scalars and of bool and double tensors", "[array]") {
  Graph g;
  Scope root(g);
  auto s = ops::Const(root, std::vector<double>{4.5}, Shape{});
  auto s_slice = ops::Slice(root, s, std::vector<int64_t>{}, std::vector<int64_t>{});
  auto flags = ops::Const(root, std::vector<bool>{true, false, true, false}, Shape{2, 2});
  auto column = ops::Slice(root, flags, {0, 1}, {2, 1});
  auto out = testing::RunAndRoundTrip(g, {}, {s_slice, column});
  CHECK(out[0].scalar<double>() == 4.5);
  CHECK(out[1].ToVector<bool>() == std::vector<bool>{false, false});
}

TEST_CASE("Slice rejects out-of-bounds blocks", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  CHECK_THROWS_WITH(
      ops::Slice(root, x, {-1, 0}, {1, 1}),
      Contains("begin[0] is -1: expected a value in [0, 2] for dim 0 of input shape [2,3]"));
  CHECK_THROWS_WITH(
      ops::Slice(root, x, {0, 4}, {1, 0}),
      Contains("begin[1] is 4: expected a value in [0, 3] for dim 1 of input shape [2,3]"));
  CHECK_THROWS_WITH(
      ops::Slice(root, x, {1, 1}, {2, 1}),
      Contains("begin[0] + size[0] is 1 + 2, past the end of dim 0 of input shape [2,3]"));
  CHECK_THROWS_WITH(ops::Slice(root, x, {0, 0}, {1, -2}),
                    Contains("size[1] is -2: expected a size >= 0, or -1 for the rest of the dim"));
  CHECK_THROWS_WITH(ops::Slice(root, x, {0, 0}, {1}),
                    Contains("begin has 2 entries but size has 1"));
  CHECK_THROWS_WITH(
      ops::Slice(root, x, {0}, {1}),
      Contains("begin and size have 1 entries, expected one per dim of input, of shape [2,3]"));
  CHECK_THROWS_WITH(
      ops::Slice(root, x, ops::ScalarIndexConst(root, 0), ops::IndexConst(root, {1, 1})),
      Contains("begin must be a vector, got shape []"));
  CHECK_THROWS_WITH(
      ops::Slice(root, x, ops::IndexConst(root, {0, 0}), ops::ScalarIndexConst(root, 1)),
      Contains("size must be a vector, got shape []"));
  CHECK_THROWS_WITH(ops::Slice(root, x, ops::IndexConst(root, {0, 0}),
                               ops::Const(root, std::vector<int64_t>{1, 1})),
                    Contains("input 2 ('size') is int64"));

  auto begin = ops::Placeholder(root, DT_INT32, {2});
  auto y = ops::Slice(root, x, begin, ops::IndexConst(root, {1, 2}));
  CHECK_THROWS_WITH(
      RunOne(g, y,
             {{x, Tensor::FromVector<float>(Iota<float>(6), {2, 3})},
              {begin, Tensor::FromVector<int32_t>({0, 2})}}),
      Contains("begin[1] + size[1] is 2 + 2, past the end of dim 1 of input shape [2,3]"));
}

// --- Shape, Fill, ZerosLike, OnesLike ---------------------------------------------

TEST_CASE("Shape gives the dims as int32 or int64", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_BOOL, {-1, 3});
  auto shape32 = ops::Shape(root, x);
  CHECK(shape32.dtype() == DT_INT32);
  CHECK(shape32.shape() == PartialShape({2}));
  auto shape64 = ops::Shape(root, x, {.out_type = DT_INT64});
  auto any = ops::Placeholder(root, DT_UINT8);
  auto any_shape = ops::Shape(root, any);
  CHECK(any_shape.shape() == PartialShape({-1}));
  CHECK(Op("Shape").not_differentiable);

  auto out = testing::RunAndRoundTrip(
      g,
      {{x, Tensor::Zeros(DT_BOOL, Shape{0, 3})}, {any, Tensor::FromVector<uint8_t>({1}, Shape{})}},
      {shape32, shape64, any_shape});
  CHECK(out[0].ToVector<int32_t>() == std::vector<int32_t>{0, 3});
  CHECK(out[1].ToVector<int64_t>() == std::vector<int64_t>{0, 3});
  CHECK(out[2].shape() == Shape({0}));
}

TEST_CASE("Shape rejects dims that int32 cannot hold", "[array]") {
  Graph g;
  Scope root(g);
  const int64_t big = int64_t{3} << 30;
  CHECK_THROWS_WITH(
      ops::Shape(root, ops::Placeholder(root, DT_FLOAT, {big, 0})),
      Contains("dim 0 of shape [3221225472,0] does not fit in out_type int32: use int64"));
  auto any = ops::Placeholder(root, DT_FLOAT);
  auto shape32 = ops::Shape(root, any);
  CHECK_THROWS_WITH(RunOne(g, shape32, {{any, Tensor::Zeros(DT_FLOAT, Shape{0, big})}}),
                    Contains("dim 1 of shape [0,3221225472] does not fit in out_type int32"));
}

TEST_CASE("Fill makes a tensor of one value", "[array]") {
  Graph g;
  Scope root(g);
  auto filled = ops::Fill(root, {2, 3}, ops::ScalarConst(root, DT_FLOAT, 1.5));
  CHECK(filled.shape() == PartialShape({2, 3}));
  auto flags = ops::Fill(root, ops::Const(root, std::vector<int64_t>{3}),
                         ops::Const(root, std::vector<bool>{true}, Shape{}));
  auto scalar = ops::Fill(root, std::vector<int64_t>{}, ops::ScalarConst(root, DT_INT64, -7));
  auto empty = ops::Fill(root, {0, 4}, ops::ScalarConst(root, DT_UINT8, 3));
  auto dims = ops::Placeholder(root, DT_INT32, {2});
  auto fed = ops::Fill(root, dims, ops::ScalarConst(root, DT_DOUBLE, 0.25));
  CHECK(fed.shape() == PartialShape({-1, -1}));
  CHECK(ops::Fill(root, ops::Placeholder(root, DT_INT32), ops::ScalarConst(root, DT_FLOAT, 0))
            .shape() == PartialShape::UnknownRank());

  auto out = testing::RunAndRoundTrip(g, {{dims, Tensor::FromVector<int32_t>({1, 2})}},
                                      {filled, flags, scalar, empty, fed});
  CHECK(out[0].ToVector<float>() == std::vector<float>(6, 1.5f));
  CHECK(out[1].ToVector<bool>() == std::vector<bool>{true, true, true});
  CHECK(out[2].shape() == Shape{});
  CHECK(out[2].scalar<int64_t>() == -7);
  CHECK(out[3].shape() == Shape({0, 4}));
  CHECK(out[4].ToVector<double>() == std::vector<double>{0.25, 0.25});
}

TEST_CASE("Fill rejects bad dims and values", "[array]") {
  Graph g;
  Scope root(g);
  auto one = ops::ScalarConst(root, DT_FLOAT, 1);
  CHECK_THROWS_WITH(ops::Fill(root, {2, -1}, one), Contains("dims[1] is -1: expected a size >= 0"));
  CHECK_THROWS_WITH(ops::Fill(root, {2}, ops::Const(root, std::vector<float>{1})),
                    Contains("value must be a scalar, got shape [1]"));
  CHECK_THROWS_WITH(ops::Fill(root, ops::ScalarIndexConst(root, 2), one),
                    Contains("dims must be a vector, got shape []"));
  CHECK_THROWS_WITH(ops::Fill(root, {int64_t{1} << 40, int64_t{1} << 40}, one),
                    Contains("has more elements than int64 can count"));
  auto dims = ops::Placeholder(root, DT_INT32, {2});
  auto y = ops::Fill(root, dims, one);
  CHECK_THROWS_WITH(RunOne(g, y, {{dims, Tensor::FromVector<int32_t>({-3, 2})}}),
                    Contains("dims[0] is -3: expected a size >= 0"));
}

TEST_CASE("ZerosLike and OnesLike follow their input's shape and dtype", "[array]") {
  Graph g;
  Scope root(g);
  auto f = ops::Const(root, std::vector<float>{3, -1, 2, 8}, Shape{2, 2});
  auto d = ops::Const(root, std::vector<double>{3, 4});
  auto i = ops::Const(root, std::vector<int32_t>{5, 6, 7});
  auto u = ops::Const(root, std::vector<uint8_t>{9});
  auto l = ops::Const(root, std::vector<int64_t>{1, 2}, Shape{2, 1});
  auto b = ops::Const(root, std::vector<bool>{false, true});
  auto empty = ops::Placeholder(root, DT_FLOAT, {0, 2});
  std::vector<TensorName> fetches;
  for (Output x : {f, d, i, u, l, b, empty}) {
    auto zeros = ops::ZerosLike(root, x);
    auto ones = ops::OnesLike(root, x);
    CHECK(zeros.dtype() == x.dtype());
    CHECK(ones.shape() == x.shape());
    fetches.push_back(zeros);
    fetches.push_back(ones);
  }
  CHECK(Op("ZerosLike").not_differentiable);
  CHECK(Op("OnesLike").not_differentiable);

  auto out = testing::RunAndRoundTrip(g, {{empty, Tensor::Zeros(DT_FLOAT, Shape{0, 2})}}, fetches);
  CHECK(out[0].ToVector<float>() == std::vector<float>{0, 0, 0, 0});
  CHECK(out[1].ToVector<float>() == std::vector<float>{1, 1, 1, 1});
  CHECK(out[1].shape() == Shape({2, 2}));
  CHECK(out[2].ToVector<double>() == std::vector<double>{0, 0});
  CHECK(out[3].ToVector<double>() == std::vector<double>{1, 1});
  CHECK(out[4].ToVector<int32_t>() == std::vector<int32_t>{0, 0, 0});
  CHECK(out[5].ToVector<int32_t>() == std::vector<int32_t>{1, 1, 1});
  CHECK(out[6].ToVector<uint8_t>() == std::vector<uint8_t>{0});
  CHECK(out[7].ToVector<uint8_t>() == std::vector<uint8_t>{1});
  CHECK(out[8].ToVector<int64_t>() == std::vector<int64_t>{0, 0});
  CHECK(out[9].ToVector<int64_t>() == std::vector<int64_t>{1, 1});
  CHECK(out[10].ToVector<bool>() == std::vector<bool>{false, false});
  CHECK(out[11].ToVector<bool>() == std::vector<bool>{true, true});
  CHECK(out[12].shape() == Shape({0, 2}));
  CHECK(out[13].shape() == Shape({0, 2}));
}

// --- builders -----------------------------------------------------------------------

TEST_CASE("Convenience overloads name their constants apart from the op", "[array]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  auto y = ops::Reshape(root.WithOpName("flat"), x, {6});
  CHECK(y.node->name() == "flat");
  CHECK(y.node->input(1).node->op() == "Const");
  CHECK(y.node->input(1).dtype() == DT_INT32);
  // Values beyond int32 make an int64 constant.
  auto big = ops::Fill(root, {0, int64_t{1} << 33}, ops::ScalarConst(root, DT_FLOAT, 0));
  CHECK(big.node->input(0).dtype() == DT_INT64);
  CHECK(big.shape() == PartialShape({0, int64_t{1} << 33}));
  CHECK(!Op("Reshape").doc.empty());
  CHECK(!Op("Reshape").not_differentiable);
}
