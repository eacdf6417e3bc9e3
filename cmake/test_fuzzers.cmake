# ctest: builds the libFuzzer targets with clang++ (ASan and UBSan) in WORK
# and runs each for SECONDS, so the fuzzers keep building and running in
# every `make test`. Skipped, visibly, without clang++ or its libFuzzer
# (Debian: clang, libclang-rt-14-dev; scripts/install-deps.sh installs them).

# In a sanitizer build (TG_SANITIZE) the programs this builds against the
# library would need the sanitizer runtime: tests/CMakeLists.txt.
if(SANITIZE)
  message("TG_TEST_SKIPPED: not run in a sanitizer build (-DTG_SANITIZE=${SANITIZE})")
  return()
endif()

find_program(CLANGXX NAMES clang++ clang++-14)
if(NOT CLANGXX)
  message("TG_TEST_SKIPPED: no clang++ to build the fuzzers with")
  return()
endif()
file(WRITE ${WORK}/probe/probe.cc
     "extern \"C\" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n")
execute_process(COMMAND ${CLANGXX} -fsanitize=fuzzer,address ${WORK}/probe/probe.cc
                        -o ${WORK}/probe/probe
                RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
if(NOT probe_result EQUAL 0)
  message("TG_TEST_SKIPPED: ${CLANGXX} cannot link libFuzzer (install libclang-rt-14-dev)")
  return()
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${result}):\n${out}")
  endif()
  message("${out}")
endfunction()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    -DCMAKE_CXX_COMPILER=${CLANGXX} -DTG_FUZZ=ON -DTG_SANITIZE=address,undefined -DTG_CUDA=OFF
    -DTG_BUILD_EXAMPLES=OFF)
cmake_host_system_information(RESULT cores QUERY NUMBER_OF_LOGICAL_CORES)
run(${CMAKE_COMMAND} --build ${WORK}/build --target fuzzers -j ${cores})
run(${SOURCE_DIR}/tests/fuzz/run_fuzzers.sh ${WORK}/build ${SECONDS})
