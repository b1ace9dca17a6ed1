# Builds and runs one consumer project of tests/consumers/ against this source tree.
#   cmake -DKIND=find_package|add_subdirectory|fetchcontent|meson_subproject -DSOURCE_DIR=... -DWORK_DIR=...
#         -DCXX=... -P run.cmake
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer ${KIND}: `${ARGV}` failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(here "${CMAKE_CURRENT_LIST_DIR}")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(common -G Ninja "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release)

if(KIND STREQUAL "find_package")
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib" ${common} -DMETERKIT_BUILD_TESTS=OFF
      -DMETERKIT_BUILD_BENCHMARKS=OFF -DMETERKIT_BUILD_APPS=OFF -DMETERKIT_INSTALL=ON)
  run("${CMAKE_COMMAND}" --install "${WORK_DIR}/lib" --prefix "${WORK_DIR}/stage")
  run("${CMAKE_COMMAND}" -S "${here}/find_package" -B "${WORK_DIR}/build" ${common}
      "-DCMAKE_PREFIX_PATH=${WORK_DIR}/stage")
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
  run("${WORK_DIR}/build/stripe_consumer")
  # The version rule: while the major version is 0, another minor is another API, older or newer;
  # from 1.0, another major. The package's own major.minor is accepted by the same project.
  file(STRINGS "${SOURCE_DIR}/include/meterkit/version.hpp" version_lines
       REGEX "^#define METERKIT_VERSION_(MAJOR|MINOR) [0-9]+$")
  string(REGEX MATCH "MAJOR ([0-9]+)" _ "${version_lines}")
  set(major "${CMAKE_MATCH_1}")
  string(REGEX MATCH "MINOR ([0-9]+)" _ "${version_lines}")
  set(minor "${CMAKE_MATCH_1}")
  math(EXPR next_major "${major} + 1")
  math(EXPR next_minor "${minor} + 1")
  if(major EQUAL 0)
    set(refused "0.${next_minor}")
    if(minor GREATER 0)
      math(EXPR previous_minor "${minor} - 1")
      list(APPEND refused "0.${previous_minor}")
    endif()
  else()
    math(EXPR previous_major "${major} - 1")
    set(refused "${next_major}.0" "${previous_major}.0")
  endif()
  set(version_project "${here}/find_package_version")
  run("${CMAKE_COMMAND}" -S "${version_project}" -B "${WORK_DIR}/version_accepted" -G Ninja
      "-DCMAKE_PREFIX_PATH=${WORK_DIR}/stage" "-DMETERKIT_REQUEST=${major}.${minor}")
  foreach(request IN LISTS refused)
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${version_project}" -B "${WORK_DIR}/version_${request}"
                            -G Ninja "-DCMAKE_PREFIX_PATH=${WORK_DIR}/stage" "-DMETERKIT_REQUEST=${request}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc EQUAL 0)
      message(FATAL_ERROR "consumer ${KIND}: find_package(meterkit ${request}) accepted meterkit "
                          "${major}.${minor}:\n${out}")
    endif()
    if(NOT err MATCHES "compatible with requested version")
      message(FATAL_ERROR "consumer ${KIND}: find_package(meterkit ${request}) failed, but not for its "
                          "version:\n${err}")
    endif()
  endforeach()
  # The pkg-config file of the same staging install.
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${WORK_DIR}/stage/share/pkgconfig")
  run("${PKG_CONFIG}" --cflags meterkit)
  string(STRIP "${last_output}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run("${CXX}" ${cflags} "${here}/main.cpp" -o "${WORK_DIR}/pkg_config_consumer")
  run("${WORK_DIR}/pkg_config_consumer")
  # The adapter's file brings the core's flags and nlohmann-json's through `Requires:`.
  run("${PKG_CONFIG}" --print-requires meterkit-stripe)
  if(NOT last_output MATCHES "nlohmann_json" OR NOT last_output MATCHES "meterkit")
    message(FATAL_ERROR "consumer ${KIND}: meterkit-stripe.pc requires neither meterkit nor nlohmann_json:\n"
                        "${last_output}")
  endif()
  run("${PKG_CONFIG}" --cflags meterkit-stripe)
  string(STRIP "${last_output}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run("${CXX}" ${cflags} "${here}/stripe_main.cpp" -o "${WORK_DIR}/pkg_config_stripe_consumer")
  run("${WORK_DIR}/pkg_config_stripe_consumer")
elseif(KIND STREQUAL "add_subdirectory" OR KIND STREQUAL "fetchcontent")
  run("${CMAKE_COMMAND}" -S "${here}/${KIND}" -B "${WORK_DIR}/build" ${common} "-DMETERKIT_SOURCE_DIR=${SOURCE_DIR}")
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
elseif(KIND STREQUAL "meson_subproject")
  find_program(MESON meson REQUIRED)
  file(COPY "${here}/meson_subproject/meson.build" DESTINATION "${WORK_DIR}/project")
  file(COPY "${here}/main.cpp" DESTINATION "${WORK_DIR}")
  file(MAKE_DIRECTORY "${WORK_DIR}/project/subprojects")
  file(CREATE_LINK "${SOURCE_DIR}" "${WORK_DIR}/project/subprojects/meterkit" SYMBOLIC)
  set(ENV{CXX} "${CXX}")
  run("${MESON}" setup "${WORK_DIR}/build" "${WORK_DIR}/project" -Dmeterkit:tests=disabled
      -Dmeterkit:benchmarks=disabled)
  run("${MESON}" compile -C "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
else()
  message(FATAL_ERROR "unknown consumer kind ${KIND}")
endif()
