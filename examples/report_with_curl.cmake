# SPDX-License-Identifier: MIT
# examples/report_with_curl.cpp: built only when libcurl is found (Debian: libcurl4-openssl-dev), that
# is when the target meterkit::stripe_curl exists.
# Include this file from the CMakeLists.txt that builds the examples.
if(TARGET meterkit_stripe_curl)
  add_executable(meterkit_report_with_curl "${CMAKE_CURRENT_LIST_DIR}/report_with_curl.cpp")
  target_link_libraries(meterkit_report_with_curl PRIVATE meterkit::stripe_curl)
  if(COMMAND meterkit_project_warnings)
    meterkit_project_warnings(meterkit_report_with_curl)
  endif()
endif()
