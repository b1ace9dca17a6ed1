# SPDX-License-Identifier: MIT
# examples/report_with_curl.cpp: built only when libcurl is found (Debian: libcurl4-openssl-dev).
# Include this file from the CMakeLists.txt that builds the examples.
find_package(CURL QUIET)
if(CURL_FOUND AND TARGET meterkit_stripe)
  add_executable(meterkit_report_with_curl "${CMAKE_CURRENT_LIST_DIR}/report_with_curl.cpp")
  target_link_libraries(meterkit_report_with_curl PRIVATE meterkit::stripe CURL::libcurl)
  if(COMMAND meterkit_project_warnings)
    meterkit_project_warnings(meterkit_report_with_curl)
  endif()
endif()
