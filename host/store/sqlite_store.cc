#include <sqlite3.h>
#include <sys/stat.h>

#include <mutex>
#include <optional>

#include "host/store/internal/budget_window.h"
#include "host/store/internal/rows.h"
#include "host/store/internal/sqlite.h"
#include "host/store/secret_box.h"
#include "host/store/store.h"

namespace mb {
namespace {

using store_internal::exec;
using store_internal::kAccountMappingColumns;
using store_internal::kConnectorColumns;
using store_internal::kLeaseColumns;
using store_internal::kLineColumns;
using store_internal::kLineColumnsOfL;
using store_internal::kPsaAccountColumns;
using store_internal::kRunColumns;
using store_internal::kWriteIntentColumns;
using store_internal::read_line;
using store_internal::Statement;

// Versioned migrations: each entry moves the schema from version i to i+1. Append only.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE connectors(
  id TEXT PRIMARY KEY,
  plugin_id TEXT NOT NULL,
  partner TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'new',
  status_message TEXT NOT NULL DEFAULT '',
  status_at TEXT NOT NULL DEFAULT '',
  credentials BLOB,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE workspaces(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0 CHECK(ended IN (0,1)),
  partner_id TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);
CREATE TABLE services(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE usage_snapshots(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  as_of TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE usage_counts(
  snapshot_id INTEGER NOT NULL REFERENCES usage_snapshots(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  service_id TEXT NOT NULL REFERENCES services(id),
  users INTEGER NOT NULL CHECK(users >= 0),
  devices INTEGER NOT NULL CHECK(devices >= 0),
  PRIMARY KEY(snapshot_id, workspace_id, service_id)
) WITHOUT ROWID;
CREATE TABLE psa_accounts(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  excluded INTEGER NOT NULL DEFAULT 0,
  details TEXT NOT NULL DEFAULT '{}',
  fetched_at TEXT NOT NULL,
  fetch_generation INTEGER NOT NULL DEFAULT 0,
  missing_since TEXT,
  PRIMARY KEY(connector_id, id)
) WITHOUT ROWID;
CREATE TABLE psa_services(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',
  fetched_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, id)
) WITHOUT ROWID;
CREATE TABLE account_mappings(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT,
  source TEXT NOT NULL CHECK(source IN ('auto','manual','provisioned')),
  excluded INTEGER NOT NULL DEFAULT 0 CHECK(excluded IN (0,1)),
  account_name TEXT NOT NULL DEFAULT '',
  drift TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, workspace_id),
  CHECK((excluded = 1 AND account_id IS NULL) OR (excluded = 0 AND account_id IS NOT NULL))
);
-- One-to-one: a PSA account is mapped to at most one workspace per connector.
CREATE UNIQUE INDEX account_mappings_one_to_one ON account_mappings(connector_id, account_id)
  WHERE account_id IS NOT NULL;
CREATE TABLE service_mappings(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  service_id TEXT NOT NULL REFERENCES services(id),
  psa_service_id TEXT NOT NULL,
  metric TEXT NOT NULL CHECK(metric IN ('users','devices')),
  updated_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, service_id),
  UNIQUE(connector_id, psa_service_id)
);
CREATE TABLE pushed_quantities(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  psa_service_id TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  run_id INTEGER NOT NULL,
  pushed_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, account_id, psa_service_id)
) WITHOUT ROWID;
CREATE TABLE links(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL,
  platform_account_id TEXT,
  linked_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, workspace_id)
) WITHOUT ROWID;
CREATE TABLE provisioned_services(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  service_id TEXT NOT NULL,
  platform_id TEXT NOT NULL,
  PRIMARY KEY(connector_id, service_id)
) WITHOUT ROWID;
CREATE TABLE sync_runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id TEXT NOT NULL,
  trigger TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('planned','applying','ok','partial','failed','interrupted')),
  effective_date TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  counts TEXT NOT NULL DEFAULT '{}',
  parent_run_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_by_connector ON sync_runs(connector_id, id);
CREATE TABLE sync_lines(
  run_id INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
  line_key TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  account_id TEXT NOT NULL DEFAULT '',
  psa_service_id TEXT NOT NULL DEFAULT '',
  metric TEXT NOT NULL DEFAULT '',
  target INTEGER,
  current INTEGER,
  delta INTEGER,
  action TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT 'pending',
  error_class TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  line_ref TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY(run_id, line_key)
) WITHOUT ROWID;
)sql",
    // 2: one owner per connector (leases), the write journal of non-idempotent writes,
    // decisions on held lines, line numbers, and snapshots ordered by their as_of.
    R"sql(
CREATE TABLE connector_leases(
  connector_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  process_start TEXT NOT NULL DEFAULT '',
  purpose TEXT NOT NULL DEFAULT '',
  acquired_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
-- Not tied to the connector row: an intent outlives a disconnect, because the write it
-- records may still land on the platform.
CREATE TABLE write_intents(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  line_key TEXT NOT NULL,
  account_id TEXT NOT NULL,
  psa_service_id TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '{}',
  units_before INTEGER,
  target INTEGER NOT NULL,
  effective_date TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','applied','not_applied','expired')),
  resolution TEXT NOT NULL DEFAULT '',
  resolved_run_id INTEGER NOT NULL DEFAULT 0,
  resolved_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX write_intents_open ON write_intents(connector_id, id) WHERE state = 'open';
ALTER TABLE sync_runs ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_lines ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_lines ADD COLUMN decision TEXT NOT NULL DEFAULT ''
  CHECK(decision IN ('','approved','dismissed','stale'));
ALTER TABLE sync_lines ADD COLUMN decision_run_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_lines ADD COLUMN decision_note TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_lines ADD COLUMN decided_at TEXT NOT NULL DEFAULT '';
UPDATE sync_lines SET number = numbered.n FROM (
  SELECT run_id, line_key, ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY line_key) AS n FROM sync_lines
) AS numbered WHERE sync_lines.run_id = numbered.run_id AND sync_lines.line_key = numbered.line_key;
CREATE INDEX usage_snapshots_by_as_of ON usage_snapshots(as_of, id);
)sql",
    // 3: a run that billed nothing because nothing is mapped or linked ends needs_attention.
    // SQLite cannot change a CHECK in place, so the table is rebuilt (migrate() turns foreign
    // keys off around migrations, or dropping sync_runs would delete every sync line), keeping
    // the ids and the id sequence.
    R"sql(
CREATE TABLE sync_runs_rebuilt(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id TEXT NOT NULL,
  trigger TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('planned','applying','ok','partial','failed','interrupted',
                                      'needs_attention')),
  effective_date TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  counts TEXT NOT NULL DEFAULT '{}',
  parent_run_id INTEGER NOT NULL DEFAULT 0,
  owner_id TEXT NOT NULL DEFAULT ''
);
INSERT INTO sync_runs_rebuilt(id, connector_id, trigger, dry_run, state, effective_date, started_at,
                              finished_at, message, counts, parent_run_id, owner_id)
  SELECT id, connector_id, trigger, dry_run, state, effective_date, started_at, finished_at,
         message, counts, parent_run_id, owner_id FROM sync_runs;
INSERT OR REPLACE INTO sqlite_sequence(name, seq)
  SELECT 'sync_runs_rebuilt', seq FROM sqlite_sequence WHERE name = 'sync_runs';
DROP TABLE sync_runs;
ALTER TABLE sync_runs_rebuilt RENAME TO sync_runs;
CREATE INDEX sync_runs_by_connector ON sync_runs(connector_id, id);
)sql",
    // 4: an excluded workspace keeps its account mapping, set aside until it is included again
    // (before, excluding dropped it). SQLite cannot change a CHECK in place, so the table is
    // rebuilt; nothing refers to account_mappings, so dropping the old one cascades nowhere.
    R"sql(
CREATE TABLE account_mappings_rebuilt(
  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT,
  source TEXT NOT NULL CHECK(source IN ('auto','manual','provisioned')),
  excluded INTEGER NOT NULL DEFAULT 0 CHECK(excluded IN (0,1)),
  account_name TEXT NOT NULL DEFAULT '',
  drift TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, workspace_id),
  -- Mapped rows name their account; an excluded row may keep one.
  CHECK(excluded = 1 OR account_id IS NOT NULL)
);
INSERT INTO account_mappings_rebuilt(connector_id, workspace_id, account_id, source, excluded,
                                     account_name, drift, updated_at)
  SELECT connector_id, workspace_id, account_id, source, excluded, account_name, drift, updated_at
  FROM account_mappings;
DROP TABLE account_mappings;
ALTER TABLE account_mappings_rebuilt RENAME TO account_mappings;
-- One-to-one, kept mappings included: an excluded workspace's account is not free for another.
CREATE UNIQUE INDEX account_mappings_one_to_one ON account_mappings(connector_id, account_id)
  WHERE account_id IS NOT NULL;
)sql",
    // 5: console users and their sessions (docs/console.md). A session row holds a hash of the
    // cookie's value, never the value.
    R"sql(
CREATE TABLE users(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK(role IN ('vendor_admin','partner_admin')),
  partner_id TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  CHECK(role = 'vendor_admin' OR partner_id <> '')
);
CREATE TABLE sessions(
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_name);
)sql",
    // 6: a run's lines in number order (list_lines_page: `runs show`, the admin API, `sync
    // --json`) without walking the whole run: the primary key orders them by line_key.
    R"sql(
CREATE INDEX sync_lines_by_number ON sync_lines(run_id, number);
)sql",
    // 7: connectors added in the web console: their origin, partner, plugin config (secret
    // fields sealed in credentials, as for every connector) and who added them. A removed one
    // keeps its row, and so its run history.
    R"sql(
ALTER TABLE connectors ADD COLUMN origin TEXT NOT NULL DEFAULT 'config'
  CHECK(origin IN ('config','console','removed'));
ALTER TABLE connectors ADD COLUMN partner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN plugin_config TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
)sql",
    // 8: the job queue (docs/scale-out.md): due syncs, one per connector and schedule window.
    R"sql(
CREATE TABLE sync_jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id TEXT NOT NULL,
  window_key TEXT NOT NULL,
  trigger TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK(state IN ('queued','running','done','failed')),
  due_at_ms INTEGER NOT NULL,
  worker_id TEXT NOT NULL DEFAULT '',
  claim_expires_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  run_id INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '',
  UNIQUE(connector_id, window_key)
);
CREATE INDEX sync_jobs_open ON sync_jobs(due_at_ms, id) WHERE state IN ('queued','running');
CREATE INDEX sync_jobs_by_worker ON sync_jobs(worker_id) WHERE state = 'running';
)sql",
    // 9: the vendor's alerts (docs/alerts.md): each alert's latest state, and every state it had.
    R"sql(
