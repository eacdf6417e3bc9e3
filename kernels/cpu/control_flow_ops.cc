// CPU kernels for control-flow ops.
#include "runtime/kernel.h"

namespace tensorgraph {
namespace {

class NoOpKernel : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext&) override {}
};
TG_REGISTER_KERNEL("NoOp", kDeviceCpu, DT_INVALID, NoOpKernel);

}  // namespace
}  // namespace tensorgraph
