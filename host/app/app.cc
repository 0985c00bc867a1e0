#include "host/app/app.h"

#include <unistd.h>

#include <cstdlib>
#include <ostream>
#include <set>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "host/app/tenant_budget.h"
#include "host/common/bounded_read.h"
#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/http/engine.h"
#include "host/http/policy.h"
#include "host/notify/notifier.h"
#include "host/store/postgres_store.h"
#include "host/store/secret_box.h"
#include "host/sync/lease.h"

namespace mb::app {
namespace fs = std::filesystem;

SyncSettings sync_settings(const Config& config) {
  SyncSettings settings;
  settings.ended_workspaces = config.ended_workspaces;
  return settings;
}

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case ErrorClass::kOk:
      return kExitOk;
    case ErrorClass::kConfigInvalid:
      return kExitConfigInvalid;
    case ErrorClass::kNotFound:
      return kExitNotFound;
    case ErrorClass::kUnsupported:
      return kExitPlugin;
    default:
      return kExitFailed;
  }
}

fs::path executable_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

App::App(const GlobalOptions& options, std::ostream& out, std::ostream& err)
    : options_(options), out_(out), err_(err) {}

App::~App() {
  // Registries a reload replaced are never destroyed. The same library loaded twice hands both
  // registries one plugin instance, which only one of them may unload; and a library that may
  // still run must stay mapped anyway.
  if (!retired_plugins_.empty()) {
    static auto* never_unloaded = new std::vector<std::shared_ptr<const PluginRegistry>>();
    for (auto& registry : retired_plugins_) never_unloaded->push_back(std::move(registry));
  }
}

fs::path App::config_path() const {
  if (!options_.config_path.empty()) return options_.config_path;
  if (const char* env = std::getenv("MB_CONFIG"); env != nullptr && *env != '\0') return env;
  return "/etc/meterbridge/config.json";
}

bool App::has_config_file() const {
  std::error_code ec;
  return fs::exists(config_path(), ec);
}

namespace {

// An installed binary (<prefix>/bin) finds its plugins in <prefix>/lib/meterbridge/plugins; the
// build tree keeps them in <build>/plugins, beside <build>/bin.
fs::path plugins_beside_binary() {
  fs::path prefix = (executable_dir() / "..").lexically_normal();
  fs::path installed = prefix / "lib" / "meterbridge" / "plugins";
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed;
  return prefix / "plugins";
}

}  // namespace

Result<Config> App::read_config() const {
  fs::path default_plugins =
      options_.plugin_dir.empty() ? plugins_beside_binary() : fs::path(options_.plugin_dir);
  auto loaded = load_config(config_path(), default_plugins);
  if (!loaded) return loaded;
  if (!options_.plugin_dir.empty()) loaded->plugin_dir = options_.plugin_dir;
  if (!options_.state_path.empty() && options_.state_path.starts_with("postgres")) {
    // --state postgresql://...: that database (the key stays where the config puts it).
    loaded->state_postgres = PostgresStateConfig{options_.state_path, ""};
  } else if (!options_.state_path.empty()) {
    loaded->state_path = options_.state_path;
    loaded->state_postgres.reset();
    loaded->key_file = fs::path(options_.state_path).parent_path() / "secret.key";
  }
  return loaded;
}

Result<std::shared_ptr<const Config>> App::config() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_) {
    auto loaded = read_config();
    if (loaded)
      config_.emplace(std::make_shared<const Config>(std::move(*loaded)));
    else
      config_.emplace(loaded.status());
  }
  return *config_;
}

fs::path App::plugin_dir() {
  if (!options_.plugin_dir.empty()) return options_.plugin_dir;
  if (has_config_file()) {
    auto c = config();
    if (c) return (*c)->plugin_dir;
  }
  return plugins_beside_binary();
}

