// CPU kernels for elementwise math.
#include "kernels/cpu/elementwise.h"

namespace tensorgraph {
namespace {

struct AddFn {
  template <typename T>
  T operator()(T a, T b) const { return static_cast<T>(a + b); }
};

#define TG_REGISTER_BINARY(op, Fn, T) \
  TG_REGISTER_KERNEL(op, kDeviceCpu, kDataTypeOf<T>, cpu::BinaryOpKernel<T, T, Fn>)

TG_REGISTER_BINARY("AddV2", AddFn, float);
TG_REGISTER_BINARY("AddV2", AddFn, double);
TG_REGISTER_BINARY("AddV2", AddFn, int32_t);
TG_REGISTER_BINARY("AddV2", AddFn, uint8_t);
TG_REGISTER_BINARY("AddV2", AddFn, int64_t);

}  // namespace
}  // namespace tensorgraph
