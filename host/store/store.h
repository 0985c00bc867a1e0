// Store: meterbridge's state (connectors, usage, PSA caches, mappings, runs) behind one
// interface (ARCHITECTURE §7). SQLite in WAL mode is the embedded implementation; PostgreSQL
// (postgres_store.h) backs deployments of many nodes, without the plugins or the sync engine
// knowing which one runs: every multi-row change is one method, hence one transaction. A method
// added here is implemented by both, and tested by the shared suite (store_test.cc).
//
//   auto store = open_sqlite_store({.path = "state.db", .key_file = "secret.key"});
//   (*store)->upsert_connector({.id = "acme", .plugin_id = "examplepsa"});
//   (*store)->put_credentials("acme", R"({"secret":"..."})");   // encrypted at rest
//
// Thread-safe: calls are serialized inside the implementation.
#ifndef METERBRIDGE_HOST_STORE_STORE_H_
#define METERBRIDGE_HOST_STORE_STORE_H_

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

// A usage import in progress: one open transaction that rows are added to as they are read, so
// an import of millions of counts never holds them in memory. Nothing is visible to anyone
// until commit(); destroying the object without committing rolls everything back. While it is
// open, other calls on the same store wait (the store serializes its calls).
class UsageImportTransaction {
 public:
  virtual ~UsageImportTransaction() = default;
  virtual Status add_workspace(const Workspace& workspace) = 0;  // upsert
  virtual Status add_service(const VendorService& service) = 0;  // upsert
  // kConflict when the snapshot already holds a count for the workspace × service pair.
  virtual Status add_count(const UsageCount& count) = 0;
  // Whether the store holds the workspace (from an earlier import, or this one): a count may
  // name a workspace its document does not declare again. Asked per id, so an import never
  // loads every workspace.
  virtual Result<bool> has_workspace(const std::string& id) = 0;
  // Sets the snapshot's as_of and commits; returns the snapshot id.
  virtual Result<int64_t> commit(const std::string& as_of) = 0;
};

// How an imported snapshot compares with the one before it (the newest other snapshot whose
// as_of is not after its own), computed in the store without loading either snapshot's counts.
struct UsageImportComparison {
  size_t counts = 0;
  size_t workspaces_with_data = 0;
  int64_t previous_snapshot_id = 0;  // 0 when there is none
  std::string previous_as_of;
  size_t omitted_pairs = 0;  // pairs of the previous snapshot missing for a workspace that has data
  size_t absent_workspaces = 0;  // workspaces with data before and none now
  int64_t latest_snapshot_id = 0;
  std::string latest_as_of;
};

// A quantity written to the platform for one (account, PSA service) pair.
struct PushedQuantity {
  std::string account_id;
  std::string psa_service_id;
  int64_t quantity = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- Connectors and credentials ----
  // Inserts a connector (status "new") or updates its plugin and partner.
  virtual Status upsert_connector(const ConnectorRecord& connector) = 0;
  virtual Result<std::vector<ConnectorRecord>> list_connectors() = 0;
  virtual Result<std::optional<ConnectorRecord>> get_connector(const std::string& id) = 0;
  virtual Status set_connector_status(const std::string& id, ConnectorStatus status,
                                      const std::string& message) = 0;
  // Credentials are a JSON document of the connector's secret fields, sealed at rest.
  virtual Status put_credentials(const std::string& id, const std::string& credentials_json) = 0;
  virtual Result<std::optional<std::string>> get_credentials(const std::string& id) = 0;
  // Deletes the connector's credentials, every mapping, its PSA caches, links and push records
  // in one transaction, and marks it "disconnected". Run history stays.
  virtual Status disconnect_connector(const std::string& id) = 0;

