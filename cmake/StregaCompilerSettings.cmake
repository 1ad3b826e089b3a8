# Shared compiler settings, carried by the INTERFACE target strega::options that every project target links.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

find_program(STREGA_CCACHE ccache)
if(STREGA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${STREGA_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${STREGA_CCACHE}")
endif()

add_library(strega_options INTERFACE)
add_library(strega::options ALIAS strega_options)
target_compile_options(strega_options INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(STREGA_ENABLE_SANITIZERS)
  target_compile_options(strega_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=undefined)
  target_link_options(strega_options INTERFACE -fsanitize=address,undefined)
endif()
# Fuzzing: every library gets libFuzzer's coverage instrumentation and ASan/UBSan; only the fuzz targets link
# libFuzzer itself (bench/fuzz adds -fsanitize=fuzzer,address,undefined to their link). A UBSan report aborts,
# so that libFuzzer keeps it as a crash.
if(STREGA_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "STREGA_BUILD_FUZZ needs clang (libFuzzer): use the 'fuzz' preset")
  endif()
  target_compile_options(strega_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(strega_options INTERFACE -fsanitize=address,undefined)
endif()

# strega_add_library(NAME <name> [SOURCES ...]) : a layer library strega_<name> with alias strega::<name>,
# public headers under <dir>/include.
function(strega_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(strega_${name} ${ARG_SOURCES})
  add_library(strega::${name} ALIAS strega_${name})
  target_include_directories(strega_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_link_libraries(strega_${name} PUBLIC strega::options)
endfunction()

# strega_add_test(NAME <exe> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s]) : one GoogleTest executable per library.
function(strega_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main strega::options)
  target_compile_definitions(${name} PRIVATE STREGA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                             STREGA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
