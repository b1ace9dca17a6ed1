# SPDX-License-Identifier: MIT
# Runs the SDK check; see CMakeLists.txt beside this file. Every step is bounded in time.
foreach(var NODE NPM ADAPTER SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_sdk_check.cmake needs -D${var}=...")
  endif()
endforeach()

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sdk check: ${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY "${WORK_DIR}")
set(npm_dir "${WORK_DIR}/../npm")
file(MAKE_DIRECTORY "${npm_dir}")
if(NOT EXISTS "${npm_dir}/node_modules/stripe/package.json")
  configure_file("${SOURCE_DIR}/package.json" "${npm_dir}/package.json" COPYONLY)
  execute_process(COMMAND "${NPM}" install --no-audit --no-fund --no-package-lock --loglevel=error
                  WORKING_DIRECTORY "${npm_dir}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 300)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sdk check: npm install of the pinned stripe package failed (${rc}):\n${out}\n${err}")
  endif()
endif()

file(REMOVE_RECURSE "${WORK_DIR}/adapter" "${WORK_DIR}/client")
step("the adapter's requests" "${ADAPTER}" ops "${WORK_DIR}")
step("driving the official client" "${NODE}" "${SOURCE_DIR}/drive_sdk.mjs" "${WORK_DIR}" "${npm_dir}/node_modules")
message(STATUS "${step_output}")
step("the client's traffic as a request log" "${ADAPTER}" to-log "${WORK_DIR}/captured.json"
     "${WORK_DIR}/client/traffic.requests.jsonl")

if(APP)
  # The same file name in both folders, so that sources (file:line) match too.
  foreach(side adapter client)
    execute_process(COMMAND "${APP}" simulate --plan "${WORK_DIR}/plan.json" --input traffic.requests.jsonl
                            --until 2025-02-02T00:00:00Z --format json --quiet
                    WORKING_DIRECTORY "${WORK_DIR}/${side}" RESULT_VARIABLE rc OUTPUT_VARIABLE out_${side}
                    ERROR_VARIABLE err TIMEOUT 120)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "sdk check: meterkit simulate on the ${side}'s traffic failed (${rc}):\n${err}")
    endif()
  endforeach()
  if(NOT out_adapter STREQUAL out_client)
    message(FATAL_ERROR "sdk check: the client's traffic bills differently from the adapter's:\n"
                        "adapter:\n${out_adapter}\nclient:\n${out_client}")
  endif()
  string(FIND "${out_adapter}" "\"total\"" has_total)
  if(has_total LESS 0)
    message(FATAL_ERROR "sdk check: meterkit simulate printed no invoice:\n${out_adapter}")
  endif()
  message(STATUS "sdk check: the client's and the adapter's traffic give the same invoices")
endif()