  // ---- Vendor usage ----
  // Upserts workspaces and services and records a snapshot, all in one transaction.
  virtual Result<int64_t> import_usage(const std::vector<Workspace>& workspaces,
                                       const std::vector<VendorService>& services,
                                       const UsageSnapshot& snapshot) = 0;
  // The same, streamed: rows are written as they come, in one transaction (see above).
  virtual Result<std::unique_ptr<UsageImportTransaction>> begin_usage_import(
      const std::string& source) = 0;
  virtual Result<UsageImportComparison> compare_usage_snapshot(int64_t snapshot_id) = 0;
  virtual Result<std::vector<Workspace>> list_workspaces() = 0;
  // Only one partner's workspaces (`partner_id`, "" for every partner's) and, with
  // `ended_only`, only the ended ones: what a run keeps, without reading every workspace.
  virtual Result<std::vector<Workspace>> list_workspaces_of(const std::string& partner_id,
                                                            bool ended_only) = 0;
  // The names of just these workspaces (id -> name; ids the store does not know are left out):
  // what a report needs for the few hundred lines it shows, where list_workspaces would load a
  // million.
  virtual Result<std::map<std::string, std::string>> workspace_names(
      const std::vector<std::string>& ids) = 0;
  virtual Result<std::vector<VendorService>> list_services() = 0;
  // The snapshot with the newest as_of (the last imported among equals) with its counts, or
  // nullopt when none was imported. Importing an older export does not make it the latest.
  virtual Result<std::optional<UsageSnapshot>> latest_snapshot() = 0;
  // The newest snapshot whose as_of is not after `as_of`: the one a new import is compared
  // with. nullopt when there is none.
  virtual Result<std::optional<UsageSnapshot>> snapshot_preceding(const std::string& as_of) = 0;

  // ---- PSA caches ----
  // Refreshing the cached accounts a page at a time, so a platform's whole account list is
  // never held in memory: `begin_psa_account_fetch` numbers the fetch, `put_fetched_psa_accounts`
  // upserts one page under that number (each page its own transaction), and
  // `end_psa_account_fetch` marks the accounts no fetch since this one listed as missing: they
  // keep their row with missing_since set, so mappings to them are flagged, not silently
  // dropped. A fetch that fails before its end marks nothing. Exclusions are kept.
  virtual Result<int64_t> begin_psa_account_fetch(const std::string& connector_id) = 0;
  virtual Status put_fetched_psa_accounts(const std::string& connector_id, int64_t fetch,
                                          const std::vector<PsaAccount>& accounts) = 0;
  virtual Status end_psa_account_fetch(const std::string& connector_id, int64_t fetch) = 0;
  // A whole fetch at once: begin, one page, end.
  Status replace_psa_accounts(const std::string& connector_id,
                              const std::vector<PsaAccount>& accounts) {
    auto fetch = begin_psa_account_fetch(connector_id);
    if (!fetch) return fetch.status();
    if (Status put = put_fetched_psa_accounts(connector_id, *fetch, accounts); !put.ok())
      return put;
    return end_psa_account_fetch(connector_id, *fetch);
  }
  virtual Result<std::vector<PsaAccount>> list_psa_accounts(const std::string& connector_id) = 0;
  // How many accounts of a connector are cached (missing ones too) and when the oldest one
  // still on the platform was fetched ("" when none is): whether the cache is due a refresh,
  // answered without reading every account.
  struct PsaAccountCacheAge {
    int64_t accounts = 0;
    std::string oldest_fetched_at;
  };
  virtual Result<PsaAccountCacheAge> psa_account_cache_age(const std::string& connector_id) = 0;
  // Flags each of a connector's mappings (but those meterbridge provisioned) whose cached
  // account is missing, inactive, or renamed since it was mapped, and clears flags that no
  // longer hold, in the store itself (no mapping or account is read out). Returns how many
  // mappings changed.
  virtual Result<size_t> update_account_mapping_drift(const std::string& connector_id) = 0;
  // The names of just these PSA accounts of a connector (id -> name): the cached account's, or
  // for an account meterbridge created itself (never in the cache) the name recorded on its
  // mapping. Ids with neither are left out.
  virtual Result<std::map<std::string, std::string>> psa_account_names(
      const std::string& connector_id, const std::vector<std::string>& ids) = 0;
  virtual Status set_psa_account_excluded(const std::string& connector_id,
                                          const std::string& account_id, bool excluded) = 0;
  virtual Status replace_psa_services(const std::string& connector_id,
                                      const std::vector<PsaService>& services) = 0;
  virtual Result<std::vector<PsaService>> list_psa_services(const std::string& connector_id) = 0;

