// App: the pieces a command needs (config, plugins, store, plugin sessions), each loaded on
// first use so `meterbridge plugins list` never opens a database and `config check` never
// creates a key. Commands report failures as Status; main() maps them to exit codes.
//
// The config and the plugin registry are handed out as shared, immutable snapshots: `serve`
// reloads them on SIGHUP (reload()), and whatever is running keeps the snapshot it started with.
// App is safe to use from several threads once config(), plugins() and store() have succeeded.
#ifndef METERBRIDGE_HOST_APP_APP_H_
#define METERBRIDGE_HOST_APP_APP_H_

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/app/tenant_budget.h"
#include "host/common/status.h"
#include "host/config/config.h"
#include "host/plugin/loader.h"
#include "host/store/store.h"
#include "host/sync/report.h"
#include "host/sync/sync_engine.h"

namespace mb::app {

// Exit codes (documented in docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,          // the operation ran and failed (auth rejected, run failed, ...)
  kExitUsage = 2,           // bad command line
  kExitConfigInvalid = 3,   // the config file or a connector's plugin config is invalid
  kExitPlugin = 4,          // a plugin could not be loaded or does not offer the operation
  kExitState = 5,           // the state store could not be opened or written
  kExitPartial = 6,         // a sync run ended partial (some lines failed)
  kExitNotFound = 7,        // a named connector, run, workspace, ... does not exist
  kExitNeedsAttention = 8,  // a sync run billed nothing: nothing it could bill is mapped or linked
};

int exit_code_for(const Status& status);

// What the sync engine takes from the config: built here, so the engine never sees a Config.
SyncSettings sync_settings(const Config& config);

struct GlobalOptions {
  std::string config_path;  // --config or MB_CONFIG; empty: the default location
  std::string plugin_dir;   // --plugins overrides the config's plugin folder
  std::string state_path;   // --state overrides the config's state database (key file beside it)
  bool json = false;        // --json: machine-readable output
  std::string log_level = "warn";
  std::string log_format = "text";  // --log-format: text | json (one object per line)
};

class App {
 public:
  // `options` is owned by the caller and filled in by argument parsing before any command runs.
  App(const GlobalOptions& options, std::ostream& out, std::ostream& err);
  ~App();

