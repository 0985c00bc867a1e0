// Plugin loading (ARCHITECTURE §2): scan the plugin folder, read each `<id>.plugin.json`,
// check versions, permissions and pins, verify the library exports the entry symbol WITHOUT
// running any of its code, then load it (RTLD_LOCAL | RTLD_NOW), negotiate, and compare its
// describe() with the manifest. Every file ends up in the registry as loaded, refused or
// skipped, with the reason, so `meterbridge plugins list` can show an operator exactly why.
//
//   LoaderOptions options{.dir = "/usr/lib/meterbridge/plugins"};
//   Result<PluginRegistry> registry = load_plugins(options);
//   std::shared_ptr<LoadedPlugin> plugin = registry->find("examplepsa");
//
// Loading happens once, on one thread, at start-up; plugins stay loaded for the life of the
// process.
#ifndef METERBRIDGE_HOST_PLUGIN_LOADER_H_
#define METERBRIDGE_HOST_PLUGIN_LOADER_H_

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/plugin/manifest.h"
#include "host/plugin/plugin.h"

namespace mb {

enum class PluginState { kLoaded, kRefused, kSkipped };
std::string_view plugin_state_name(PluginState s);

struct PluginRecord {
  std::string id;        // empty when no manifest could be read
  std::string name;
  std::string version;
  std::string abi;       // as the manifest states it
  std::vector<std::string> capabilities;
  std::filesystem::path manifest_path;
  std::filesystem::path library_path;
  PluginState state = PluginState::kSkipped;
  std::string reason;    // why refused or skipped
  std::shared_ptr<LoadedPlugin> plugin;  // set when loaded
};

struct LoaderOptions {
  std::filesystem::path dir;
  // Plugin id -> expected sha256 of its library (lower-case hex). A mismatch refuses it.
  std::map<std::string, std::string> sha256_pins;
  // The ABI this host offers. Always the compiled-in version in production; tests may claim a
  // newer minor to exercise the compatibility rule.
  AbiVersion host_abi{MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR};
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

// Fails only when the folder itself is unusable (missing, not a folder, writable by group or
// others); problems with individual files are recorded in the registry.
Result<PluginRegistry> load_plugins(const LoaderOptions& options);

// Lower-case hex sha256 of a file's contents.
Result<std::string> sha256_file(const std::filesystem::path& path);

// Empty when `path` is writable only by its owner; otherwise the reason.
std::string insecure_permissions(const std::filesystem::path& path);

}  // namespace mb

#endif  // METERBRIDGE_HOST_PLUGIN_LOADER_H_
