// References and harness entries for convolution ops.
#include "tests/support/op_references.h"

namespace tensorgraph::testing {

void AddConvEntries(HarnessTable& table) {}

}  // namespace tensorgraph::testing
