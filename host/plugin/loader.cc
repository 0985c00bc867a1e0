#include "host/plugin/loader.h"

#define BOOST_DLL_USE_STD_FS 1
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/dll/library_info.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "host/common/json.h"
#include "host/plugin/internal/trusted_files.h"
#include "host/plugin/process_plugin.h"

namespace mb {
namespace fs = std::filesystem;
using plugin_internal::open_trusted_file;
using plugin_internal::PrivateCopy;
using plugin_internal::sha256_fd;
using plugin_internal::UniqueFd;

std::string_view plugin_state_name(PluginState s) {
  switch (s) {
    case PluginState::kLoaded:
      return "loaded";
    case PluginState::kRefused:
      return "refused";
    case PluginState::kSkipped:
      return "skipped";
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
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::NotFound("cannot read " + path.string());
  return sha256_fd(fd.get());
}

namespace {

// Manifests are small; anything bigger is not one.
constexpr size_t kMaxManifestBytes = 1 << 20;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool looks_like_library(const fs::path& p) {
  std::string name = p.filename().string();
  return ends_with(name, ".so") || name.find(".so.") != std::string::npos;
}

constexpr std::string_view kManifestSuffix = ".plugin.json";

// The name a descriptor can be opened or loaded by: the very file behind it, whatever happens
// to the path it was opened with.
std::string descriptor_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// A library loaded with dlopen("/proc/self/fd/N") from the descriptor of its private copy, so
// the bytes that were hashed are the bytes that run. glibc recognises an object that is already
// loaded by the name it was opened with, so N must not be reused while the object stays mapped:
// the descriptor is closed only when dlclose really unloaded it (a C++ library with unique
// symbols never is; its descriptor then stays open for the life of the process). Destroyed
// after the plugin's on_plugin_unload (see LoadedPlugin), when the private copy is removed too.
class LoadedLibrary {
 public:
  // Loads the copy; on success the copy's file and descriptor belong to the LoadedLibrary.
  static Result<std::shared_ptr<LoadedLibrary>> load(PrivateCopy& copy) {
    if (::access("/proc/self/fd", F_OK) != 0)
      return Status::Fatal(
          "cannot load library: /proc is not mounted (libraries are loaded through /proc/self/fd)");
    std::string name = descriptor_path(copy.fd());
    ::dlerror();
    void* handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* error = ::dlerror();
      return Status::ConfigInvalid("cannot load library (private copy " + copy.path().string() +
                                   "): " + (error != nullptr ? error : "unknown error"));
    }
    fs::path path = copy.path();
    return std::shared_ptr<LoadedLibrary>(
        new LoadedLibrary(handle, copy.keep(), std::move(name), std::move(path)));
  }

  ~LoadedLibrary() {
    ::dlclose(handle_);
    if (void* still_loaded = ::dlopen(name_.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
      ::dlclose(still_loaded);
      (void)fd_.release();  // deliberately left open: see the class comment
    }
    if (::getpid() == owner_pid_) ::unlink(copy_path_.c_str());  // the mapping outlives the name
  }
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;

  void* symbol(const char* name) const { return ::dlsym(handle_, name); }

 private:
  LoadedLibrary(void* handle, UniqueFd fd, std::string name, fs::path copy_path)
      : handle_(handle),
        fd_(std::move(fd)),
        name_(std::move(name)),
        copy_path_(std::move(copy_path)),
        owner_pid_(::getpid()) {}

  void* handle_;
  UniqueFd fd_;
  std::string name_;
  fs::path copy_path_;
  pid_t owner_pid_;
};

// A process plugin's program: the private copy it runs from (kept until the plugin is gone)
// and the bridge that presents it as a plugin table.
struct ProcessProgram {
  ProcessProgram(ProcessSpec spec, UniqueFd descriptor, fs::path copy)
      : bridge(std::move(spec), host_services()),
        fd(std::move(descriptor)),
        copy_path(std::move(copy)),
        owner_pid(::getpid()) {}
  ~ProcessProgram() {
    if (::getpid() == owner_pid) ::unlink(copy_path.c_str());
  }
  ProcessBridge bridge;
  UniqueFd fd;
  fs::path copy_path;
  pid_t owner_pid;
};

// How meterbridge-plugin-runner is started to serve the library of `manifest` from `folder`,
// pinned to `digest` (the bytes this host checked).
ProcessSpec runner_spec(const fs::path& folder, const std::string& digest,
                        const PluginManifest& manifest, const fs::path& runner) {
  ProcessSpec spec;
  spec.program = runner;
  spec.working_dir = folder;
  spec.args = {"--plugin-dir", folder.string(), "--plugin", manifest.id, "--sha256", digest};
  spec.plugin_id = manifest.id;
  spec.abi = manifest.abi.to_string();
  spec.capabilities = manifest.capabilities;
#if defined(__SANITIZE_ADDRESS__)
  spec.memory_mb = 0;  // AddressSanitizer's shadow memory alone exceeds any sensible limit
#endif
  return spec;
}

class PluginLoader {
 public:
  PluginLoader(const LoaderOptions& options, int folder_fd, const PluginRegistry* previous)
      : options_(options), folder_fd_(folder_fd), previous_(previous) {}

  // Fills `record` from the manifest at `manifest_path`, loading the plugin when allowed.
  void load_one(PluginRecord& record) {
    record.state = PluginState::kRefused;
    auto manifest_fd = open_trusted_file(folder_fd_, record.manifest_path);
    if (!manifest_fd) return refuse(record, manifest_fd.status().message());
    auto text =
        plugin_internal::read_file_fd(manifest_fd->get(), kMaxManifestBytes, record.manifest_path);
    if (!text) return refuse(record, text.status().message());
    record.manifest_sha256 = plugin_internal::sha256_hex(*text);
    auto manifest = parse_manifest(*text, record.manifest_path.filename().string());
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
    if (m.runtime == PluginRuntime::kLibrary &&
        (m.library.empty() || m.library.find('/') != std::string::npos))
      return refuse(record, "manifest field 'library' must name a file in the plugin folder");
    record.library_path = record.manifest_path.parent_path() / m.library;

    const AbiVersion& host = options_.host_abi;
    if (m.abi.major != host.major)
      return refuse(record, "ABI major differs: plugin built for ABI " + m.abi.to_string() +
                                ", host provides ABI " + host.to_string());
    if (m.abi.minor > host.minor)
      return refuse(record, "plugin needs ABI " + m.abi.to_string() + ", host provides ABI " +
                                host.to_string() + " (a newer host is required)");
    if (m.runtime == PluginRuntime::kProcess)
      return load_process(record, std::move(*manifest), *text);
    record.isolated = !options_.runner.empty() && options_.in_process_ids.count(m.id) == 0;
    auto checked = checked_copy(record, m.id, record.library_path, "library");
    if (!checked) return;
    // Everything from here on reads the private copy, never the plugin folder again.
    PrivateCopy& copy = checked->copy;
    // Inspect the file without loading it: nothing of a library without our entry point runs.
    std::string why_not = exports_entry(descriptor_path(copy.fd()));
    if (!why_not.empty()) {
      record.state = PluginState::kSkipped;
      record.reason = why_not;
      return;
    }
    if (record.isolated) return describe_in_runner(record, *manifest, checked->digest);
    load_and_negotiate(record, std::move(*manifest), copy);
    if (record.state == PluginState::kLoaded) {
      record.sha256 = checked->digest;
      record.runtime_copy = copy.path();
    }
  }

 private:
  static void refuse(PluginRecord& record, const std::string& reason) {
    record.state = PluginState::kRefused;
    record.reason = reason;
  }

  struct CheckedCopy {
    PrivateCopy copy;
    std::string digest;
  };

  // Opens the file a manifest names (`what`: "library" or "program") with the folder's rules,
  // makes its private copy, hashes it and checks the pin. Empty when that decided `record`:
  // skipped (no such file), refused, or taken over unchanged from the previous registry.
  std::optional<CheckedCopy> checked_copy(PluginRecord& record, const std::string& id,
                                          const fs::path& file, std::string_view what) {
    std::string name = file.filename().string();
    auto fd = open_trusted_file(folder_fd_, file);
    if (!fd && fd.status().code() == ErrorClass::kNotFound) {
      record.state = PluginState::kSkipped;
      record.reason = std::string(what) + " " + name + " not found beside the manifest";
      return std::nullopt;
    }
    if (!fd) {
      refuse(record, fd.status().message());
      return std::nullopt;
    }
    if (take_over_unchanged(record, fd->get())) return std::nullopt;
    std::string suffix = what == "library" ? ".so" : file.extension().string();
    auto copy = PrivateCopy::make(fd->get(), id, suffix);
    if (!copy) {
      refuse(record, "cannot make a private copy of " + name + ": " + copy.status().message());
      return std::nullopt;
    }
    auto digest = sha256_fd(copy->fd());
    if (!digest) {
      refuse(record, digest.status().message());
      return std::nullopt;
    }
    if (std::string mismatch = pin_mismatch(id, *digest); !mismatch.empty()) {
      refuse(record, mismatch);
      return std::nullopt;
    }
    return CheckedCopy{std::move(*copy), std::move(*digest)};
  }

  // Empty when the config pins no digest for `id` or pins `digest`; otherwise the refusal.
  std::string pin_mismatch(const std::string& id, const std::string& digest) const {
    auto pin = options_.sha256_pins.find(id);
    if (pin == options_.sha256_pins.end()) return "";
    std::string expected = pin->second;
    std::transform(expected.begin(), expected.end(), expected.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (digest == expected) return "";
    return "sha256 pin mismatch: config pins " + expected + ", library is " + digest;
  }

  // On a rescan, takes over the previous registry's plugin when neither its manifest nor its
  // library bytes changed (its pin is still checked: the config may have changed). Returns
  // whether `record` is decided.
  bool take_over_unchanged(PluginRecord& record, int library_fd) {
    if (previous_ == nullptr) return false;
    const PluginRecord* before = previous_->record(record.id);
    if (before == nullptr || before->state != PluginState::kLoaded || before->plugin == nullptr ||
        before->manifest_sha256 != record.manifest_sha256 || before->isolated != record.isolated)
      return false;
    auto digest = sha256_fd(library_fd);
    if (!digest || *digest != before->sha256) return false;
    if (std::string mismatch = pin_mismatch(record.id, *digest); !mismatch.empty()) {
      refuse(record, mismatch);
      return true;
    }
    record.state = PluginState::kLoaded;
    record.reason.clear();
    record.plugin = before->plugin;
    record.sha256 = before->sha256;
    record.runtime_copy = before->runtime_copy;
    return true;
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

  void load_and_negotiate(PluginRecord& record, PluginManifest manifest, PrivateCopy& copy) {
    auto library = LoadedLibrary::load(copy);
    if (!library) return refuse(record, library.status().message());
    auto negotiate =
        reinterpret_cast<mb_plugin_negotiate_fn>((*library)->symbol(MB_PLUGIN_ENTRY_SYMBOL));
    if (negotiate == nullptr)
      return refuse(record, "cannot find " + std::string(MB_PLUGIN_ENTRY_SYMBOL));

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
    // Minors 0 and 1 hand over the table without the 1.2 ticket hooks.
    size_t least = built.minor < 2 ? MB_PLUGIN_TABLE_SIZE_1_0 : sizeof(mb_plugin_table);
    if (table->size < least)
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

    finish_loading(record, manifest, table, *library);
  }

  // A library no connector runs in process: none of its code runs here. The runner loads it
  // (pinned to `digest`) and describes it; a crash there refuses this plugin, nothing more.
  void describe_in_runner(PluginRecord& record, const PluginManifest& manifest,
                          const std::string& digest) {
    if (::access(options_.runner.c_str(), X_OK) != 0)
      return refuse(record, "cannot isolate plugin '" + manifest.id + "': no executable " +
                                options_.runner.string());
    auto bridge = std::make_shared<ProcessBridge>(
        runner_spec(record.manifest_path.parent_path(), digest, manifest, options_.runner),
        host_services());
    PluginManifest isolated = manifest;
    isolated.runtime = PluginRuntime::kProcess;
    finish_loading(record, isolated, bridge->table(), bridge);
    if (record.state == PluginState::kLoaded) record.sha256 = digest;
  }

  // A process plugin (docs/plugin-protocol.md): the same rules for its program as for a
  // library (trusted file, private copy, sha256 pin), then a ProcessBridge as its table. Its
  // describe() starts the program once, which also proves it speaks the protocol.
  void load_process(PluginRecord& record, PluginManifest manifest, const std::string& text) {
    auto document = json::parse(text);
    if (!document) return refuse(record, document.status().message());
    auto spec = process_spec_from_manifest(*document, record.manifest_path.parent_path());
    if (!spec)
      return refuse(record,
                    record.manifest_path.filename().string() + ": " + spec.status().message());
    record.library_path = spec->program;
    auto checked = checked_copy(record, manifest.id, spec->program, "program");
    if (!checked) return;
    spec->program = checked->copy.path();
    auto owner = std::make_shared<ProcessProgram>(std::move(*spec), checked->copy.keep(),
                                                  checked->copy.path());
    finish_loading(record, manifest, owner->bridge.table(), owner);
    if (record.state == PluginState::kLoaded) {
      record.sha256 = checked->digest;
      record.runtime_copy = owner->copy_path;
    }
  }

  // Calls describe() on a negotiated table, compares it with the manifest and, when they
  // agree, records the plugin as loaded. `owner` keeps the table's code alive.
  void finish_loading(PluginRecord& record, const PluginManifest& manifest,
                      const mb_plugin_table* table, std::shared_ptr<void> owner) {
    auto plugin = std::make_shared<LoadedPlugin>(manifest, table, std::move(owner));
    auto described_text = plugin->describe();
    if (!described_text)
      return refuse(record, "describe() failed: " + described_text.status().message());
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
    if (m.has_capability("tickets") && !offers_every_ticket_hook(t)) {
      refuse(record,
             "manifest lists capability 'tickets' but the plugin lacks some of its five hooks "
             "(ABI 1.2: on_list_ticket_boards ... on_close_ticket)");
      return false;
    }
    const std::pair<std::string_view, bool> hooks[] = {
        {"provision_accounts", t->on_provision_accounts != nullptr},
        {"provision_services", t->on_provision_services != nullptr},
        {"set_status", t->on_set_status != nullptr},
        {"link_accounts", t->on_link_accounts != nullptr},
        {"disconnect", t->on_disconnect != nullptr},
    };
    for (const auto& [name, present] : hooks) {
      if (m.has_capability(name) && !present) {
        refuse(record, "manifest lists capability '" + std::string(name) +
                           "' but the plugin has no hook for it");
        return false;
      }
    }
    return true;
  }

  static bool offers_every_ticket_hook(const mb_plugin_table* t) {
    if (t->abi_minor < 2 || t->size < sizeof(mb_plugin_table)) return false;
    return t->on_list_ticket_boards != nullptr && t->on_check_ticket_permissions != nullptr &&
           t->on_open_ticket != nullptr && t->on_add_ticket_note != nullptr &&
           t->on_close_ticket != nullptr;
  }

  const LoaderOptions& options_;
  int folder_fd_;
  const PluginRegistry* previous_;
};

// Names of the regular files and symbolic links in the folder, sorted. Links are listed so
// that a linked manifest or library is refused with the reason rather than silently ignored.
Result<std::vector<std::string>> list_plugin_folder(int folder_fd, const fs::path& shown_path) {
  DIR* dir = ::fdopendir(::dup(folder_fd));
  if (dir == nullptr)
    return Status::Fatal("cannot list plugin folder " + shown_path.string() + ": " +
                         std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(folder_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
    }
    if (type == DT_REG || type == DT_LNK) names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

fs::path default_runner_path() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::path(".") : self.parent_path()) / "meterbridge-plugin-runner";
}

Result<std::shared_ptr<LoadedPlugin>> isolate_plugin(const PluginRecord& record,
                                                     const fs::path& runner,
                                                     const boost::json::value& limits) {
  if (record.state != PluginState::kLoaded || record.plugin == nullptr)
    return Status::Unsupported("plugin '" + record.id + "' is not loaded");
  const PluginManifest& manifest = record.plugin->manifest();
  // A process plugin is a child already; its limits are its manifest's.
  if (manifest.runtime == PluginRuntime::kProcess && !record.isolated) return record.plugin;
  if (record.isolated && limits.is_null()) return record.plugin;  // the runner bridge it loaded
  if (::access(runner.c_str(), X_OK) != 0)
    return Status::Unsupported("cannot isolate plugin '" + record.id + "': no executable " +
                               runner.string());
  ProcessSpec spec =
      runner_spec(record.manifest_path.parent_path(), record.sha256, manifest, runner);
  if (!limits.is_null())
    MB_RETURN_IF_ERROR(apply_process_limits(limits, "isolation_limits", true, spec));
#if defined(__SANITIZE_ADDRESS__)
  spec.memory_mb = 0;
#endif
  auto bridge = std::make_shared<ProcessBridge>(std::move(spec), host_services());
  PluginManifest isolated = manifest;
  isolated.runtime = PluginRuntime::kProcess;
  return std::make_shared<LoadedPlugin>(std::move(isolated), bridge->table(), bridge);
}

Result<PluginRegistry> load_plugins(const LoaderOptions& options, const PluginRegistry* previous) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(options.dir, ec)))
    return Status::ConfigInvalid("plugin folder " + options.dir.string() + " does not exist");
  auto folder = plugin_internal::open_trusted_folder(options.dir);
  if (!folder) return Status::ConfigInvalid("plugin folder refused: " + folder.status().message());
  auto names = list_plugin_folder(folder->get(), options.dir);
  if (!names) return names.status();
  std::vector<fs::path> files;
  for (const auto& name : *names) files.push_back(options.dir / name);

  PluginRegistry registry;
  PluginLoader loader(options, folder->get(), previous);
  std::set<fs::path> claimed_libraries;
  std::set<std::string> loaded_ids;
  if (!options.only_id.empty()) {
    files.clear();
    files.push_back(options.dir / (options.only_id + std::string(kManifestSuffix)));
  }
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
      spdlog::debug("plugin {} {} (ABI {}) loaded from {} (sha256 {}), running from {}", record.id,
                    record.version, record.abi, record.library_path.string(), record.sha256,
                    record.runtime_copy.string());
    } else {
      spdlog::warn("plugin {} {}: {}", path.filename().string(), plugin_state_name(record.state),
                   record.reason);
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
