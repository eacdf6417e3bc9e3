// CPU kernels for control-flow ops.
#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

class NoOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext&) override {}
};
TG_REGISTER_KERNEL_DEF(KernelDef("NoOp", kDeviceCpu).OnEveryDevice(), NoOpKernel);

}  // namespace
}  // namespace tensorgraph
