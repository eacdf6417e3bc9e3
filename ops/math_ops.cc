// Elementwise math ops: definitions and builders.
#include "ops/math_ops.h"

#include "ops/array_ops.h"

namespace tensorgraph {
namespace {

TG_REGISTER_OP("AddV2")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double, int32, uint8, int64}")
    .SetShapeFn(shape_fns::BroadcastBinary)
    .Doc("x + y, with numpy broadcasting.");

}  // namespace

namespace ops {

Output AddV2(const Scope& scope, Output x, Output y) { return scope.AddNode("AddV2", {x, y}); }

}  // namespace ops

Output operator+(Output x, Output y) { return ops::AddV2(Scope::ForOutput(x), x, y); }
Output operator+(Output x, double y) {
  Scope s = Scope::ForOutput(x);
  return ops::AddV2(s, x, ops::ScalarConst(s, x.dtype(), y));
}
Output operator+(double x, Output y) {
  Scope s = Scope::ForOutput(y);
  return ops::AddV2(s, ops::ScalarConst(s, y.dtype(), x), y);
}

}  // namespace tensorgraph
