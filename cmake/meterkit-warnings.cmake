# Warnings for meterkit's own targets only (tests, benchmarks, the program); never exported.
function(meterkit_project_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${METERKIT_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
      $<$<BOOL:${METERKIT_WERROR}>:-Werror>)
  endif()
endfunction()
