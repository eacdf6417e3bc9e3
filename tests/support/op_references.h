// Test support for the op harness: float64 reference implementations of
// the ops (plain loops over doubles, sharing no code with the kernels),
// random inputs with per-op value domains, and the table of harness entries
// that says how each op is exercised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tensorgraph.h"

namespace tensorgraph::testing {

// A tensor as the references see it: every element as a double. Values are
// always ones the dtype can hold exactly (see RoundTo).
struct RefTensor {
  DataType dtype = DT_FLOAT;
  std::vector<int64_t> dims;
  std::vector<double> values;

  int rank() const { return static_cast<int>(dims.size()); }
  int64_t num_elements() const { return static_cast<int64_t>(values.size()); }
  std::string ShapeString() const;
};

// The value a `dtype` element holds after storing the exact result `v`:
// float rounding, integer wrap-around (as TensorFlow's kernels do), bool
// v != 0. `v` must be finite for integer dtypes.
double RoundTo(DataType dtype, double v);

// A tensor of `dtype` and `dims` holding `values`, each rounded to the dtype.
RefTensor MakeRef(DataType dtype, std::vector<int64_t> dims, std::vector<double> values);
RefTensor FilledRef(DataType dtype, std::vector<int64_t> dims, double value);
// A vector (or, with scalar = true, a scalar) of index values.
RefTensor IndexRef(DataType dtype, const std::vector<int64_t>& values, bool scalar = false);
int64_t NumElements(const std::vector<int64_t>& dims);
std::string DimsString(const std::vector<int64_t>& dims);  // "[2,3]"

Tensor ToTensor(const RefTensor& ref);
RefTensor FromTensor(const Tensor& tensor);

// Where random inputs come from. Integer dtypes use the integers in
// [lo, hi] that the dtype holds; `integral` draws whole numbers for float
// dtypes too (so comparisons see ties); values with |x| < min_abs are
// redrawn (denominators).
struct Domain {
  double lo = -3;
  double hi = 3;
  double min_abs = 0;
  bool integral = false;
};

using Rng = std::mt19937;
RefTensor RandomRef(DataType dtype, std::vector<int64_t> dims, const Domain& domain, Rng& rng);

// |got - want| <= atol + rtol * |want|; NaNs match NaNs, infinities match
// infinities of the same sign.
struct Tolerance {
  double rtol = 0;
  double atol = 0;
};
// float rel 1e-5 (abs 1e-6 near zero), double rel 1e-12, everything else exact.
Tolerance DefaultTolerance(DataType dtype);
// Empty when `got` has want's dtype and shape and its values match; else a
// description of what differs.
std::string Compare(const Tensor& got, const RefTensor& want, Tolerance tol);

// Runs `fn`, which must throw a tensorgraph::Error of `code` naming `node`
// (unless empty) with `fragment` in its message. Returns what went wrong
// instead, or "" when it did.
std::string ErrorMismatch(const std::function<void()>& fn, ErrorCode code, std::string_view node,
                          std::string_view fragment = "");

// --- references ---------------------------------------------------------------
namespace ref {

using UnaryFn = std::function<double(double)>;
using BinaryFn = std::function<double(double, double)>;

// Elementwise f, rounded to `out`.
RefTensor Map(const RefTensor& x, DataType out, const UnaryFn& f);
// numpy broadcasting; nullopt when the shapes do not broadcast.
std::optional<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                  const std::vector<int64_t>& b);
RefTensor Map2(const RefTensor& x, const RefTensor& y, DataType out, const BinaryFn& f);
// condition ? t : e, the three broadcast together.
RefTensor Select(const RefTensor& condition, const RefTensor& t, const RefTensor& e);

RefTensor MatMul(const RefTensor& a, const RefTensor& b, bool transpose_a, bool transpose_b);
// bias along the last dimension (NHWC) or dimension 1 (NCHW).
RefTensor BiasAdd(const RefTensor& value, const RefTensor& bias, bool nchw);
// value summed over every dimension but the channel one: a vector.
RefTensor BiasAddGrad(const RefTensor& value, bool nchw);

// The elementwise sum of tensors of one shape.
RefTensor AddN(const std::vector<RefTensor>& xs);
// For shapes that broadcast together, the axes of the broadcast shape along
// which each was broadcast: those where its dim, 1-padded on the left, is 1
// (TensorFlow's rule, so an axis where both are 1 is in both lists); both
// empty when the shapes are equal.
std::pair<std::vector<int64_t>, std::vector<int64_t>> BroadcastGradientArgs(
    const std::vector<int64_t>& s0, const std::vector<int64_t>& s1);

enum class Reduction { kSum, kMean, kMax };
// Axes may be negative; an empty list reduces nothing. Integer means
// truncate toward zero, as TensorFlow's do.
RefTensor Reduce(const RefTensor& x, const std::vector<int64_t>& axes, bool keep_dims,
                 Reduction kind);
// The index of the first maximum along `axis`.
RefTensor ArgMax(const RefTensor& x, int64_t axis, DataType out);

RefTensor Reshape(const RefTensor& x, std::vector<int64_t> dims);
RefTensor Transpose(const RefTensor& x, const std::vector<int64_t>& perm);
// size -1 takes the rest of the dimension.
RefTensor Slice(const RefTensor& x, const std::vector<int64_t>& begin,
                const std::vector<int64_t>& size);
RefTensor Concat(const std::vector<RefTensor>& xs, int64_t axis);
// x broadcast (numpy's rule) to dims, which it must broadcast to.
RefTensor BroadcastTo(const RefTensor& x, const std::vector<int64_t>& dims);
// x with paddings[2d] zeros before and paddings[2d+1] after dimension d.
RefTensor Pad(const RefTensor& x, const std::vector<int64_t>& paddings);
// y[perm[i]] = i.
std::vector<int64_t> InvertPermutation(const std::vector<int64_t>& perm);
// Where each of the shapes starts in their concatenation along axis (which
// may be negative).
std::vector<std::vector<int64_t>> ConcatOffset(const std::vector<std::vector<int64_t>>& shapes,
                                               int64_t axis);

// Along the last dimension.
RefTensor Softmax(const RefTensor& logits, bool log);
// (loss, backprop) for features and labels of shape [batch, classes].
std::pair<RefTensor, RefTensor> SoftmaxCrossEntropy(const RefTensor& features,
                                                    const RefTensor& labels);
std::pair<RefTensor, RefTensor> SparseSoftmaxCrossEntropy(const RefTensor& features,
                                                          const RefTensor& labels);

}  // namespace ref