Result<PluginRegistry> App::scan_plugins(const Config* config, const PluginRegistry* previous) {
  LoaderOptions options;
  options.dir = config != nullptr ? config->plugin_dir : plugin_dir();
  if (config != nullptr) {
    options.sha256_pins = config->plugin_pins;
    // Only the libraries of connectors running in process are loaded here; every other one is
    // described by the runner, so a library that crashes while loading cannot stop the host.
    for (const auto& c : config->connectors)
      if (!c.isolated) options.in_process_ids.insert(c.plugin);
    if (fs::path runner = default_runner_path(); ::access(runner.c_str(), X_OK) == 0)
      options.runner = runner;
  }
  return load_plugins(options, previous);
}

Result<std::shared_ptr<const PluginRegistry>> App::plugins() {
  std::shared_ptr<const Config> config;
  if (has_config_file()) {
    auto c = this->config();
    if (c) config = *c;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!plugins_) {
    auto scanned = scan_plugins(config.get());
    if (scanned)
      plugins_.emplace(std::make_shared<const PluginRegistry>(std::move(*scanned)));
    else
      plugins_.emplace(scanned.status());
  }
  return *plugins_;
}

Status App::record_connectors(Store& store, const Config& config) {
  for (const auto& connector : config.connectors) {
    ConnectorRecord record;
    record.id = connector.id;
    record.plugin_id = connector.plugin;
    record.partner = connector.partner;
    Status s = store.upsert_connector(record);
    if (!s.ok()) return Status(s.code(), "state store: " + s.message());
  }
  return Status::Ok();
}

namespace {

// The config's state store: its PostgreSQL database when it names one, else the SQLite file.
// `create`: false reads what exists and changes nothing (no file, no schema).
Result<std::unique_ptr<Store>> open_state_store(const Config& config, bool create) {
  if (config.state_postgres) {
    auto target = resolve_postgres_state(config);
    if (!target) return target.status();
    return open_postgres_store({.target = target->url,
                                .password = target->password,
                                .key_file = config.key_file,
                                .clock = &SystemClock::instance(),
                                .migrate_to_version = 0,
                                .create_schema = create});
  }
  std::error_code ec;
  if (!create && (config.state_path == ":memory:" || !fs::exists(config.state_path, ec)))
    return Status::NotFound("no state database yet");
  return open_sqlite_store({.path = config.state_path, .key_file = config.key_file});
}

}  // namespace

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
  // Read the existing database directly: store() would record the config's connectors in it.
  auto existing = open_state_store(**c, /*create=*/false);
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
  auto c = config();
  if (!c) return c.status();
  std::lock_guard<std::mutex> lock(store_mu_);
  if (!store_) {
    MB_RETURN_IF_ERROR(validate());
    auto opened = open_state_store(**c, /*create=*/true);
    if (!opened) return Status(opened.status().code(), "state store: " + opened.status().message());
    register_sealing_key((*c)->key_file);
    MB_RETURN_IF_ERROR(record_connectors(**opened, **c));
    auto merged = with_console_connectors(**c, **opened);
    if (!merged) return Status(merged.status().code(), "state store: " + merged.status().message());
    store_ = std::move(*opened);
    std::lock_guard<std::mutex> snapshot_lock(mu_);
    file_config_ = *c;
    config_.emplace(std::move(*merged));
  }
  return store_.get();
}

ConnectorConfig console_connector_config(const ConsoleConnector& added,
                                         const ScheduleConfig& global_schedule) {
  ConnectorConfig connector;
  connector.id = added.id;
  connector.plugin = added.plugin_id;
  connector.partner = added.partner;
  connector.partner_id = added.partner_id;
  connector.pointer = "(console connector '" + added.id + "')";
  connector.from_console = true;
  auto plugin_config = json::parse(added.plugin_config_json);
  if (plugin_config && plugin_config->is_object())
    connector.plugin_config = std::move(*plugin_config);
  else
    connector.plugin_config = boost::json::object();
  connector.schedule = global_schedule;
  if (added.settings_json.empty()) return connector;
  auto settings = json::parse(added.settings_json);
  Status applied = settings ? apply_connector_settings(*settings, global_schedule, connector)
                            : settings.status();
  if (!applied.ok()) {
    spdlog::error(
        "connector '{}' added in the console: its stored policies and schedule are refused ({}); "
        "it stays disabled and in dry run until they are edited",
        added.id, applied.message());
    connector.enabled = false;
    connector.policies.dry_run = true;
  }
  return connector;
}

