// One libFuzzer binary per target: CMake compiles this file with
// TG_FUZZ_TARGET set to the function's name (tests/fuzz/CMakeLists.txt).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tensorgraph::fuzz::TG_FUZZ_TARGET(data, size);
  return 0;
}
