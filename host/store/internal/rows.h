// What both stores read the same way: the columns a record is selected with and how a row
// becomes that record, over any row type with text(c), optional_text(c), integer(c),
// optional_integer(c) and flag(c) (SQLite's Statement, PostgreSQL's PgRow). Private to the store.
#ifndef METERBRIDGE_HOST_STORE_INTERNAL_ROWS_H_
#define METERBRIDGE_HOST_STORE_INTERNAL_ROWS_H_

#include <optional>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"
#include "host/store/store.h"

namespace mb::store_internal {

inline constexpr const char* kConnectorColumns =
    "id, plugin_id, partner, status, status_message, status_at, credentials IS NOT NULL";
inline constexpr const char* kRunColumns =
    "id, connector_id, trigger, dry_run, state, effective_date, started_at, finished_at, message, "
    "counts, parent_run_id, owner_id";
inline constexpr const char* kLineColumns =
    "line_key, workspace_id, service_id, account_id, psa_service_id, metric, target, current, "
    "delta, action, outcome, error_class, message, line_ref, number, decision, decision_run_id, "
    "decision_note, decided_at";
inline constexpr const char* kLineColumnsOfL =
    "l.line_key, l.workspace_id, l.service_id, l.account_id, l.psa_service_id, l.metric, "
    "l.target, l.current, l.delta, l.action, l.outcome, l.error_class, l.message, l.line_ref, "
    "l.number, l.decision, l.decision_run_id, l.decision_note, l.decided_at";
inline constexpr const char* kWriteIntentColumns =
    "id, connector_id, run_id, line_key, account_id, psa_service_id, ref, units_before, target, "
    "effective_date, created_at_ms, created_at, state, resolution, resolved_run_id, resolved_at";
inline constexpr const char* kLeaseColumns =
    "owner_id, host, pid, process_start, purpose, acquired_at, heartbeat_at, expires_at_ms";
inline constexpr const char* kJobColumns =
    "id, connector_id, window_key, trigger, state, due_at_ms, worker_id, claim_expires_ms, "
    "attempts, run_id, message, created_at, finished_at";
inline constexpr const char* kPsaAccountColumns =
    "id, name, active, excluded, details, fetched_at, missing_since";
inline constexpr const char* kAccountMappingColumns =
    "workspace_id, account_id, source, excluded, account_name, drift, updated_at";

// The drift a mapping of connector `connector_param` (a bound parameter, "?1" or "$1") has
// now, as an SQL expression over the row of account_mappings being updated: its cached account
// missing (or never cached), inactive, or renamed since it was mapped, in that order, else none.
inline std::string account_mapping_drift_sql(const std::string& connector_param) {
  const std::string account =
      "SELECT 1 FROM psa_accounts a WHERE a.connector_id = " + connector_param +
      " AND a.id = account_mappings.account_id";
  auto quoted = [](MappingDrift d) { return "'" + std::string(to_text(d)) + "'"; };
  return "(CASE WHEN NOT EXISTS (" + account + " AND a.missing_since IS NULL) THEN " +
         quoted(MappingDrift::kAccountMissing) + " WHEN EXISTS (" + account +
         " AND NOT a.active) THEN " + quoted(MappingDrift::kAccountInactive) +
         " WHEN account_mappings.account_name <> '' AND EXISTS (" + account +
         " AND a.name <> account_mappings.account_name) THEN " +
         quoted(MappingDrift::kAccountRenamed) + " ELSE " + quoted(MappingDrift::kNone) + " END)";
}

// A name as exact-name matching compares it (`trim_name`: surrounding spaces, tabs and line
// breaks removed), in each store's SQL. Both stores index these very expressions (SQLite schema
// 14, PostgreSQL schema 11): a query must use them verbatim for the index to serve it.
inline std::string trimmed_name_sql(bool postgres, const std::string& column) {
  return postgres ? "btrim(" + column + ", E' \\t\\r\\n')"
                  : "trim(" + column + ", char(32, 9, 13, 10))";
}

// The unmapped workspaces of a connector visible to a partner, after a workspace id, with the
// free accounts and the unmapped workspaces their trimmed names match
// (Store::list_name_match_candidates_page). Parameters: 1 connector, 2 partner ("" sees all),
// 3 after workspace id, 4 limit; `p` makes a parameter's placeholder.
template <typename Placeholder>
std::string name_match_candidates_sql(bool postgres, Placeholder p) {
  const std::string connector = p(1), partner = p(2);
  auto trimmed = [&](const std::string& column) { return trimmed_name_sql(postgres, column); };
  auto unmapped = [&](const std::string& w) {
    return "(" + partner + " = '' OR " + w + ".partner_id = " + partner +
           ") AND NOT EXISTS (SELECT 1 FROM account_mappings m WHERE m.connector_id = " +
           connector + " AND m.workspace_id = " + w + ".id)";
  };
  // Without statistics SQLite would rather scan the connector's accounts by primary key than
  // use the name index, which makes matching quadratic; PostgreSQL picks the index itself.
  const std::string free_accounts =
      std::string(" FROM psa_accounts a") +
      (postgres ? "" : " INDEXED BY psa_accounts_by_trimmed_name") +
      " WHERE a.connector_id = " + connector + " AND " + trimmed("a.name") + " = " +
      trimmed("f.name") + " AND a.active AND NOT a.excluded AND a.missing_since IS NULL" +
      " AND NOT EXISTS (SELECT 1 FROM account_mappings m WHERE m.connector_id = " + connector +
      " AND m.account_id = a.id)";
  const std::string cap = std::to_string(Store::kNameMatchCountCap);
  return "SELECT f.id, f.name, (SELECT COUNT(*) FROM (SELECT 1" + free_accounts + " LIMIT " + cap +
         ") c), (SELECT COUNT(*) FROM (SELECT 1 FROM workspaces w WHERE " + trimmed("w.name") +
         " = " + trimmed("f.name") + " AND " + unmapped("w") + " LIMIT " + cap +
         ") c), COALESCE((SELECT MIN(a.id)" + free_accounts +
         "), ''), COALESCE((SELECT MIN(a.name)" + free_accounts +
         "), '') FROM workspaces f WHERE f.id > " + p(3) + " AND " + unmapped("f") +
         " ORDER BY f.id LIMIT " + p(4);
}

template <typename Row>
Result<ConnectorRecord> read_connector(const Row& row) {
  ConnectorRecord c;
  c.id = row.text(0);
  c.plugin_id = row.text(1);
  c.partner = row.text(2);
  auto status = parse_stored<ConnectorStatus>(row.text(3), "connector '" + c.id + "'");
  if (!status) return status.status();
  c.status = *status;
  c.status_message = row.text(4);
  c.status_at = row.text(5);
  c.has_credentials = row.flag(6);
  return c;
}

inline constexpr const char* kConsoleConnectorColumns =
    "id, plugin_id, partner, partner_id, plugin_config, created_by, created_at, settings";

template <typename Row>
ConsoleConnector read_console_connector(const Row& row) {
  return ConsoleConnector{.id = row.text(0),
                          .plugin_id = row.text(1),
                          .partner = row.text(2),
                          .partner_id = row.text(3),
                          .plugin_config_json = row.text(4),
                          .created_by = row.text(5),
                          .created_at = row.text(6),
                          .settings_json = row.text(7)};
}

template <typename Row>
Result<SyncRun> read_run(const Row& row) {
  SyncRun r;
  r.id = row.integer(0);
  r.connector_id = row.text(1);
  r.trigger = row.text(2);
  r.dry_run = row.flag(3);
  auto state = parse_stored<RunState>(row.text(4), "run " + std::to_string(r.id));
  if (!state) return state.status();
  r.state = *state;
  r.effective_date = row.text(5);
  r.started_at = row.text(6);
  r.finished_at = row.text(7);
  r.message = row.text(8);
  r.counts_json = row.text(9);
  r.parent_run_id = row.integer(10);
  r.owner_id = row.text(11);
  return r;
}

// One line from kLineColumns, starting at column `c`.
template <typename Row>
Result<SyncLine> read_line(const Row& row, int c) {
  SyncLine l;
  l.key = row.text(c + 0);
  l.workspace_id = row.text(c + 1);
  l.service_id = row.text(c + 2);
  l.account_id = row.text(c + 3);
  l.psa_service_id = row.text(c + 4);
  l.metric = row.text(c + 5);
  l.target = row.optional_integer(c + 6);
  l.current = row.optional_integer(c + 7);
  l.delta = row.optional_integer(c + 8);
  auto action = parse_stored<LineAction>(row.text(c + 9), "line '" + l.key + "'");
  if (!action) return action.status();
  l.action = *action;
  l.outcome = row.text(c + 10);
  l.error_class = row.text(c + 11);
  l.message = row.text(c + 12);
  l.line_ref_json = row.text(c + 13);
  l.number = row.integer(c + 14);
  auto decision = parse_stored<Decision>(row.text(c + 15), "line '" + l.key + "'");
  if (!decision) return decision.status();
  l.decision = *decision;
  l.decision_run_id = row.integer(c + 16);
  l.decision_note = row.text(c + 17);
  l.decided_at = row.text(c + 18);
  return l;
}

template <typename Row>
Result<WriteIntent> read_write_intent(const Row& row) {
  WriteIntent i;
  i.id = row.integer(0);
  i.connector_id = row.text(1);
  i.run_id = row.integer(2);
  i.line_key = row.text(3);
  i.account_id = row.text(4);
  i.psa_service_id = row.text(5);
  i.ref_json = row.text(6);
  i.units_before = row.optional_integer(7);
  i.target = row.integer(8);
  i.effective_date = row.text(9);
  i.created_at_ms = row.integer(10);
  i.created_at = row.text(11);
  auto state = parse_stored<WriteIntentState>(row.text(12), "write intent " + std::to_string(i.id));
  if (!state) return state.status();
  i.state = *state;
  i.resolution = row.text(13);
  i.resolved_run_id = row.integer(14);
  i.resolved_at = row.text(15);
  return i;
}

template <typename Row>
LeaseHolder read_lease(const Row& row) {
  LeaseHolder h;
  h.owner_id = row.text(0);
  h.host = row.text(1);
  h.pid = row.integer(2);
  h.process_start = row.text(3);
  h.purpose = row.text(4);
  h.acquired_at = row.text(5);
  h.heartbeat_at = row.text(6);
  h.expires_at_ms = row.integer(7);
  return h;
}

template <typename Row>
Result<SyncJob> read_job(const Row& row) {
  SyncJob j;
  j.id = row.integer(0);
  j.connector_id = row.text(1);
  j.window_key = row.text(2);
  j.trigger = row.text(3);
  auto state = parse_stored<JobState>(row.text(4), "job " + std::to_string(j.id));
  if (!state) return state.status();
  j.state = *state;
  j.due_at_ms = row.integer(5);
  j.worker_id = row.text(6);
  j.claim_expires_ms = row.integer(7);
  j.attempts = row.integer(8);
  j.run_id = row.integer(9);
  j.message = row.text(10);
  j.created_at = row.text(11);
  j.finished_at = row.text(12);
  return j;
}

template <typename Row>
PsaAccount read_psa_account(const Row& row) {
  PsaAccount a;
  a.id = row.text(0);
  a.name = row.text(1);
  a.active = row.flag(2);
  a.excluded = row.flag(3);
  a.details_json = row.text(4);
  a.fetched_at = row.text(5);
  a.missing_since = row.optional_text(6);
  return a;
}

template <typename Row>
Result<AccountMapping> read_account_mapping(const Row& row) {
  AccountMapping m;
  m.workspace_id = row.text(0);
  m.account_id = row.optional_text(1);
  std::string what = "the mapping of workspace '" + m.workspace_id + "'";
  auto source = parse_stored<MappingSource>(row.text(2), what);
  if (!source) return source.status();
  m.source = *source;
  m.excluded = row.flag(3);
  m.account_name = row.text(4);
  auto drift = parse_stored<MappingDrift>(row.text(5), what);
  if (!drift) return drift.status();
  m.drift = *drift;
  m.updated_at = row.text(6);
  return m;
}

// import_usage through the store's own streamed import: one transaction either way.
inline Result<int64_t> import_usage_streamed(Store& store, const std::vector<Workspace>& workspaces,
                                             const std::vector<VendorService>& services,
                                             const UsageSnapshot& snapshot) {
  auto import = store.begin_usage_import(snapshot.source);
  if (!import) return import.status();
  for (const auto& ws : workspaces) MB_RETURN_IF_ERROR((*import)->add_workspace(ws));
  for (const auto& svc : services) MB_RETURN_IF_ERROR((*import)->add_service(svc));
  for (const auto& count : snapshot.counts) MB_RETURN_IF_ERROR((*import)->add_count(count));
  return (*import)->commit(snapshot.as_of);
}

// ---- Alerts ----
// An alert's columns, and an alert change's in the same order (a change has no first arrival
// of its own: it reads as "").
inline constexpr const char* kAlertColumns =
    "id, workspace_id, title, description, severity, status, alert_time, device, service_id, "
    "version, first_received_at, received_at";
inline constexpr const char* kAlertChangeColumns =
    "alert_id, workspace_id, title, description, severity, status, alert_time, device, "
    "service_id, version, '', received_at, source";

template <typename Row>
Result<Alert> read_alert(const Row& row) {
  Alert a;
  a.id = row.text(0);
  a.workspace_id = row.text(1);
  a.title = row.text(2);
  a.description = row.text(3);
  auto severity = parse_stored<AlertSeverity>(row.text(4), "alert '" + a.id + "'");
  if (!severity) return severity.status();
  a.severity = *severity;
  auto status = parse_stored<AlertStatus>(row.text(5), "alert '" + a.id + "'");
  if (!status) return status.status();
  a.status = *status;
  a.time = row.text(6);
  a.device = row.text(7);
  a.service_id = row.text(8);
  a.version = row.integer(9);
  a.first_received_at = row.text(10);
  a.received_at = row.text(11);
  return a;
}

template <typename Row>
Result<AlertChange> read_alert_change(const Row& row) {
  auto alert = read_alert(row);
  if (!alert) return alert.status();
  return AlertChange{std::move(*alert), row.text(12)};
}

inline constexpr const char* kAlertTicketColumns =
    "connector_id, alert_id, state, ticket_id, reason, alert_version, updated_at";

template <typename Row>
Result<AlertTicket> read_alert_ticket(const Row& row) {
  AlertTicket t;
  t.connector_id = row.text(0);
  t.alert_id = row.text(1);
  auto state = parse_stored<AlertTicketState>(row.text(2), "alert ticket '" + t.alert_id + "'");
  if (!state) return state.status();
  t.state = *state;
  t.ticket_id = row.text(3);
  t.reason = row.text(4);
  t.alert_version = row.integer(5);
  t.updated_at = row.text(6);
  return t;
}

inline constexpr const char* kAlertRunColumns =
    "id, connector_id, trigger, started_at, finished_at";
inline constexpr const char* kAlertRunLineColumns = "alert_id, outcome, ticket_id, message";

template <typename Row>
AlertRun read_alert_run(const Row& row) {
  AlertRun r;
  r.id = row.integer(0);
  r.connector_id = row.text(1);
  r.trigger = row.text(2);
  r.started_at = row.text(3);
  r.finished_at = row.text(4);
  return r;
}

// A run line; the run's counts follow from its lines.
template <typename Row>
void add_alert_run_line(const Row& row, AlertRun& run) {
  AlertRunLine& line = run.lines.emplace_back();
  line.alert_id = row.text(0);
  line.outcome = row.text(1);
  line.ticket_id = row.text(2);
  line.message = row.text(3);
  ++run.counts[line.outcome];
}

// What recording `pushed` over `stored` (nullopt: a new id) does (Store::record_alerts). Times
// are normalised UTC text of one width, so comparing the text compares the times.
inline AlertRecordOutcome decide_alert_record(const std::optional<Alert>& stored,
                                              const Alert& pushed) {
  if (!stored) return AlertRecordOutcome::kCreated;
  const Alert& s = *stored;
  bool same = s.workspace_id == pushed.workspace_id && s.title == pushed.title &&
              s.description == pushed.description && s.severity == pushed.severity &&
              s.status == pushed.status && s.time == pushed.time && s.device == pushed.device &&
              s.service_id == pushed.service_id;
  if (same) return AlertRecordOutcome::kUnchanged;
  if (pushed.time < s.time) return AlertRecordOutcome::kStale;
  return AlertRecordOutcome::kUpdated;
}

// Store::record_alerts over a store's own reads and writes, inside its open transaction:
// read_stored(id) -> Result<std::optional<Alert>>; write(alert, version) -> Status stores the
// alert at that version and adds the change to its history.
template <typename ReadStored, typename Write>
Result<std::vector<AlertRecorded>> record_alerts_with(const std::vector<Alert>& alerts,
                                                      ReadStored&& read_stored, Write&& write) {
  std::vector<AlertRecorded> recorded;
  for (const Alert& pushed : alerts) {
    auto stored = read_stored(pushed.id);
    if (!stored) return stored.status();
    AlertRecordOutcome outcome = decide_alert_record(*stored, pushed);
    int64_t version = *stored ? (*stored)->version : 0;
    if (outcome == AlertRecordOutcome::kCreated || outcome == AlertRecordOutcome::kUpdated) {
      ++version;
      MB_RETURN_IF_ERROR(write(pushed, version));
    }
    recorded.push_back({pushed.id, outcome, version});
  }
  return recorded;
}

}  // namespace mb::store_internal

#endif  // METERBRIDGE_HOST_STORE_INTERNAL_ROWS_H_
