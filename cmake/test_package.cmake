# Installs tensorgraph into a scratch prefix, then configures, builds and
# runs examples/consumer against it: the find_package(tensorgraph) path a
# user takes; then runs the installed `tg` on a graph with no
# LD_LIBRARY_PATH, from a copy of the prefix moved elsewhere, as a user who
# unpacks an install would. Run by ctest with -DBUILD_DIR=... -DSOURCE_DIR=...

# In a sanitizer build (TG_SANITIZE) the programs this builds against the
# library would need the sanitizer runtime: tests/CMakeLists.txt.
if(SANITIZE)
  message("TG_TEST_SKIPPED: not run in a sanitizer build (-DTG_SANITIZE=${SANITIZE})")
  return()
endif()

set(prefix ${BUILD_DIR}/test_package/install)
set(consumer_build ${BUILD_DIR}/test_package/consumer)
file(REMOVE_RECURSE ${BUILD_DIR}/test_package)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${consumer_build}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${consumer_build})
run(${consumer_build}/consumer)

# The installed tg finds its library through its own run path alone.
set(moved ${BUILD_DIR}/test_package/moved)
file(COPY ${prefix}/ DESTINATION ${moved})
foreach(root ${prefix} ${moved})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH
                          ${root}/bin/tg inspect ${SOURCE_DIR}/tests/data/tf/mlp_frozen.pb
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the installed ${root}/bin/tg failed (${rc}): ${err}")
  endif()
  if(NOT out MATCHES "MatMul")
    message(FATAL_ERROR "the installed ${root}/bin/tg printed no summary of the graph:\n${out}")
  endif()
endforeach()
message(STATUS "the installed tg runs, in place and moved:\n${out}")
