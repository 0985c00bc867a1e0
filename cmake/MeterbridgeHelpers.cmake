# One way to declare every target, after abseil's absl_cc_library: a folder's CMakeLists.txt
# reads like a table, and flags, warnings and visibility are the same everywhere.
#
#   mb_cc_library(NAME store SRCS a.cc b.cc DEPS mb::core PUBLIC_DEPS SQLite::SQLite3)
#   mb_cc_binary(NAME meterbridge SRCS main.cc DEPS mb::cli)
#   mb_cc_test(NAME store_test SRCS store_test.cc DEPS mb::store FIXTURES postgres_cluster)
#   mb_cc_plugin(NAME autotask SRCS plugin.cc DEPS Boost::json MANIFEST autotask.plugin.json.in)
#
# Libraries get the alias mb::<name>. Plugins are MODULE libraries written with their manifest
# into ${MB_PLUGIN_OUTPUT_DIR}; only their negotiation entry point is exported.

set(MB_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins" CACHE INTERNAL "")

set(MB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(MB_WERROR)
  list(APPEND MB_WARNINGS -Werror)
endif()

function(_mb_common_properties target)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "INTERFACE_LIBRARY")
    return()
  endif()
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${MB_WARNINGS}>)
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
endfunction()

function(mb_cc_library)
  cmake_parse_arguments(MB "" "NAME" "SRCS;HDRS;DEPS;PUBLIC_DEPS;DEFINES;INCLUDES" ${ARGN})
  if(MB_SRCS)
    add_library(mb_${MB_NAME} STATIC ${MB_SRCS} ${MB_HDRS})
    target_link_libraries(mb_${MB_NAME} PRIVATE ${MB_DEPS} PUBLIC ${MB_PUBLIC_DEPS})
    target_include_directories(mb_${MB_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${MB_INCLUDES})
    target_compile_definitions(mb_${MB_NAME} PUBLIC ${MB_DEFINES})
    _mb_common_properties(mb_${MB_NAME})
  else()
    add_library(mb_${MB_NAME} INTERFACE ${MB_HDRS})
    target_link_libraries(mb_${MB_NAME} INTERFACE ${MB_DEPS} ${MB_PUBLIC_DEPS})
    target_include_directories(mb_${MB_NAME} INTERFACE ${PROJECT_SOURCE_DIR} ${MB_INCLUDES})
    target_compile_definitions(mb_${MB_NAME} INTERFACE ${MB_DEFINES})
  endif()
  add_library(mb::${MB_NAME} ALIAS mb_${MB_NAME})
endfunction()

function(mb_cc_binary)
  cmake_parse_arguments(MB "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${MB_NAME} ${MB_SRCS})
  target_link_libraries(${MB_NAME} PRIVATE ${MB_DEPS})
  set_target_properties(${MB_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")
  _mb_common_properties(${MB_NAME})
endfunction()

# Tests are discovered when ctest runs (not at build time) so a build stays a build.
function(mb_cc_test)
  cmake_parse_arguments(MB "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;FIXTURES" ${ARGN})
  add_executable(${MB_NAME} ${MB_SRCS})
  target_link_libraries(${MB_NAME} PRIVATE ${MB_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${MB_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  set_target_properties(${MB_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  _mb_common_properties(${MB_NAME})
  if(NOT MB_TIMEOUT)
    set(MB_TIMEOUT 300)
  endif()
  # Tests find the build and source trees through these, whatever their working directory.
  target_compile_definitions(${MB_NAME} PRIVATE MB_TEST_BUILD_DIR="${CMAKE_BINARY_DIR}"
                             MB_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set(_props TIMEOUT ${MB_TIMEOUT})
  if(MB_LABELS)
    list(APPEND _props LABELS "${MB_LABELS}")
  endif()
  # ctest fixtures the test needs (e.g. postgres_cluster: a PostgreSQL server for the run).
  if(MB_FIXTURES)
    list(APPEND _props FIXTURES_REQUIRED "${MB_FIXTURES}")
  endif()
  gtest_discover_tests(${MB_NAME}
    DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY "${CMAKE_BINARY_DIR}"
    PROPERTIES ${_props})
endfunction()

# A plugin: a MODULE library plus its sidecar manifest <id>.plugin.json. The manifest template
# may use @MB_PLUGIN_LIBRARY@, @MB_ABI_MAJOR@, @MB_ABI_MINOR@ and @PROJECT_VERSION@. Returns the
# target name in MB_PLUGIN_TARGET (mb_plugin_<name>) for callers that add more.
function(mb_cc_plugin)
  cmake_parse_arguments(MB "" "NAME;MANIFEST;OUTPUT_DIR" "SRCS;DEPS" ${ARGN})
  if(NOT MB_OUTPUT_DIR)
    set(MB_OUTPUT_DIR "${MB_PLUGIN_OUTPUT_DIR}")
  endif()
  set(target mb_plugin_${MB_NAME})
  set(MB_PLUGIN_TARGET ${target} PARENT_SCOPE)
  add_library(${target} MODULE ${MB_SRCS})
  target_link_libraries(${target} PRIVATE mb::sdk ${MB_DEPS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "meterbridge-${MB_NAME}"
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY "${MB_OUTPUT_DIR}")
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  _mb_common_properties(${target})
  if(MB_MANIFEST)
    set(MB_PLUGIN_LIBRARY "libmeterbridge-${MB_NAME}.so")
    configure_file(${MB_MANIFEST} "${MB_OUTPUT_DIR}/${MB_NAME}.plugin.json" @ONLY)
    # The plugin embeds the same text for describe(): #include "meterbridge_plugin_manifest.inc"
    file(READ "${MB_OUTPUT_DIR}/${MB_NAME}.plugin.json" _manifest_text)
    set(_generated "${CMAKE_CURRENT_BINARY_DIR}/${MB_NAME}_generated")
    file(WRITE "${_generated}/meterbridge_plugin_manifest.inc"
         "R\"mbmanifest(${_manifest_text})mbmanifest\"\n")
    target_include_directories(${target} PRIVATE "${_generated}")
  endif()
endfunction()

# The in-tree extras of a plugin declared with the SDK's own meterbridge_add_plugin (as
# plugins/<x>/ are, so they build the same way out of tree): the project's warnings on the
# plugin and on its core, no symbol left undefined for the loader, and with MB_BUILD_TESTS its
# tests: <plugin>_unit_test from UNIT_TESTS on the core, and PLUGIN_TEST (a name) from
# PLUGIN_TEST_SRCS and <plugin>_plugin.cc through the SDK's fake host, seeing the generated
# manifest include and MB_<PLUGIN>_MANIFEST, the sidecar's path.
#   mb_plugin_in_tree(autotask autotask_plugin_core
#     PLUGIN_TEST autotask_plugin_test PLUGIN_TEST_SRCS autotask_plugin_test.cc ...)
function(mb_plugin_in_tree plugin core)
  cmake_parse_arguments(MB "" "PLUGIN_TEST" "UNIT_TESTS;PLUGIN_TEST_SRCS" ${ARGN})
  foreach(_target ${plugin} ${core})
    _mb_common_properties(${_target})
  endforeach()
  target_link_options(${plugin} PRIVATE "LINKER:--no-undefined")
  if(NOT MB_BUILD_TESTS)
    return()
  endif()
  if(MB_UNIT_TESTS)
    mb_cc_test(NAME ${plugin}_unit_test SRCS ${MB_UNIT_TESTS} DEPS ${core})
  endif()
  if(MB_PLUGIN_TEST)
    mb_cc_test(NAME ${MB_PLUGIN_TEST} SRCS ${MB_PLUGIN_TEST_SRCS} ${plugin}_plugin.cc
               DEPS ${core} mb::sdk_testing mb::sdk_json)
    target_include_directories(${MB_PLUGIN_TEST} PRIVATE
                               "${CMAKE_CURRENT_BINARY_DIR}/${plugin}_generated")
    string(TOUPPER "${plugin}" _upper)
    target_compile_definitions(${MB_PLUGIN_TEST} PRIVATE
      MB_${_upper}_MANIFEST="${MB_PLUGIN_OUTPUT_DIR}/${plugin}.plugin.json")
  endif()
endfunction()
