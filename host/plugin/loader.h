// Plugin loading (ARCHITECTURE §2): scan the plugin folder, read each `<id>.plugin.json`,
// check versions, owners, permissions and pins, verify the library exports the entry symbol
// WITHOUT running any of its code, then load it (RTLD_LOCAL | RTLD_NOW), negotiate, and compare
// its describe() with the manifest. Every file ends up in the registry as loaded, refused or
// skipped, with the reason, so `meterbridge plugins list` can show an operator exactly why.
//
// Every library runs from a private copy (docs/operations.md, "Where plugin code runs from"):
// copied from a checked descriptor of the original into a 0700 runtime folder, hashed for the
// pin, and loaded through that same descriptor. Replacing a file in the plugin folder therefore
// never touches running code; calling load_plugins again (a rescan) picks up new and changed
// plugins for new sessions while sessions of earlier registries keep their libraries.
//
//   LoaderOptions options{.dir = "/usr/lib/meterbridge/plugins"};
//   Result<PluginRegistry> registry = load_plugins(options);
//   std::shared_ptr<LoadedPlugin> plugin = registry->find("examplepsa");
//   ...
//   Result<PluginRegistry> rescanned = load_plugins(options, &*registry);  // e.g. on SIGHUP
//
// A library stays loaded as long as any registry or session holds its LoadedPlugin. A rescan may
// run on any thread while sessions of earlier registries are in use; it only reads `previous`.
#ifndef METERBRIDGE_HOST_PLUGIN_LOADER_H_
#define METERBRIDGE_HOST_PLUGIN_LOADER_H_

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "host/common/status.h"
#include "host/plugin/manifest.h"
#include "host/plugin/plugin.h"

namespace mb {

enum class PluginState { kLoaded, kRefused, kSkipped };
std::string_view plugin_state_name(PluginState s);

struct PluginRecord {
  std::string id;  // empty when no manifest could be read
  std::string name;
  std::string version;
  std::string abi;  // as the manifest states it
  std::vector<std::string> capabilities;
  std::filesystem::path manifest_path;
  std::filesystem::path library_path;
  PluginState state = PluginState::kSkipped;
  std::string reason;                    // why refused or skipped
  std::shared_ptr<LoadedPlugin> plugin;  // set when loaded
  // Set when loaded: sha256 of the code that runs, and the private copy it runs from.
  std::string sha256;
  std::filesystem::path runtime_copy;
  std::string manifest_sha256;  // of the manifest's bytes, to recognise an unchanged plugin
  // A library the host checked without running any of its code and described through
  // meterbridge-plugin-runner (LoaderOptions::in_process_ids); `plugin` is runner-backed.
  bool isolated = false;
};

struct LoaderOptions {
  std::filesystem::path dir;
  // Plugin id -> expected sha256 of its library (lower-case hex). A mismatch refuses it.
  std::map<std::string, std::string> sha256_pins;
  // The ABI this host offers. Always the compiled-in version in production; tests may claim a
  // newer minor to exercise the compatibility rule.
  AbiVersion host_abi{MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR};
  // When set, only the manifest of this plugin id is read (meterbridge-plugin-runner serves one
  // plugin); the folder's other files are not looked at.
  std::string only_id;
  // With a `runner`, only the libraries of `in_process_ids` are loaded into this process (the
  // plugins of connectors without "isolation": "process"). Every other library gets the same
  // checks (trusted file, private copy, pin, entry symbol read from the file), then `runner`
  // loads and describes it in a child process, so a library that crashes while loading or
  // describing is refused with the reason instead of ending the host. Without a runner, every
  // library loads in this process.
  std::set<std::string> in_process_ids;
  std::filesystem::path runner;
};

class PluginRegistry {
 public:
  const std::vector<PluginRecord>& records() const { return records_; }
  // The loaded plugin with this id, or null.
  std::shared_ptr<LoadedPlugin> find(std::string_view id) const;
  const PluginRecord* record(std::string_view id) const;
  void add(PluginRecord record) { records_.push_back(std::move(record)); }

 private:
  std::vector<PluginRecord> records_;
};

// Fails only when the folder itself is unusable (missing, a symbolic link, or it or a folder
// above it owned by another user or writable by group or others); problems with individual
// files are recorded in the registry.
//
// With `previous` (a rescan), a plugin whose manifest and library bytes are unchanged since
// `previous` loaded it is taken over as is — same LoadedPlugin, no second copy — after its pin
// is checked again; anything new or changed is loaded afresh. `previous` is only read.
Result<PluginRegistry> load_plugins(const LoaderOptions& options,
                                    const PluginRegistry* previous = nullptr);

// Where meterbridge-plugin-runner is installed: beside the running executable.
std::filesystem::path default_runner_path();

// A loaded library plugin served by meterbridge-plugin-runner (`runner`) in a child process per
// session, for a connector with "isolation": "process" (docs/plugin-protocol.md). The runner
// loads the same library with the loader's rules, pinned to the sha256 this host loaded.
// `limits` (the connector's "isolation_limits", already validated; null for none) override the
// runner's default memory, CPU time, open files and call timeout.
Result<std::shared_ptr<LoadedPlugin>> isolate_plugin(const PluginRecord& record,
                                                     const std::filesystem::path& runner,
                                                     const boost::json::value& limits = nullptr);

// Lower-case hex sha256 of a file's contents.
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace mb

#endif  // METERBRIDGE_HOST_PLUGIN_LOADER_H_
