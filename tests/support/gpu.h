// GPU tests report themselves skipped when the process has no GPU device:
// the message below makes CTest count the test as skipped, not passed.
#pragma once

#include <catch2/catch.hpp>

#include "runtime/device.h"

#define TG_REQUIRE_GPU()                                                             \
  do {                                                                               \
    if (::tensorgraph::FindDevice("GPU") == nullptr) {                               \
      WARN("TG_TEST_SKIPPED: no GPU device in this process (build with CUDA and run " \
           "on a machine with a GPU)");                                              \
      return;                                                                        \
    }                                                                                \
  } while (0)
