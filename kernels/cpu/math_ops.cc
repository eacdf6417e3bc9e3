// CPU kernels for elementwise math: arithmetic, comparisons, SelectV2,
// Cast (the kernel of kernels/cast_op.h over the CPU's conversions), AddN,
// the activation gradient ops and BroadcastGradientArgs.
#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/cast_op.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/functors/math.h"

namespace tensorgraph {
namespace {

using namespace functors;  // NOLINT: the math is shared with the CUDA kernels

// --- kernels ---------------------------------------------------------------

template <typename T, typename Fn>
class CheckedIntegerBinaryOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    // An empty x gives an empty result, which no y can make wrong.
    if (ctx.input(0).num_elements() > 0) {
      const auto y = ctx.input(1).flat<T>();
      if (std::any_of(y.begin(), y.end(), [](T v) { return Fn::Rejects(v); })) {
        ctx.Fail(Fn::kRejected);
      }
    }
    cpu::ComputeBroadcastBinary<T, T>(ctx, Fn{});
  }
};

template <typename T>
class EqualOp : public OpKernel {
 public:
  EqualOp(const Node& node, Device& device)
      : OpKernel(node, device),
        incompatible_shape_error_(attr<bool>("incompatible_shape_error")) {}

  void Compute(OpKernelContext& ctx) override {
    if (!incompatible_shape_error_ &&
        !BroadcastShapes(ctx.input(0).shape(), ctx.input(1).shape())) {
      ctx.AllocateOutput(0).data<bool>()[0] = false;
      return;
    }
    cpu::ComputeBroadcastBinary<T, bool>(ctx, EqualFn{});
  }

 private:
  const bool incompatible_shape_error_;
};

template <typename T>
class SelectV2Op : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& condition = ctx.input(0);
    const Tensor& t = ctx.input(1);
    const Tensor& e = ctx.input(2);
    Tensor& out = ctx.AllocateOutput(0);
    cpu::TernaryMap<bool, T, T, T>(condition, t, e, out,
                                   [](bool c, T a, T b) { return c ? a : b; });
  }
};

// The conversions of kernels/cast_op.h.
struct CpuConversions {
  template <typename Src, typename Dst>
  static void Convert(const OpKernelContext& ctx, const Tensor& x, Tensor& out) {
    cpu::UnaryMap<Src, Dst>(x, out, CastFn<Dst>{});
  }
  static void TruncateToFloat(const OpKernelContext& ctx, const Tensor& x, Tensor& out) {
    cpu::UnaryMap<double, float>(x, out, TruncateToFloatFn{});
  }
};

template <typename T>
class AddNOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const int n = ctx.num_inputs();
    const Shape& shape = ctx.input(0).shape();
    std::vector<const T*> in(static_cast<size_t>(n));
    // The shape function has checked that the inputs have one shape.
    for (int k = 0; k < n; ++k) in[static_cast<size_t>(k)] = ctx.input(k).data<T>();
    Tensor& out = ctx.ForwardInputOrAllocateOutput({0}, 0);
    T* po = out.data<T>();
    // The output may share a buffer with any input (an input can also
    // appear several times), so each block is summed completely into a
    // local accumulator before it is written; blocks keep the inner loops
    // vectorizable.
    constexpr int64_t kBlock = 512;
    T acc[kBlock];
    const int64_t total = shape.num_elements();
    for (int64_t start = 0; start < total; start += kBlock) {
      const int64_t len = std::min(kBlock, total - start);
      std::copy_n(in[0] + start, len, acc);
      for (size_t k = 1; k < in.size(); ++k) {
        const T* src = in[k] + start;
        for (int64_t j = 0; j < len; ++j) acc[j] = AddFn{}(acc[j], src[j]);
      }
      std::copy_n(acc, len, po + start);
    }
  }
};

// "[2,3]": dims that came as values, so possibly negative.
template <typename T>
std::string ShapeString(const std::vector<T>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += StrCat(i == 0 ? "" : ",", dims[i]);
  return s + "]";
}

