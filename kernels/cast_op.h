// The Cast kernel, shared by the CPU and CUDA backends
// (kernels/cpu/math_ops.cc, kernels/cuda/math_ops.cu): registered for every
// dtype, it picks the conversion for its (SrcT, DstT) pair once, when it is
// made, and shares the input's buffer when the two are the same. Each
// backend supplies the conversions, as a struct with
//   template <typename Src, typename Dst>
//   static void Convert(const OpKernelContext&, const Tensor& x, Tensor& out);
//   static void TruncateToFloat(const OpKernelContext&, const Tensor& x, Tensor& out);
// (the latter for double to float with Truncate set).
#pragma once

#include "runtime/kernel.h"

namespace tensorgraph {

template <typename Conversions>
class CastOpKernel : public OpKernel {
 public:
  CastOpKernel(const Node& node, Device& device)
      : OpKernel(node, device),
        convert_(SelectConversion(attr<DataType>("SrcT"), attr<DataType>("DstT"),
                                  attr<bool>("Truncate"))) {}

  void Compute(OpKernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    if (convert_ == nullptr) {  // same dtype: share the buffer
      ctx.SetOutput(0, x);
      return;
    }
    convert_(ctx, x, ctx.AllocateOutput(0));
  }

 private:
  using Conversion = void (*)(const OpKernelContext&, const Tensor&, Tensor&);

  static Conversion SelectConversion(DataType src, DataType dst, bool truncate) {
    if (src == dst) return nullptr;
    if (truncate && src == DT_DOUBLE && dst == DT_FLOAT) return Conversions::TruncateToFloat;
    return VisitDataType(src, "Cast SrcT", [dst](auto src_zero) {
      using Src = decltype(src_zero);
      return VisitDataType(dst, "Cast DstT", [](auto dst_zero) -> Conversion {
        return Conversions::template Convert<Src, decltype(dst_zero)>;
      });
    });
  }

  const Conversion convert_;
};

}  // namespace tensorgraph
