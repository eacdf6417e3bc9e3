// CUDA kernels for elementwise math: arithmetic, comparisons, SelectV2,
// Cast (the kernel of kernels/cast_op.h over the GPU's conversions), AddN
// and the activation gradient ops, over the functors the CPU kernels
// (kernels/cpu/math_ops.cc) use.
#include <algorithm>
#include <type_traits>

#include "kernels/cast_op.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/functors/math.h"

namespace tensorgraph {
namespace {

using namespace functors;  // NOLINT: the math is shared with the CPU kernels
using cuda::BinaryOpKernel;
using cuda::UnaryOpKernel;

// Integer division and power reject some divisors and exponents, as on the
// CPU: the check runs on the GPU and its one flag is read back, which waits
// for the stream (a step with one is not captured as a CUDA graph; the
// registration says so).
template <typename T, typename Fn>
__global__ void AnyRejected(int64_t n, const T* y, unsigned int* flag) {
  TG_CUDA_LOOP(i, n) {
    if (Fn::Rejects(y[i])) atomicOr(flag, 1u);
  }
}

template <typename T, typename Fn>
class CheckedIntegerBinaryOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    if (x.num_elements() > 0 && y.num_elements() > 0) {
      Tensor flag = ctx.AllocateTemp(DT_INT32, Shape{});
      unsigned int* pflag = static_cast<unsigned int*>(flag.raw_data());
      CheckCuda(cudaMemsetAsync(pflag, 0, sizeof(unsigned int), cuda::StreamOf(ctx)), "cudaMemset");
      cuda::Launch1D(ctx, "rejection check", y.num_elements(), 1, AnyRejected<T, Fn>,
                     y.num_elements(), cuda::DevicePtr<T>(y), pflag);
      unsigned int rejected = 0;
      CheckCuda(cudaMemcpyAsync(&rejected, pflag, sizeof rejected, cudaMemcpyDeviceToHost,
                                cuda::StreamOf(ctx)),
                "copy from GPU");
      CheckCuda(cudaStreamSynchronize(cuda::StreamOf(ctx)), "cudaStreamSynchronize");
      if (rejected != 0) ctx.Fail(Fn::kRejected);
    }
    Tensor& out = ctx.ForwardInputOrAllocateOutput({0, 1}, 0);
    cuda::LaunchElementwise<T, T, T>(ctx, Fn{}, out, {&x, &y});
  }
};

template <typename T>
class EqualOp : public OpKernel {
 public:
  EqualOp(const Node& node, Device& device)
      : OpKernel(node, device),
        incompatible_shape_error_(attr<bool>("incompatible_shape_error")) {}

  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    Tensor& out = ctx.AllocateOutput(0);
    if (!incompatible_shape_error_ && !BroadcastShapes(x.shape(), y.shape())) {
      CheckCuda(cudaMemsetAsync(out.raw_data(), 0, out.bytes(), cuda::StreamOf(ctx)), "cudaMemset");
      return;
    }
    cuda::LaunchElementwise<bool, T, T>(ctx, EqualFn{}, out, {&x, &y});
  }

 private:
  const bool incompatible_shape_error_;
};

struct SelectFn {
  template <typename T>
  __device__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

template <typename T>
class SelectV2Op : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    cuda::LaunchElementwise<T, bool, T, T>(ctx, SelectFn{}, ctx.AllocateOutput(0),
                                           {&ctx.input(0), &ctx.input(1), &ctx.input(2)});
  }
};

// The conversions of kernels/cast_op.h.
struct CudaConversions {
  template <typename Src, typename Dst>
  static void Convert(const OpKernelContext& ctx, const Tensor& x, Tensor& out) {
    cuda::LaunchElementwise<Dst, Src>(ctx, CastFn<Dst>{}, out, {&x});
  }
  static void TruncateToFloat(const OpKernelContext& ctx, const Tensor& x, Tensor& out) {
    cuda::LaunchElementwise<float, double>(ctx, TruncateToFloatFn{}, out, {&x});
  }
};

// AddN: up to kAddNFanIn inputs summed per pass, each element read once
// per input and written once per pass (the output may be an input's
// buffer: every input is read before the element is written).
constexpr int kAddNFanIn = 8;

template <typename T>
struct AddNArgs {
  const T* in[kAddNFanIn];
  int count;
};

