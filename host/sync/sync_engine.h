// SyncEngine: one connector's sync run (ARCHITECTURE §6).
//
//   plan (targets from the latest usage × mappings) → persist the plan → read current
//   quantities in bulk → diff → policies → apply only changed lines, in batches → record every
//   line as it completes → finish ok / partial / failed with counts.
//
// Crash safety: the plan is in the store before any write; a run left "planned" or "applying"
// by a crash is closed as "interrupted" when the next run starts, and that run re-reads the
// platform instead of replaying anything. Targets are absolute, so a rerun converges and an
// unchanged rerun writes nothing.
//
//   SyncEngine engine(store, config);
//   Result<SyncReport> report = engine.sync(connector, *session, {.dry_run = true});
#ifndef METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_
#define METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/planner.h"

namespace mb {

struct SyncOptions {
  bool dry_run = false;
  std::string trigger = "manual";  // manual | schedule | api
  const std::atomic<bool>* cancelled = nullptr;
  // Lines per read_quantities call. Reads change nothing, so they go in large calls: a plugin
  // fetches a call's lines with a few bulk queries (in-lists, conditions) sent together, and
  // every call costs at least one round trip per dependent query.
  size_t read_batch_size = 5000;
  // Lines per apply_quantities call; each call's outcomes are stored before the next starts,
  // so this bounds how much a crash leaves to be settled by re-reading.
  size_t apply_batch_size = 500;
  // Called after each batch with (lines done, lines total) for progress bars.
  std::function<void(size_t, size_t)> progress;
  // Push every line even when the platform's current value equals the target.
  bool force_full_push = false;
  // Called before the plan is recorded and before every write batch; a non-OK status stops
  // the run before it writes (the caller's lease was lost). Empty: always OK.
  std::function<Status()> confirm_owner;
  // The lease owner running this, recorded on the run (empty when run without a lease).
  std::string owner_id;
};

struct SyncReport {
  SyncRun run;
  std::vector<SyncLine> lines;
  std::map<std::string, int64_t> counts;  // outcome -> lines
  std::vector<std::string> notes;          // provisioning, drift, unmapped services, ...
};

// What the engine takes from the config beyond the connector each call names: its own copy, so
// an engine never reaches into the whole Config (which a reload may replace).
struct SyncSettings {
  std::string ended_workspaces = "zero";  // zero | no_data (see planner.h)

  static SyncSettings from(const Config& config);
};

class SyncEngine {
 public:
  SyncEngine(Store& store, SyncSettings settings, const Clock& clock = SystemClock::instance());
  // The settings taken from `config`; the engine keeps no reference to it.
  SyncEngine(Store& store, const Config& config, const Clock& clock = SystemClock::instance())
      : SyncEngine(store, SyncSettings::from(config), clock) {}

  // A full run for one connector.
  Result<SyncReport> sync(const ConnectorConfig& connector, PluginSession& session, const SyncOptions& options);
  // Approval is a decision about today's numbers: re-plans from the latest usage and mappings,
  // re-reads the platform, and applies, as a new run, only the held lines of `run_id` (all of
  // them, or those numbered in `line_numbers`) whose workspace, PSA account, PSA service,
  // target and current value are what they were when held; the others end `stale`, with why.
  // Each held line is decided once. Obeys the connector's guards (disconnected, dry_run).
  Result<SyncReport> approve(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                             const std::vector<int64_t>& line_numbers, const SyncOptions& options);
  // Marks held lines of `run_id` (all, or those numbered) dismissed: never applied by an
  // approval. Returns the dismissed lines. Touches no platform.
  Result<std::vector<SyncLine>> dismiss(const std::string& connector_id, int64_t run_id,
                                        const std::vector<int64_t>& line_numbers, const std::string& note);
  // Re-runs only the lines of `run_id` that failed, were interrupted or waited for a write's
  // confirmation, planned afresh from the latest usage, under the connector's policies.
  Result<SyncReport> retry(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                           const SyncOptions& options);

  // Platforms where the vendor creates the accounts and services (provision_* capabilities):
  // creates or renames them from the latest usage and maps them by identity. Notes say what
  // happened. A no-op for other platforms.
  Status provision(const ConnectorConfig& connector, PluginSession& session, std::vector<std::string>& notes);

  // Closes runs a crash left open ("interrupted"), other than those of `own_owner_id`; returns
  // how many. Call it only while holding the connector's lease: then every other unfinished
  // run belongs to an owner whose lease is gone.
  Result<size_t> close_interrupted(const std::string& connector_id, const std::string& own_owner_id = "");

  // The effective date the connector's policy asks for, in UTC.
  std::string effective_date(const Policies& policies) const;

 private:
  Result<std::vector<SyncLine>> plan(const ConnectorConfig& connector, PluginSession& session,
                                     std::vector<std::string>& notes);
  Result<SyncReport> execute(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                             std::vector<SyncLine> lines, const Policies& policies, const SyncOptions& options,
                             std::vector<std::string> notes);
  Result<SyncReport> record_failed_attempt(SyncRun run, const Status& why, std::vector<std::string> notes);
  Status read_current(PluginSession& session, const SyncRun& run, std::vector<SyncLine>& lines,
                      const SyncOptions& options, std::map<std::string, CurrentValue>& current);
  // The write journal, read side: lines with an open intent are settled by the value just read
  // (target reached: applied; unconfirmed and young: held as pending_confirmation; older:
  // expired, written again from the fresh value).
  Status settle_journal(const SyncRun& run, const Policies& policies, std::vector<SyncLine>& lines,
                        const std::map<std::string, CurrentValue>& current);
  Status apply_changes(const ConnectorConfig& connector, PluginSession& session, SyncRun& run,
                       std::vector<SyncLine>& lines, const SyncOptions& options);
  // Applies the diffed lines unless the run is a dry run or already failed, then finishes it.
  Result<SyncReport> apply_and_finish(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                      std::vector<SyncLine> lines, const SyncOptions& options, Status run_error,
                                      std::vector<std::string> notes);
  // Re-reads and diffs approved lines against what was held, then applies the unchanged ones.
  Result<SyncReport> execute_approval(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                      int64_t held_run_id, std::vector<SyncLine> lines,
                                      const std::map<std::string, SyncLine>& held, const SyncOptions& options,
                                      std::vector<std::string> notes);
  void finish(SyncRun& run, const std::vector<SyncLine>& lines, const Status& run_error);

  Store& store_;
  const SyncSettings settings_;
  const Clock& clock_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_
