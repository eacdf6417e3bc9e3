// The elementwise launch templates of the CUDA kernels, the counterpart of
// kernels/cpu/elementwise.h: out = f(in...) with numpy broadcasting, the
// functor from kernels/functors/. Two paths, as PyTorch's gpu_kernel has:
//
// - contiguous: every input has the output's element count (and so its
//   layout); each thread loads and stores up to 16 bytes per operand at
//   once when every pointer is aligned for it;
// - strided: the inputs are read through an OffsetCalculator built on the
//   host from the broadcast layout (launch.h), in pieces that 32-bit
//   offsets address.
#pragma once

#include <array>
#include <tuple>
#include <type_traits>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/strided_layout.h"

namespace tensorgraph::cuda {

template <typename T, int W>
struct alignas(sizeof(T) * W) Pack {
  T v[W];
};

template <int W, typename Out, typename F, typename... In>
__global__ void ContiguousKernel(int64_t n, F f, Out* out, const In*... in) {
  const int64_t stride = int64_t{blockDim.x} * gridDim.x * W;
  for (int64_t i = (int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * W; i < n; i += stride) {
    if constexpr (W == 1) {
      out[i] = f(in[i]...);
    } else {
      // n is a multiple of W (VectorWidth), so a pack never runs past it.
      std::tuple<Pack<In, W>...> packs{*reinterpret_cast<const Pack<In, W>*>(in + i)...};
      Pack<Out, W> result;
#pragma unroll
      for (int j = 0; j < W; ++j) {
        result.v[j] = std::apply([&](const auto&... p) { return f(p.v[j]...); }, packs);
      }
      *reinterpret_cast<Pack<Out, W>*>(out + i) = result;
    }
  }
}

template <typename Out, typename F, typename... In, size_t... K>
__device__ Out ApplyAt(F f, const std::array<uint32_t, sizeof...(In)>& offsets,
                       const std::tuple<const In*...>& in, std::index_sequence<K...>) {
  return f(std::get<K>(in)[offsets[K]]...);
}

template <typename Out, typename F, typename... In>
__global__ void StridedKernel(uint32_t n, OffsetCalculator<sizeof...(In)> calc, F f, Out* out,
                              const In*... in) {
  const std::tuple<const In*...> inputs{in...};
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    out[i] = ApplyAt<Out>(f, calc.Get(i), inputs, std::index_sequence_for<In...>{});
  }
}

// out[i] = f(in[i]...) over out's elements, the inputs broadcast to out's
// shape (checked by the op's shape function).
template <typename Out, typename... In, typename F>
void LaunchElementwise(const OpKernelContext& ctx, F f, Tensor& out, const std::array<const Tensor*, sizeof...(In)>& in) {
  constexpr size_t N = sizeof...(In);
  const int64_t n = out.num_elements();
  if (n == 0) return;
  Out* po = DevicePtr<Out>(out);
  bool contiguous = true;
  for (const Tensor* t : in) contiguous = contiguous && t->num_elements() == n;
  if (contiguous) {
    const auto launch = [&]<size_t... K>(std::index_sequence<K...>) {
      const std::tuple<const In*...> pointers{DevicePtr<In>(*in[K])...};
      const int width = VectorWidth({po, std::get<K>(pointers)...}, n,
                                    static_cast<int>(std::max({sizeof(Out), sizeof(In)...})));
      if (width == 4) {
        Launch1D(ctx, "elementwise kernel", n, 4, ContiguousKernel<4, Out, F, In...>, n, f, po,
                 std::get<K>(pointers)...);
      } else if (width == 2) {
        Launch1D(ctx, "elementwise kernel", n, 2, ContiguousKernel<2, Out, F, In...>, n, f, po,
                 std::get<K>(pointers)...);
      } else {
        Launch1D(ctx, "elementwise kernel", n, 1, ContiguousKernel<1, Out, F, In...>, n, f, po,
                 std::get<K>(pointers)...);
      }
    };
    launch(std::index_sequence_for<In...>{});
    return;
  }
  std::array<const Shape*, N> shapes;
  for (size_t k = 0; k < N; ++k) shapes[k] = &in[k]->shape();
  const StridedLayout<N> layout = MakeBroadcastLayout<N>(shapes, out.shape());
  for (const IndexPiece<N>& piece : SplitFor32BitIndexing<N>(layout)) {
    const auto launch = [&]<size_t... K>(std::index_sequence<K...>) {
      Launch1D(ctx, "broadcasting elementwise kernel", piece.layout.num_elements(), 1,
               StridedKernel<Out, F, In...>, static_cast<uint32_t>(piece.layout.num_elements()),
               MakeOffsetCalculator<N>(piece.layout), f, po + piece.output_base,
               DevicePtr<In>(*in[K]) + piece.input_bases[K]...);
    };
    launch(std::index_sequence_for<In...>{});
  }
}

// The CUDA kernel classes for the shapes of elementwise ops, as
// kernels/cpu/elementwise.h has for the CPU.

template <typename In, typename Out, typename Fn>
class UnaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& out = std::is_same_v<In, Out> ? ctx.ForwardInputOrAllocateOutput({0}, 0)
                                          : ctx.AllocateOutput(0);
    LaunchElementwise<Out, In>(ctx, Fn{}, out, {&x});
  }
};

// A binary op with the broadcast shape; also the gradient ops (SigmoidGrad,
// ReluGrad...), whose inputs have one shape.
template <typename In, typename Out, typename Fn>
class BinaryOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    Tensor& out = std::is_same_v<In, Out> ? ctx.ForwardInputOrAllocateOutput({0, 1}, 0)
                                          : ctx.AllocateOutput(0);
    LaunchElementwise<Out, In, In>(ctx, Fn{}, out, {&x, &y});
  }
};

}  // namespace tensorgraph::cuda