Result<std::shared_ptr<const Config>> App::with_console_connectors(const Config& file_config,
                                                                   Store& store) {
  auto added = store.list_console_connectors();
  if (!added) return added.status();
  auto merged = std::make_shared<Config>(file_config);
  for (const auto& c : *added) {
    if (file_config.find_connector(c.id) != nullptr) {
      spdlog::warn("connector '{}' added in the console is also declared in {}; the file's is used",
                   c.id, file_config.file.string());
      continue;
    }
    merged->connectors.push_back(console_connector_config(c, file_config.schedule));
  }
  return std::shared_ptr<const Config>(std::move(merged));
}

Result<std::unique_ptr<PluginSession>> App::open_draft_session(const ConnectorConfig& draft,
                                                               const std::string& credentials) {
  auto c = config();
  if (!c) return c.status();
  return open_session_for(**c, draft, credentials);
}

Status App::add_console_connector(const ConsoleConnector& connector,
                                  const std::string& credentials) {
  auto st = store();
  if (!st) return st.status();
  std::lock_guard<std::mutex> lock(store_mu_);
  MB_RETURN_IF_ERROR(store_->add_console_connector(connector, credentials));
  return refresh_console_connectors();
}

Status App::remove_console_connector(const std::string& id) {
  auto st = store();
  if (!st) return st.status();
  std::lock_guard<std::mutex> lock(store_mu_);
  MB_RETURN_IF_ERROR(store_->remove_console_connector(id));
  return refresh_console_connectors();
}

Status App::set_console_connector_settings(const std::string& id,
                                           const std::string& settings_json) {
  auto st = store();
  if (!st) return st.status();
  std::lock_guard<std::mutex> lock(store_mu_);
  MB_RETURN_IF_ERROR(store_->set_console_connector_settings(id, settings_json));
  return refresh_console_connectors();
}

Status App::refresh_console_connectors() {
  std::shared_ptr<const Config> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    file = file_config_;
  }
  if (!file) return Status::Ok();
  auto merged = with_console_connectors(*file, *store_);
  if (!merged) return merged.status();
  std::lock_guard<std::mutex> lock(mu_);
  config_.emplace(std::move(*merged));
  return Status::Ok();
}

Status App::reload(const std::function<Status(const Config& next)>& accept) {
  auto next = read_config();
  if (!next) return next.status();
  if (accept) MB_RETURN_IF_ERROR(accept(*next));
  std::shared_ptr<const PluginRegistry> current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (plugins_ && *plugins_) current = **plugins_;
  }
  // Unchanged plugins (same manifest and library bytes) are reused, not loaded a second time.
  auto registry = scan_plugins(&*next, current.get());
  if (!registry) return registry.status();
  auto config = std::make_shared<const Config>(std::move(*next));
  {
    std::lock_guard<std::mutex> lock(store_mu_);
    // The same checks `config check` makes, against the plugins just scanned.
    std::map<std::string, bool> stored;
    if (store_)
      if (auto connectors = store_->list_connectors())
        for (const auto& c : *connectors) stored[c.id] = c.has_credentials;
    MB_RETURN_IF_ERROR(check_connectors(*config, *registry, stored, nullptr));
    if (store_) {
      MB_RETURN_IF_ERROR(record_connectors(*store_, *config));
      auto merged = with_console_connectors(*config, *store_);
      if (!merged) return merged.status();
      std::lock_guard<std::mutex> snapshot_lock(mu_);
      file_config_ = config;
      config = std::move(*merged);
    }
    validated_ = Status::Ok();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (plugins_ && *plugins_) retired_plugins_.push_back(**plugins_);
  plugins_.emplace(std::make_shared<const PluginRegistry>(std::move(*registry)));
  config_.emplace(std::move(config));
  return Status::Ok();
}