  // ---- Mappings (one-to-one per connector, enforced here) ----
  virtual Result<std::vector<AccountMapping>> list_account_mappings(const std::string& connector_id) = 0;
  // At most `limit` of a connector's mappings, in workspace id order, after `after_workspace_id`
  // ("" from the first): what a run keeps per workspace is read a page at a time.
  virtual Result<std::vector<AccountMapping>> list_account_mappings_page(
      const std::string& connector_id, const std::string& after_workspace_id, size_t limit) = 0;
  virtual Result<int64_t> count_account_mappings(const std::string& connector_id) = 0;
  // What exact-name matching (`map auto`) finds for an unmapped workspace: the free PSA accounts
  // (active, not excluded, not missing, not mapped to any workspace of the connector) and the
  // unmapped workspaces of the same partner whose names equal its name once surrounding spaces,
  // tabs and line breaks are trimmed. Counts stop at kNameMatchCountCap, so a name shared by
  // thousands costs no more than one shared by a hundred.
  static constexpr int64_t kNameMatchCountCap = 100;
  struct NameMatchCandidate {
    std::string workspace_id;
    std::string workspace_name;
    int64_t accounts_named = 0;
    int64_t workspaces_named = 0;  // the workspace itself included
    // The first of those accounts by id: the match when accounts_named == 1.
    std::string account_id;
    std::string account_name;
  };
  // At most `limit` unmapped workspaces visible to `partner_id` ("" sees all), in id order after
  // `after_workspace_id`, with what matching finds for each: `map auto` matches a page at a time
  // and never holds every workspace or account.
  virtual Result<std::vector<NameMatchCandidate>> list_name_match_candidates_page(
      const std::string& connector_id, const std::string& partner_id,
      const std::string& after_workspace_id, size_t limit) = 0;
  // Conflict when the PSA account is already mapped to another workspace.
  virtual Status put_account_mapping(const std::string& connector_id, const AccountMapping& m) = 0;
  virtual Status put_account_mappings(const std::string& connector_id,
                                      const std::vector<AccountMapping>& mappings) = 0;
  virtual Status delete_account_mapping(const std::string& connector_id,
                                        const std::string& workspace_id) = 0;
  virtual Result<std::vector<ServiceMapping>> list_service_mappings(const std::string& connector_id) = 0;
  // Conflict when the PSA service is already mapped to another vendor service.
  virtual Status put_service_mapping(const std::string& connector_id, const ServiceMapping& m) = 0;
  virtual Status delete_service_mapping(const std::string& connector_id,
                                        const std::string& service_id) = 0;

  // ---- Platform-side bookkeeping ----
  // Last quantity successfully written per (account, PSA service): the "current" value for
  // platforms that cannot read counts back.
  virtual Status record_pushed(const std::string& connector_id, const std::string& account_id,
                               const std::string& psa_service_id, int64_t quantity, int64_t run_id) = 0;
  virtual Result<std::map<std::pair<std::string, std::string>, int64_t>> list_pushed(
      const std::string& connector_id) = 0;
  // Forgets a pushed quantity: the platform no longer holds it (it refused the pair as unmapped).
  virtual Status forget_pushed(const std::string& connector_id, const std::string& account_id,
                               const std::string& psa_service_id) = 0;
  // Workspaces the MSP selected for syncing on link-based platforms, with the platform id.
  virtual Status set_link(const std::string& connector_id, const std::string& workspace_id,
                          const std::optional<std::string>& platform_account_id) = 0;
  virtual Status delete_link(const std::string& connector_id, const std::string& workspace_id) = 0;
  virtual Result<std::map<std::string, std::string>> list_links(const std::string& connector_id) = 0;
  // Stable vendor service id -> platform service id, for platforms where we create services.
  virtual Status set_provisioned_service(const std::string& connector_id, const std::string& service_id,
                                         const std::string& platform_id) = 0;
  virtual Result<std::map<std::string, std::string>> list_provisioned_services(
      const std::string& connector_id) = 0;

