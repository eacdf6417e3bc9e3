# ctest: one graph-building program (tests/determinism/build_graph.cc),
# compiled by g++ and by clang++ against the built library, run twice each:
# the four .pb files must be byte-identical. Skipped, visibly, without the
# second compiler. SOURCE_DIR, BUILD_DIR, WORK; LIBRARY: libtensorgraph.

# In a sanitizer build (TG_SANITIZE) the programs this builds against the
# library would need the sanitizer runtime: tests/CMakeLists.txt.
if(SANITIZE)
  message("TG_TEST_SKIPPED: not run in a sanitizer build (-DTG_SANITIZE=${SANITIZE})")
  return()
endif()

find_program(GXX NAMES g++)
find_program(CLANGXX NAMES clang++ clang++-14)
if(NOT GXX OR NOT CLANGXX)
  message("TG_TEST_SKIPPED: g++ and clang++ are both needed (found '${GXX}' and '${CLANGXX}')")
  return()
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
get_filename_component(library_dir ${LIBRARY} DIRECTORY)

set(outputs)
foreach(compiler ${GXX} ${CLANGXX})
  get_filename_component(name ${compiler} NAME)
  set(program ${WORK}/build_graph_${name})
  execute_process(
    COMMAND ${compiler} -std=c++20 -O1 -I${SOURCE_DIR} -I${BUILD_DIR}
            ${SOURCE_DIR}/tests/determinism/build_graph.cc -o ${program}
            ${LIBRARY} -lprotobuf -Wl,-rpath,${library_dir}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${name} could not build build_graph.cc:\n${out}")
  endif()
  foreach(run 1 2)
    set(pb ${WORK}/graph_${name}_${run}.pb)
    execute_process(COMMAND ${program} ${pb} RESULT_VARIABLE result ERROR_VARIABLE out)
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "${program} ${pb} failed (${result}): ${out}")
    endif()
    list(APPEND outputs ${pb})
  endforeach()
endforeach()

list(GET outputs 0 first)
file(SHA256 ${first} want)
foreach(pb ${outputs})
  file(SHA256 ${pb} got)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${pb} differs from ${first}: the same program wrote different bytes "
                        "(compare them with `tg convert X.pb X.pbtxt` and diff)")
  endif()
endforeach()
list(LENGTH outputs count)
message("${count} graphs from g++ and clang++ builds are byte-identical (sha256 ${want})")