namespace {

Result<std::shared_ptr<const ConnectorConfig>> connector_in(
    const std::shared_ptr<const Config>& config, const std::string& id) {
  const ConnectorConfig* connector = config->find_connector(id);
  if (connector == nullptr)
    return Status::NotFound("no connector '" + id + "' in " + config->file.string());
  return std::shared_ptr<const ConnectorConfig>(config, connector);  // shares the config's lifetime
}

std::string http_where(const Config& config, const ConnectorConfig& connector) {
  return config.file.string() + ": " + connector.pointer + "/http: ";
}

// The manifest's http defaults under the connector's own http settings.
Result<http::HttpPolicy> connector_http_policy(const Config& config,
                                               const ConnectorConfig& connector,
                                               const PluginManifest& manifest) {
  http::HttpPolicy policy;
  if (!manifest.http.is_null()) {
    Status s = http::apply_http_policy_json(manifest.http, &policy);
    if (!s.ok())
      return Status::Unsupported("plugin '" + manifest.id +
                                 "' manifest http defaults: " + s.message());
  }
  Status s = http::apply_http_policy_json(connector.http, &policy);
  if (!s.ok()) return Status::ConfigInvalid(http_where(config, connector) + s.message());
  return policy;
}

}  // namespace

Result<std::shared_ptr<const ConnectorConfig>> App::connector(const std::string& id) {
  auto c = config();
  if (!c) return c.status();
  auto found = connector_in(*c, id);
  if (found || store_opened()) return found;
  // It may be one added in the console: those join config() when the store opens.
  if (auto st = store(); !st) return found;
  c = config();
  if (!c) return c.status();
  return connector_in(*c, id);
}

bool App::store_opened() {
  std::lock_guard<std::mutex> lock(store_mu_);
  return store_ != nullptr;
}

ReportNames App::report_names(const std::string& connector_id,
                              const std::vector<const SyncLine*>& lines) {
  ReportNames names;
  auto st = store();
  if (!st) return names;
  std::set<std::string> workspaces, accounts;
  for (const SyncLine* l : lines) {
    workspaces.insert(l->workspace_id);
    if (!l->account_id.empty()) accounts.insert(l->account_id);
  }
  if (!workspaces.empty())
    if (auto w = (*st)->workspace_names({workspaces.begin(), workspaces.end()}))
      names.workspaces = std::move(*w);
  if (!lines.empty())
    if (auto s = (*st)->list_services())
      for (const auto& x : *s) names.services[x.id] = x.name;
  if (!accounts.empty())
    if (auto a = (*st)->psa_account_names(connector_id, {accounts.begin(), accounts.end()}))
      names.psa_accounts = std::move(*a);
  return names;
}

std::map<std::string, ReportNames> App::pending_names(const std::vector<PendingApproval>& pending) {
  std::map<std::string, std::vector<const SyncLine*>> lines;
  for (const auto& p : pending) lines[p.connector_id].push_back(&p.line);
  std::map<std::string, ReportNames> names;
  for (const auto& [connector, of_connector] : lines)
    names.emplace(connector, report_names(connector, of_connector));
  return names;
}

ReportNames App::report_names(const std::string& connector_id, const std::vector<SyncLine>& lines) {
  std::vector<const SyncLine*> pointers;
  pointers.reserve(lines.size());
  for (const auto& l : lines) pointers.push_back(&l);
  return report_names(connector_id, pointers);
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
  Notifier notifier(engine(),
                    (*c)->file.has_parent_path() ? (*c)->file.parent_path() : fs::path("."));
  notifier.notify(connector.notifications, connector, report,
                  report_names(connector.id, report.lines));
}

void App::notify_alerts(const ConnectorConfig& connector, const AlertRun* run,
                        const std::string& trigger, const std::string& error) {
  if (!connector.notifications.webhook && !connector.notifications.email) return;
  if (run != nullptr && run->lines.empty()) return;
  auto c = config();
  if (!c) return;
  Notifier notifier(engine(),
                    (*c)->file.has_parent_path() ? (*c)->file.parent_path() : fs::path("."));
  notifier.notify_alerts(connector.notifications, connector,
                         run != nullptr ? alert_run_notice(*run)
                                        : failed_alert_run_notice(connector.id, trigger, error));
}

