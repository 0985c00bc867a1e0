#include "host/plugin/loader.h"

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "host/common/json.h"

namespace mb {
namespace fs = std::filesystem;

std::string_view plugin_state_name(PluginState s) {
  switch (s) {
    case PluginState::kLoaded: return "loaded";
    case PluginState::kRefused: return "refused";
    case PluginState::kSkipped: return "skipped";
  }
  return "unknown";
}

std::shared_ptr<LoadedPlugin> PluginRegistry::find(std::string_view id) const {
  const PluginRecord* r = record(id);
  return r != nullptr ? r->plugin : nullptr;
}

const PluginRecord* PluginRegistry::record(std::string_view id) const {
  for (const auto& r : records_)
    if (r.id == id && r.state == PluginState::kLoaded) return &r;
  for (const auto& r : records_)
    if (r.id == id) return &r;
  return nullptr;
}

Result<std::string> sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path.string());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<char, 65536> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    auto n = in.gcount();
    if (n > 0)
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf.data()),
                                static_cast<unsigned long long>(n));
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex;
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

std::string insecure_permissions(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "cannot stat " + path.string();
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 07777);
    return path.string() + " is writable by group or others (mode " + mode.str() +
           "); only its owner may write it";
  }
  return "";
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool looks_like_library(const fs::path& p) {
  std::string name = p.filename().string();
  return ends_with(name, ".so") || name.find(".so.") != std::string::npos;
}

constexpr std::string_view kManifestSuffix = ".plugin.json";

// Holds the library open; destroyed after the plugin's on_plugin_unload (see LoadedPlugin).
using Library = boost::dll::shared_library;

class PluginLoader {
 public:
  explicit PluginLoader(const LoaderOptions& options) : options_(options) {}