template <typename T>
__global__ void AddNKernel(int64_t n, AddNArgs<T> args, const T* accumulated, T* out) {
  TG_CUDA_LOOP(i, n) {
    T acc = accumulated != nullptr ? accumulated[i] : args.in[0][i];
    for (int k = accumulated != nullptr ? 0 : 1; k < args.count; ++k) acc = AddFn{}(acc, args.in[k][i]);
    out[i] = acc;
  }
}

template <typename T>
class AddNOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const int count = ctx.num_inputs();
    const int64_t n = ctx.input(0).num_elements();
    Tensor& out = ctx.ForwardInputOrAllocateOutput({0}, 0);
    T* po = cuda::DevicePtr<T>(out);
    // The first pass reads up to kAddNFanIn inputs, each later one the
    // running sum in `out` and up to kAddNFanIn more.
    int next = 0;
    while (next < count) {
      AddNArgs<T> args{};
      const bool first = next == 0;
      args.count = std::min(kAddNFanIn, count - next);
      for (int k = 0; k < args.count; ++k) args.in[k] = cuda::DevicePtr<T>(ctx.input(next + k));
      cuda::Launch1D(ctx, "AddN kernel", n, 1, AddNKernel<T>, n, args, first ? nullptr : po, po);
      next += args.count;
    }
  }
};

// --- registration ----------------------------------------------------------

template <typename T>
using AddOp = BinaryOpKernel<T, T, AddFn>;
template <typename T>
using SubOp = BinaryOpKernel<T, T, SubFn>;
template <typename T>
using MulOp = BinaryOpKernel<T, T, MulFn>;
template <typename T>
using RealDivOp = std::conditional_t<std::is_integral_v<T>, CheckedIntegerBinaryOp<T, IntegerDivFn>,
                                     BinaryOpKernel<T, T, DivFn>>;
template <typename T>
using MaximumOp = BinaryOpKernel<T, T, MaximumFn>;
template <typename T>
using MinimumOp = BinaryOpKernel<T, T, MinimumFn>;
template <typename T>
using PowOp = std::conditional_t<std::is_integral_v<T>, CheckedIntegerBinaryOp<T, IntegerPowFn>,
                                 BinaryOpKernel<T, T, PowFn>>;
template <typename T>
using GreaterOp = BinaryOpKernel<T, bool, GreaterFn>;
template <typename T>
using LessOp = BinaryOpKernel<T, bool, LessFn>;

template <typename T>
using NegOp = UnaryOpKernel<T, T, NegFn>;
template <typename T>
using SquareOp = UnaryOpKernel<T, T, SquareFn>;
template <typename T>
using SqrtOp = UnaryOpKernel<T, T, SqrtFn>;
template <typename T>
using RsqrtOp = UnaryOpKernel<T, T, RsqrtFn>;
template <typename T>
using ExpOp = UnaryOpKernel<T, T, ExpFn>;
template <typename T>
using LogOp = UnaryOpKernel<T, T, LogFn>;
template <typename T>
using SinOp = UnaryOpKernel<T, T, SinFn>;
template <typename T>
using CosOp = UnaryOpKernel<T, T, CosFn>;
template <typename T>
using FloorOp = UnaryOpKernel<T, T, FloorFn>;
template <typename T>
using AbsOp = UnaryOpKernel<T, T, AbsFn>;
template <typename T>
using SignOp = UnaryOpKernel<T, T, SignFn>;
template <typename T>
using SigmoidOp = UnaryOpKernel<T, T, SigmoidFn>;
template <typename T>
using TanhOp = UnaryOpKernel<T, T, TanhFn>;

template <typename T>
using SigmoidGradOp = BinaryOpKernel<T, T, SigmoidGradFn>;
template <typename T>
using TanhGradOp = BinaryOpKernel<T, T, TanhGradFn>;
template <typename T>
using SqrtGradOp = BinaryOpKernel<T, T, SqrtGradFn>;
template <typename T>
using RsqrtGradOp = BinaryOpKernel<T, T, RsqrtGradFn>;

#define TG_REGISTER_GPU(op, Kernel, T) TG_REGISTER_KERNEL(op, kDeviceGpu, kDataTypeOf<T>, Kernel<T>)
#define TG_REGISTER_GPU_FLOATS(op, Kernel) \
  TG_REGISTER_GPU(op, Kernel, float);      \
  TG_REGISTER_GPU(op, Kernel, double)
