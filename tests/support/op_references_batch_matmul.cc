// References and harness entries for BatchMatMulV2 and Einsum.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddBatchMatMulEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