  // ---- Sync runs ----
  // Persists a run and its planned lines in one transaction; returns the run id.
  virtual Result<int64_t> create_run(const SyncRun& run, const std::vector<SyncLine>& lines) = 0;
  virtual Status update_run(const SyncRun& run) = 0;
  virtual Status update_lines(int64_t run_id, const std::vector<SyncLine>& lines) = 0;
  virtual Result<std::optional<SyncRun>> get_run(int64_t run_id) = 0;
  // Newest first; connector_id empty for all connectors.
  virtual Result<std::vector<SyncRun>> list_runs(const std::string& connector_id, int limit) = 0;
  virtual Result<std::vector<SyncLine>> list_lines(int64_t run_id) = 0;
  // Runs left in planned/applying by a crash, to be resumed or closed.
  virtual Result<std::vector<SyncRun>> unfinished_runs(const std::string& connector_id) = 0;

  // ---- Approvals ----
  // Records the decision fields (decision, decision_run_id, decision_note) of these lines of
  // `run_id`, matched by key, in one transaction. A line already decided keeps its decision:
  // Conflict names it, and nothing is written.
  virtual Status decide_lines(int64_t run_id, const std::vector<SyncLine>& lines) = 0;
  // Held lines nobody decided yet, of finished real (not dry) runs, leaving out a line that a
  // later real run of the connector planned again (that run's verdict supersedes it; an
  // approval run only carries decisions, so it supersedes nothing). Oldest run first.
  // connector_id empty for every connector.
  virtual Result<std::vector<PendingApproval>> pending_approvals(const std::string& connector_id) = 0;

  // ---- Leases: one owner per connector, across processes and machines ----
  // Takes the connector's lease for `holder` (expiring ttl_ms from the store's now) when no one
  // holds it, when the holder's lease has expired, or when the holder's owner_id equals
  // `replace_owner_id` (a holder the caller has proved dead). Atomic. Returns nullopt when the
  // lease is now `holder`'s, or the holder that keeps it.
  virtual Result<std::optional<LeaseHolder>> acquire_lease(const std::string& connector_id, const LeaseHolder& holder,
                                                           int64_t ttl_ms, const std::string& replace_owner_id) = 0;
  // Extends owner_id's lease by ttl_ms from now; false when owner_id no longer holds it.
  virtual Result<bool> renew_lease(const std::string& connector_id, const std::string& owner_id, int64_t ttl_ms) = 0;
  // Gives the lease up; a no-op when owner_id does not hold it.
  virtual Status release_lease(const std::string& connector_id, const std::string& owner_id) = 0;
  virtual Result<std::optional<LeaseHolder>> get_lease(const std::string& connector_id) = 0;

  // ---- Jobs: due syncs claimed by the workers of every node (docs/scale-out.md) ----
  // A queue of syncs in the store, so that any node may enqueue ("sync now", its scheduler)
  // and any worker may run a job. A claim is not the connector's lease: a worker claims a job,
  // then takes the lease to run it; the claim only says who is on it, and expires unless its
  // worker renews it, so a dead worker's jobs are claimed again.
  //
  // Adds a queued job. False (nothing written) when the connector already has a job for this
  // window_key: every node's scheduler enqueues the same window, and it runs once.
  virtual Result<bool> enqueue_job(const SyncJob& job) = 0;
  // Claims for `worker_id` the job due first: queued and due by now, or running with an expired
  // claim (its worker died), leaving out connectors with another job claimed and alive. The job
  // becomes running, its claim expiring claim_ttl_ms from now, its attempts counted. nullopt
  // when nothing is due. Of several workers claiming at once, each gets another job.
  virtual Result<std::optional<SyncJob>> claim_job(const std::string& worker_id,
                                                   int64_t claim_ttl_ms) = 0;
  // Extends the claim of every job `worker_id` runs to claim_ttl_ms from now (the worker's
  // heartbeat). Returns how many it still runs.
  virtual Result<int64_t> renew_job_claims(const std::string& worker_id, int64_t claim_ttl_ms) = 0;
  // Ends a running job claimed by `worker_id`: done or failed, with the run it made and why.
  // False when the job is no longer this worker's (its claim expired and another took it).
  virtual Result<bool> finish_job(int64_t job_id, const std::string& worker_id, JobState state,
                                  int64_t run_id, const std::string& message) = 0;
  // Puts a running job of `worker_id` back in the queue, due at due_at_ms, saying why (the
  // connector was busy, the node is stopping). False when it is no longer this worker's.
  // `counts_as_attempt` false takes the claim back out of its attempts: the job never got to
  // run (its platform tenant had no free slot), so waiting is no reason to give it up.
  virtual Result<bool> requeue_job(int64_t job_id, const std::string& worker_id, int64_t due_at_ms,
                                   const std::string& message, bool counts_as_attempt) = 0;
  // Newest first; connector_id empty for all connectors.
  virtual Result<std::vector<SyncJob>> list_jobs(const std::string& connector_id, int limit) = 0;
  // Deletes the jobs that ended (done or failed) before ended_before_ms; queued and running
  // jobs stay, and so do the runs the deleted ones made. Returns how many it deleted.
  virtual Result<int64_t> delete_finished_jobs(int64_t ended_before_ms) = 0;

