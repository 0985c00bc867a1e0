# What `cmake --install` lays out, and the Debian packages `make package` builds from it (CPack).
#
# Two components:
#   server  (package meterbridge)      the binary, the four platform plugins with their
#                                      manifests, the config schema, an example config, the
#                                      systemd unit and the operator's documents
#   sdk     (package meterbridge-dev)  the plugin SDK: headers, libraries, CMake package and the
#                                      example plugins (declared in sdk/CMakeLists.txt)
# Layout under the prefix (FHS through GNUInstallDirs):
#   bin/meterbridge
#   lib/meterbridge/plugins/      libmeterbridge-<id>.so + <id>.plugin.json, where an installed
#                                 binary looks for them with no flag (host/app/app.cc)
#   lib/systemd/system/meterbridge.service
#   share/meterbridge/            meterbridge.schema.json
#   share/meterbridge/console/    the web console's files (declared in console/CMakeLists.txt),
#                                 where an installed binary looks for them
#   share/doc/meterbridge/        the operator's documents; examples/config.json
# meterbridge-sim is not installed: it serves fake platforms for tests and demos, nothing an
# operator runs. Test plugins and fixtures are not installed either.

set(MB_INSTALL_PLUGINDIR "lib/meterbridge/plugins")
set(MB_SHIPPED_PLUGINS autotask connectwise gradient external)

install(TARGETS meterbridge meterbridge-plugin-runner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
foreach(_plugin ${MB_SHIPPED_PLUGINS})
  install(TARGETS ${_plugin} LIBRARY DESTINATION ${MB_INSTALL_PLUGINDIR} COMPONENT server)
  install(FILES "${MB_PLUGIN_OUTPUT_DIR}/${_plugin}.plugin.json"
          DESTINATION ${MB_INSTALL_PLUGINDIR} COMPONENT server)
endforeach()
install(FILES "${PROJECT_SOURCE_DIR}/config/schema/meterbridge.schema.json"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/meterbridge COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/config.json"
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/docs/operations.md" "${PROJECT_SOURCE_DIR}/docs/configuration.md"
              "${PROJECT_SOURCE_DIR}/docs/cli.md" "${PROJECT_SOURCE_DIR}/docs/admin-api.md"
              "${PROJECT_SOURCE_DIR}/docs/sync.md"
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT server)

# The unit names the installed binary, so it is written when the prefix is known: at install
# time, where CPack's /usr and `cmake --install --prefix` both arrive as CMAKE_INSTALL_PREFIX.
set(_mb_unit_template "${PROJECT_SOURCE_DIR}/packaging/systemd/meterbridge.service.in")
set(_mb_unit "${CMAKE_BINARY_DIR}/packaging/meterbridge.service")
install(CODE "
  set(MB_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(MB_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${_mb_unit_template}\" \"${_mb_unit}\" @ONLY)
" COMPONENT server)
install(FILES "${_mb_unit}" DESTINATION lib/systemd/system COMPONENT server)

# What the packages hold and nothing else, so `make package` builds no tests, simulators or
# benchmarks.
add_custom_target(packaged)
add_dependencies(packaged meterbridge ${MB_SHIPPED_PLUGINS} mb_sdk_c)

# ---- Debian packages: cpack -G DEB in the build tree (make package) ----
set(CPACK_PACKAGE_NAME "meterbridge")
set(CPACK_PACKAGE_VENDOR "meterbridge")
set(CPACK_PACKAGE_CONTACT "meterbridge maintainers <maintainers@meterbridge.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Vendor usage into MSP billing platforms")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL server sdk)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME "meterbridge")
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "sqlite3")
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "Reports per-customer billable quantities from a SaaS vendor into MSP billing platforms\n(Autotask, ConnectWise, Gradient and the external push protocol), as a systemd service\nwith an admin API.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME "meterbridge-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "cmake, libboost-json1.81-dev, libgtest-dev")
set(CPACK_COMPONENT_SDK_DESCRIPTION
    "The meterbridge plugin SDK: the C ABI header, the C++ layer, the fake host for plugin\ntests, the CMake package meterbridge-sdk and example plugins.")
# The SDK holds no shared library, so there is nothing for dpkg-shlibdeps to find there.
set(CPACK_DEBIAN_SDK_PACKAGE_SHLIBDEPS OFF)

include(CPack)

if(MB_BUILD_TESTS)
  add_test(NAME systemd_unit_verifies
           COMMAND "${PROJECT_SOURCE_DIR}/packaging/systemd/verify_unit_test.sh" "${CMAKE_BINARY_DIR}"
                   "${PROJECT_SOURCE_DIR}")
  set_tests_properties(systemd_unit_verifies PROPERTIES SKIP_RETURN_CODE 77 LABELS packaging)
  # Installs on this machine (as root; skipped otherwise) and purges again.
  add_test(NAME debian_package_installs_serves_and_purges
           COMMAND "${PROJECT_SOURCE_DIR}/packaging/package_test.sh" "${CMAKE_BINARY_DIR}")
  set_tests_properties(debian_package_installs_serves_and_purges PROPERTIES
    SKIP_RETURN_CODE 77 LABELS "packaging;installs" TIMEOUT 300 RUN_SERIAL TRUE)
endif()