  // Fills `record` from the manifest at `manifest_path`, loading the plugin when allowed.
  void load_one(PluginRecord& record) {
    record.state = PluginState::kRefused;
    std::string bad = insecure_permissions(record.manifest_path);
    if (!bad.empty()) return refuse(record, bad);
    auto manifest = parse_manifest(read_file(record.manifest_path), record.manifest_path.filename().string());
    if (!manifest) return refuse(record, manifest.status().message());
    const PluginManifest& m = *manifest;
    record.id = m.id;
    record.name = m.name;
    record.version = m.version;
    record.abi = m.abi.to_string();
    record.capabilities = m.capabilities;

    std::string expected_file = m.id + std::string(kManifestSuffix);
    if (record.manifest_path.filename() != expected_file)
      return refuse(record, "manifest of plugin '" + m.id + "' must be named " + expected_file);
    if (m.library.empty() || m.library.find('/') != std::string::npos)
      return refuse(record, "manifest field 'library' must name a file in the plugin folder");
    record.library_path = record.manifest_path.parent_path() / m.library;

    const AbiVersion& host = options_.host_abi;
    if (m.abi.major != host.major)
      return refuse(record, "ABI major differs: plugin built for ABI " + m.abi.to_string() +
                                ", host provides ABI " + host.to_string());
    if (m.abi.minor > host.minor)
      return refuse(record, "plugin needs ABI " + m.abi.to_string() + ", host provides ABI " +
                                host.to_string() + " (a newer host is required)");
    if (!fs::is_regular_file(record.library_path)) {
      record.state = PluginState::kSkipped;
      record.reason = "library " + m.library + " not found beside the manifest";
      return;
    }
    bad = insecure_permissions(record.library_path);
    if (!bad.empty()) return refuse(record, bad);

    if (auto pin = options_.sha256_pins.find(m.id); pin != options_.sha256_pins.end()) {
      auto digest = sha256_file(record.library_path);
      if (!digest) return refuse(record, digest.status().message());
      std::string expected = pin->second;
      std::transform(expected.begin(), expected.end(), expected.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (*digest != expected)
        return refuse(record, "sha256 pin mismatch: config pins " + expected + ", library is " + *digest);
    }

    // Inspect the file without loading it: nothing of a library without our entry point runs.
    std::string why_not = exports_entry(record.library_path);
    if (!why_not.empty()) {
      record.state = PluginState::kSkipped;
      record.reason = why_not;
      return;
    }
    load_and_negotiate(record, std::move(*manifest));
  }

 private:
  static void refuse(PluginRecord& record, const std::string& reason) {
    record.state = PluginState::kRefused;
    record.reason = reason;
  }

  static std::string exports_entry(const fs::path& path) {
    try {
      boost::dll::library_info info(path, true);
      std::vector<std::string> symbols = info.symbols();
      if (std::find(symbols.begin(), symbols.end(), MB_PLUGIN_ENTRY_SYMBOL) == symbols.end())
        return "not a meterbridge plugin: the library does not export " +
               std::string(MB_PLUGIN_ENTRY_SYMBOL);
      return "";
    } catch (const std::exception& e) {
      return "not a shared library (" + std::string(e.what()) + ")";
    }
  }

  void load_and_negotiate(PluginRecord& record, PluginManifest manifest) {
    std::shared_ptr<Library> library;
    try {
      library = std::make_shared<Library>(
          record.library_path, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
    } catch (const std::exception& e) {
      return refuse(record, std::string("cannot load library: ") + e.what());
    }
    auto negotiate = library->get<std::remove_pointer_t<mb_plugin_negotiate_fn>>(MB_PLUGIN_ENTRY_SYMBOL);

    const AbiVersion& host = options_.host_abi;
    mb_host_offer offer{};
    offer.size = sizeof(mb_host_offer);
    offer.abi_major = host.major;
    offer.abi_minor_max = host.minor;
    offer.services = host_services();
    static constexpr std::string_view kHostVersion = "meterbridge " MB_HOST_VERSION;
    offer.host_version = mb_str{kHostVersion.data(), kHostVersion.size()};
    const mb_plugin_table* table = nullptr;
    mb_status status = negotiate(&offer, &table);
    if (status != MB_STATUS_OK || table == nullptr)
      return refuse(record, "plugin refused to negotiate: host provides ABI " + host.to_string() +
                                ", manifest says plugin needs " + manifest.abi.to_string());
    AbiVersion built{table->abi_major, table->abi_minor};
    if (built.major != host.major || built.minor > host.minor)
      return refuse(record, "plugin table is ABI " + built.to_string() + ", host provides ABI " +
                                host.to_string());
    if (table->size < sizeof(mb_plugin_table))
      return refuse(record, "plugin table too small for ABI " + built.to_string() + " (" +
                                std::to_string(table->size) + " bytes)");
    if (!(built == manifest.abi))
      return refuse(record, "manifest says ABI " + manifest.abi.to_string() +
                                " but the library was built for ABI " + built.to_string());
    if (table->on_describe == nullptr || table->on_session_open == nullptr ||
        table->on_session_close == nullptr || table->on_authenticate == nullptr ||
        table->on_list_accounts == nullptr || table->on_list_services == nullptr ||
        table->on_read_quantities == nullptr || table->on_apply_quantities == nullptr)
      return refuse(record, "plugin table lacks a required hook");

    auto plugin = std::make_shared<LoadedPlugin>(manifest, table, library);
    auto described_text = plugin->describe();
    if (!described_text) return refuse(record, "describe() failed: " + described_text.status().message());
    auto described = parse_manifest(*described_text, "describe()");
    if (!described) return refuse(record, described.status().message());
    std::string diff = manifest_disagreement(manifest, *described);
    if (!diff.empty()) return refuse(record, "manifest and describe() disagree: " + diff);
    if (!capability_hooks_match(manifest, table, record)) return;
    record.state = PluginState::kLoaded;
    record.reason.clear();
    record.plugin = std::move(plugin);
  }

  static bool capability_hooks_match(const PluginManifest& m, const mb_plugin_table* t,
                                     PluginRecord& record) {
    const std::pair<std::string_view, bool> hooks[] = {
        {"provision_accounts", t->on_provision_accounts != nullptr},
        {"provision_services", t->on_provision_services != nullptr},
        {"set_status", t->on_set_status != nullptr},
        {"link_accounts", t->on_link_accounts != nullptr},
        {"disconnect", t->on_disconnect != nullptr},
    };
    for (const auto& [name, present] : hooks) {
      if (m.has_capability(name) && !present) {
        refuse(record, "manifest lists capability '" + std::string(name) + "' but the plugin has no hook for it");
        return false;
      }
    }
    return true;
  }

  const LoaderOptions& options_;
};

}  // namespace

Result<PluginRegistry> load_plugins(const LoaderOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec))
    return Status::ConfigInvalid("plugin folder " + options.dir.string() + " does not exist");
  std::string bad = insecure_permissions(options.dir);
  if (!bad.empty()) return Status::ConfigInvalid("plugin folder refused: " + bad);

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(options.dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  if (ec) return Status::Fatal("cannot list plugin folder " + options.dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  PluginRegistry registry;
  PluginLoader loader(options);
  std::set<fs::path> claimed_libraries;
  std::set<std::string> loaded_ids;
  for (const auto& path : files) {
    if (!ends_with(path.filename().string(), kManifestSuffix)) continue;
    PluginRecord record;
    record.manifest_path = path;
    loader.load_one(record);
    if (!record.library_path.empty()) claimed_libraries.insert(record.library_path);
    if (record.state == PluginState::kLoaded && !loaded_ids.insert(record.id).second) {
      record.state = PluginState::kRefused;
      record.reason = "another plugin with id '" + record.id + "' is already loaded";
      record.plugin.reset();
    }
    if (record.state == PluginState::kLoaded) {
      spdlog::debug("plugin {} {} (ABI {}) loaded from {}", record.id, record.version, record.abi,
                    record.library_path.string());
    } else {
      spdlog::warn("plugin {} {}: {}", path.filename().string(), plugin_state_name(record.state), record.reason);
    }
    registry.add(std::move(record));
  }
  for (const auto& path : files) {
    std::string name = path.filename().string();
    if (ends_with(name, kManifestSuffix) || claimed_libraries.count(path) > 0) continue;
    PluginRecord record;
    record.library_path = path;
    record.state = PluginState::kSkipped;
    record.reason = looks_like_library(path)
                        ? "no manifest: a plugin library needs <id>.plugin.json beside it"
                        : "not a plugin (no <id>.plugin.json manifest)";
    spdlog::warn("plugin folder: skipping {}: {}", name, record.reason);
    registry.add(std::move(record));
  }
  return registry;
}

}  // namespace mb
