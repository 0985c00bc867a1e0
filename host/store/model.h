// The host's domain records (ARCHITECTURE §5), as the store reads and writes them. Plain
// structs; JSON-valued fields are kept as serialized text so this header stays light.
#ifndef METERBRIDGE_HOST_STORE_MODEL_H_
#define METERBRIDGE_HOST_STORE_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/store/states.h"

namespace mb {

// A connector: one plugin + config + credentials for one MSP partner.
struct ConnectorRecord {
  std::string id;
  std::string plugin_id;
  std::string partner;
  ConnectorStatus status = ConnectorStatus::kNew;
  std::string status_message;
  std::string status_at;
  bool has_credentials = false;
};

struct Workspace {
  std::string id;
  std::string name;
  bool ended = false;  // the vendor ended this customer: its target is 0 where policy says so
  // The MSP partner this customer belongs to ("" when the vendor does not say). A connector
  // with a partner_id only ever sees its own partner's workspaces.
  std::string partner_id;
};

struct VendorService {
  std::string id;
  std::string name;
};

struct UsageCount {
  std::string workspace_id;
  std::string service_id;
  int64_t users = 0;
  int64_t devices = 0;
};

struct UsageSnapshot {
  int64_t id = 0;
  std::string as_of;
  std::string imported_at;
  std::string source;
  std::vector<UsageCount> counts;
};

// A PSA-side company/client as last fetched through a connector.
struct PsaAccount {
  std::string id;
  std::string name;
  bool active = true;
  bool excluded = false;
  std::string details_json = "{}";
  std::string fetched_at;
  std::optional<std::string> missing_since;  // gone from the platform since this fetch time
};

struct PsaService {
  std::string id;
  std::string name;
  std::string details_json = "{}";
  std::string fetched_at;
};

struct AccountMapping {
  std::string workspace_id;
  std::optional<std::string> account_id;  // an excluded workspace may keep one, or have none
  MappingSource source = MappingSource::kManual;
  bool excluded = false;
  std::string account_name;  // the PSA name when mapped, to detect renames
  MappingDrift drift = MappingDrift::kNone;
  std::string updated_at;
};

struct ServiceMapping {
  std::string service_id;
  std::string psa_service_id;
  ServiceMetric metric = ServiceMetric::kUsers;
};

struct SyncRun {
  int64_t id = 0;
  // The lease owner that ran it (ConnectorLease::owner().id); empty for runs that never
  // reached a write phase under a lease.
  std::string owner_id;
  std::string connector_id;
  std::string trigger = "manual";  // manual | schedule | api | approve | retry
  bool dry_run = false;
  RunState state = RunState::kPlanned;
  std::string effective_date;
  std::string started_at;
  std::string finished_at;
  std::string message;
  std::string counts_json = "{}";
  int64_t parent_run_id = 0;  // for approve/retry runs
};

struct SyncLine {
  std::string key;  // workspace_id|service_id
  std::string workspace_id;
  std::string service_id;
  std::string account_id;
  std::string psa_service_id;
  std::string metric;
  std::optional<int64_t> target;
  std::optional<int64_t> current;
  std::optional<int64_t> delta;
  LineAction action = LineAction::kUndecided;
  std::string outcome;  // pending | updated | unchanged | held | no_data | not_mapped | ...
  std::string error_class;
  std::string message;
  std::string line_ref_json = "{}";
  // Position in its run (1-based, plan order): how users name a line (`runs approve --line`).
  int64_t number = 0;
  // What was decided about a held line; set once: a decided line is never approved again.
  Decision decision = Decision::kUndecided;
  int64_t decision_run_id = 0;  // the approval run that applied it
  std::string decision_note;    // why stale, who dismissed, ...
  std::string decided_at;
};

// A held line awaiting a decision (`runs pending`, GET /v1/approvals), with its run.
struct PendingApproval {
  std::string connector_id;
  int64_t run_id = 0;
  std::string run_started_at;
  SyncLine line;
};

// The per-connector lease: one owner per connector at a time, across processes and
// machines (ARCHITECTURE §6). The holder renews it while it runs; a lease past expires_at_ms
// may be taken by anyone.
struct LeaseHolder {
  std::string owner_id;  // random per process and purpose
  std::string host;
  int64_t pid = 0;
  std::string process_start;  // the pid's start time, so a reused pid is not taken for alive
  std::string purpose;        // sync | approve | retry | disconnect ...
  std::string acquired_at;
  std::string heartbeat_at;
  int64_t expires_at_ms = 0;
};

// A due sync as a row of the job queue (docs/scale-out.md): written by every node's scheduler
// and by "sync now", claimed by one worker. (connector_id, window_key) is unique, so the
// schedulers of several nodes enqueue a schedule window once and it runs once.
struct SyncJob {
  int64_t id = 0;
  std::string connector_id;
  std::string window_key;  // "schedule:<fire time, ISO 8601 UTC>", or one of its own per request
  std::string trigger;     // schedule | api | ...: the run's trigger
  JobState state = JobState::kQueued;
  int64_t due_at_ms = 0;         // not claimed before this
  std::string worker_id;         // the worker that claimed it last
  int64_t claim_expires_ms = 0;  // a running job whose claim expired may be claimed again
  int64_t attempts = 0;          // claims so far: above 1 after a takeover or a requeue
  int64_t run_id = 0;            // the run it ended with, 0 when none
  std::string message;           // why it failed, or was put back
  std::string created_at;
  std::string finished_at;
};

// A reservation against a platform's request budget shared by every connector on one tenant
// (Store::reserve_budget).
struct BudgetReservation {
  bool reserved = false;
  int64_t used = 0;           // requests counted in the window ending now, these included
  int64_t resumes_at_ms = 0;  // not reserved: the earliest time the requests would fit
};

// A durable record of a write that is not idempotent (a delta adjustment), made before the
// write is sent (docs/sync.md, "The write journal"). Open until a run proves its outcome.
struct WriteIntent {
  int64_t id = 0;
  std::string connector_id;
  int64_t run_id = 0;
  std::string line_key;
  std::string account_id;
  std::string psa_service_id;
  std::string ref_json = "{}";  // the platform object written, as the plugin names it
  std::optional<int64_t> units_before;
  int64_t target = 0;
  std::string effective_date;
  int64_t created_at_ms = 0;
  std::string created_at;
  WriteIntentState state = WriteIntentState::kOpen;
  std::string resolution;  // how it was settled
  int64_t resolved_run_id = 0;
  std::string resolved_at;
};

// A console user (docs/console.md, "Users and roles"). Only a hash of the password is kept.
struct UserRecord {
  std::string name;  // unique, what the user signs in with
  std::string role;  // "vendor_admin" (everything) | "partner_admin" (one partner's connectors)
  std::string partner_id;     // the partner a partner_admin sees; empty for a vendor_admin
  std::string password_hash;  // libsodium crypto_pwhash_str (Argon2id), never the password
  std::string created_at;
};

// A signed-in browser session. The store keeps a hash of the cookie's value, never the value,
// so a copy of the database signs nobody in.
struct SessionRecord {
  std::string id_hash;  // hex SHA-256 of the session cookie's value
  std::string user_name;
  std::string csrf_token;  // required on every state-changing request of this session
  int64_t created_at_ms = 0;
  int64_t last_seen_ms = 0;
};

// A connector added in the web console (docs/console.md, "Add a connector"), as opposed to one
// declared in the config file. Its secret fields are not here: they are the connector's
// credentials, sealed like every other connector's.
struct ConsoleConnector {
  std::string id = {};
  std::string plugin_id = {};
  std::string partner = {};
  std::string partner_id = {};  // the partner whose admins reach it; empty: vendor-wide only
  std::string plugin_config_json = {};  // the plugin config without its secret fields
  std::string created_by = {};          // the user who added it
  std::string created_at = {};
  // Its policies and schedule as edited in the console: {"policies": {...}, "schedule": {...}},
  // checked when loaded as the config file's are; empty: the defaults and the global schedule.
  std::string settings_json = {};
};

// ---- Alerts (docs/alerts.md) ----

// A security alert as the vendor pushed it: the document's fields, then what the store adds.
// `id` is the vendor's and stable: a later push with the same id is the same alert, changed.
struct Alert {
  std::string id;
  std::string workspace_id;
  std::string title;
  std::string description;
  AlertSeverity severity = AlertSeverity::kMedium;
  AlertStatus status = AlertStatus::kOpen;
  std::string time;        // when the alert took this state (UTC, "2026-12-05T10:00:00Z")
  std::string device;      // "" when the alert names no device
  std::string service_id;  // "" when the alert names no vendor service
  // Set by the store: how many changes are recorded (1 once created), when the first and the
  // latest of them arrived.
  int64_t version = 0;
  std::string first_received_at;
  std::string received_at;
};

// One recorded state of an alert (its history): the alert as it was after change `version`,
// and where that change came from ("api", a file name).
struct AlertChange {
  Alert alert;
  std::string source;
};

// What recording one pushed alert did, with the version it left the alert at.
struct AlertRecorded {
  std::string alert_id;
  AlertRecordOutcome outcome = AlertRecordOutcome::kCreated;
  int64_t version = 0;
};

// One alert on one connector's PSA (members default-initialized, so designated initializers may
// leave any out): its state, the ticket it has (once known), why it is not
// routed, and the alert's version the ticket last took in (a later version adds a note).
struct AlertTicket {
  std::string connector_id = {};
  std::string alert_id = {};
  AlertTicketState state = AlertTicketState::kNotRouted;
  std::string ticket_id = {};  // "" until the platform's answer is recorded
  std::string reason = {};     // not_routed: why; otherwise the last failure, or ""
  int64_t alert_version = 0;
  std::string updated_at = {};  // set by the store
};

// One alerts run of a connector (`alerts sync`): what it did, per alert, and the counts.
struct AlertRunLine {
  std::string alert_id = {};
  std::string outcome = {};  // opened, found, noted, closed, unchanged, failed, not_routed
  std::string ticket_id = {};
  std::string message = {};
};
struct AlertRun {
  int64_t id = 0;  // set by the store
  std::string connector_id = {};
  std::string trigger = {};  // manual, push, schedule
  std::string started_at = {};
  std::string finished_at = {};
  std::map<std::string, int64_t> counts = {};  // outcome -> alerts
  std::vector<AlertRunLine> lines = {};
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_STORE_MODEL_H_
