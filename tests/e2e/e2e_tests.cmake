# SPDX-License-Identifier: MIT
# Registers the end-to-end tests of the meterkit program: one CTest per folder of tests/e2e/cases/
# (see run_case.py for what a folder holds), plus the example data checked against its generator.
#
# Included both from tests/e2e/CMakeLists.txt and from apps/meterkit/CMakeLists.txt, because the
# program's target may be defined after the test directory is processed; whichever comes first with
# the target defined registers the tests, once.
if(NOT TARGET meterkit_app)
  return()
endif()
get_property(_meterkit_e2e_done GLOBAL PROPERTY METERKIT_E2E_REGISTERED)
if(_meterkit_e2e_done)
  return()
endif()
set_property(GLOBAL PROPERTY METERKIT_E2E_REGISTERED TRUE)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

file(GLOB _e2e_entries LIST_DIRECTORIES true CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/cases/*")
list(SORT _e2e_entries)
foreach(_case IN LISTS _e2e_entries)
  if(IS_DIRECTORY "${_case}" AND EXISTS "${_case}/case.json")
    get_filename_component(_name "${_case}" NAME)
    add_test(NAME e2e.${_name}
             COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/run_case.py"
                     --binary "$<TARGET_FILE:meterkit_app>" --repo "${PROJECT_SOURCE_DIR}" "${_case}")
    set_tests_properties(e2e.${_name} PROPERTIES TIMEOUT 600)
  endif()
endforeach()
add_test(NAME e2e.examples_usage_in_sync
         COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/examples/usage/generate.py" --check)

# The README's terminal sessions (`<!-- session: NAME -->`), run against the program and compared
# with what the README shows (tools/readme_sessions.py).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/README.md")
execute_process(
  COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/readme_sessions.py" "${PROJECT_SOURCE_DIR}/README.md"
          --list
  OUTPUT_VARIABLE _readme_sessions RESULT_VARIABLE _readme_rc ERROR_VARIABLE _readme_err)
if(NOT _readme_rc EQUAL 0)
  message(FATAL_ERROR "README sessions: ${_readme_err}")
endif()
foreach(_session IN LISTS _readme_sessions)
  add_test(NAME readme.session.${_session}
           COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/readme_sessions.py"
                   "${PROJECT_SOURCE_DIR}/README.md" --run ${_session} --binary "$<TARGET_FILE:meterkit_app>"
                   --repo "${PROJECT_SOURCE_DIR}")
  set_tests_properties(readme.session.${_session} PROPERTIES TIMEOUT 600)
endforeach()