CREATE TABLE alerts(
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL CHECK(severity IN ('info','low','medium','high','critical')),
  status TEXT NOT NULL CHECK(status IN ('open','resolved')),
  alert_time TEXT NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  service_id TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL CHECK(version >= 1),
  first_received_at TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX alerts_by_workspace ON alerts(workspace_id, id);
CREATE TABLE alert_changes(
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  version INTEGER NOT NULL,
  workspace_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  alert_time TEXT NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  service_id TEXT NOT NULL DEFAULT '',
  received_at TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(alert_id, version)
);
)sql",
    // 10: platform request budgets shared per tenant (docs/scale-out.md, "Budgets"): requests
    // counted per budget key in one-second buckets.
    R"sql(
CREATE TABLE budget_buckets(
  budget_key TEXT NOT NULL,
  second INTEGER NOT NULL,
  requests INTEGER NOT NULL CHECK(requests >= 0),
  PRIMARY KEY(budget_key, second)
) WITHOUT ROWID;
)sql",
    // 11: alerts to tickets (docs/alerts.md): where each alert stands on each connector's PSA
    // (its ticket, or why it is not routed; 'opening' is the create's journal), and the
    // connectors' alerts runs with their lines.
    R"sql(
CREATE TABLE alert_tickets(
  connector_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('not_routed','opening','open','closed')),
  ticket_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  alert_version INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY(connector_id, alert_id)
);
CREATE TABLE alert_runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id TEXT NOT NULL,
  trigger TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
CREATE INDEX alert_runs_by_connector ON alert_runs(connector_id, id);
CREATE TABLE alert_run_lines(
  run_id INTEGER NOT NULL REFERENCES alert_runs(id),
  number INTEGER NOT NULL,
  alert_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  ticket_id TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, number)
);
)sql",
    // 12: a console connector's policies and schedule, edited in the console (docs/console.md).
    R"sql(
ALTER TABLE connectors ADD COLUMN settings TEXT NOT NULL DEFAULT '';
)sql",
    // 13: syncs at once per platform tenant (docs/scale-out.md, "Tenant slots"): a slot per
    // (worker, connector) holding one, until it expires.
    R"sql(
CREATE TABLE tenant_slots(
  tenant_key TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY(tenant_key, worker_id, connector_id)
) WITHOUT ROWID;
CREATE INDEX tenant_slots_by_worker ON tenant_slots(worker_id);
)sql",
    // 14: exact-name matching (`map auto`) looks names up by their trimmed form a page at a
    // time instead of reading every workspace and account; the expressions are
    // store_internal::trimmed_name_sql's, verbatim.
    R"sql(
CREATE INDEX workspaces_by_trimmed_name ON workspaces(trim(name, char(32, 9, 13, 10)));
CREATE INDEX psa_accounts_by_trimmed_name
  ON psa_accounts(connector_id, trim(name, char(32, 9, 13, 10)));
)sql",
};

constexpr int kSchemaVersion = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

// The open transaction of a streamed usage import. It holds the store's lock for its whole life:
// other calls wait rather than see (or interleave with) a half-written snapshot.
class SqliteUsageImport : public UsageImportTransaction {
 public:
  SqliteUsageImport(sqlite3* db, std::unique_lock<std::mutex> lock, std::string timestamp)
      : db_(db),
        lock_(std::move(lock)),
        timestamp_(std::move(timestamp)),
        workspace_(db_,
                   "INSERT INTO workspaces(id, name, ended, partner_id, updated_at) VALUES(?1, ?2, "
                   "?3, ?5, ?4) "
                   "ON CONFLICT(id) DO UPDATE SET name = excluded.name, ended = excluded.ended, "
                   "partner_id = excluded.partner_id, updated_at = excluded.updated_at"),
        service_(
            db_,
            "INSERT INTO services(id, name, updated_at) VALUES(?1, ?2, ?3) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at"),
        count_(db_,
               "INSERT INTO usage_counts(snapshot_id, workspace_id, service_id, users, devices) "
               "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"),
        has_workspace_(db_, "SELECT 1 FROM workspaces WHERE id = ?1") {}
  ~SqliteUsageImport() override {
    if (open_) (void)exec(db_, "ROLLBACK");
  }

  // Opens the transaction and the snapshot row (its as_of is set on commit).
  Status begin(const std::string& source) {
    MB_RETURN_IF_ERROR(exec(db_, "BEGIN IMMEDIATE"));
    open_ = true;
    Statement snap(db_,
                   "INSERT INTO usage_snapshots(as_of, imported_at, source) VALUES('', ?1, ?2)");
    snap.bind(1, timestamp_).bind(2, source);
    snap.step();
    MB_RETURN_IF_ERROR(snap.status());
    snapshot_id_ = sqlite3_last_insert_rowid(db_);
    return Status::Ok();
  }

  Status add_workspace(const Workspace& ws) override {
    workspace_.reset();
    workspace_.bind(1, ws.id)
        .bind(2, ws.name)
        .bind(3, int64_t{ws.ended ? 1 : 0})
        .bind(4, timestamp_)
        .bind(5, ws.partner_id);
    workspace_.step();
    return workspace_.status();
  }
  Status add_service(const VendorService& svc) override {
    service_.reset();
    service_.bind(1, svc.id).bind(2, svc.name).bind(3, timestamp_);
    service_.step();
    return service_.status();
  }
  Status add_count(const UsageCount& count) override {
    count_.reset();
    count_.bind(1, snapshot_id_)
        .bind(2, count.workspace_id)
        .bind(3, count.service_id)
        .bind(4, count.users)
        .bind(5, count.devices);
    count_.step();
    MB_RETURN_IF_ERROR(count_.status());
    if (sqlite3_changes(db_) == 0) return Status::Conflict("duplicate count");
    return Status::Ok();
  }
  Result<bool> has_workspace(const std::string& id) override {
    has_workspace_.reset();
    has_workspace_.bind(1, id);
    bool held = has_workspace_.step();
    MB_RETURN_IF_ERROR(has_workspace_.status());
    has_workspace_.reset();  // no statement left open at commit
    return held;
  }
  Result<int64_t> commit(const std::string& as_of) override {
    if (!open_) return Status::Fatal("usage import already finished");
    Statement snap(db_, "UPDATE usage_snapshots SET as_of = ?1 WHERE id = ?2");
    snap.bind(1, as_of).bind(2, snapshot_id_);
    snap.step();
    MB_RETURN_IF_ERROR(snap.status());
    workspace_.reset();
    service_.reset();
    count_.reset();
    MB_RETURN_IF_ERROR(exec(db_, "COMMIT"));
    open_ = false;
    return snapshot_id_;
  }

 private:
  sqlite3* db_;
  std::unique_lock<std::mutex> lock_;
  std::string timestamp_;
  Statement workspace_, service_, count_, has_workspace_;
  int64_t snapshot_id_ = 0;
  bool open_ = false;
};

class SqliteStore : public Store {
 public:
  SqliteStore(sqlite3* db, std::filesystem::path key_file, const Clock* clock)
      : db_(db), key_file_(std::move(key_file)), clock_(clock) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Status migrate(int target = kSchemaVersion) {
    std::lock_guard<std::mutex> lock(mu_);
    int version = 0;
    {
      Statement s(db_, "PRAGMA user_version");
      if (s.step()) version = static_cast<int>(s.integer(0));
      MB_RETURN_IF_ERROR(s.status());
    }
    if (version > kSchemaVersion)
      return Status::ConfigInvalid("state database has schema version " + std::to_string(version) +
                                   ", newer than this meterbridge supports (" +
                                   std::to_string(kSchemaVersion) + ")");
    if (version >= target) return Status::Ok();
    // A migration may rebuild a table other tables refer to (SQLite's way to change a
    // constraint); with foreign keys on, dropping the old table would cascade. They are off
    // while migrating (the pragma is a no-op inside a transaction) and each migration is checked
    // to leave no dangling reference before it commits.
    MB_RETURN_IF_ERROR(exec(db_, "PRAGMA foreign_keys = OFF"));
    Status migrated = Status::Ok();
    for (int v = version; v < target && migrated.ok(); ++v) migrated = migrate_one(v);
    Status restored = exec(db_, "PRAGMA foreign_keys = ON");
    return migrated.ok() ? restored : migrated;
  }

  // Moves the schema from version `from` to from + 1 in one transaction.
  Status migrate_one(int from) {
    MB_RETURN_IF_ERROR(exec(db_, "BEGIN IMMEDIATE"));
    Status s = exec(db_, kMigrations[from]);
    if (s.ok()) {
      Statement dangling(db_, "PRAGMA foreign_key_check");
      if (dangling.step())
        s = Status::Fatal("it would leave rows of " + dangling.text(0) + " without their parent");
      else
        s = dangling.status();
    }
    if (s.ok()) s = exec(db_, "PRAGMA user_version = " + std::to_string(from + 1));
    if (!s.ok()) {
      (void)exec(db_, "ROLLBACK");
      return Status::Fatal("migration to schema " + std::to_string(from + 1) +
                           " failed: " + s.message());
    }
    return exec(db_, "COMMIT");
  }

