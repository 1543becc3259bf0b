# CPack settings for `cpack -G DEB` (included from packaging/CMakeLists.txt).
# Runtime libraries come from dpkg-shlibdeps; Erlang is declared here: the
# NIF is built against this machine's erl_nif.h, and OTP loads a NIF only
# into the release it was built for, so the agent needs erlang-base of the
# same OTP release (the attach command refuses other releases too).

# The Debian revision of this packaging; the newest entry of
# debian/changelog must say the same version.
set(BEAMSCOPE_DEB_RELEASE 1)
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog changelog_top LIMIT_COUNT 1)
if(NOT changelog_top MATCHES "^beamscope \\(${PROJECT_VERSION}-${BEAMSCOPE_DEB_RELEASE}\\) ")
  message(FATAL_ERROR "packaging/debian/changelog starts with '${changelog_top}', "
                      "expected version ${PROJECT_VERSION}-${BEAMSCOPE_DEB_RELEASE}")
endif()

# erlang-base from the build's own erl: at least the Debian version built
# against (its upstream part), below the next OTP release.
set(erlang_depends "")
execute_process(COMMAND dpkg-query -W -f=\${Version} erlang-base
                OUTPUT_VARIABLE erlang_base_version RESULT_VARIABLE dpkg_rc ERROR_QUIET)
if(dpkg_rc EQUAL 0 AND erlang_base_version MATCHES "^([0-9]+:)?([0-9]+)")
  set(epoch "${CMAKE_MATCH_1}")
  math(EXPR next_release "${CMAKE_MATCH_2} + 1")
  if(NOT CMAKE_MATCH_2 STREQUAL ERLANG_OTP_RELEASE)
    message(FATAL_ERROR "erlang-base ${erlang_base_version} is not the OTP ${ERLANG_OTP_RELEASE} that erl runs")
  endif()
  string(REGEX REPLACE "-[^-]*$" "" erlang_upstream "${erlang_base_version}")
  set(erlang_depends "erlang-base (>= ${erlang_upstream}), erlang-base (<< ${epoch}${next_release}~)")
else()
  message(STATUS "packaging: erlang-base is no Debian package here; the .deb will not name its Erlang")
endif()
set(BEAMSCOPE_DEB_ERLANG_DEPENDS "${erlang_depends}" CACHE INTERNAL "")

set(CPACK_PACKAGE_NAME beamscope)
set(CPACK_PACKAGE_VENDOR "beamscope")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "beamscope maintainers <maintainers@beamscope.example>")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL server)
if(TARGET beamscope)
  list(APPEND CPACK_COMPONENTS_ALL inspector)
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${BEAMSCOPE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

# Installs with DESTDIR and prefix /usr, so install-time paths (/etc, the
# unit's ExecStart) are the installed system's.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
configure_file(debian/conffiles.in ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME beamscope)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "${erlang_depends}")
set(CPACK_DEBIAN_SERVER_DESCRIPTION
    "observability and supervision for BEAM (Erlang/Elixir) servers
The beamscope agent is an OTP application (installed in OTP's code path)
that samples a running node cheaply enough to leave on in production:
process counts, every mailbox, the hot processes' memory and GC, the
schedulers, and the supervision tree with its restarts. It serves
Prometheus /metrics and a ZeroMQ stream.
.
This package holds the agent, beamscope-collector (many agents into one
stream and one fleet /metrics, as a systemd service), beamscope-ctl
(JSON queries, attach to a running node, an MCP server), a Grafana
dashboard and Prometheus alert rules.")

set(CPACK_DEBIAN_INSPECTOR_PACKAGE_NAME beamscope-inspector)
set(CPACK_DEBIAN_INSPECTOR_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_INSPECTOR_PACKAGE_RECOMMENDS "fonts-dejavu-core")
set(CPACK_DEBIAN_INSPECTOR_DESCRIPTION
    "desktop inspector for BEAM servers watched by beamscope
beamscope is an observability and supervision dashboard for Erlang and
Elixir servers. This package holds its desktop inspector (GLFW and
OpenGL): it connects to a beamscope agent or collector and shows the
node's gauges, processes, supervision tree and events live.")

include(CPack)
