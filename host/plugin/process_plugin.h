// Process plugins (docs/plugin-protocol.md): a plugin that is a program speaking framed JSON-RPC
// over its stdin and stdout instead of a shared library. ProcessBridge presents such a program
// to the host as an ordinary mb_plugin_table, so LoadedPlugin, PluginSession and everything
// above them (the sync engine, the API) use it unchanged: each hook sends one request to the
// session's child and serves the child's host-service requests through the host's own
// callbacks. A child that crashes, hangs or speaks garbage fails the hook it was serving, and
// the session's next hook starts a fresh child after a backoff.
//
//   auto spec = process_spec_from_manifest(manifest_json, plugin_folder);  // the loader does this
//   spec->program = private_copy_path;
//   auto bridge = std::make_shared<ProcessBridge>(*spec, host_services());
//   auto plugin = std::make_shared<LoadedPlugin>(manifest, bridge->table(), bridge);
#ifndef METERBRIDGE_HOST_PLUGIN_PROCESS_PLUGIN_H_
#define METERBRIDGE_HOST_PLUGIN_PROCESS_PLUGIN_H_

#include <boost/json/value.hpp>

#include <filesystem>
#include <memory>
#include <string_view>

#include "host/common/status.h"
#include "host/plugin/internal/plugin_process.h"
#include "meterbridge/abi.h"

namespace mb {

// The protocol versions this host speaks: the C ABI's (they carry the same documents).
inline constexpr uint16_t kProtocolMajor = MB_ABI_VERSION_MAJOR;
inline constexpr uint16_t kProtocolMinor = MB_ABI_VERSION_MINOR;

using ProcessSpec = plugin_internal::ProcessSpec;

// Reads the manifest's "process" object (command, args, call_timeout_ms, limits); `folder` is
// the plugin folder. The program is the command's file in that folder until the loader points
// it at its private copy. Errors name the field.
Result<ProcessSpec> process_spec_from_manifest(const boost::json::value& manifest,
                                               const std::filesystem::path& folder);

// Applies a limits object to `spec`: "memory_mb", "cpu_seconds", "open_files" and, when
// `with_call_timeout`, "call_timeout_ms", each a positive integer; absent keys keep `spec`'s
// value. Errors name `pointer` and the key (e.g. "/connectors/2/isolation_limits/memory_mb").
Status apply_process_limits(const boost::json::value& limits, std::string_view pointer,
                            bool with_call_timeout, ProcessSpec& spec);

// The mb_plugin_table of one process plugin. Owns its state; it must outlive every session
// opened through its table (LoadedPlugin keeps it as its "library").
class ProcessBridge {
 public:
  ProcessBridge(ProcessSpec spec, const mb_host_services* services);
  ~ProcessBridge();
  ProcessBridge(const ProcessBridge&) = delete;
  ProcessBridge& operator=(const ProcessBridge&) = delete;

  const mb_plugin_table* table() const { return &table_; }
  const ProcessSpec& spec() const { return spec_; }
  const mb_host_services* services() const { return services_; }

 private:
  ProcessSpec spec_;
  const mb_host_services* services_;
  mb_plugin_table table_{};
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_PLUGIN_PROCESS_PLUGIN_H_