  const GlobalOptions& options() const { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // The config file path in effect (flag, MB_CONFIG, or /etc/meterbridge/config.json).
  std::filesystem::path config_path() const;
  bool has_config_file() const;
  // The config in effect. Hold the pointer for as long as you use what it points to.
  Result<std::shared_ptr<const Config>> config();
  // The plugin folder: --plugins, else the config's, else <binary>/../lib/meterbridge/plugins
  // when that folder exists (an installed binary), else <binary>/../plugins (the build tree).
  std::filesystem::path plugin_dir();
  Result<std::shared_ptr<const PluginRegistry>> plugins();
  // Validates everything a command relies on, changing nothing: the config file and its
  // references, the plugins its connectors name and each connector's plugin config — the same
  // checks `config check` makes. Reads an existing state database to learn which connectors hold
  // stored credentials; never creates one. `warnings` receives what is worth saying but not
  // wrong (a secret written literally, credentials not stored yet).
  Status validate(std::vector<std::string>* warnings = nullptr);
  // Opens the store and records the config's connectors in it, only once validate() passes: a
  // config that `config check` rejects never creates a database.
  Result<Store*> store();

  // A connector of the config in effect; the pointer keeps that config alive.
  Result<std::shared_ptr<const ConnectorConfig>> connector(const std::string& id);

  // ---- Connectors added in the web console (docs/console.md, "Add a connector") ----
  // They live in the store and join the config file's connectors in config(), once store() has
  // opened it: every operation on a connector works the same on both kinds. A config file
  // connector of the same id wins (with a warning).
  //
  // A session for a connector not recorded anywhere yet, with `credentials` (a JSON object of
  // secret fields): how a new connector's credentials are tested before anything is stored.
  Result<std::unique_ptr<PluginSession>> open_draft_session(const ConnectorConfig& draft,
                                                            const std::string& credentials);
  // Stores the connector (credentials sealed) and adds it to config().
  Status add_console_connector(const ConsoleConnector& connector, const std::string& credentials);
  // Disconnects it and takes it out of config(); its run history stays.
  Status remove_console_connector(const std::string& id);
  // Stores its settings (checked by the caller with apply_connector_settings) and puts them in
  // config().
  Status set_console_connector_settings(const std::string& id, const std::string& settings_json);

  // Reads the config file again (with the same command-line overrides) and rescans the plugin
  // folder. `accept`, when given, may refuse the new config (e.g. an unresolvable API token).
  // Nothing changes unless everything succeeds: then later calls see the new snapshots, and
  // connectors the new config adds are recorded in the store. A plugin library, once loaded,
  // stays loaded for the life of the process (sessions opened before may still run its code).
  Status reload(const std::function<Status(const Config& next)>& accept = nullptr);
  // Names for a report's lines: their workspaces, services and the connector's PSA accounts.
  // Only the ids the given lines name are looked up, so a report never loads every workspace
  // (a connector may have a million); a caller paging through a run asks once per page.
  ReportNames report_names(const std::string& connector_id, const std::vector<SyncLine>& lines);
  ReportNames report_names(const std::string& connector_id,
                           const std::vector<const SyncLine*>& lines);
  // Names for lines awaiting approval, per connector: only the ids those lines name.
  std::map<std::string, ReportNames> pending_names(const std::vector<PendingApproval>& pending);
  // Sends the connector's run notifications (webhook, email); failures are logged, not raised.
  void notify(const ConnectorConfig& connector, const SyncReport& report);
  // The same for an alerts run (docs/alerts.md, "Notifications"): sent when the run did
  // something (a line) or could not run (`error`); a run with nothing to do sends nothing.
  void notify_alerts(const ConnectorConfig& connector, const AlertRun* run,
                     const std::string& trigger, const std::string& error);
  // Refuses (kConflict) a connector that was disconnected: it stays so until an explicit
  // `connectors connect`, even when its secrets come from the config file or the environment.
  Status require_connected(const std::string& connector_id);
  // Opens a plugin session for a connected connector: plugin loaded, config validated,
  // references resolved, stored credentials overlaid.
  Result<std::unique_ptr<PluginSession>> open_session(const std::string& connector_id);
  // For `connectors connect`: a session with `credentials` (a JSON object of secret fields, or
  // none) in place of whatever the store holds, also for a connector that is disconnected — so
  // credentials are tested before they are stored.
  Result<std::unique_ptr<PluginSession>> open_session_with(
      const std::string& connector_id, const std::optional<std::string>& credentials);
  // When the shared request budget of the connector's platform tenant last refused one of its
  // batches: the time (ms since the epoch) the batch would fit, or 0 when it has not since the
  // last call. How a job learns that its run stopped on the budget, and when to run again.
  int64_t take_budget_refusal(const std::string& connector_id);
  // The connector's share of its platform tenant's syncs at once (http.tenant_concurrency), and
  // the tenant's key (the budget's, tenant_budget_key), worked out without opening a session:
  // for the job runner, before a sync starts. A limit of 0 (and no key) when the connector sets
  // none or its plugin did not load.
  Result<TenantSlots> tenant_slots_of(const std::string& connector_id);
  // A slot of the connector's platform tenant for one run started directly (the CLI, the admin
  // API without "queue"), taken while holding the connector's lease, under run_slot_holder()
  // (which the lease's heartbeat renews), for `ttl_ms`. A slot a killed run of the connector
  // left is taken over, as its lease was. A connector without a limit, or whose tenant cannot
  // be worked out (its session would fail the same way), gets a slot that holds nothing. A full
  // tenant is refused, changing nothing: Conflict "connector 'ID' is busy: its platform tenant
  // is full: ..., run by connectors ...". Nothing is taken (nullopt) when `taker` says the
  // caller holds a slot for the run already.
  Result<std::optional<TenantSlot>> take_tenant_slot(const std::string& connector_id,
                                                     int64_t ttl_ms, TenantSlotTaker taker);

 private:
  Result<Config> read_config() const;
  Result<PluginRegistry> scan_plugins(const Config* config,
                                      const PluginRegistry* previous = nullptr);
  Status record_connectors(Store& store, const Config& config);
  // `file_config` with the store's console connectors after its own.
  Result<std::shared_ptr<const Config>> with_console_connectors(const Config& file_config,
                                                                Store& store);
  Result<std::unique_ptr<PluginSession>> open_session_for(
      const Config& config, const ConnectorConfig& connector,
      const std::optional<std::string>& credentials);
  Status refresh_console_connectors();  // with store_mu_ held
  bool store_opened();
  std::shared_ptr<const Config> file_config_;  // the config file's own connectors, guarded by mu_

  const GlobalOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  std::mutex mu_;  // guards the snapshots below, not what they point to
  std::optional<Result<std::shared_ptr<const Config>>> config_;
  std::optional<Result<std::shared_ptr<const PluginRegistry>>> plugins_;
  // Registries a reload replaced: kept for the life of the process (see ~App), so no library
  // is unloaded while a session may use it.
  std::vector<std::shared_ptr<const PluginRegistry>> retired_plugins_;
  std::mutex store_mu_;
  Result<std::map<std::string, bool>> stored_credentials_by_connector();
  std::optional<Status> validated_;  // guarded by store_mu_ once serving
  std::unique_ptr<Store> store_;
  std::mutex budget_mu_;
  std::map<std::string, int64_t> budget_refusals_;  // connector -> resumes at (ms)
};

// The ConnectorConfig of a connector added in the console: its plugin config, its stored policies
// and schedule (apply_connector_settings: the defaults and `global_schedule` for what is not
// stored), no declared mappings. Stored settings the config file's rules refuse (a schema made
// stricter since) leave the connector disabled and in dry run, with the reason logged: nothing
// it would write is trusted.
ConnectorConfig console_connector_config(const ConsoleConnector& added,
                                         const ScheduleConfig& global_schedule = {});

// Directory holding the running executable.
std::filesystem::path executable_dir();

// Prints a failed Status (redacted) to the App's error stream, as JSON under --json, and returns
// its exit code (or `exit_code`). Shared by the command-line commands and `serve`.
int report_failure(App& app, const Status& status, int exit_code = -1);
// For failures of App::store(): a bad config stays a config error, a plugin that cannot be loaded
// a plugin error, anything else is the store's.
int report_store_failure(App& app, const Status& status);

}  // namespace mb::app

#endif  // METERBRIDGE_HOST_APP_APP_H_