// TensorFlow's BCast reduction indices: with both shapes padded on the left
// with 1s to the larger rank, an input is reduced along every axis where
// its dim is 1 (even where the other's is also 1); equal shapes need no
// reduction at all.
template <typename T>
class BroadcastGradientArgsOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    std::vector<T> shapes[2];
    for (int i = 0; i < 2; ++i) {
      const Tensor& s = ctx.input(i);
      if (s.rank() != 1) ctx.Fail("s", i, " must be a vector but has shape ", s.shape().ToString());
      shapes[i] = s.ToVector<T>();
    }
    std::vector<T> reduce[2];
    if (shapes[0] != shapes[1]) {
      const size_t rank = std::max(shapes[0].size(), shapes[1].size());
      for (size_t axis = 0; axis < rank; ++axis) {
        T dims[2];
        for (int i = 0; i < 2; ++i) {
          const size_t pad = rank - shapes[i].size();
          dims[i] = axis < pad ? T(1) : shapes[i][axis - pad];
        }
        if (dims[0] != dims[1] && dims[0] != 1 && dims[1] != 1) {
          ctx.Fail("Incompatible shapes: ", ShapeString(shapes[0]), " vs. ",
                   ShapeString(shapes[1]));
        }
        for (int i = 0; i < 2; ++i) {
          if (dims[i] == 1) reduce[i].push_back(static_cast<T>(axis));
        }
      }
    }
    for (int i = 0; i < 2; ++i) {
      const std::vector<T>& r = reduce[i];
      Tensor& out = ctx.AllocateOutput(i);
      std::copy(r.begin(), r.end(), out.data<T>());
    }
  }
};

// --- registration ----------------------------------------------------------

template <typename T>
using AddOp = cpu::BinaryOpKernel<T, T, AddFn>;
template <typename T>
using SubOp = cpu::BinaryOpKernel<T, T, SubFn>;
template <typename T>
using MulOp = cpu::BinaryOpKernel<T, T, MulFn>;
template <typename T>
using RealDivOp = std::conditional_t<std::is_integral_v<T>, CheckedIntegerBinaryOp<T, IntegerDivFn>,
                                     cpu::BinaryOpKernel<T, T, DivFn>>;
template <typename T>
using MaximumOp = cpu::BinaryOpKernel<T, T, MaximumFn>;
template <typename T>
using MinimumOp = cpu::BinaryOpKernel<T, T, MinimumFn>;
template <typename T>
using PowOp = std::conditional_t<std::is_integral_v<T>, CheckedIntegerBinaryOp<T, IntegerPowFn>,
                                 cpu::BinaryOpKernel<T, T, PowFn>>;
template <typename T>
using GreaterOp = cpu::BinaryOpKernel<T, bool, GreaterFn>;
template <typename T>
using LessOp = cpu::BinaryOpKernel<T, bool, LessFn>;

template <typename T>
using NegOp = cpu::UnaryOpKernel<T, T, NegFn>;
template <typename T>
using SquareOp = cpu::UnaryOpKernel<T, T, SquareFn>;
template <typename T>
using SqrtOp = cpu::UnaryOpKernel<T, T, SqrtFn>;
template <typename T>
using RsqrtOp = cpu::UnaryOpKernel<T, T, RsqrtFn>;
template <typename T>
using ExpOp = cpu::UnaryOpKernel<T, T, ExpFn>;
template <typename T>
using LogOp = cpu::UnaryOpKernel<T, T, LogFn>;
template <typename T>
using SinOp = cpu::UnaryOpKernel<T, T, SinFn>;
template <typename T>
using CosOp = cpu::UnaryOpKernel<T, T, CosFn>;
template <typename T>
using FloorOp = cpu::UnaryOpKernel<T, T, FloorFn>;
template <typename T>
using AbsOp = cpu::UnaryOpKernel<T, T, AbsFn>;
template <typename T>
using SignOp = cpu::UnaryOpKernel<T, T, SignFn>;
template <typename T>
using SigmoidOp = cpu::UnaryOpKernel<T, T, SigmoidFn>;
template <typename T>
using TanhOp = cpu::UnaryOpKernel<T, T, TanhFn>;

#define TG_REGISTER_CPU(op, Kernel, T) \
  TG_REGISTER_KERNEL(op, kDeviceCpu, kDataTypeOf<T>, Kernel<T>)
// Kernel<T> for the dtype sets the ops share.
#define TG_REGISTER_CPU_FLOATS(op, Kernel) \
  TG_REGISTER_CPU(op, Kernel, float);      \
  TG_REGISTER_CPU(op, Kernel, double)
