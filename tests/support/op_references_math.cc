// References and harness entries for elementwise math, logic and comparison ops.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddMathEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
