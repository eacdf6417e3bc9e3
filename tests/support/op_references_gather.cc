// References and harness entries for gather, segment and top-k ops.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddGatherEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
