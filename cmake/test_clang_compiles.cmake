# ctest: every test, tool and example source parses and type-checks with
# clang++ (-fsyntax-only), so code that only g++ accepts is caught in every
# `make test`; the library itself is compiled by clang in the fuzzers'
# build (test_fuzzers.cmake). Skipped, visibly, without clang++.
# SOURCE_DIR, BUILD_DIR (for the generated protobuf headers).
find_program(CLANGXX NAMES clang++ clang++-14)
if(NOT CLANGXX)
  message("TG_TEST_SKIPPED: no clang++ to check the sources with")
  return()
endif()
file(GLOB_RECURSE sources ${SOURCE_DIR}/tests/*.cc ${SOURCE_DIR}/tools/*.cc
     ${SOURCE_DIR}/examples/*.cc)
list(FILTER sources EXCLUDE REGEX "/tests/fuzz/fuzz_main\\.cc$")  # needs the target's macro
list(FILTER sources EXCLUDE REGEX "/examples/consumer/")  # built against an install
set(failed "")
foreach(source ${sources})
  execute_process(
    COMMAND ${CLANGXX} -std=c++20 -fsyntax-only -Wno-unknown-warning-option -I${SOURCE_DIR}
            -I${BUILD_DIR} -DTG_TEST_DATA_DIR="" -DTG_BINARY_DIR="" -DTG_SOURCE_DIR=""
            ${source}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    string(APPEND failed "\n${out}")
  endif()
endforeach()
list(LENGTH sources count)
if(failed)
  message(FATAL_ERROR "clang++ rejects sources g++ accepts:${failed}")
endif()
message("clang++ accepts all ${count} test, tool and example sources")
