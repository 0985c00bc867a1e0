#include "host/cli/app.h"

#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include <boost/json.hpp>

#include "host/common/bounded_read.h"
#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/http/engine.h"
#include "host/http/policy.h"
#include "host/notify/notifier.h"
#include "host/store/secret_box.h"

namespace mb::cli {
namespace fs = std::filesystem;

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case ErrorClass::kOk: return kExitOk;
    case ErrorClass::kConfigInvalid: return kExitConfigInvalid;
    case ErrorClass::kNotFound: return kExitNotFound;
    case ErrorClass::kUnsupported: return kExitPlugin;
    default: return kExitFailed;
  }
}

fs::path executable_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

App::App(const GlobalOptions& options, std::ostream& out, std::ostream& err)
    : options_(options), out_(out), err_(err) {}

App::~App() = default;

fs::path App::config_path() const {
  if (!options_.config_path.empty()) return options_.config_path;
  if (const char* env = std::getenv("MB_CONFIG"); env != nullptr && *env != '\0') return env;
  return "/etc/meterbridge/config.json";
}

bool App::has_config_file() const {
  std::error_code ec;
  return fs::exists(config_path(), ec);
}

Result<const Config*> App::config() {
  if (!config_) {
    fs::path default_plugins = options_.plugin_dir.empty() ? executable_dir() / ".." / "plugins"
                                                           : fs::path(options_.plugin_dir);
    config_.emplace(load_config(config_path(), default_plugins.lexically_normal()));
    if (*config_ && !options_.plugin_dir.empty()) (*config_)->plugin_dir = options_.plugin_dir;
    if (*config_ && !options_.state_path.empty()) {
      (*config_)->state_path = options_.state_path;
      (*config_)->key_file = fs::path(options_.state_path).parent_path() / "secret.key";
    }
  }
  if (!*config_) return config_->status();
  return &config_->value();
}

fs::path App::plugin_dir() {
  if (!options_.plugin_dir.empty()) return options_.plugin_dir;
  if (has_config_file()) {
    auto c = config();
    if (c) return (*c)->plugin_dir;
  }
  return (executable_dir() / ".." / "plugins").lexically_normal();
}

Result<const PluginRegistry*> App::plugins() {
  if (!plugins_) {
    LoaderOptions options;
    options.dir = plugin_dir();
    if (has_config_file()) {
      auto c = config();
      if (c) options.sha256_pins = (*c)->plugin_pins;
    }
    plugins_.emplace(load_plugins(options));
  }
  if (!*plugins_) return plugins_->status();
  return &plugins_->value();
}

Result<std::map<std::string, bool>> App::stored_credentials_by_connector() {
  std::map<std::string, bool> stored;
  auto fill = [&](Store& store) {
    if (auto connectors = store.list_connectors())
      for (const auto& c : *connectors) stored[c.id] = c.has_credentials;
  };
  if (store_) {
    fill(*store_);
    return stored;
  }
  auto c = config();
  if (!c) return c.status();
  std::error_code ec;
  if ((*c)->state_path == ":memory:" || !fs::exists((*c)->state_path, ec)) return stored;
  // Read the existing database directly: store() would record the config's connectors in it.
  auto existing = open_sqlite_store({.path = (*c)->state_path, .key_file = (*c)->key_file});
  if (existing) fill(**existing);  // one that cannot be opened is store()'s error to report
  return stored;
}

Status App::validate(std::vector<std::string>* warnings) {
  if (validated_ && warnings == nullptr) return *validated_;
  auto c = config();
  if (!c) return c.status();
  auto registry = plugins();
  if (!registry) return Status(ErrorClass::kUnsupported, registry.status().message());
  auto stored = stored_credentials_by_connector();
  if (!stored) return stored.status();
  validated_ = check_connectors(**c, **registry, *stored, warnings);
  return *validated_;
}

namespace {

// The sealing key is the host's own secret: should it ever reach a message, it is masked.
void register_sealing_key(const fs::path& key_file) {
  if (const char* env = std::getenv(SecretBox::kKeyEnv); env != nullptr)
    SecretRegistry::global().add(env);
  std::error_code ec;
  if (!fs::exists(key_file, ec)) return;
  if (auto text = read_regular_file(key_file, 4096)) {
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
    SecretRegistry::global().add(*text);
  }
}

}  // namespace

Result<Store*> App::store() {
  if (!store_) {
    MB_RETURN_IF_ERROR(validate());
    auto c = config();
    if (!c) return c.status();
    auto opened = open_sqlite_store({.path = (*c)->state_path, .key_file = (*c)->key_file});
    if (!opened) return Status(opened.status().code(), "state store: " + opened.status().message());
    register_sealing_key((*c)->key_file);
    for (const auto& connector : (*c)->connectors) {
      ConnectorRecord record;
      record.id = connector.id;
      record.plugin_id = connector.plugin;
      record.partner = connector.partner;
      Status s = (*opened)->upsert_connector(record);
      if (!s.ok()) return Status(s.code(), "state store: " + s.message());
    }
    store_ = std::move(*opened);
  }
  return store_.get();
}

