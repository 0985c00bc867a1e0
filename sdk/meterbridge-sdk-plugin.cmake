# meterbridge_add_plugin(NAME <id> SOURCES ... MANIFEST <template> [OUTPUT_DIR <dir>]
#                        [CORE <target> CORE_SOURCES ... [CORE_LIBRARIES ...]])
# Builds a plugin for the meterbridge host, in C or C++: a MODULE library named
# libmeterbridge-<id>.so that exports exactly one dynamic symbol, the negotiation entry
# (hidden visibility by default, and on ELF platforms a linker version script that keeps even
# the standard library's and Boost's template instances local), and beside it <id>.plugin.json
# configured from MANIFEST (@MB_PLUGIN_LIBRARY@, @MB_ABI_MAJOR@, @MB_ABI_MINOR@ are filled in).
# The same manifest text is available to the plugin's code, in C as in C++, so describe() cannot
# drift from the sidecar file:
#   static const char kManifest[] =
#   #include "meterbridge_plugin_manifest.inc"
#   ;
# The include is an array initializer of the manifest's bytes ending with a NUL, which strict
# C99 accepts at any length (a string literal over 4095 characters is not portable C99).
# CORE names a static C++20 library of everything but the entry point (CORE_SOURCES, linking
# meterbridge::sdk_json and CORE_LIBRARIES, with the calling folder on its include path) that
# the plugin links, so unit tests can link the plugin's operations without its export.
function(meterbridge_add_plugin)
  cmake_parse_arguments(ARG "" "NAME;MANIFEST;OUTPUT_DIR;VERSION;CORE"
                        "SOURCES;CORE_SOURCES;CORE_LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
  endif()
  set(target ${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE meterbridge::sdk)
  if(ARG_CORE)
    add_library(${ARG_CORE} STATIC ${ARG_CORE_SOURCES})
    target_include_directories(${ARG_CORE} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}")
    target_link_libraries(${ARG_CORE} PUBLIC meterbridge::sdk_json ${ARG_CORE_LIBRARIES})
    target_compile_features(${ARG_CORE} PUBLIC cxx_std_20)
    set_target_properties(${ARG_CORE} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_link_libraries(${target} PRIVATE ${ARG_CORE})
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "meterbridge-${ARG_NAME}" PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  set(MB_PLUGIN_LIBRARY "libmeterbridge-${ARG_NAME}.so")
  set(MB_ABI_MAJOR ${METERBRIDGE_SDK_ABI_MAJOR})
  set(MB_ABI_MINOR ${METERBRIDGE_SDK_ABI_MINOR})
  configure_file(${ARG_MANIFEST} "${ARG_OUTPUT_DIR}/${ARG_NAME}.plugin.json" @ONLY)
  set(_generated "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_generated")
  file(READ "${ARG_OUTPUT_DIR}/${ARG_NAME}.plugin.json" _manifest_hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," _manifest_bytes "${_manifest_hex}")
  file(WRITE "${_generated}/meterbridge_plugin_manifest.inc" "{${_manifest_bytes}'\\0'}\n")
  target_include_directories(${target} PRIVATE "${_generated}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ARG_MANIFEST}")
  # Hidden visibility does not cover template instances the standard library and Boost declare
  # visible; the version script does, so no two plugins can interpose each other's copies.
  if(NOT APPLE AND NOT WIN32)
    set(_exports "${_generated}/meterbridge_plugin_exports.map")
    file(WRITE "${_exports}" "{\n  global: meterbridge_plugin_negotiate;\n  local: *;\n};\n")
    target_link_options(${target} PRIVATE "LINKER:--version-script=${_exports}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${_exports}")
  endif()
endfunction()
