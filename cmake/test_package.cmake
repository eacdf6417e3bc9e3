# Installs tensorgraph into a scratch prefix, then configures, builds and
# runs examples/consumer against it: the find_package(tensorgraph) path a
# user takes. Run by ctest with -DBUILD_DIR=... -DSOURCE_DIR=...
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