#define TG_REGISTER_CPU_SIGNED(op, Kernel) \
  TG_REGISTER_CPU_FLOATS(op, Kernel);      \
  TG_REGISTER_CPU(op, Kernel, int32_t);    \
  TG_REGISTER_CPU(op, Kernel, int64_t)
#define TG_REGISTER_CPU_NUMBERS(op, Kernel) \
  TG_REGISTER_CPU_SIGNED(op, Kernel);       \
  TG_REGISTER_CPU(op, Kernel, uint8_t)

TG_REGISTER_CPU_NUMBERS("AddV2", AddOp);
TG_REGISTER_CPU_NUMBERS("Add", AddOp);
TG_REGISTER_CPU_NUMBERS("Sub", SubOp);
TG_REGISTER_CPU_NUMBERS("Mul", MulOp);
TG_REGISTER_CPU_NUMBERS("RealDiv", RealDivOp);
TG_REGISTER_CPU_NUMBERS("Maximum", MaximumOp);
TG_REGISTER_CPU_NUMBERS("Minimum", MinimumOp);
TG_REGISTER_CPU_SIGNED("Pow", PowOp);

TG_REGISTER_CPU_SIGNED("Neg", NegOp);
TG_REGISTER_CPU_NUMBERS("Square", SquareOp);
TG_REGISTER_CPU_FLOATS("Sqrt", SqrtOp);
TG_REGISTER_CPU_FLOATS("Rsqrt", RsqrtOp);
TG_REGISTER_CPU_FLOATS("Exp", ExpOp);
TG_REGISTER_CPU_FLOATS("Log", LogOp);
TG_REGISTER_CPU_FLOATS("Sin", SinOp);
TG_REGISTER_CPU_FLOATS("Cos", CosOp);
TG_REGISTER_CPU_FLOATS("Floor", FloorOp);
TG_REGISTER_CPU_SIGNED("Abs", AbsOp);
TG_REGISTER_CPU_SIGNED("Sign", SignOp);
TG_REGISTER_CPU_FLOATS("Sigmoid", SigmoidOp);
TG_REGISTER_CPU_FLOATS("Tanh", TanhOp);

TG_REGISTER_KERNEL("Cast", kDeviceCpu, DT_INVALID, CastOpKernel<CpuConversions>);

TG_REGISTER_CPU_NUMBERS("Equal", EqualOp);
TG_REGISTER_CPU("Equal", EqualOp, bool);
TG_REGISTER_CPU_NUMBERS("Greater", GreaterOp);
TG_REGISTER_CPU_NUMBERS("Less", LessOp);

template <typename T>
using SigmoidGradOp = cpu::SameShapeBinaryOpKernel<T, SigmoidGradFn>;
template <typename T>
using TanhGradOp = cpu::SameShapeBinaryOpKernel<T, TanhGradFn>;
template <typename T>
using SqrtGradOp = cpu::SameShapeBinaryOpKernel<T, SqrtGradFn>;
template <typename T>
using RsqrtGradOp = cpu::SameShapeBinaryOpKernel<T, RsqrtGradFn>;

TG_REGISTER_CPU_SIGNED("AddN", AddNOp);
TG_REGISTER_CPU_FLOATS("SigmoidGrad", SigmoidGradOp);
TG_REGISTER_CPU_FLOATS("TanhGrad", TanhGradOp);
TG_REGISTER_CPU_FLOATS("SqrtGrad", SqrtGradOp);
TG_REGISTER_CPU_FLOATS("RsqrtGrad", RsqrtGradOp);
// Shape arithmetic: every argument in host memory on any device.
#define TG_REGISTER_BROADCAST_GRADIENT_ARGS(T)                                                \
  TG_REGISTER_KERNEL_DEF(KernelDef("BroadcastGradientArgs", kDeviceCpu, kDataTypeOf<T>).OnEveryDevice()      \
                             .HostMemory("s0")                                               \
                             .HostMemory("s1")                                               \
                             .HostMemory("r0")                                               \
                             .HostMemory("r1"),                                              \
                         BroadcastGradientArgsOp<T>)
TG_REGISTER_BROADCAST_GRADIENT_ARGS(int32_t);
TG_REGISTER_BROADCAST_GRADIENT_ARGS(int64_t);

TG_REGISTER_CPU_NUMBERS("SelectV2", SelectV2Op);
TG_REGISTER_CPU("SelectV2", SelectV2Op, bool);

}  // namespace
}  // namespace tensorgraph
