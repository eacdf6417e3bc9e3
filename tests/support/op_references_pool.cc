// References and harness entries for pooling ops.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddPoolEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
