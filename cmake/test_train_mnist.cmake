# End-to-end checks of examples/train_mnist, each in fresh processes.
#   -DTRAIN=<train_mnist> -DWORK=<scratch dir> -DMODE=resume|accuracy
#
# resume: two epochs uninterrupted, against the same run stopped after one
#   epoch and resumed in a new process: the second epoch's log line (loss
#   and test accuracy), the final line and the final checkpoint must be
#   identical. Synthetic data, so it needs no download.
# accuracy: Adam, 3 epochs, default batch and learning rate on real MNIST
#   must reach a test accuracy of at least 0.98. Reported skipped (the
#   TG_TEST_SKIPPED marker) when MNIST is not found.
# gpu_accuracy: the same on the GPU (--device gpu), which must reach the
#   same 0.98; skipped when MNIST or a GPU is not found.
cmake_minimum_required(VERSION 3.25)

function(run_training out_var)
  execute_process(COMMAND ${TRAIN} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "train_mnist ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "train_mnist ${ARGN}:\n${out}")
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# The line of `text` that starts with `prefix`.
function(line_starting text prefix out_var)
  string(REGEX MATCH "(^|\n)${prefix}[^\n]*" line "${text}")
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    message(FATAL_ERROR "no line starting with '${prefix}' in:\n${text}")
  endif()
  set(${out_var} "${line}" PARENT_SCOPE)
endfunction()

# "epoch 2/2: loss X, test accuracy Y, S s, R samples/s" without the timings.
function(without_timing line out_var)
  string(REGEX REPLACE ", [0-9.]+ s, [0-9.]+ samples/s$" "" line "${line}")
  set(${out_var} "${line}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "resume")
  file(REMOVE_RECURSE ${WORK})
  set(common --synthetic --seed 7 --batch 50 --threads 1)
  run_training(straight ${common} --epochs 2 --save ${WORK}/straight)
  run_training(first ${common} --epochs 2 --stop-after 1 --save ${WORK}/resumed)
  run_training(second --resume ${WORK}/resumed --save ${WORK}/resumed --threads 1 --synthetic)
  foreach(prefix "epoch 2/2" "test_accuracy=")
    line_starting("${straight}" "${prefix}" want)
    line_starting("${second}" "${prefix}" got)
    without_timing("${want}" want)
    without_timing("${got}" got)
    if(NOT got STREQUAL want)
      message(FATAL_ERROR "the resumed run differs:\n  uninterrupted: ${want}\n  resumed:       ${got}")
    endif()
  endforeach()
  # The checkpoints of both runs hold the same bytes.
  file(SHA256 ${WORK}/straight/model.safetensors straight_sum)
  file(SHA256 ${WORK}/resumed/model.safetensors resumed_sum)
  if(NOT straight_sum STREQUAL resumed_sum)
    message(FATAL_ERROR "the final checkpoints differ")
  endif()
elseif(MODE STREQUAL "accuracy" OR MODE STREQUAL "gpu_accuracy")
  execute_process(COMMAND ${TRAIN} --epochs 0 RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message("TG_TEST_SKIPPED: MNIST not found; set TG_MNIST_DIR to run this test")
    return()
  endif()
  set(device)
  if(MODE STREQUAL "gpu_accuracy")
    execute_process(COMMAND ${TRAIN} --epochs 0 --device gpu RESULT_VARIABLE rc OUTPUT_QUIET
                    ERROR_QUIET)
    if(NOT rc EQUAL 0)
      message("TG_TEST_SKIPPED: no GPU in this process")
      return()
    endif()
    set(device --device gpu)
  endif()
  run_training(out --optimizer adam --epochs 3 ${device})
  line_starting("${out}" "test_accuracy=" last)
  string(REGEX MATCH "test_accuracy=([0-9.]+)" _ "${last}")
  if(CMAKE_MATCH_1 LESS 0.98)
    message(FATAL_ERROR "Adam, 3 epochs ${device}: test accuracy ${CMAKE_MATCH_1} is below 0.98")
  endif()
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
