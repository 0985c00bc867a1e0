// Operations: what a user can do to meterbridge, independent of how they asked. The CLI
// commands and the admin API both call these and only format the results, so the two can never
// drift apart.
//
//   auto verdict = ops::test_connector(app, "acme-psa");
//   auto report = ops::sync_connector(app, "acme-psa", options);
#ifndef METERBRIDGE_HOST_APP_OPERATIONS_H_
#define METERBRIDGE_HOST_APP_OPERATIONS_H_

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "host/app/app.h"
#include "host/app/name_lookup.h"
#include "host/sync/mapping.h"
#include "host/sync/sync_engine.h"
#include "host/usage/usage_file.h"

namespace mb::ops {

struct ConnectorVerdict {
  std::string id;
  ConnectorStatus status = ConnectorStatus::kError;  // kOk, kPending or kError
  std::string message;                               // the platform's reason, redacted
  ErrorClass error_class = ErrorClass::kOk;  // why it is kError (auth_failed, config_invalid, ...)
  bool credentials_stored = false;  // connect_connector stored the credentials it was given
  // Connecting on a platform where the vendor creates the accounts and services: what it created
  // there (the provisioning notes), before the platform's status was set.
  std::vector<std::string> provisioned;
};

// Authenticates against the platform and records the verdict on the connector. A disconnected
// connector is refused (kConflict): only connect_connector reconnects it. A connector never tested
// nor connected before is connected by this first test, as connect_connector does.
Result<ConnectorVerdict> test_connector(app::App& app, const std::string& id);
// Tests `credentials_json` (a JSON object of the plugin's secret fields, used literally — never
// resolved as references) against the platform, and only when the platform accepts them stores
// them sealed and records the verdict, reconnecting a disconnected connector. Without
// credentials, tests what the config file (and the store) already hold: how a connector whose
// secrets all live in the config is reconnected. A rejection changes nothing and is returned as
// an error naming the platform's reason, unless `force`: then the credentials are stored anyway
// and the connector is marked in error with that reason. Once the platform accepts them, a
// plugin that offers provision_accounts/provision_services gets them called (the sync's own
// provisioning), and only then the status its authenticate answer asks for is set (set_status):
// the platform has something to map the moment it is told the connector is connected. Holds the
// connector's lease while it may write to the platform.
Result<ConnectorVerdict> connect_connector(app::App& app, const std::string& id,
                                           const std::optional<std::string>& credentials_json,
                                           bool force = false);
// Authenticates a connector not recorded anywhere yet (`draft`, with `credentials_json`: a JSON
// object of its secret fields) against the platform, recording nothing: how the console tests
// a new connector before it is stored.
ConnectorVerdict test_new_connector(app::App& app, const ConnectorConfig& draft,
                                    const std::string& credentials_json);
// A secret field of a connector's plugin, as `connectors connect` asks for it on a terminal.
struct CredentialField {
  std::string
      key;  // the credentials document's key: the field name, or its JSON Pointer when nested
  std::string label;                         // the schema's "title", else the field name
  std::string description;                   // the schema's "description" (may be empty)
  std::optional<std::string> default_value;  // the schema's string "default", if any
  bool in_config = false;  // the connector's config already names a value (literal or reference)
};
// The secret fields of the connector's plugin, in the manifest's order.
Result<std::vector<CredentialField>> credential_fields(app::App& app, const std::string& id);

// Notifies the platform (best effort), then removes credentials and every mapping, and marks the
// connector disconnected until the next connect_connector. Returns a note about the platform side.
Result<std::string> disconnect_connector(app::App& app, const std::string& id);

struct UsageImported {
  int64_t snapshot_id = 0;
  std::string as_of;
  size_t workspaces_with_data = 0;
  size_t services = 0;
  size_t counts = 0;
  // Compared with the snapshot it follows (the newest with an as_of not after this one's):
  int64_t previous_snapshot_id = 0;  // 0: the first snapshot
  std::string previous_as_of;
  // Workspace × service rows the previous snapshot had, for workspaces this one still lists,
  // that this one omits: each is planned as 0 and held by hold_drops_to_zero.
  size_t omitted_pairs = 0;
  // Workspaces the previous snapshot listed that this one does not: "no data" from now on.
  size_t absent_workspaces = 0;
  // Whether this snapshot is now the latest (newest as_of); when not, syncs keep using latest.
  bool is_latest = true;
  std::string latest_as_of;
};
Result<UsageImported> import_usage(app::App& app, std::string_view text, const std::string& origin);
// The same from a usage file ("-": standard input), read and written a piece at a time.
Result<UsageImported> import_usage_file(app::App& app, const std::string& file);
// A usage document the admin API spooled to `path` (stream_usage_spooled), recorded as from
// `origin`.
Result<UsageImported> import_usage_spooled(app::App& app, const std::string& path,
                                           const std::string& origin);
// The import report, as `usage import` prints it and the API returns it.
boost::json::value usage_imported_to_json(const UsageImported& imported);
std::string describe_usage_imported(const UsageImported& imported);

Result<std::vector<PsaAccount>> list_accounts(app::App& app, const std::string& connector, const std::string& search,
                                              bool refresh);
Result<std::vector<PsaService>> list_services(app::App& app, const std::string& connector, bool refresh);

Result<AutoMapReport> map_auto(app::App& app, const std::string& connector);

// Wherever a user names a workspace, a PSA account or a service, the name may be its id or its
// name (host/app/name_lookup.h says how). The workspace a connector may see (`connector` empty:
// any), or the vendor service, that `given` names.
Result<NamedItem> find_workspace(app::App& app, const std::string& connector,
                                 std::string_view given);
Result<NamedItem> find_vendor_service(app::App& app, std::string_view given);

// Maps (or, on link-based platforms, links) a workspace to a PSA account, replacing its mapping;
// both are named by id or name. Mapping an excluded workspace includes it again.
Result<AccountMapping> map_account(app::App& app, const std::string& connector, const std::string& workspace,
                                   const std::string& account);
// Removes a workspace's mapping. An excluded workspace stays excluded and forgets the account it
// kept. Returns the workspace.
Result<NamedItem> unmap_account(app::App& app, const std::string& connector,
                                const std::string& workspace);
// Excludes or includes a workspace, or (account non-empty) a PSA account for auto-matching.
// An excluded workspace keeps its mapping, set aside (never planned, never billed); including it
// makes that mapping active again. Returns the workspace or account.
Result<NamedItem> set_excluded(app::App& app, const std::string& connector,
                               const std::string& workspace, const std::string& account,
                               bool excluded);
// What map_service recorded: the two services, the metric, and the PSA service's name when that
// name chose it.
struct MappedService {
  NamedItem service;
  NamedItem psa_service;
  ServiceMetric metric = ServiceMetric::kUsers;
  std::string chosen_by_name;  // empty when the metric was given
};
// Maps a vendor service to a PSA service (each named by id or name) counting `metric` ("users"
// or "devices"). An empty metric is read from the PSA service's name when the name says one and
// not the other ("Endpoint protection per device"); otherwise the mapping is refused with an
// error asking for it, so a service is never billed per user by default.
Result<MappedService> map_service(app::App& app, const std::string& connector,
                                  const std::string& service, const std::string& psa_service,
                                  const std::string& metric);
// "devices" or "users" when `psa_service_name` names one and not the other; nullopt otherwise.
std::optional<ServiceMetric> metric_named_by(std::string_view psa_service_name);
// Removes a service mapping. Returns the vendor service.
Result<NamedItem> unmap_service(app::App& app, const std::string& connector,
                                const std::string& service);
// Every mapping of a connector, as the CLI's `map show --json` and the API return it.
Result<boost::json::value> mappings_json(app::App& app, const std::string& connector, bool unmapped_only);

// Applies the mappings the config declares for a connector (its "mappings" block). Returns one
// line per declared mapping: what happened to it.
Result<std::vector<std::string>> apply_declared_mappings(app::App& app, const std::string& connector);

// Sync, approve and retry each take the connector's lease first (host/sync/lease.h): while
// another process or thread runs the connector they return Conflict naming the owner, and
// change nothing. Then a slot of the connector's platform tenant (http.tenant_concurrency,
// docs/scale-out.md "Tenant slots"), unless `slot` says the caller holds one: while the tenant
// runs as many syncs as it allows they return Conflict naming the connectors running them, and
// change nothing (dry runs too: they read the platform).
Result<SyncReport> sync_connector(app::App& app, const std::string& connector, const SyncOptions& options,
                                  app::TenantSlotTaker slot = app::TenantSlotTaker::kTheRun);
// "Sync now" as a job (docs/scale-out.md): queues a sync of the connector, due at once, under a
// window of its own, for the workers of any `serve` node against the same store. NotFound for
// a connector the config does not name.
Result<SyncJob> enqueue_sync(app::App& app, const std::string& connector,
                             const std::string& trigger);
// The same for a job whose window_key starts with `window_prefix` (an alerts job's "alerts:").
Result<SyncJob> enqueue_job_now(app::App& app, const std::string& connector,
                                const std::string& trigger, std::string_view window_prefix);
// Approves the held lines of a run (all of them, or those numbered) against today's numbers.
Result<SyncReport> approve_run(app::App& app, int64_t run_id, const std::vector<int64_t>& line_numbers,
                               const SyncOptions& options);
Result<SyncReport> retry_run(app::App& app, int64_t run_id, const SyncOptions& options);
// Dismisses held lines of a run (all, or those numbered): they are never applied by approval.
Result<std::vector<SyncLine>> dismiss_run(app::App& app, int64_t run_id, const std::vector<int64_t>& line_numbers,
                                          const std::string& who);
// The held lines of a run to approve or dismiss: those numbered, and every held line not decided
// yet of the workspace and/or service named (by id or name). NotFound when a name selects none.
Result<std::vector<int64_t>> select_held_lines(app::App& app, int64_t run_id,
                                               const std::vector<int64_t>& line_numbers,
                                               const std::string& workspace,
                                               const std::string& service);
// Held lines awaiting a decision, for one connector or (empty) all.
Result<std::vector<PendingApproval>> pending_approvals(app::App& app, const std::string& connector);

}  // namespace mb::ops

#endif  // METERBRIDGE_HOST_APP_OPERATIONS_H_
