# Regenerates the op reference and compares it with the committed one.
# To update: build/tools/op_reference > docs/ops.md
execute_process(COMMAND ${GENERATOR} OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "op_reference failed (${rc})")
endif()
file(READ ${REFERENCE} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/ops.md is stale: run build/tools/op_reference > docs/ops.md")
endif()