Result<const ConnectorConfig*> App::connector(const std::string& id) {
  auto c = config();
  if (!c) return c.status();
  const ConnectorConfig* connector = (*c)->find_connector(id);
  if (connector == nullptr)
    return Status::NotFound("no connector '" + id + "' in " + (*c)->file.string());
  return connector;
}

ReportNames App::report_names(const std::string& connector_id) {
  ReportNames names;
  auto st = store();
  if (!st) return names;
  if (auto w = (*st)->list_workspaces())
    for (const auto& x : *w) names.workspaces[x.id] = x.name;
  if (auto s = (*st)->list_services())
    for (const auto& x : *s) names.services[x.id] = x.name;
  if (auto a = (*st)->list_psa_accounts(connector_id))
    for (const auto& x : *a) names.psa_accounts[x.id] = x.name;
  // Accounts meterbridge created itself (vendor-provisioned platforms) are not in the cache:
  // the name recorded on their mapping is theirs.
  if (auto m = (*st)->list_account_mappings(connector_id))
    for (const auto& x : *m)
      if (x.account_id && !x.account_name.empty()) names.psa_accounts.emplace(*x.account_id, x.account_name);
  return names;
}

namespace {

// One engine per process, created when the first session needs HTTP.
http::HttpEngine& engine() {
  static http::HttpEngine instance;
  return instance;
}

}  // namespace

void App::notify(const ConnectorConfig& connector, const SyncReport& report) {
  if (!connector.notifications.webhook && !connector.notifications.email) return;
  auto c = config();
  if (!c) return;
  Notifier notifier(engine(), (*c)->file.has_parent_path() ? (*c)->file.parent_path() : fs::path("."));
  notifier.notify(connector.notifications, connector, report, report_names(connector.id));
}

Status App::require_connected(const std::string& connector_id) {
  auto st = store();
  if (!st) return st.status();
  auto record = (*st)->get_connector(connector_id);
  if (!record) return record.status();
  if (*record && (*record)->status == "disconnected")
    return Status::Conflict("connector '" + connector_id + "' is disconnected (since " +
                            (*record)->status_at + "); run `meterbridge connectors connect " +
                            connector_id + "` to reconnect it");
  return Status::Ok();
}

Result<std::unique_ptr<PluginSession>> App::open_session(const std::string& connector_id) {
  auto connector = this->connector(connector_id);
  if (!connector) return connector.status();
  MB_RETURN_IF_ERROR(require_connected(connector_id));
  auto st = store();
  if (!st) return st.status();
  auto creds = (*st)->get_credentials(connector_id);
  if (!creds) return creds.status();
  return open_session_with(connector_id, *creds);
}

Result<std::unique_ptr<PluginSession>> App::open_session_with(
    const std::string& connector_id, const std::optional<std::string>& credentials) {
  auto c = config();
  if (!c) return c.status();
  auto connector = this->connector(connector_id);
  if (!connector) return connector.status();
  auto registry = plugins();
  if (!registry) return registry.status();
  const PluginRecord* record = (*registry)->record((*connector)->plugin);
  if (record == nullptr)
    return Status::Unsupported("connector '" + connector_id + "': no plugin '" + (*connector)->plugin +
                               "' in " + plugin_dir().string());
  if (record->state != PluginState::kLoaded)
    return Status::Unsupported("connector '" + connector_id + "': plugin '" + record->id + "' is " +
                               std::string(plugin_state_name(record->state)) + ": " +
                               record->reason);
  const PluginManifest& manifest = record->plugin->manifest();
  auto effective = effective_plugin_config(**c, **connector, manifest, credentials);
  if (!effective) return effective.status();

  http::HttpPolicy policy;
  std::string where = (*c)->file.string() + ": " + (*connector)->pointer + "/http: ";
  if (!manifest.http.is_null()) {
    Status s = http::apply_http_policy_json(manifest.http, &policy);
    if (!s.ok()) return Status::Unsupported("plugin '" + manifest.id + "' manifest http defaults: " + s.message());
  }
  Status s = http::apply_http_policy_json((*connector)->http, &policy);
  if (!s.ok()) return Status::ConfigInvalid(where + s.message());
  // The engine masks these in every line it writes, on top of the process-wide registry.
  std::vector<std::string> secrets;
  if (auto doc = json::parse(*effective); doc) {
    for (const auto& pointer : manifest.secret_fields) {
      boost::system::error_code ec;
      const boost::json::value* v = doc->find_pointer(pointer, ec);
      if (v != nullptr && v->is_string()) secrets.emplace_back(v->get_string());
    }
  }
  auto client = engine().make_client(connector_id, policy, std::move(secrets));
  if (!client) return Status(client.status().code(), where + client.status().message());

  SessionContext context;
  context.connector_id = connector_id;
  context.http = *client;
  return record->plugin->open(std::move(context), *effective);
}

}  // namespace mb::cli