// --- harness entries ----------------------------------------------------------

// The value of each enumerated type attr in one pass over an op.
using TypeMap = std::map<std::string, DataType, std::less<>>;
DataType TypeOf(const TypeMap& types, std::string_view attr, DataType fallback = DT_INVALID);

struct CaseInput {
  RefTensor value;
  // A Const node rather than a fed Placeholder, so shape functions see the
  // value (axes, permutations, shapes).
  bool constant = false;
  // The output's shape depends on this input's value, so when it is fed
  // the shape is unknown until run time.
  bool shapes_output = false;
};
inline CaseInput Fed(RefTensor value) { return {std::move(value), false, false}; }
inline CaseInput Constant(RefTensor value) { return {std::move(value), true, true}; }
// An index input (axes, shape, permutation) given as a Const, or fed.
inline CaseInput IndexInput(RefTensor value, bool fed) { return {std::move(value), !fed, true}; }

// One graph: the op applied to `inputs` with `attrs`, its outputs compared
// with `expected`, or, when `error` is set, building or running it must fail
// with that code, naming the node, with `error_fragment` in the message.
struct OpCase {
  std::string label;
  std::vector<CaseInput> inputs;
  AttrMap attrs;
  std::vector<RefTensor> expected;
  Tolerance tol;
  std::optional<ErrorCode> error;
  std::string error_fragment;
};

OpCase ExpectOutputs(std::string label, std::vector<CaseInput> inputs, AttrMap attrs,
                     std::vector<RefTensor> expected);
OpCase ExpectError(std::string label, std::vector<CaseInput> inputs, AttrMap attrs,
                   std::string fragment, ErrorCode code = ErrorCode::kInvalidArgument);

struct HarnessEntry {
  // Type attrs besides the op's kernel_type_attr whose every allowed,
  // supported value is tried (index types, output types).
  std::vector<std::string> type_attrs;
  // A pure op: its cases for one assignment of the type attrs (the driver
  // adds the assignment to each case's attrs).
  std::function<std::vector<OpCase>(const TypeMap&, Rng&)> cases;
  // An op that is not a pure function: runs its own checks, reporting
  // failures through Catch2, and returns how many checks it made.
  std::function<int(const TypeMap&)> behaviour;
};
using HarnessTable = std::map<std::string, HarnessEntry, std::less<>>;

// Each op family's entries.
void AddElementwiseEntries(HarnessTable& table);
void AddArrayEntries(HarnessTable& table);
void AddReductionEntries(HarnessTable& table);
void AddNnEntries(HarnessTable& table);
void AddTrainingEntries(HarnessTable& table);
void AddConvEntries(HarnessTable& table);         // op_references_conv.cc
void AddPoolEntries(HarnessTable& table);         // op_references_pool.cc
void AddNormEntries(HarnessTable& table);         // op_references_norm.cc: batch norm, activations
void AddSlicingEntries(HarnessTable& table);      // op_references_slicing.cc
void AddGatherEntries(HarnessTable& table);       // op_references_gather.cc
void AddMathEntries(HarnessTable& table);         // op_references_math.cc
void AddBatchMatMulEntries(HarnessTable& table);  // op_references_batch_matmul.cc

// The tensor shapes unary elementwise cases run on: a matrix, a scalar, a
// zero-size tensor and a rank-3 tensor.
const std::vector<std::vector<int64_t>>& UnaryShapes();
// Pairs of shapes binary elementwise cases run on, broadcasting included.
struct ShapePair {
  std::vector<int64_t> x, y;
  const char* label;
};
const std::vector<ShapePair>& BroadcastShapePairs();

}  // namespace tensorgraph::testing
