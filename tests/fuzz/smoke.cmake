# SPDX-License-Identifier: MIT
# One smoke run of a libFuzzer harness: every seed and regression input, then SECONDS of fuzzing.
# New inputs go to a scratch folder in the build tree, never into the repository's corpus.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/new")
execute_process(
  COMMAND "${HARNESS}" "${WORK}/new" "${CORPUS}" "${REGRESSIONS}" -max_total_time=${SECONDS} -timeout=25
          -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix=${WORK}/
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${out}")
if(NOT status EQUAL 0)
  message("${out}")
  file(GLOB findings "${WORK}/crash-*" "${WORK}/leak-*" "${WORK}/timeout-*" "${WORK}/oom-*")
  message(FATAL_ERROR "fuzzing found a problem; the input is kept as ${findings}. Keep it as a regression input in "
                      "${REGRESSIONS} once fixed.")
endif()
message("${runs}")