Status App::require_connected(const std::string& connector_id) {
  auto st = store();
  if (!st) return st.status();
  auto record = (*st)->get_connector(connector_id);
  if (!record) return record.status();
  if (*record && (*record)->status == ConnectorStatus::kDisconnected)
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
  auto connector = connector_in(*c, connector_id);  // from the same snapshot as `c`
  if (!connector) return connector.status();
  return open_session_for(**c, **connector, credentials);
}

Result<std::unique_ptr<PluginSession>> App::open_session_for(
    const Config& config, const ConnectorConfig& connector,
    const std::optional<std::string>& credentials) {
  const std::string& connector_id = connector.id;
  auto registry = plugins();
  if (!registry) return registry.status();
  const PluginRecord* record = (*registry)->record(connector.plugin);
  if (record == nullptr)
    return Status::Unsupported("connector '" + connector_id + "': no plugin '" + connector.plugin +
                               "' in " + plugin_dir().string());
  if (record->state != PluginState::kLoaded)
    return Status::Unsupported("connector '" + connector_id + "': plugin '" + record->id + "' is " +
                               std::string(plugin_state_name(record->state)) + ": " +
                               record->reason);
  const PluginManifest& manifest = record->plugin->manifest();
  auto effective = effective_plugin_config(config, connector, manifest, credentials);
  if (!effective) return effective.status();

  const std::string where = http_where(config, connector);
  auto policy_or = connector_http_policy(config, connector, manifest);
  if (!policy_or) return policy_or.status();
  http::HttpPolicy policy = std::move(*policy_or);
  // The engine masks these in every line it writes, on top of the process-wide registry.
  std::vector<std::string> secrets;
  if (auto doc = json::parse(*effective); doc) {
    for (const auto& pointer : manifest.secret_fields) {
      boost::system::error_code ec;
      const boost::json::value* v = doc->find_pointer(pointer, ec);
      if (v != nullptr && v->is_string()) secrets.emplace_back(v->get_string());
    }
  }
  // The hourly budget is the tenant's, counted in the store across connectors, nodes and
  // restarts (docs/scale-out.md, "Budgets").
  std::shared_ptr<http::RequestBudget> budget;
  if (policy.hourly_budget > 0) {
    auto st = store();
    if (!st) return st.status();
    auto key = tenant_budget_key(connector_id, manifest, policy, *effective);
    if (!key) return key.status();
    budget = make_store_request_budget(**st, std::move(*key), policy.hourly_budget,
                                       [this, connector_id](int64_t resumes_at_ms) {
                                         std::lock_guard<std::mutex> lock(budget_mu_);
                                         budget_refusals_[connector_id] = resumes_at_ms;
                                       });
  }
  auto client = engine().make_client(connector_id, policy, std::move(secrets), std::move(budget));
  if (!client) return Status(client.status().code(), where + client.status().message());

  SessionContext context;
  context.connector_id = connector_id;
  context.http = *client;
  std::shared_ptr<LoadedPlugin> plugin = record->plugin;
  if (connector.isolated) {
    auto isolated = isolate_plugin(*record, default_runner_path(), connector.isolation_limits);
    if (!isolated)
      return Status(isolated.status().code(),
                    "connector '" + connector_id + "': " + isolated.status().message());
    plugin = std::move(*isolated);
  }
  return plugin->open(std::move(context), *effective);
}

