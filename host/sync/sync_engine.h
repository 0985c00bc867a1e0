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
};

struct SyncReport {
  SyncRun run;
  std::vector<SyncLine> lines;
  std::map<std::string, int64_t> counts;  // outcome -> lines
  std::vector<std::string> notes;          // provisioning, drift, unmapped services, ...
};

class SyncEngine {
 public:
  SyncEngine(Store& store, const Config& config, const Clock& clock = SystemClock::instance());

  // A full run for one connector.
  Result<SyncReport> sync(const ConnectorConfig& connector, PluginSession& session, const SyncOptions& options);
  // Applies the lines of `run_id` held for approval, as a new run (decrease policy satisfied).
  Result<SyncReport> approve(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                             const SyncOptions& options);
  // Re-runs only the lines of `run_id` that failed, planned afresh from the latest usage.
  Result<SyncReport> retry(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                           const SyncOptions& options);

  // Platforms where the vendor creates the accounts and services (provision_* capabilities):
  // creates or renames them from the latest usage and maps them by identity. Notes say what
  // happened. A no-op for other platforms.
  Status provision(const ConnectorConfig& connector, PluginSession& session, std::vector<std::string>& notes);

  // Closes runs a crash left open ("interrupted"); returns how many.
  Result<size_t> close_interrupted(const std::string& connector_id);

  // The effective date the connector's policy asks for, in UTC.
  std::string effective_date(const Policies& policies) const;

 private:
  Result<std::vector<SyncLine>> plan(const ConnectorConfig& connector, PluginSession& session,
                                     std::vector<std::string>& notes);
  Result<SyncReport> execute(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                             std::vector<SyncLine> lines, const Policies& policies, const SyncOptions& options,
                             std::vector<std::string> notes);
  Status read_current(PluginSession& session, const SyncRun& run, std::vector<SyncLine>& lines,
                      const SyncOptions& options, std::map<std::string, CurrentValue>& current);
  Status apply_changes(const ConnectorConfig& connector, PluginSession& session, SyncRun& run,
                       std::vector<SyncLine>& lines, const SyncOptions& options);
  void finish(SyncRun& run, const std::vector<SyncLine>& lines, const Status& run_error);

  Store& store_;
  const Config& config_;
  const Clock& clock_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_