  // ---- Connectors ----
  Status upsert_connector(const ConnectorRecord& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO connectors(id, plugin_id, partner, status, created_at, updated_at) "
                "VALUES(?1, ?2, ?3, ?5, ?4, ?4) ON CONFLICT(id) DO UPDATE SET "
                "plugin_id = excluded.plugin_id, partner = excluded.partner, "
                "updated_at = excluded.updated_at "
                "WHERE plugin_id <> excluded.plugin_id OR partner <> excluded.partner");
    s.bind(1, c.id).bind(2, c.plugin_id).bind(3, c.partner).bind(4, now());
    s.bind(5, std::string(to_text(ConnectorStatus::kNew)));
    s.step();
    return s.status();
  }

  Result<std::vector<ConnectorRecord>> list_connectors() override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_connectors("ORDER BY id", std::nullopt);
  }

  Result<std::optional<ConnectorRecord>> get_connector(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto rows = query_connectors("WHERE id = ?1", id);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<ConnectorRecord>();
    return std::optional<ConnectorRecord>(rows->front());
  }

  Status set_connector_status(const std::string& id, ConnectorStatus status,
                              const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "UPDATE connectors SET status = ?2, status_message = ?3, status_at = ?4, updated_at = ?4 WHERE id = ?1");
    s.bind(1, id).bind(2, std::string(to_text(status))).bind(3, message).bind(4, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0) return Status::NotFound("no connector '" + id + "'");
    return Status::Ok();
  }

  Status put_credentials(const std::string& id, const std::string& credentials_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto box = secret_box();
    if (!box) return box.status();
    std::string sealed = (*box)->seal(credentials_json, "connector:" + id);
    Statement s(db_, "UPDATE connectors SET credentials = ?2, updated_at = ?3 WHERE id = ?1");
    s.bind(1, id).bind_blob(2, sealed).bind(3, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0) return Status::NotFound("no connector '" + id + "'");
    return Status::Ok();
  }

  Result<std::optional<std::string>> get_credentials(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT credentials FROM connectors WHERE id = ?1 AND credentials IS NOT NULL");
    s.bind(1, id);
    if (!s.step()) {
      MB_RETURN_IF_ERROR(s.status());
      return std::optional<std::string>();
    }
    auto box = secret_box();
    if (!box) return box.status();
    auto plain = (*box)->open(s.blob(0), "connector:" + id);
    if (!plain) return plain.status();
    return std::optional<std::string>(std::move(*plain));
  }

  Status disconnect_connector(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      Statement check(db_, "SELECT 1 FROM connectors WHERE id = ?1");
      check.bind(1, id);
      if (!check.step()) {
        MB_RETURN_IF_ERROR(check.status());
        return Status::NotFound("no connector '" + id + "'");
      }
      for (const char* table : {"account_mappings", "service_mappings", "psa_accounts", "psa_services",
                                "pushed_quantities", "links", "provisioned_services"}) {
        Statement del(db_, std::string("DELETE FROM ") + table + " WHERE connector_id = ?1");
        del.bind(1, id);
        del.step();
        MB_RETURN_IF_ERROR(del.status());
      }
      Statement s(
          db_,
          "UPDATE connectors SET credentials = NULL, status = ?3, "
          "status_message = 'disconnected: credentials and mappings removed', status_at = ?2, "
          "updated_at = ?2 WHERE id = ?1");
      s.bind(1, id).bind(2, now()).bind(3, std::string(to_text(ConnectorStatus::kDisconnected)));
      s.step();
      return s.status();
    });
  }

  // ---- Connectors added in the web console ----
  Status add_console_connector(const ConsoleConnector& c,
                               const std::string& credentials_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto box = secret_box();
    if (!box) return box.status();
    std::string sealed = (*box)->seal(credentials_json, "connector:" + c.id);
    Statement s(db_,
                "INSERT INTO connectors(id, plugin_id, partner, status, credentials, origin, "
                "partner_id, plugin_config, created_by, created_at, updated_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5, 'console', ?6, ?7, ?8, ?9, ?9) "
                "ON CONFLICT(id) DO NOTHING");
    s.bind(1, c.id).bind(2, c.plugin_id).bind(3, c.partner);
    s.bind(4, std::string(to_text(ConnectorStatus::kNew))).bind_blob(5, sealed);
    s.bind(6, c.partner_id).bind(7, c.plugin_config_json).bind(8, c.created_by).bind(9, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0)
      return Status::Conflict("a connector '" + c.id +
                              "' exists (or existed: its run history stays)");
    return Status::Ok();
  }

  Result<std::vector<ConsoleConnector>> list_console_connectors() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + store_internal::kConsoleConnectorColumns +
                         " FROM connectors WHERE origin = 'console' ORDER BY id");
    std::vector<ConsoleConnector> out;
    while (s.step()) out.push_back(store_internal::read_console_connector(s));
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status set_console_connector_settings(const std::string& id,
                                        const std::string& settings_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE connectors SET settings = ?2, updated_at = ?3 "
                "WHERE id = ?1 AND origin = 'console'");
    s.bind(1, id).bind(2, settings_json).bind(3, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0)
      return Status::NotFound("no connector '" + id + "' added in the console");
    return Status::Ok();
  }

  Status remove_console_connector(const std::string& id) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      Statement check(db_, "SELECT 1 FROM connectors WHERE id = ?1 AND origin = 'console'");
      check.bind(1, id);
      if (!check.step()) {
        MB_RETURN_IF_ERROR(check.status());
        return Status::NotFound("no connector '" + id + "' added in the console");
      }
    }
    MB_RETURN_IF_ERROR(disconnect_connector(id));
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE connectors SET origin = 'removed', plugin_config = '', updated_at = ?2 "
                "WHERE id = ?1 AND origin = 'console'");
    s.bind(1, id).bind(2, now());
    s.step();
    return s.status();
  }

  // ---- Usage ----
  Result<int64_t> import_usage(const std::vector<Workspace>& workspaces,
                               const std::vector<VendorService>& services,
                               const UsageSnapshot& snapshot) override {
    return store_internal::import_usage_streamed(*this, workspaces, services, snapshot);
  }

  Result<std::unique_ptr<UsageImportTransaction>> begin_usage_import(
      const std::string& source) override {
    auto import =
        std::make_unique<SqliteUsageImport>(db_, std::unique_lock<std::mutex>(mu_), now());
    MB_RETURN_IF_ERROR(import->begin(source));
    return std::unique_ptr<UsageImportTransaction>(std::move(import));
  }

  Result<UsageImportComparison> compare_usage_snapshot(int64_t snapshot_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    UsageImportComparison out;
    auto single = [&](const char* sql,
                      std::initializer_list<int64_t> parameters) -> Result<int64_t> {
      Statement s(db_, sql);
      int index = 0;
      for (int64_t p : parameters) s.bind(++index, p);
      int64_t value = s.step() ? s.integer(0) : 0;
      MB_RETURN_IF_ERROR(s.status());
      return value;
    };
    auto counts = single("SELECT COUNT(*) FROM usage_counts WHERE snapshot_id = ?1", {snapshot_id});
    if (!counts) return counts.status();
    out.counts = static_cast<size_t>(*counts);
    auto with_data =
        single("SELECT COUNT(DISTINCT workspace_id) FROM usage_counts WHERE snapshot_id = ?1",
               {snapshot_id});
    if (!with_data) return with_data.status();
    out.workspaces_with_data = static_cast<size_t>(*with_data);
    {
      Statement prev(db_,
                     "SELECT id, as_of FROM usage_snapshots WHERE id <> ?1 AND "
                     "as_of <= (SELECT as_of FROM usage_snapshots WHERE id = ?1) "
                     "ORDER BY as_of DESC, id DESC LIMIT 1");
      prev.bind(1, snapshot_id);
      if (prev.step()) {
        out.previous_snapshot_id = prev.integer(0);
        out.previous_as_of = prev.text(1);
      }
      MB_RETURN_IF_ERROR(prev.status());
    }
    if (out.previous_snapshot_id > 0) {
      // Both lookups use usage_counts' primary key (snapshot, workspace, service).
      auto omitted = single(
          "SELECT COUNT(*) FROM usage_counts p WHERE p.snapshot_id = ?1 "
          "AND EXISTS(SELECT 1 FROM usage_counts n WHERE n.snapshot_id = ?2 AND n.workspace_id = "
          "p.workspace_id) "
          "AND NOT EXISTS(SELECT 1 FROM usage_counts n WHERE n.snapshot_id = ?2 "
          "AND n.workspace_id = p.workspace_id AND n.service_id = p.service_id)",
          {out.previous_snapshot_id, snapshot_id});
      if (!omitted) return omitted.status();
      out.omitted_pairs = static_cast<size_t>(*omitted);
      auto absent = single(
          "SELECT COUNT(DISTINCT p.workspace_id) FROM usage_counts p WHERE p.snapshot_id = ?1 "
          "AND NOT EXISTS(SELECT 1 FROM usage_counts n WHERE n.snapshot_id = ?2 AND n.workspace_id "
          "= p.workspace_id)",
          {out.previous_snapshot_id, snapshot_id});
      if (!absent) return absent.status();
      out.absent_workspaces = static_cast<size_t>(*absent);
    }
    Statement latest(db_,
                     "SELECT id, as_of FROM usage_snapshots ORDER BY as_of DESC, id DESC LIMIT 1");
    if (latest.step()) {
      out.latest_snapshot_id = latest.integer(0);
      out.latest_as_of = latest.text(1);
    }
    MB_RETURN_IF_ERROR(latest.status());
    return out;
  }

  Result<std::vector<Workspace>> list_workspaces() override {
    return list_workspaces_of("", false);
  }

  Result<std::vector<Workspace>> list_workspaces_of(const std::string& partner_id,
                                                    bool ended_only) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(
        db_,
        "SELECT id, name, ended, partner_id FROM workspaces WHERE (?1 = '' OR partner_id = ?1) "
        "AND (?2 = 0 OR ended = 1) ORDER BY name, id");
    s.bind(1, partner_id).bind(2, int64_t{ended_only ? 1 : 0});
    std::vector<Workspace> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2) != 0, s.text(3)});
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::vector<VendorService>> list_services() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT id, name FROM services ORDER BY name, id");
    std::vector<VendorService> out;
    while (s.step()) out.push_back({s.text(0), s.text(1)});
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::optional<UsageSnapshot>> latest_snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT id, as_of, imported_at, source FROM usage_snapshots ORDER BY as_of DESC, id DESC LIMIT 1");
    return read_snapshot(s);
  }

  Result<std::optional<UsageSnapshot>> snapshot_preceding(const std::string& as_of) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT id, as_of, imported_at, source FROM usage_snapshots WHERE as_of <= ?1 "
                "ORDER BY as_of DESC, id DESC LIMIT 1");
    s.bind(1, as_of);
    return read_snapshot(s);
  }

  // ---- PSA caches ----
  // Each fetch gets a generation number; rows no fetch since touched are gone from the platform
  // (timestamps cannot tell two fetches within one second apart). Two fetches that begin at once
  // share a number: what either lists stays, which is what both saw.
  Result<int64_t> begin_psa_account_fetch(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement g(
        db_,
        "SELECT COALESCE(MAX(fetch_generation), 0) + 1 FROM psa_accounts WHERE connector_id = ?1");
    g.bind(1, connector_id);
    int64_t generation = 1;
    if (g.step()) generation = g.integer(0);
    MB_RETURN_IF_ERROR(g.status());
    return generation;
  }

  Status put_fetched_psa_accounts(const std::string& connector_id, int64_t generation,
                                  const std::vector<PsaAccount>& accounts) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      std::string ts = now();
      Statement up(db_,
                   "INSERT INTO psa_accounts(connector_id, id, name, active, details, fetched_at, fetch_generation, "
                   "missing_since) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL) ON CONFLICT(connector_id, id) DO UPDATE SET "
                   "name = excluded.name, active = excluded.active, details = excluded.details, "
                   "fetched_at = excluded.fetched_at, fetch_generation = excluded.fetch_generation, missing_since = NULL");
      for (const auto& a : accounts) {
        up.reset();
        up.bind(1, connector_id).bind(2, a.id).bind(3, a.name).bind(4, int64_t{a.active ? 1 : 0})
            .bind(5, a.details_json).bind(6, ts).bind(7, generation);
        up.step();
        MB_RETURN_IF_ERROR(up.status());
      }
      return Status::Ok();
    });
  }

  Status end_psa_account_fetch(const std::string& connector_id, int64_t generation) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement gone(db_,
                   "UPDATE psa_accounts SET missing_since = ?2 WHERE connector_id = ?1 AND "
                   "fetch_generation < ?3 "
                   "AND missing_since IS NULL");
    gone.bind(1, connector_id).bind(2, now()).bind(3, generation);
    gone.step();
    return gone.status();
  }

  // Runs `sql` once per chunk of ids (SQLite binds at most 32,766 parameters; 500 a statement
  // keeps each short): `sql` holds one "{ids}" where the chunk's placeholders go, after
  // `leading` bound parameters. Each row's columns 0 and 1 go to `out`, replacing or not.
  Status names_in_chunks(const std::string& sql, const std::vector<std::string>& leading,
                         const std::vector<std::string>& ids, bool replace,
                         std::map<std::string, std::string>& out) {
    constexpr size_t kChunk = 500;
    for (size_t at = 0; at < ids.size(); at += kChunk) {
      size_t n = std::min(kChunk, ids.size() - at);
      std::string marks;
      for (size_t i = 0; i < n; ++i)
        marks += (i ? ",?" : "?") + std::to_string(leading.size() + i + 1);
      std::string text = sql;
      text.replace(text.find("{ids}"), 5, marks);
      Statement s(db_, text);
      int index = 0;
      for (const auto& v : leading) s.bind(++index, v);
      for (size_t i = 0; i < n; ++i) s.bind(++index, ids[at + i]);
      while (s.step()) {
        if (replace)
          out[s.text(0)] = s.text(1);
        else
          out.emplace(s.text(0), s.text(1));
      }
      MB_RETURN_IF_ERROR(s.status());
    }
    return Status::Ok();
  }

  Result<std::map<std::string, std::string>> workspace_names(
      const std::vector<std::string>& ids) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> out;
    MB_RETURN_IF_ERROR(
        names_in_chunks("SELECT id, name FROM workspaces WHERE id IN ({ids})", {}, ids, true, out));
    return out;
  }

  Result<std::map<std::string, std::string>> psa_account_names(
      const std::string& connector_id, const std::vector<std::string>& ids) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> out;
    MB_RETURN_IF_ERROR(names_in_chunks(
        "SELECT id, name FROM psa_accounts WHERE connector_id = ?1 AND id IN ({ids})",
        {connector_id}, ids, true, out));
    // The cached account's name wins; a mapping's recorded name covers accounts not cached.
    MB_RETURN_IF_ERROR(names_in_chunks(
        "SELECT account_id, account_name FROM account_mappings WHERE connector_id = ?1 AND "
        "account_id IN ({ids}) AND account_name <> ''",
        {connector_id}, ids, false, out));
    return out;
  }

  Result<std::vector<PsaAccount>> list_psa_accounts(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + kPsaAccountColumns +
                         " FROM psa_accounts WHERE connector_id = ?1 ORDER BY name, id");
    s.bind(1, connector_id);
    std::vector<PsaAccount> out;
    while (s.step()) out.push_back(store_internal::read_psa_account(s));
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<PsaAccountCacheAge> psa_account_cache_age(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(
        db_,
        "SELECT COUNT(*), COALESCE(MIN(CASE WHEN missing_since IS NULL THEN fetched_at END), "
        "'') FROM psa_accounts WHERE connector_id = ?1");
    s.bind(1, connector_id);
    PsaAccountCacheAge age;
    if (s.step()) {
      age.accounts = s.integer(0);
      age.oldest_fetched_at = s.text(1);
    }
    MB_RETURN_IF_ERROR(s.status());
    return age;
  }

  Result<size_t> update_account_mapping_drift(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string drift = store_internal::account_mapping_drift_sql("?1");
    Statement s(db_, "UPDATE account_mappings SET drift = " + drift +
                         ", updated_at = ?2 WHERE connector_id = ?1 AND account_id IS NOT NULL AND "
                         "source <> 'provisioned' AND drift <> " +
                         drift);
    s.bind(1, connector_id).bind(2, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return static_cast<size_t>(sqlite3_changes(db_));
  }

  Status set_psa_account_excluded(const std::string& connector_id, const std::string& account_id,
                                  bool excluded) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "UPDATE psa_accounts SET excluded = ?3 WHERE connector_id = ?1 AND id = ?2");
    s.bind(1, connector_id).bind(2, account_id).bind(3, int64_t{excluded ? 1 : 0});
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0)
      return Status::NotFound("no PSA account '" + account_id + "' cached for connector '" + connector_id +
                              "' (run accounts list first)");
    return Status::Ok();
  }

  Status replace_psa_services(const std::string& connector_id,
                              const std::vector<PsaService>& services) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      Statement del(db_, "DELETE FROM psa_services WHERE connector_id = ?1");
      del.bind(1, connector_id);
      del.step();
      MB_RETURN_IF_ERROR(del.status());
      std::string ts = now();
      Statement ins(db_,
                    "INSERT INTO psa_services(connector_id, id, name, details, fetched_at) VALUES(?1, ?2, ?3, ?4, ?5)");
      for (const auto& svc : services) {
        ins.reset();
        ins.bind(1, connector_id).bind(2, svc.id).bind(3, svc.name).bind(4, svc.details_json).bind(5, ts);
        ins.step();
        MB_RETURN_IF_ERROR(ins.status());
      }
      return Status::Ok();
    });
  }

  Result<std::vector<PsaService>> list_psa_services(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT id, name, details, fetched_at FROM psa_services WHERE connector_id = ?1 ORDER BY name, id");
    s.bind(1, connector_id);
    std::vector<PsaService> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // ---- Mappings ----
  Result<std::vector<AccountMapping>> list_account_mappings(const std::string& connector_id) override {
    return list_account_mappings_page(connector_id, "", static_cast<size_t>(INT64_MAX));
  }

  Result<std::vector<AccountMapping>> list_account_mappings_page(
      const std::string& connector_id, const std::string& after_workspace_id,
      size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + kAccountMappingColumns +
                         " FROM account_mappings WHERE connector_id = ?1 AND workspace_id > ?2 "
                         "ORDER BY workspace_id LIMIT ?3");
    s.bind(1, connector_id)
        .bind(2, after_workspace_id)
        .bind(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<AccountMapping> out;
    while (s.step()) {
      auto m = store_internal::read_account_mapping(s);
      if (!m) return m.status();
      out.push_back(std::move(*m));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<int64_t> count_account_mappings(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT COUNT(*) FROM account_mappings WHERE connector_id = ?1");
    s.bind(1, connector_id);
    int64_t n = s.step() ? s.integer(0) : 0;
    MB_RETURN_IF_ERROR(s.status());
    return n;
  }

  Result<std::vector<NameMatchCandidate>> list_name_match_candidates_page(
      const std::string& connector_id, const std::string& partner_id,
      const std::string& after_workspace_id, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, store_internal::name_match_candidates_sql(
                         false, [](int n) { return "?" + std::to_string(n); }));
    s.bind(1, connector_id)
        .bind(2, partner_id)
        .bind(3, after_workspace_id)
        .bind(4, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<NameMatchCandidate> out;
    while (s.step())
      out.push_back({.workspace_id = s.text(0),
                     .workspace_name = s.text(1),
                     .accounts_named = s.integer(2),
                     .workspaces_named = s.integer(3),
                     .account_id = s.text(4),
                     .account_name = s.text(5)});
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status put_account_mapping(const std::string& connector_id, const AccountMapping& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_account_mapping(connector_id, m);
  }

  Status put_account_mappings(const std::string& connector_id,
                              const std::vector<AccountMapping>& mappings) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      for (const auto& m : mappings) MB_RETURN_IF_ERROR(write_account_mapping(connector_id, m));
      return Status::Ok();
    });
  }

  Status delete_account_mapping(const std::string& connector_id, const std::string& workspace_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM account_mappings WHERE connector_id = ?1 AND workspace_id = ?2");
    s.bind(1, connector_id).bind(2, workspace_id);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0)
      return Status::NotFound("workspace '" + workspace_id + "' has no mapping on connector '" + connector_id + "'");
    return Status::Ok();
  }

  Result<std::vector<ServiceMapping>> list_service_mappings(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT service_id, psa_service_id, metric FROM service_mappings WHERE connector_id = ?1 "
                "ORDER BY service_id");
    s.bind(1, connector_id);
    std::vector<ServiceMapping> out;
    while (s.step()) {
      auto metric =
          parse_stored<ServiceMetric>(s.text(2), "the mapping of service '" + s.text(0) + "'");
      if (!metric) return metric.status();
      out.push_back({s.text(0), s.text(1), *metric});
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status put_service_mapping(const std::string& connector_id, const ServiceMapping& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    {
      Statement other(db_,
                      "SELECT service_id FROM service_mappings WHERE connector_id = ?1 AND psa_service_id = ?2 "
                      "AND service_id <> ?3");
      other.bind(1, connector_id).bind(2, m.psa_service_id).bind(3, m.service_id);
      if (other.step())
        return Status::Conflict("PSA service '" + m.psa_service_id + "' is already mapped to service '" +
                                other.text(0) + "'");
      MB_RETURN_IF_ERROR(other.status());
    }
    Statement s(db_,
                "INSERT INTO service_mappings(connector_id, service_id, psa_service_id, metric, updated_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(connector_id, service_id) DO UPDATE SET "
                "psa_service_id = excluded.psa_service_id, metric = excluded.metric, updated_at = excluded.updated_at");
    s.bind(1, connector_id)
        .bind(2, m.service_id)
        .bind(3, m.psa_service_id)
        .bind(4, std::string(to_text(m.metric)))
        .bind(5, now());
    s.step();
    return s.status();
  }

  Status delete_service_mapping(const std::string& connector_id, const std::string& service_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM service_mappings WHERE connector_id = ?1 AND service_id = ?2");
    s.bind(1, connector_id).bind(2, service_id);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0)
      return Status::NotFound("service '" + service_id + "' has no mapping on connector '" + connector_id + "'");
    return Status::Ok();
  }

  // ---- Platform-side bookkeeping ----
  Status record_pushed(const std::string& connector_id, const std::string& account_id,
                       const std::string& psa_service_id, int64_t quantity, int64_t run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_pushed(connector_id, {{account_id, psa_service_id, quantity}}, run_id);
  }

  Status record_pushed_many(const std::string& connector_id,
                            const std::vector<PushedQuantity>& pushed, int64_t run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() { return write_pushed(connector_id, pushed, run_id); });
  }

  Status write_pushed(const std::string& connector_id, const std::vector<PushedQuantity>& pushed,
                      int64_t run_id) {
    Statement s(db_,
                "INSERT INTO pushed_quantities(connector_id, account_id, psa_service_id, quantity, run_id, pushed_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(connector_id, account_id, psa_service_id) DO UPDATE SET "
                "quantity = excluded.quantity, run_id = excluded.run_id, pushed_at = excluded.pushed_at");
    const std::string ts = now();
    for (const auto& p : pushed) {
      s.reset();
      s.bind(1, connector_id)
          .bind(2, p.account_id)
          .bind(3, p.psa_service_id)
          .bind(4, p.quantity)
          .bind(5, run_id)
          .bind(6, ts);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
    }
    return Status::Ok();
  }

  Result<std::map<std::pair<std::string, std::string>, int64_t>> list_pushed(
      const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT account_id, psa_service_id, quantity FROM pushed_quantities WHERE connector_id = ?1");
    s.bind(1, connector_id);
    std::map<std::pair<std::string, std::string>, int64_t> out;
    while (s.step()) out[{s.text(0), s.text(1)}] = s.integer(2);
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status forget_pushed(const std::string& connector_id, const std::string& account_id,
                       const std::string& psa_service_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM pushed_quantities WHERE connector_id = ?1 AND account_id = ?2 AND psa_service_id = ?3");
    s.bind(1, connector_id).bind(2, account_id).bind(3, psa_service_id);
    s.step();
    return s.status();
  }

  Status set_link(const std::string& connector_id, const std::string& workspace_id,
                  const std::optional<std::string>& platform_account_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO links(connector_id, workspace_id, platform_account_id, linked_at) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(connector_id, workspace_id) DO UPDATE SET platform_account_id = excluded.platform_account_id");
    s.bind(1, connector_id).bind(2, workspace_id).bind(3, platform_account_id).bind(4, now());
    s.step();
    return s.status();
  }

  Status delete_link(const std::string& connector_id, const std::string& workspace_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM links WHERE connector_id = ?1 AND workspace_id = ?2");
    s.bind(1, connector_id).bind(2, workspace_id);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0) return Status::NotFound("workspace '" + workspace_id + "' is not linked");
    return Status::Ok();
  }

  Result<std::map<std::string, std::string>> list_links(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT workspace_id, COALESCE(platform_account_id, '') FROM links WHERE connector_id = ?1");
    s.bind(1, connector_id);
    std::map<std::string, std::string> out;
    while (s.step()) out[s.text(0)] = s.text(1);
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status set_provisioned_service(const std::string& connector_id, const std::string& service_id,
                                 const std::string& platform_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO provisioned_services(connector_id, service_id, platform_id) VALUES(?1, ?2, ?3) "
                "ON CONFLICT(connector_id, service_id) DO UPDATE SET platform_id = excluded.platform_id");
    s.bind(1, connector_id).bind(2, service_id).bind(3, platform_id);
    s.step();
    return s.status();
  }

  Result<std::map<std::string, std::string>> list_provisioned_services(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT service_id, platform_id FROM provisioned_services WHERE connector_id = ?1");
    s.bind(1, connector_id);
    std::map<std::string, std::string> out;
    while (s.step()) out[s.text(0)] = s.text(1);
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // ---- Runs ----
  Result<int64_t> create_run(const SyncRun& run, const std::vector<SyncLine>& lines) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t run_id = 0;
    Status st = in_transaction([&]() -> Status {
      Statement s(db_,
                  "INSERT INTO sync_runs(connector_id, trigger, dry_run, state, effective_date, started_at, "
                  "message, counts, parent_run_id, owner_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      s.bind(1, run.connector_id)
          .bind(2, run.trigger)
          .bind(3, int64_t{run.dry_run ? 1 : 0})
          .bind(4, std::string(to_text(run.state)))
          .bind(5, run.effective_date)
          .bind(6, run.started_at.empty() ? now() : run.started_at)
          .bind(7, run.message)
          .bind(8, run.counts_json)
          .bind(9, run.parent_run_id)
          .bind(10, run.owner_id);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
      run_id = sqlite3_last_insert_rowid(db_);
      return write_lines(run_id, lines, /*insert=*/true);
    });
    if (!st.ok()) return st;
    return run_id;
  }

  Status update_run(const SyncRun& run) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE sync_runs SET state = ?2, finished_at = ?3, message = ?4, counts = ?5 WHERE id = ?1");
    s.bind(1, run.id)
        .bind(2, std::string(to_text(run.state)))
        .bind(3, run.finished_at)
        .bind(4, run.message)
        .bind(5, run.counts_json);
    s.step();
    return s.status();
  }

  Status update_lines(int64_t run_id, const std::vector<SyncLine>& lines) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() { return write_lines(run_id, lines, /*insert=*/false); });
  }

  Result<std::optional<SyncRun>> get_run(int64_t run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto runs = query_runs("WHERE id = ?1", [&](Statement& s) { s.bind(1, run_id); });
    if (!runs) return runs.status();
    if (runs->empty()) return std::optional<SyncRun>();
    return std::optional<SyncRun>(runs->front());
  }

  Result<std::vector<SyncRun>> list_runs(const std::string& connector_id, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string where = connector_id.empty() ? "WHERE ?1 = ?1" : "WHERE connector_id = ?1";
    return query_runs(where + " ORDER BY id DESC LIMIT ?2", [&](Statement& s) {
      s.bind(1, connector_id).bind(2, int64_t{limit});
    });
  }

  Result<std::vector<SyncRun>> unfinished_runs(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_runs("WHERE connector_id = ?1 AND state IN ('planned','applying') ORDER BY id",
                      [&](Statement& s) { s.bind(1, connector_id); });
  }

  Result<std::vector<SyncLine>> list_lines(int64_t run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                std::string("SELECT ") + kLineColumns + " FROM sync_lines WHERE run_id = ?1 ORDER BY line_key");
    s.bind(1, run_id);
    return read_lines(s);
  }

  // ---- Approvals ----
  Status decide_lines(int64_t run_id, const std::vector<SyncLine>& lines) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      std::string ts = now();
      Statement s(db_,
                  "UPDATE sync_lines SET decision = ?3, decision_run_id = ?4, decision_note = ?5, decided_at = ?6 "
                  "WHERE run_id = ?1 AND line_key = ?2 AND decision = ''");
      for (const auto& l : lines) {
        s.reset();
        s.bind(1, run_id)
            .bind(2, l.key)
            .bind(3, std::string(to_text(l.decision)))
            .bind(4, l.decision_run_id)
            .bind(5, l.decision_note)
            .bind(6, ts);
        s.step();
        MB_RETURN_IF_ERROR(s.status());
        if (sqlite3_changes(db_) == 0)
          return Status::Conflict("line " + std::to_string(l.number) + " of run " + std::to_string(run_id) +
                                  " is already decided (or does not exist)");
      }
      return Status::Ok();
    });
  }

  Result<std::vector<PendingApproval>> pending_approvals(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                std::string("SELECT r.connector_id, r.id, r.started_at, ") + kLineColumnsOfL +
                    " FROM sync_lines l JOIN sync_runs r ON r.id = l.run_id "
                    "WHERE (?1 = '' OR r.connector_id = ?1) AND r.dry_run = 0 "
                    "AND r.state NOT IN ('planned','applying') AND l.action = 'hold' AND l.decision = '' "
                    "AND NOT EXISTS (SELECT 1 FROM sync_runs r2 JOIN sync_lines l2 ON l2.run_id = r2.id "
                    "AND l2.line_key = l.line_key WHERE r2.connector_id = r.connector_id AND r2.id > r.id "
                    "AND r2.dry_run = 0 AND r2.trigger <> 'approve') "
                    "ORDER BY r.connector_id, r.id, l.number");
    s.bind(1, connector_id);
    std::vector<PendingApproval> out;
    while (s.step()) {
      PendingApproval p;
      p.connector_id = s.text(0);
      p.run_id = s.integer(1);
      p.run_started_at = s.text(2);
      auto line = read_line(s, 3);
      if (!line) return line.status();
      p.line = std::move(*line);
      out.push_back(std::move(p));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // ---- Leases ----
  Result<std::optional<LeaseHolder>> acquire_lease(const std::string& connector_id, const LeaseHolder& holder,
                                                   int64_t ttl_ms, const std::string& replace_owner_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<LeaseHolder> kept;
    Status st = in_transaction([&]() -> Status {
      auto current = read_lease(connector_id);
      if (!current) return current.status();
      int64_t now_ms = clock_->now_ms();
      if (*current && (*current)->owner_id != holder.owner_id && (*current)->expires_at_ms > now_ms &&
          (replace_owner_id.empty() || (*current)->owner_id != replace_owner_id)) {
        kept = **current;
        return Status::Ok();
      }
      std::string ts = now();
      Statement s(db_,
                  "INSERT INTO connector_leases(connector_id, owner_id, host, pid, process_start, purpose, "
                  "acquired_at, heartbeat_at, expires_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) "
                  "ON CONFLICT(connector_id) DO UPDATE SET owner_id = excluded.owner_id, host = excluded.host, "
                  "pid = excluded.pid, process_start = excluded.process_start, purpose = excluded.purpose, "
                  "acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, "
                  "expires_at_ms = excluded.expires_at_ms");
      s.bind(1, connector_id).bind(2, holder.owner_id).bind(3, holder.host).bind(4, holder.pid)
          .bind(5, holder.process_start).bind(6, holder.purpose).bind(7, ts).bind(8, now_ms + ttl_ms);
      s.step();
      return s.status();
    });
    if (!st.ok()) return st;
    return kept;
  }

  Result<bool> renew_lease(const std::string& connector_id, const std::string& owner_id, int64_t ttl_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    // An expired lease is still renewed when nobody took it: nothing happened in between that
    // another owner could have done.
    Statement s(db_,
                "UPDATE connector_leases SET heartbeat_at = ?3, expires_at_ms = ?4 "
                "WHERE connector_id = ?1 AND owner_id = ?2");
    s.bind(1, connector_id).bind(2, owner_id).bind(3, now()).bind(4, clock_->now_ms() + ttl_ms);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return sqlite3_changes(db_) > 0;
  }

  Status release_lease(const std::string& connector_id, const std::string& owner_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM connector_leases WHERE connector_id = ?1 AND owner_id = ?2");
    s.bind(1, connector_id).bind(2, owner_id);
    s.step();
    return s.status();
  }

  Result<std::optional<LeaseHolder>> get_lease(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return read_lease(connector_id);
  }

  // ---- Jobs ----
  // One process writes a SQLite database at a time (BEGIN IMMEDIATE): a claim is a plain
  // select-then-update in one transaction.
  Result<bool> enqueue_job(const SyncJob& job) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO sync_jobs(connector_id, window_key, trigger, due_at_ms, created_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(connector_id, window_key) DO NOTHING");
    s.bind(1, job.connector_id)
        .bind(2, job.window_key)
        .bind(3, job.trigger)
        .bind(4, job.due_at_ms)
        .bind(5, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return sqlite3_changes(db_) > 0;
  }

  Result<std::optional<SyncJob>> claim_job(const std::string& worker_id,
                                           int64_t claim_ttl_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<SyncJob> claimed;
    Status st = in_transaction([&]() -> Status {
      int64_t now_ms = clock_->now_ms();
      Statement pick(
          db_,
          "SELECT j.id FROM sync_jobs j "
          "WHERE ((j.state = 'queued' AND j.due_at_ms <= ?1) "
          "   OR (j.state = 'running' AND j.claim_expires_ms <= ?1)) "
          "AND NOT EXISTS (SELECT 1 FROM sync_jobs r WHERE r.connector_id = j.connector_id "
          "  AND r.id <> j.id AND r.state = 'running' AND r.claim_expires_ms > ?1) "
          "ORDER BY j.due_at_ms, j.id LIMIT 1");
      pick.bind(1, now_ms);
      if (!pick.step()) return pick.status();
      int64_t id = pick.integer(0);
      Statement take(
          db_,
          "UPDATE sync_jobs SET state = 'running', worker_id = ?2, claim_expires_ms = ?3, "
          "attempts = attempts + 1 WHERE id = ?1");
      take.bind(1, id).bind(2, worker_id).bind(3, now_ms + claim_ttl_ms);
      take.step();
      MB_RETURN_IF_ERROR(take.status());
      auto job = read_job_row(id);
      if (!job) return job.status();
      claimed = std::move(*job);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return claimed;
  }

  Result<int64_t> renew_job_claims(const std::string& worker_id, int64_t claim_ttl_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(
        db_,
        "UPDATE sync_jobs SET claim_expires_ms = ?2 WHERE worker_id = ?1 AND state = 'running'");
    s.bind(1, worker_id).bind(2, clock_->now_ms() + claim_ttl_ms);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<bool> finish_job(int64_t job_id, const std::string& worker_id, JobState state,
                          int64_t run_id, const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE sync_jobs SET state = ?3, run_id = ?4, message = ?5, finished_at = ?6 "
                "WHERE id = ?1 AND worker_id = ?2 AND state = 'running'");
    s.bind(1, job_id)
        .bind(2, worker_id)
        .bind(3, to_text(state))
        .bind(4, run_id)
        .bind(5, message)
        .bind(6, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return sqlite3_changes(db_) > 0;
  }

  Result<bool> requeue_job(int64_t job_id, const std::string& worker_id, int64_t due_at_ms,
                           const std::string& message, bool counts_as_attempt) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE sync_jobs SET state = 'queued', due_at_ms = ?3, claim_expires_ms = 0, "
                "message = ?4, attempts = attempts - ?5 "
                "WHERE id = ?1 AND worker_id = ?2 AND state = 'running'");
    s.bind(1, job_id).bind(2, worker_id).bind(3, due_at_ms).bind(4, message);
    s.bind(5, int64_t{counts_as_attempt ? 0 : 1});
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return sqlite3_changes(db_) > 0;
  }

  Result<std::vector<SyncJob>> list_jobs(const std::string& connector_id, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + store_internal::kJobColumns +
                         " FROM sync_jobs WHERE (?1 = '' OR connector_id = ?1) "
                         "ORDER BY id DESC LIMIT ?2");
    s.bind(1, connector_id).bind(2, static_cast<int64_t>(limit));
    std::vector<SyncJob> out;
    while (s.step()) {
      auto job = store_internal::read_job(s);
      if (!job) return job.status();
      out.push_back(std::move(*job));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<int64_t> delete_finished_jobs(int64_t ended_before_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "DELETE FROM sync_jobs WHERE state IN ('done','failed') AND finished_at <> '' "
                "AND finished_at < ?1");
    s.bind(1, format_iso8601_utc(ended_before_ms));
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  // ---- Budgets ----
  // BEGIN IMMEDIATE serializes every writer of the database, so the read and the count below
  // see no other reservation in between.
  Result<BudgetReservation> reserve_budget(const std::string& budget_key, int64_t n, int64_t limit,
                                           int64_t window_ms, int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    BudgetReservation reservation;
    Status st = in_transaction([&]() -> Status {
      const int64_t first = store_internal::first_bucket_in_window(window_ms, now_ms);
      Statement expire(db_, "DELETE FROM budget_buckets WHERE budget_key = ?1 AND second < ?2");
      expire.bind(1, budget_key).bind(2, first);
      expire.step();
      MB_RETURN_IF_ERROR(expire.status());
      auto buckets = read_budget_buckets(budget_key, first);
      if (!buckets) return buckets.status();
      reservation = store_internal::judge_budget(*buckets, n, limit, window_ms, now_ms);
      if (!reservation.reserved) return Status::Ok();
      Statement count(db_,
                      "INSERT INTO budget_buckets(budget_key, second, requests) VALUES(?1, ?2, ?3) "
                      "ON CONFLICT(budget_key, second) DO UPDATE SET requests = requests + ?3");
      count.bind(1, budget_key).bind(2, store_internal::budget_bucket(now_ms)).bind(3, n);
      count.step();
      return count.status();
    });
    if (!st.ok()) return st;
    return reservation;
  }

  Result<int64_t> budget_used(const std::string& budget_key, int64_t window_ms,
                              int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto buckets =
        read_budget_buckets(budget_key, store_internal::first_bucket_in_window(window_ms, now_ms));
    if (!buckets) return buckets.status();
    int64_t used = 0;
    for (const auto& b : *buckets) used += b.second;
    return used;
  }

  // ---- Tenant slots ----
  // BEGIN IMMEDIATE serializes every writer of the database, so the count and the insert below
  // see no other node's slot in between.
  Result<bool> acquire_tenant_slot(const std::string& tenant_key, const std::string& worker_id,
                                   const std::string& connector_id, int64_t limit, int64_t now_ms,
                                   int64_t ttl_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    bool taken = false;
    Status st = in_transaction([&]() -> Status {
      Statement expire(db_, "DELETE FROM tenant_slots WHERE tenant_key = ?1 AND expires_ms <= ?2");
      expire.bind(1, tenant_key).bind(2, now_ms);
      expire.step();
      MB_RETURN_IF_ERROR(expire.status());
      Statement renew(db_,
                      "UPDATE tenant_slots SET expires_ms = ?4 "
                      "WHERE tenant_key = ?1 AND worker_id = ?2 AND connector_id = ?3");
      renew.bind(1, tenant_key).bind(2, worker_id).bind(3, connector_id).bind(4, now_ms + ttl_ms);
      renew.step();
      MB_RETURN_IF_ERROR(renew.status());
      if (sqlite3_changes(db_) > 0) {
        taken = true;
        return Status::Ok();
      }
      Statement count(db_, "SELECT COUNT(*) FROM tenant_slots WHERE tenant_key = ?1");
      count.bind(1, tenant_key);
      count.step();
      MB_RETURN_IF_ERROR(count.status());
      if (count.integer(0) >= limit) return Status::Ok();
      Statement insert(db_,
                       "INSERT INTO tenant_slots(tenant_key, worker_id, connector_id, expires_ms) "
                       "VALUES(?1, ?2, ?3, ?4)");
      insert.bind(1, tenant_key).bind(2, worker_id).bind(3, connector_id).bind(4, now_ms + ttl_ms);
      insert.step();
      taken = insert.status().ok();
      return insert.status();
    });
    if (!st.ok()) return st;
    return taken;
  }

  Result<int64_t> renew_tenant_slots(const std::string& worker_id, int64_t now_ms,
                                     int64_t ttl_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "UPDATE tenant_slots SET expires_ms = ?2 WHERE worker_id = ?1 AND expires_ms > ?3");
    s.bind(1, worker_id).bind(2, now_ms + ttl_ms).bind(3, now_ms);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status release_tenant_slot(const std::string& tenant_key, const std::string& worker_id,
                             const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "DELETE FROM tenant_slots "
                "WHERE tenant_key = ?1 AND worker_id = ?2 AND connector_id = ?3");
    s.bind(1, tenant_key).bind(2, worker_id).bind(3, connector_id);
    s.step();
    return s.status();
  }

  Result<int64_t> tenant_slots_held(const std::string& tenant_key, int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "SELECT COUNT(*) FROM tenant_slots WHERE tenant_key = ?1 AND expires_ms > ?2");
    s.bind(1, tenant_key).bind(2, now_ms);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    return s.integer(0);
  }

  Result<std::vector<std::string>> tenant_slot_holders(const std::string& tenant_key,
                                                       int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT connector_id FROM tenant_slots WHERE tenant_key = ?1 AND expires_ms > ?2 "
                "ORDER BY connector_id");
    s.bind(1, tenant_key).bind(2, now_ms);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // ---- Write journal ----
  Result<std::vector<int64_t>> record_write_intents(const std::vector<WriteIntent>& intents) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t> ids;
    Status st = in_transaction([&]() -> Status {
      int64_t now_ms = clock_->now_ms();
      std::string ts = format_iso8601_utc(now_ms);
      Statement s(db_,
                  "INSERT INTO write_intents(connector_id, run_id, line_key, account_id, psa_service_id, ref, "
                  "units_before, target, effective_date, created_at_ms, created_at) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      for (const auto& i : intents) {
        s.reset();
        s.bind(1, i.connector_id).bind(2, i.run_id).bind(3, i.line_key).bind(4, i.account_id)
            .bind(5, i.psa_service_id).bind(6, i.ref_json).bind(7, i.units_before).bind(8, i.target)
            .bind(9, i.effective_date).bind(10, now_ms).bind(11, ts);
        s.step();
        MB_RETURN_IF_ERROR(s.status());
        ids.push_back(sqlite3_last_insert_rowid(db_));
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return ids;
  }

  Result<std::vector<WriteIntent>> open_write_intents(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + kWriteIntentColumns +
                         " FROM write_intents WHERE connector_id = ?1 AND state = 'open' ORDER BY id");
    s.bind(1, connector_id);
    std::vector<WriteIntent> out;
    while (s.step()) {
      auto i = store_internal::read_write_intent(s);
      if (!i) return i.status();
      out.push_back(std::move(*i));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status resolve_write_intents(const std::vector<WriteIntent>& resolved) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      std::string ts = now();
      Statement s(db_,
                  "UPDATE write_intents SET state = ?2, resolution = ?3, resolved_run_id = ?4, resolved_at = ?5 "
                  "WHERE id = ?1 AND state = 'open'");
      for (const auto& i : resolved) {
        s.reset();
        s.bind(1, i.id)
            .bind(2, std::string(to_text(i.state)))
            .bind(3, i.resolution)
            .bind(4, i.resolved_run_id)
            .bind(5, ts);
        s.step();
        MB_RETURN_IF_ERROR(s.status());
      }
      return Status::Ok();
    });
  }

  // ---- Console users and sessions ----
  Status create_user(const UserRecord& user) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO users(name, role, partner_id, password_hash, created_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING");
    s.bind(1, user.name).bind(2, user.role).bind(3, user.partner_id).bind(4, user.password_hash);
    s.bind(5, now());
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0) return Status::Conflict("user '" + user.name + "' exists");
    return Status::Ok();
  }

  Result<std::vector<UserRecord>> list_users() override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_users("ORDER BY name", std::nullopt);
  }

  Result<std::optional<UserRecord>> get_user(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto rows = query_users("WHERE name = ?1", name);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<UserRecord>();
    return std::optional<UserRecord>(rows->front());
  }

  Status set_user_password(const std::string& name, const std::string& password_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      Statement s(db_, "UPDATE users SET password_hash = ?2 WHERE name = ?1");
      s.bind(1, name).bind(2, password_hash);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
      if (sqlite3_changes(db_) == 0) return Status::NotFound("no user '" + name + "'");
      return delete_sessions_of(name);
    });
  }

  Status delete_user(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() -> Status {
      MB_RETURN_IF_ERROR(delete_sessions_of(name));
      Statement s(db_, "DELETE FROM users WHERE name = ?1");
      s.bind(1, name);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
      if (sqlite3_changes(db_) == 0) return Status::NotFound("no user '" + name + "'");
      return Status::Ok();
    });
  }

  Status create_session(const SessionRecord& session) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO sessions(id_hash, user_name, csrf_token, created_at_ms, last_seen_ms) "
                "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE name = ?2)");
    s.bind(1, session.id_hash).bind(2, session.user_name).bind(3, session.csrf_token);
    s.bind(4, session.created_at_ms).bind(5, session.last_seen_ms);
    s.step();
    MB_RETURN_IF_ERROR(s.status());
    if (sqlite3_changes(db_) == 0) return Status::NotFound("no user '" + session.user_name + "'");
    return Status::Ok();
  }

  Result<std::optional<SessionRecord>> get_session(const std::string& id_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "SELECT id_hash, user_name, csrf_token, created_at_ms, last_seen_ms FROM sessions "
                "WHERE id_hash = ?1");
    s.bind(1, id_hash);
    if (!s.step()) {
      MB_RETURN_IF_ERROR(s.status());
      return std::optional<SessionRecord>();
    }
    return std::optional<SessionRecord>(
        SessionRecord{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
  }

  Status touch_session(const std::string& id_hash, int64_t last_seen_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "UPDATE sessions SET last_seen_ms = ?2 WHERE id_hash = ?1");
    s.bind(1, id_hash).bind(2, last_seen_ms);
    s.step();
    return s.status();
  }

  Status delete_session(const std::string& id_hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM sessions WHERE id_hash = ?1");
    s.bind(1, id_hash);
    s.step();
    return s.status();
  }

  Status delete_expired_sessions(int64_t idle_before_ms, int64_t created_before_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, "DELETE FROM sessions WHERE last_seen_ms < ?1 OR created_at_ms < ?2");
    s.bind(1, idle_before_ms).bind(2, created_before_ms);
    s.step();
    return s.status();
  }

  // ---- Streaming a run ----
  Result<std::optional<UsageSnapshot>> latest_snapshot_header() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(
        db_,
        "SELECT id, as_of, imported_at, source FROM usage_snapshots ORDER BY as_of DESC, id "
        "DESC LIMIT 1");
    return read_snapshot(s, /*with_counts=*/false);
  }

  Result<std::vector<UsageCount>> list_usage_counts(int64_t snapshot_id,
                                                    const std::string& after_workspace_id,
                                                    size_t max_workspaces) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Both reads walk the primary key (snapshot_id, workspace_id, service_id).
    Statement last(db_,
                   "SELECT MAX(workspace_id) FROM (SELECT DISTINCT workspace_id FROM usage_counts "
                   "WHERE snapshot_id = ?1 AND workspace_id > ?2 ORDER BY workspace_id LIMIT ?3)");
    last.bind(1, snapshot_id)
        .bind(2, after_workspace_id)
        .bind(3, static_cast<int64_t>(max_workspaces));
    std::vector<UsageCount> out;
    if (!last.step() || !last.optional_text(0)) {
      MB_RETURN_IF_ERROR(last.status());
      return out;
    }
    std::string through = last.text(0);
    Statement c(
        db_,
        "SELECT workspace_id, service_id, users, devices FROM usage_counts WHERE snapshot_id = ?1 "
        "AND workspace_id > ?2 AND workspace_id <= ?3 ORDER BY workspace_id, service_id");
    c.bind(1, snapshot_id).bind(2, after_workspace_id).bind(3, through);
    while (c.step()) out.push_back({c.text(0), c.text(1), c.integer(2), c.integer(3)});
    MB_RETURN_IF_ERROR(c.status());
    return out;
  }

  Status add_lines(int64_t run_id, const std::vector<SyncLine>& lines) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction([&]() { return write_lines(run_id, lines, /*insert=*/true); });
  }

  Result<std::vector<SyncLine>> scan_lines(int64_t run_id, const std::string& after_key,
                                           size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + kLineColumns +
                         " FROM sync_lines WHERE run_id = ?1 AND line_key > ?2 ORDER BY line_key "
                         "LIMIT ?3");
    s.bind(1, run_id).bind(2, after_key).bind(3, static_cast<int64_t>(limit));
    return read_lines(s);
  }

  Result<std::vector<SyncLine>> list_lines_page(int64_t run_id, int64_t after_number, size_t limit,
                                                bool skip_unchanged) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + kLineColumns +
                         " FROM sync_lines WHERE run_id = ?1 AND number > ?2 AND (?4 = 0 OR "
                         "outcome <> 'unchanged') ORDER BY number LIMIT ?3");
    s.bind(1, run_id)
        .bind(2, after_number)
        .bind(3, static_cast<int64_t>(limit))
        .bind(4, int64_t{skip_unchanged ? 1 : 0});
    return read_lines(s);
  }

  Result<std::map<std::pair<std::string, std::string>, int64_t>> list_pushed_of(
      const std::string& connector_id,
      const std::vector<std::pair<std::string, std::string>>& pairs) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(
        db_,
        "SELECT quantity FROM pushed_quantities WHERE connector_id = ?1 AND account_id = ?2 "
        "AND psa_service_id = ?3");
    std::map<std::pair<std::string, std::string>, int64_t> out;
    for (const auto& pair : pairs) {
      s.reset();
      s.bind(1, connector_id).bind(2, pair.first).bind(3, pair.second);
      if (s.step()) out[pair] = s.integer(0);
      MB_RETURN_IF_ERROR(s.status());
    }
    return out;
  }

  // ---- Alerts ----
  Result<std::vector<AlertRecorded>> record_alerts(const std::vector<Alert>& alerts,
                                                   const std::string& source) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<AlertRecorded> recorded;
    Status written = in_transaction([&]() -> Status {
      std::string ts = now();
      auto read_stored = [&](const std::string& id) -> Result<std::optional<Alert>> {
        auto rows = query_alerts("WHERE id = ?1", id, 0);
        if (!rows) return rows.status();
        return rows->empty() ? std::optional<Alert>() : std::optional<Alert>(rows->front());
      };
      auto done = store_internal::record_alerts_with(
          alerts, read_stored, [&](const Alert& alert, int64_t version) {
            return write_alert(alert, version, ts, source);
          });
      if (!done) return done.status();
      recorded = std::move(*done);
      return Status::Ok();
    });
    if (!written.ok()) return written;
    return recorded;
  }

  Result<std::optional<Alert>> get_alert(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto rows = query_alerts("WHERE id = ?1", id, 0);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<Alert>();
    return std::optional<Alert>(rows->front());
  }

  Result<std::vector<Alert>> list_alerts(const std::string& after_id, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_alerts("WHERE id > ?1 ORDER BY id LIMIT ?2", after_id,
                        static_cast<int64_t>(limit));
  }

  Result<std::vector<AlertChange>> list_alert_changes(const std::string& alert_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + store_internal::kAlertChangeColumns +
                         " FROM alert_changes WHERE alert_id = ?1 ORDER BY version");
    s.bind(1, alert_id);
    std::vector<AlertChange> out;
    while (s.step()) {
      auto change = store_internal::read_alert_change(s);
      if (!change) return change.status();
      out.push_back(std::move(*change));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::optional<AlertTicket>> get_alert_ticket(const std::string& connector_id,
                                                      const std::string& alert_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto rows =
        query_alert_tickets("WHERE connector_id = ?1 AND alert_id = ?2", connector_id, alert_id);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<AlertTicket>();
    return std::optional<AlertTicket>(rows->front());
  }

  Result<std::vector<AlertTicket>> list_alert_tickets(const std::string& connector_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_alert_tickets("WHERE connector_id = ?1 ORDER BY alert_id", connector_id, "");
  }

  Status put_alert_ticket(const AlertTicket& t) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_,
                "INSERT INTO alert_tickets(connector_id, alert_id, state, ticket_id, reason, "
                "alert_version, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT(connector_id, alert_id) DO UPDATE SET state = excluded.state, "
                "ticket_id = excluded.ticket_id, reason = excluded.reason, "
                "alert_version = excluded.alert_version, updated_at = excluded.updated_at");
    s.bind(1, t.connector_id)
        .bind(2, t.alert_id)
        .bind(3, to_text(t.state))
        .bind(4, t.ticket_id)
        .bind(5, t.reason)
        .bind(6, t.alert_version)
        .bind(7, now());
    s.step();
    return s.status();
  }

  Result<int64_t> record_alert_run(const AlertRun& run) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t run_id = 0;
    Status st = in_transaction([&]() -> Status {
      Statement s(db_,
                  "INSERT INTO alert_runs(connector_id, trigger, started_at, finished_at) "
                  "VALUES(?1, ?2, ?3, ?4)");
      s.bind(1, run.connector_id)
          .bind(2, run.trigger)
          .bind(3, run.started_at.empty() ? now() : run.started_at)
          .bind(4, run.finished_at.empty() ? now() : run.finished_at);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
      run_id = sqlite3_last_insert_rowid(db_);
      Statement line(db_,
                     "INSERT INTO alert_run_lines(run_id, number, alert_id, outcome, ticket_id, "
                     "message) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
      int64_t number = 0;
      for (const AlertRunLine& l : run.lines) {
        line.reset();
        line.bind(1, run_id)
            .bind(2, ++number)
            .bind(3, l.alert_id)
            .bind(4, l.outcome)
            .bind(5, l.ticket_id)
            .bind(6, l.message);
        line.step();
        MB_RETURN_IF_ERROR(line.status());
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return run_id;
  }

  Result<std::vector<AlertRun>> list_alert_runs(const std::string& connector_id,
                                                int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(db_, std::string("SELECT ") + store_internal::kAlertRunColumns +
                         " FROM alert_runs WHERE connector_id = ?1 ORDER BY id DESC LIMIT ?2");
    s.bind(1, connector_id).bind(2, static_cast<int64_t>(limit));
    std::vector<AlertRun> runs;
    while (s.step()) runs.push_back(store_internal::read_alert_run(s));
    MB_RETURN_IF_ERROR(s.status());
    for (AlertRun& run : runs) {
      Statement lines(db_, std::string("SELECT ") + store_internal::kAlertRunLineColumns +
                               " FROM alert_run_lines WHERE run_id = ?1 ORDER BY number");
      lines.bind(1, run.id);
      while (lines.step()) store_internal::add_alert_run_line(lines, run);
      MB_RETURN_IF_ERROR(lines.status());
    }
    return runs;
  }

 private:
  std::string now() const { return format_iso8601_utc(clock_->now_ms()); }

  Result<std::vector<AlertTicket>> query_alert_tickets(const std::string& tail,
                                                       const std::string& first,
                                                       const std::string& second) {
    Statement s(db_, std::string("SELECT ") + store_internal::kAlertTicketColumns +
                         " FROM alert_tickets " + tail);
    s.bind(1, first);
    if (tail.find("?2") != std::string::npos) s.bind(2, second);
    std::vector<AlertTicket> out;
    while (s.step()) {
      auto ticket = store_internal::read_alert_ticket(s);
      if (!ticket) return ticket.status();
      out.push_back(std::move(*ticket));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // The alerts `tail` selects, with ?1 bound to `text` and ?2 to `number` (when it is used).
  Result<std::vector<Alert>> query_alerts(const std::string& tail, const std::string& text,
                                          int64_t number) {
    Statement s(db_,
                std::string("SELECT ") + store_internal::kAlertColumns + " FROM alerts " + tail);
    s.bind(1, text);
    if (tail.find("?2") != std::string::npos) s.bind(2, number);
    std::vector<Alert> out;
    while (s.step()) {
      auto alert = store_internal::read_alert(s);
      if (!alert) return alert.status();
      out.push_back(std::move(*alert));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // Stores `alert` as change `version` (1: a new alert) and adds the change to its history.
  Status write_alert(const Alert& alert, int64_t version, const std::string& ts,
                     const std::string& source) {
    Statement upsert(
        db_,
        "INSERT INTO alerts(id, workspace_id, title, description, severity, status, alert_time, "
        "device, service_id, version, first_received_at, received_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) ON CONFLICT(id) DO UPDATE SET "
        "workspace_id = excluded.workspace_id, title = excluded.title, "
        "description = excluded.description, severity = excluded.severity, "
        "status = excluded.status, alert_time = excluded.alert_time, device = excluded.device, "
        "service_id = excluded.service_id, version = excluded.version, "
        "received_at = excluded.received_at");
    bind_alert(upsert, alert).bind(10, version).bind(11, ts);
    upsert.step();
    MB_RETURN_IF_ERROR(upsert.status());
    Statement change(
        db_,
        "INSERT INTO alert_changes(alert_id, workspace_id, title, description, severity, status, "
        "alert_time, device, service_id, version, received_at, source) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    bind_alert(change, alert).bind(10, version).bind(11, ts).bind(12, source);
    change.step();
    return change.status();
  }

  // Binds the alert's document fields to ?1..?9, in kAlertColumns' order.
  static Statement& bind_alert(Statement& s, const Alert& a) {
    return s.bind(1, a.id)
        .bind(2, a.workspace_id)
        .bind(3, a.title)
        .bind(4, a.description)
        .bind(5, to_text(a.severity))
        .bind(6, to_text(a.status))
        .bind(7, a.time)
        .bind(8, a.device)
        .bind(9, a.service_id);
  }

  // Every line `s` selects (kLineColumns).
  static Result<std::vector<SyncLine>> read_lines(Statement& s) {
    std::vector<SyncLine> out;
    while (s.step()) {
      auto line = read_line(s, 0);
      if (!line) return line.status();
      out.push_back(std::move(*line));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  // The snapshot `s` selects (id, as_of, imported_at, source), with its counts unless told not.
  Result<std::optional<UsageSnapshot>> read_snapshot(Statement& s, bool with_counts = true) {
    if (!s.step()) {
      MB_RETURN_IF_ERROR(s.status());
      return std::optional<UsageSnapshot>();
    }
    UsageSnapshot snap;
    snap.id = s.integer(0);
    snap.as_of = s.text(1);
    snap.imported_at = s.text(2);
    snap.source = s.text(3);
    if (!with_counts) return std::optional<UsageSnapshot>(std::move(snap));
    Statement c(db_,
                "SELECT workspace_id, service_id, users, devices FROM usage_counts WHERE snapshot_id = ?1 "
                "ORDER BY workspace_id, service_id");
    c.bind(1, snap.id);
    while (c.step()) snap.counts.push_back({c.text(0), c.text(1), c.integer(2), c.integer(3)});
    MB_RETURN_IF_ERROR(c.status());
    return std::optional<UsageSnapshot>(std::move(snap));
  }

  Result<SyncJob> read_job_row(int64_t job_id) {
    Statement s(db_, std::string("SELECT ") + store_internal::kJobColumns +
                         " FROM sync_jobs WHERE id = ?1");
    s.bind(1, job_id);
    if (!s.step()) {
      MB_RETURN_IF_ERROR(s.status());
      return Status::NotFound("no job " + std::to_string(job_id));
    }
    return store_internal::read_job(s);
  }

  // The key's buckets from `first` on, oldest first.
  Result<std::vector<std::pair<int64_t, int64_t>>> read_budget_buckets(
      const std::string& budget_key, int64_t first) {
    Statement s(db_,
                "SELECT second, requests FROM budget_buckets WHERE budget_key = ?1 AND "
                "second >= ?2 ORDER BY second");
    s.bind(1, budget_key).bind(2, first);
    std::vector<std::pair<int64_t, int64_t>> out;
    while (s.step()) out.emplace_back(s.integer(0), s.integer(1));
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Result<std::optional<LeaseHolder>> read_lease(const std::string& connector_id) {
    Statement s(db_, std::string("SELECT ") + kLeaseColumns +
                         " FROM connector_leases WHERE connector_id = ?1");
    s.bind(1, connector_id);
    if (!s.step()) {
      MB_RETURN_IF_ERROR(s.status());
      return std::optional<LeaseHolder>();
    }
    return std::optional<LeaseHolder>(store_internal::read_lease(s));
  }

  // The key is loaded (or created) on first use, so commands that never touch credentials
  // never create a key file.
  Result<const SecretBox*> secret_box() {
    if (!box_) {
      auto box = SecretBox::from_environment_or_file(key_file_);
      if (!box) return box.status();
      box_.emplace(std::move(*box));
    }
    return &*box_;
  }

  template <typename Body>
  Status in_transaction(Body&& body) {
    MB_RETURN_IF_ERROR(exec(db_, "BEGIN IMMEDIATE"));
    Status s = body();
    if (!s.ok()) {
      (void)exec(db_, "ROLLBACK");
      return s;
    }
    return exec(db_, "COMMIT");
  }

  Status write_account_mapping(const std::string& connector_id, const AccountMapping& m) {
    if (m.account_id) {
      Statement other(db_,
                      "SELECT workspace_id FROM account_mappings WHERE connector_id = ?1 AND account_id = ?2 "
                      "AND workspace_id <> ?3");
      other.bind(1, connector_id).bind(2, *m.account_id).bind(3, m.workspace_id);
      if (other.step())
        return Status::Conflict("PSA account '" + *m.account_id + "' is already mapped to workspace '" +
                                other.text(0) + "'");
      MB_RETURN_IF_ERROR(other.status());
    }
    Statement s(db_,
                "INSERT INTO account_mappings(connector_id, workspace_id, account_id, source, excluded, "
                "account_name, drift, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT(connector_id, workspace_id) DO UPDATE SET account_id = excluded.account_id, "
                "source = excluded.source, excluded = excluded.excluded, account_name = excluded.account_name, "
                "drift = excluded.drift, updated_at = excluded.updated_at");
    s.bind(1, connector_id)
        .bind(2, m.workspace_id)
        .bind(3, m.account_id)
        .bind(4, std::string(to_text(m.source)))
        .bind(5, int64_t{m.excluded ? 1 : 0})
        .bind(6, m.account_name)
        .bind(7, std::string(to_text(m.drift)))
        .bind(8, now());
    s.step();
    Status st = s.status();
    if (st.code() == ErrorClass::kConflict && st.message().find("FOREIGN KEY") != std::string::npos)
      return Status::NotFound("unknown workspace '" + m.workspace_id + "' or connector '" + connector_id + "'");
    return st;
  }

  Status write_lines(int64_t run_id, const std::vector<SyncLine>& lines, bool insert) {
    const char* sql =
        insert ? "INSERT INTO sync_lines(run_id, line_key, workspace_id, service_id, account_id, psa_service_id, "
                 "metric, target, current, delta, action, outcome, error_class, message, line_ref, number) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
               : "UPDATE sync_lines SET workspace_id = ?3, service_id = ?4, account_id = ?5, psa_service_id = ?6, "
                 "metric = ?7, target = ?8, current = ?9, delta = ?10, action = ?11, outcome = ?12, "
                 "error_class = ?13, message = ?14, line_ref = ?15 WHERE run_id = ?1 AND line_key = ?2";
    Statement s(db_, sql);
    int64_t position = 0;
    for (const auto& l : lines) {
      ++position;
      s.reset();
      if (insert) s.bind(16, l.number > 0 ? l.number : position);
      s.bind(1, run_id)
          .bind(2, l.key)
          .bind(3, l.workspace_id)
          .bind(4, l.service_id)
          .bind(5, l.account_id)
          .bind(6, l.psa_service_id)
          .bind(7, l.metric)
          .bind(8, l.target)
          .bind(9, l.current)
          .bind(10, l.delta)
          .bind(11, std::string(to_text(l.action)))
          .bind(12, l.outcome)
          .bind(13, l.error_class)
          .bind(14, l.message)
          .bind(15, l.line_ref_json);
      s.step();
      MB_RETURN_IF_ERROR(s.status());
    }
    return Status::Ok();
  }

  Result<std::vector<ConnectorRecord>> query_connectors(const std::string& tail,
                                                        const std::optional<std::string>& id) {
    Statement s(db_, std::string("SELECT ") + kConnectorColumns + " FROM connectors " + tail);
    if (id) s.bind(1, *id);
    std::vector<ConnectorRecord> out;
    while (s.step()) {
      auto c = store_internal::read_connector(s);
      if (!c) return c.status();
      out.push_back(std::move(*c));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  Status delete_sessions_of(const std::string& user_name) {
    Statement s(db_, "DELETE FROM sessions WHERE user_name = ?1");
    s.bind(1, user_name);
    s.step();
    return s.status();
  }

  Result<std::vector<UserRecord>> query_users(const std::string& tail,
                                              const std::optional<std::string>& name) {
    Statement s(db_, "SELECT name, role, partner_id, password_hash, created_at FROM users " + tail);
    if (name) s.bind(1, *name);
    std::vector<UserRecord> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  template <typename Binder>
  Result<std::vector<SyncRun>> query_runs(const std::string& tail, Binder&& bind) {
    Statement s(db_, std::string("SELECT ") + kRunColumns + " FROM sync_runs " + tail);
    bind(s);
    std::vector<SyncRun> out;
    while (s.step()) {
      auto r = store_internal::read_run(s);
      if (!r) return r.status();
      out.push_back(std::move(*r));
    }
    MB_RETURN_IF_ERROR(s.status());
    return out;
  }

  std::mutex mu_;
  sqlite3* db_;
  std::filesystem::path key_file_;
  std::optional<SecretBox> box_;
  const Clock* clock_;
};

}  // namespace

int store_schema_version() { return kSchemaVersion; }

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options) {
  std::error_code ec;
  bool in_memory = options.path == ":memory:";
  if (!in_memory && options.path.has_parent_path())
    std::filesystem::create_directories(options.path.parent_path(), ec);
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Status::Fatal("cannot open state database " + options.path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  if (!in_memory) ::chmod(options.path.c_str(), 0600);  // state is private to its owner
  auto store = std::make_unique<SqliteStore>(db, options.key_file, options.clock);
  // synchronous = FULL: a committed transaction survives a power loss, not only a crash. The
  // write journal depends on it: an intent must be on disk before its write is sent.
  const char* pragmas = in_memory ? "PRAGMA foreign_keys = ON;"
                                  : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                                    "PRAGMA foreign_keys = ON;";
  MB_RETURN_IF_ERROR(exec(db, pragmas));
  if (options.migrate_to_version < 0 || options.migrate_to_version > kSchemaVersion)
    return Status::Fatal("no schema version " + std::to_string(options.migrate_to_version));
  MB_RETURN_IF_ERROR(store->migrate(options.migrate_to_version == 0 ? kSchemaVersion
                                                                    : options.migrate_to_version));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mb