Result<TenantSlots> App::tenant_slots_of(const std::string& connector_id) {
  auto c = config();
  if (!c) return c.status();
  auto connector = connector_in(*c, connector_id);
  if (!connector) return connector.status();
  auto registry = plugins();
  if (!registry) return registry.status();
  const PluginRecord* record = (*registry)->record((*connector)->plugin);
  // A plugin that did not load: no limit to keep, and the run says why it cannot open.
  if (record == nullptr || record->state != PluginState::kLoaded) return TenantSlots{};
  const PluginManifest& manifest = record->plugin->manifest();
  auto policy = connector_http_policy(**c, **connector, manifest);
  if (!policy) return policy.status();
  if (policy->tenant_concurrency <= 0) return TenantSlots{};
  // The key is the budget's: the same plugin config the session would open with (stored
  // credentials overlaid), hashed, so the tenant is known before any session opens.
  auto st = store();
  if (!st) return st.status();
  auto creds = (*st)->get_credentials(connector_id);
  if (!creds) return creds.status();
  auto effective = effective_plugin_config(**c, **connector, manifest, *creds);
  if (!effective) return effective.status();
  auto key = tenant_budget_key(connector_id, manifest, *policy, *effective);
  if (!key) return key.status();
  return TenantSlots{std::move(*key), policy->tenant_concurrency};
}

namespace {

// Frees the slots of the tenant's runs that died: a run started directly holds its slot under
// run_slot_holder(connector) only while it holds the connector's lease, so once that lease is
// released, expired, or held by a process gone from this host, the slot is stale — freed now,
// as the lease itself would be taken over, instead of at its TTL. A job's slot is its worker's
// (renewed by the worker's heartbeat) and is left alone. Returns whether any holder's run
// looked dead (its slot, if it had one, is freed).
bool free_dead_runs_slots(Store& store, const TenantSlots& tenant, int64_t now_ms) {
  auto holders = store.tenant_slot_holders(tenant.key, now_ms);
  if (!holders) return false;
  bool freed = false;
  for (const auto& connector : *holders) {
    auto lease = store.get_lease(connector);
    if (!lease) continue;
    const bool alive =
        *lease && (*lease)->expires_at_ms > now_ms && !holder_process_is_gone(**lease);
    if (alive) continue;
    freed |= store.release_tenant_slot(tenant.key, run_slot_holder(connector), connector).ok();
  }
  return freed;
}

}  // namespace

Result<std::optional<TenantSlot>> App::take_tenant_slot(const std::string& connector_id,
                                                        int64_t ttl_ms, TenantSlotTaker taker) {
  if (taker == TenantSlotTaker::kTheCaller) return std::optional<TenantSlot>();
  auto st = store();
  if (!st) return st.status();
  auto tenant = tenant_slots_of(connector_id);
  if (!tenant) {
    spdlog::warn("connector {}: its platform tenant is unknown: {}", connector_id,
                 tenant.status().message());
    tenant = TenantSlots{};
  }
  const int64_t now = SystemClock::instance().now_ms();
  auto take = [&] {
    return TenantSlot::take(**st, *tenant, run_slot_holder(connector_id), connector_id, ttl_ms,
                            now);
  };
  auto taken = take();
  if (!taken || *taken) return taken;
  if (free_dead_runs_slots(**st, *tenant, now)) {
    auto again = take();
    if (!again || *again) return again;
  }
  return Status::Conflict("connector '" + connector_id +
                          "' is busy: " + describe_full_tenant(**st, *tenant, now) +
                          "; run it again when one of them ends");
}

int64_t App::take_budget_refusal(const std::string& connector_id) {
  std::lock_guard<std::mutex> lock(budget_mu_);
  auto it = budget_refusals_.find(connector_id);
  if (it == budget_refusals_.end()) return 0;
  int64_t resumes_at_ms = it->second;
  budget_refusals_.erase(it);
  return resumes_at_ms;
}

int report_failure(App& app, const Status& status, int exit_code) {
  if (app.options().json) {
    boost::json::object err{{"code", error_class_name(status.code())},
                            {"message", status.message()}};
    app.err() << serialize_redacted(boost::json::object{{"error", err}}) << "\n";
  } else {
    app.err() << "error: " << redact(status.message()) << "\n";
  }
  return exit_code >= 0 ? exit_code : exit_code_for(status);
}

int report_store_failure(App& app, const Status& status) {
  int code = status.code() == ErrorClass::kConfigInvalid ? kExitConfigInvalid
             : status.code() == ErrorClass::kUnsupported ? kExitPlugin
                                                         : kExitState;
  return report_failure(app, status, code);
}

}  // namespace mb::app
