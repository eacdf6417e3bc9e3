// CPU kernels for array ops.
#include "graph/graph_def.h"
#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

class PlaceholderOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override {
    throw Error(ErrorCode::kFailedPrecondition,
                StrCat("placeholder must be fed a ", DataTypeName(node().output_type(0)),
                       " tensor of shape ", node().output_shape(0).ToString()),
                node().name(), node().op());
  }
};
TG_REGISTER_KERNEL("Placeholder", kDeviceCpu, DT_INVALID, PlaceholderOp);

// Passes its input through, sharing the buffer.
class ForwardInputOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext& ctx) override { ctx.SetOutput(0, ctx.input(0)); }
};
TG_REGISTER_KERNEL("Identity", kDeviceCpu, DT_INVALID, ForwardInputOp);
TG_REGISTER_KERNEL("PlaceholderWithDefault", kDeviceCpu, DT_INVALID, ForwardInputOp);

class ConstOp : public OpKernel {
 public:
  ConstOp(const Node& node, Device& device)
      : OpKernel(node, device), value_(device.CopyFromHost(node.attr<Tensor>("value"))) {}
  void Compute(OpKernelContext& ctx) override { ctx.SetOutput(0, value_); }

 private:
  const Tensor value_;
};
TG_REGISTER_KERNEL("Const", kDeviceCpu, DT_INVALID, ConstOp);

}  // namespace
}  // namespace tensorgraph
