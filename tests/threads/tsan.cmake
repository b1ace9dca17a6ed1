# Compiles the unit suite's main.cpp and SOURCE with ThreadSanitizer and runs TEST in it: passes only
# when the test passes and ThreadSanitizer reports nothing (TSAN_OPTIONS halt_on_error=1 makes a
# report fail the run). Run at test time with its own flags, so that a build whose CMAKE_CXX_FLAGS
# carry -fsanitize=address (which cannot be combined with thread) can still run it.
set(binary "${WORK_DIR}/tsan_test")
file(MAKE_DIRECTORY "${WORK_DIR}")
string(REPLACE "|" ";" includes "${INCLUDES}")
set(include_flags)
foreach(dir IN LISTS includes)
  if(NOT dir STREQUAL "")
    list(APPEND include_flags "-I${dir}")
  endif()
endforeach()
execute_process(COMMAND "${CXX}" -std=c++20 -O1 -g -fsanitize=thread -DBOOST_TEST_DYN_LINK ${include_flags}
                        "${MAIN}" "${SOURCE}" -o "${binary}" "${BOOST_LIBRARY}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} did not compile with -fsanitize=thread:\n${err}")
endif()
set(ENV{TSAN_OPTIONS} "halt_on_error=1 second_deadlock_stack=1")
execute_process(COMMAND "${binary}" "--run_test=${TEST}" --log_level=warning RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST} failed under ThreadSanitizer:\n${out}${err}")
endif()
