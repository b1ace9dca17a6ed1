# Compiles SOURCE and passes only when the compiler refuses it with the text of its `// expect:` line.
file(STRINGS "${SOURCE}" first_line LIMIT_COUNT 1)
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