  // ---- Budgets: platform request budgets per tenant, across nodes and restarts ----
  // A platform's hourly request budget belongs to its tenant, not to a connector: every
  // connector (on every node) whose requests count against the same tenant reserves under one
  // budget_key. Requests are counted in one-second buckets at the time given.
  //
  // Counts n requests under `budget_key` at now_ms when those counted in the window_ms ending
  // at now_ms, plus n, stay within `limit`; otherwise counts nothing and says when they would
  // fit. One transaction, serialized per key (PostgreSQL: a transaction-scoped advisory lock),
  // so nodes reserving at once never exceed the limit together.
  virtual Result<BudgetReservation> reserve_budget(const std::string& budget_key, int64_t n,
                                                   int64_t limit, int64_t window_ms,
                                                   int64_t now_ms) = 0;
  // Requests counted under `budget_key` in the window_ms ending at now_ms.
  virtual Result<int64_t> budget_used(const std::string& budget_key, int64_t window_ms,
                                      int64_t now_ms) = 0;

  // ---- Tenant slots: syncs at once per platform tenant, across nodes and restarts ----
  // Some platforms limit how many sessions of one tenant run at once, beyond what one
  // connector's max_concurrency governs: every connector on the tenant, on every node, takes one
  // of the tenant's slots for its sync and gives it back after. A slot is held by a worker for a
  // connector until it expires, so a worker that dies frees its slots once it stops renewing.
  //
  // Takes a slot of `tenant_key` for (`worker_id`, `connector_id`) until now_ms + ttl_ms: true
  // when taken, or when that holder has one already (renewed); false, changing nothing, when
  // `limit` unexpired slots are held by others. One transaction, serialized per key
  // (PostgreSQL: a transaction-scoped advisory lock), so nodes taking slots at once never hold
  // more than `limit` together.
  virtual Result<bool> acquire_tenant_slot(const std::string& tenant_key,
                                           const std::string& worker_id,
                                           const std::string& connector_id, int64_t limit,
                                           int64_t now_ms, int64_t ttl_ms) = 0;
  // Extends every unexpired slot `worker_id` holds to now_ms + ttl_ms (the worker's heartbeat).
  // Returns how many.
  virtual Result<int64_t> renew_tenant_slots(const std::string& worker_id, int64_t now_ms,
                                             int64_t ttl_ms) = 0;
  // Gives the holder's slot of `tenant_key` back; nothing when it holds none.
  virtual Status release_tenant_slot(const std::string& tenant_key, const std::string& worker_id,
                                     const std::string& connector_id) = 0;
  // Unexpired slots of `tenant_key` at now_ms.
  virtual Result<int64_t> tenant_slots_held(const std::string& tenant_key, int64_t now_ms) = 0;
  // The connectors holding those slots, sorted (one per slot): to say who fills a tenant.
  virtual Result<std::vector<std::string>> tenant_slot_holders(const std::string& tenant_key,
                                                               int64_t now_ms) = 0;

