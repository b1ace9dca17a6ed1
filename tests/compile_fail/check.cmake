# Compiles SOURCE and passes only when the compiler refuses it with the text of its `// expect:` line.
# An optional second line `// at most N errors` also bounds the compiler's `error:` lines, for the
# refusals that must stop at their first message.
file(STRINGS "${SOURCE}" first_lines LIMIT_COUNT 2)
list(GET first_lines 0 first_line)
string(REGEX REPLACE "^// expect: *" "" expected "${first_line}")
string(REPLACE "\\;" ";" expected "${expected}")  # file(STRINGS) escapes semicolons
if(expected STREQUAL first_line OR expected STREQUAL "")
  message(FATAL_ERROR "${SOURCE}: the first line must be `// expect: <part of the error message>`")
endif()
execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${INCLUDE}" "${SOURCE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be refused with: ${expected}")
endif()
string(FIND "${out}${err}" "${expected}" where)
if(where EQUAL -1)
  message(FATAL_ERROR "${SOURCE} was refused, but not with `${expected}`:\n${err}")
endif()

list(LENGTH first_lines line_count)
if(line_count GREATER 1)
  list(GET first_lines 1 second_line)
  if(second_line MATCHES "^// at most ([0-9]+) errors?$")
    set(most "${CMAKE_MATCH_1}")
    string(REGEX MATCHALL "error:" errors "${out}${err}")
    list(LENGTH errors error_count)
    if(error_count GREATER most)
      message(FATAL_ERROR "${SOURCE} was refused with ${error_count} errors, more than ${most}:\n${err}")
    endif()
  endif()
endif()
