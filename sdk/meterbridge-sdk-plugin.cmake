# meterbridge_add_plugin(NAME <id> SOURCES ... MANIFEST <template> [OUTPUT_DIR <dir>])
# Builds a plugin for the meterbridge host: a MODULE library named libmeterbridge-<id>.so with
# hidden visibility (only the negotiation entry is exported) and, beside it, <id>.plugin.json
# configured from MANIFEST (@MB_PLUGIN_LIBRARY@, @MB_ABI_MAJOR@, @MB_ABI_MINOR@ are filled in).
# The same manifest text is available to the plugin's code, so describe() cannot drift from
# the sidecar file:
#   static const char kManifest[] =
#   #include "meterbridge_plugin_manifest.inc"
#   ;
function(meterbridge_add_plugin)
  cmake_parse_arguments(ARG "" "NAME;MANIFEST;OUTPUT_DIR;VERSION" "SOURCES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
  endif()
  set(target ${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE meterbridge::sdk)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "meterbridge-${ARG_NAME}" PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  set(MB_PLUGIN_LIBRARY "libmeterbridge-${ARG_NAME}.so")
  set(MB_ABI_MAJOR ${METERBRIDGE_SDK_ABI_MAJOR})
  set(MB_ABI_MINOR ${METERBRIDGE_SDK_ABI_MINOR})
  configure_file(${ARG_MANIFEST} "${ARG_OUTPUT_DIR}/${ARG_NAME}.plugin.json" @ONLY)
  file(READ "${ARG_OUTPUT_DIR}/${ARG_NAME}.plugin.json" _manifest_text)
  set(_generated "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_generated")
  file(WRITE "${_generated}/meterbridge_plugin_manifest.inc"
       "R\"mbmanifest(${_manifest_text})mbmanifest\"\n")
  target_include_directories(${target} PRIVATE "${_generated}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ARG_MANIFEST}")
endfunction()