#define TG_REGISTER_GPU_SIGNED(op, Kernel) \
  TG_REGISTER_GPU_FLOATS(op, Kernel);      \
  TG_REGISTER_GPU(op, Kernel, int32_t);    \
  TG_REGISTER_GPU(op, Kernel, int64_t)
#define TG_REGISTER_GPU_NUMBERS(op, Kernel) \
  TG_REGISTER_GPU_SIGNED(op, Kernel);       \
  TG_REGISTER_GPU(op, Kernel, uint8_t)

// Integer kernels that read a flag back: not capturable.
#define TG_REGISTER_GPU_CHECKED(op, Kernel, T)                                          \
  TG_REGISTER_KERNEL_DEF(KernelDef(op, kDeviceGpu, kDataTypeOf<T>)                      \
                             .NotCapturable("it reads back whether an operand is rejected"), \
                         Kernel<T>)
#define TG_REGISTER_GPU_NUMBERS_CHECKED(op, Kernel) \
  TG_REGISTER_GPU_FLOATS(op, Kernel);               \
  TG_REGISTER_GPU_CHECKED(op, Kernel, int32_t);     \
  TG_REGISTER_GPU_CHECKED(op, Kernel, int64_t)

TG_REGISTER_GPU_NUMBERS("AddV2", AddOp);
TG_REGISTER_GPU_NUMBERS("Add", AddOp);
TG_REGISTER_GPU_NUMBERS("Sub", SubOp);
TG_REGISTER_GPU_NUMBERS("Mul", MulOp);
TG_REGISTER_GPU_NUMBERS_CHECKED("RealDiv", RealDivOp);
TG_REGISTER_GPU_CHECKED("RealDiv", RealDivOp, uint8_t);
TG_REGISTER_GPU_NUMBERS("Maximum", MaximumOp);
TG_REGISTER_GPU_NUMBERS("Minimum", MinimumOp);
TG_REGISTER_GPU_NUMBERS_CHECKED("Pow", PowOp);

TG_REGISTER_GPU_SIGNED("Neg", NegOp);
TG_REGISTER_GPU_NUMBERS("Square", SquareOp);
TG_REGISTER_GPU_FLOATS("Sqrt", SqrtOp);
TG_REGISTER_GPU_FLOATS("Rsqrt", RsqrtOp);
TG_REGISTER_GPU_FLOATS("Exp", ExpOp);
TG_REGISTER_GPU_FLOATS("Log", LogOp);
TG_REGISTER_GPU_FLOATS("Sin", SinOp);
TG_REGISTER_GPU_FLOATS("Cos", CosOp);
TG_REGISTER_GPU_FLOATS("Floor", FloorOp);
TG_REGISTER_GPU_SIGNED("Abs", AbsOp);
TG_REGISTER_GPU_SIGNED("Sign", SignOp);
TG_REGISTER_GPU_FLOATS("Sigmoid", SigmoidOp);
TG_REGISTER_GPU_FLOATS("Tanh", TanhOp);

TG_REGISTER_KERNEL("Cast", kDeviceGpu, DT_INVALID, CastOpKernel<CudaConversions>);

TG_REGISTER_GPU_NUMBERS("Equal", EqualOp);
TG_REGISTER_GPU("Equal", EqualOp, bool);
TG_REGISTER_GPU_NUMBERS("Greater", GreaterOp);
TG_REGISTER_GPU_NUMBERS("Less", LessOp);

TG_REGISTER_GPU_SIGNED("AddN", AddNOp);
TG_REGISTER_GPU_FLOATS("SigmoidGrad", SigmoidGradOp);
TG_REGISTER_GPU_FLOATS("TanhGrad", TanhGradOp);
TG_REGISTER_GPU_FLOATS("SqrtGrad", SqrtGradOp);
TG_REGISTER_GPU_FLOATS("RsqrtGrad", RsqrtGradOp);

TG_REGISTER_GPU_NUMBERS("SelectV2", SelectV2Op);
TG_REGISTER_GPU("SelectV2", SelectV2Op, bool);

}  // namespace
}  // namespace tensorgraph