  // ---- Write journal (non-idempotent writes) ----
  // Records intents durably in one transaction (synchronous commit) and returns their ids, in
  // order. Only after this returns may the writes be sent.
  virtual Result<std::vector<int64_t>> record_write_intents(const std::vector<WriteIntent>& intents) = 0;
  // The connector's intents still open, oldest first.
  virtual Result<std::vector<WriteIntent>> open_write_intents(const std::string& connector_id) = 0;
  // Settles intents by id: state (applied | not_applied | expired), resolution,
  // resolved_run_id. Intents no longer open are left as they are.
  virtual Status resolve_write_intents(const std::vector<WriteIntent>& resolved) = 0;

  // ---- Console users and sessions (docs/console.md) ----
  // Added together for the web console; every store implements the whole group.
  // Conflict when a user of that name exists.
  virtual Status create_user(const UserRecord& user) = 0;
  // By name.
  virtual Result<std::vector<UserRecord>> list_users() = 0;
  virtual Result<std::optional<UserRecord>> get_user(const std::string& name) = 0;
  // Replaces the password hash and ends every session of the user, in one transaction.
  // NotFound when there is no such user.
  virtual Status set_user_password(const std::string& name, const std::string& password_hash) = 0;
  // Deletes the user and every session of theirs, in one transaction. NotFound when absent.
  virtual Status delete_user(const std::string& name) = 0;
  // NotFound when the session's user does not exist.
  virtual Status create_session(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> get_session(const std::string& id_hash) = 0;
  // Sets last_seen_ms (the idle timeout counts from it); a no-op for an unknown session.
  virtual Status touch_session(const std::string& id_hash, int64_t last_seen_ms) = 0;
  // A no-op for an unknown session.
  virtual Status delete_session(const std::string& id_hash) = 0;
  // Deletes sessions idle since before `idle_before_ms` or created before `created_before_ms`.
  virtual Status delete_expired_sessions(int64_t idle_before_ms, int64_t created_before_ms) = 0;

  // ---- Connectors added in the web console (docs/console.md, "Add a connector") ----
  // Added together; every store implements the whole group. Connectors declared in the config
  // file never appear here.
  //
  // Records the connector with its sealed credentials (a JSON object of its secret fields), in
  // one transaction. Conflict when any connector of that id exists (from the config file, the
  // console, or one removed whose run history stays).
  virtual Status add_console_connector(const ConsoleConnector& connector,
                                       const std::string& credentials_json) = 0;
  // The console's connectors not removed, by id.
  virtual Result<std::vector<ConsoleConnector>> list_console_connectors() = 0;
  // Replaces the stored settings (ConsoleConnector::settings_json) of a console connector; the
  // caller has checked them. NotFound unless it is a console connector not removed yet.
  virtual Status set_console_connector_settings(const std::string& id,
                                                const std::string& settings_json) = 0;
  // disconnect_connector, and the connector is no longer one of the console's: its plugin
  // config goes, its run history stays (so its id is not reused). NotFound unless it is a
  // console connector not removed yet.
  virtual Status remove_console_connector(const std::string& id) = 0;

  // ---- Streaming a run (docs/sync.md, "Memory") ----
  // A sync's plan, reads, decisions and writes pass through the store a chunk at a time, so its
  // memory depends on the chunk, not on the run. Every method here is also what a second store
  // implementation must provide.
  //
  // The snapshot latest_snapshot() would return, without its counts.
  virtual Result<std::optional<UsageSnapshot>> latest_snapshot_header() = 0;
  // The counts of snapshot `snapshot_id` for the next `max_workspaces` workspaces in id order
  // after `after_workspace_id` ("" for the first), ordered by workspace id, then service id.
  virtual Result<std::vector<UsageCount>> list_usage_counts(int64_t snapshot_id,
                                                            const std::string& after_workspace_id,
                                                            size_t max_workspaces) = 0;
  // Adds planned lines to a run create_run recorded, in one transaction.
  virtual Status add_lines(int64_t run_id, const std::vector<SyncLine>& lines) = 0;
  // At most `limit` lines of a run whose key sorts after `after_key` ("" for the first), in key
  // order: how the engine walks a run's lines.
  virtual Result<std::vector<SyncLine>> scan_lines(int64_t run_id, const std::string& after_key,
                                                   size_t limit) = 0;
  // A page of a run's lines in number order (how `runs show` and the admin API page): those
  // numbered above `after_number`, at most `limit`; `skip_unchanged` leaves out unchanged lines.
  virtual Result<std::vector<SyncLine>> list_lines_page(int64_t run_id, int64_t after_number,
                                                        size_t limit, bool skip_unchanged) = 0;
  // record_pushed for many pairs in one transaction: an apply batch's writes.
  virtual Status record_pushed_many(const std::string& connector_id,
                                    const std::vector<PushedQuantity>& pushed, int64_t run_id) = 0;
  // The pushed quantities (list_pushed) of these (account, PSA service) pairs only.
  virtual Result<std::map<std::pair<std::string, std::string>, int64_t>> list_pushed_of(
      const std::string& connector_id,
      const std::vector<std::pair<std::string, std::string>>& pairs) = 0;

  // ---- Alerts (docs/alerts.md) ----
  // The vendor's security alerts and the history of each. Every store implements the group.
  //
  // Records pushed alerts (already validated, ids distinct) in one transaction, in order. Per
  // alert: a new id is created at version 1; a document that differs from the stored alert
  // updates it and adds a change (version + 1), unless its time is before the stored time
  // (stale: an older state arriving late changes nothing); the same document again is
  // unchanged. Only created and updated alerts add to the history, under `source`.
  virtual Result<std::vector<AlertRecorded>> record_alerts(const std::vector<Alert>& alerts,
                                                           const std::string& source) = 0;
  virtual Result<std::optional<Alert>> get_alert(const std::string& id) = 0;
  // At most `limit` alerts whose id sorts after `after_id` ("" for the first), in id order.
  virtual Result<std::vector<Alert>> list_alerts(const std::string& after_id, size_t limit) = 0;
  // Every recorded state of the alert, oldest (version 1) first; empty for an unknown id.
  virtual Result<std::vector<AlertChange>> list_alert_changes(const std::string& alert_id) = 0;

  // ---- Alert tickets (docs/alerts.md, "Exactly one ticket per alert") ----
  // Where each alert stands on each connector's PSA, and the connector's alerts runs. Writing
  // kOpening before a ticket is created is the create's journal: it stays until the ticket id
  // is recorded, so a create whose answer was lost is searched for, never sent blindly again.
  virtual Result<std::optional<AlertTicket>> get_alert_ticket(const std::string& connector_id,
                                                              const std::string& alert_id) = 0;
  // Every alert's ticket record on the connector, in alert id order.
  virtual Result<std::vector<AlertTicket>> list_alert_tickets(const std::string& connector_id) = 0;
  // Inserts or replaces the record of (connector_id, alert_id); sets updated_at. Durable when it
  // returns.
  virtual Status put_alert_ticket(const AlertTicket& ticket) = 0;
  // Records a finished alerts run with its lines; returns its id.
  virtual Result<int64_t> record_alert_run(const AlertRun& run) = 0;
  // The connector's latest `limit` alerts runs, newest first, with their lines.
  virtual Result<std::vector<AlertRun>> list_alert_runs(const std::string& connector_id,
                                                        int limit) = 0;
};

struct SqliteStoreOptions {
  std::filesystem::path path;      // ":memory:" for an in-memory store
  std::filesystem::path key_file;  // used when MB_SECRET_KEY is not set
  const Clock* clock = &SystemClock::instance();
  // Tests of a migration: stop at this schema version (0: the current one), so a database of
  // an earlier release can be built by the real migrations and then opened normally.
  int migrate_to_version = 0;
};

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options);

// The schema version the store migrates to.
int store_schema_version();

}  // namespace mb

#endif  // METERBRIDGE_HOST_STORE_STORE_H_
