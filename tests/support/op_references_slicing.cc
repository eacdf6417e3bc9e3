// References and harness entries for slicing, stacking and tiling ops.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddSlicingEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
