// SyncEngine: one connector's sync run (ARCHITECTURE §6).
//
//   plan (targets from the latest usage × mappings) → persist the plan → read current
//   quantities in bulk → diff → policies → apply only changed lines, in batches → record every
//   line as it completes → finish ok / partial / failed with counts.
//
// Each phase is a unit of host/sync/internal/ (plan, provision, run_record, read_current,
// journal, decide, apply, approval); this class is their orchestration. The phases pass the
// run's lines through the store a chunk at a time (docs/sync.md, "Memory"), so a run of
// millions of lines needs no more memory than one of thousands; a SyncReport carries the
// counts and the lines worth reading, not every line.
//
// Crash safety: the plan is in the store before any write; a run left "planned" or "applying"
// by a crash is closed as "interrupted" when the next run starts, and that run re-reads the
// platform instead of replaying anything. Targets are absolute, so a rerun converges and an
// unchanged rerun writes nothing.
//
//   SyncEngine engine(store, SyncSettings{.ended_workspaces = "zero"});
//   Result<SyncReport> report = engine.sync(connector, *session, {.dry_run = true});
#ifndef METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_
#define METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {
struct RunTotals;
}  // namespace mb::sync_internal

namespace mb {

class SyncEngine {
 public:
  SyncEngine(Store& store, SyncSettings settings, const Clock& clock = SystemClock::instance());

  // A full run for one connector.
  Result<SyncReport> sync(const ConnectorConfig& connector, PluginSession& session,
                          const SyncOptions& options);
  // Approval is a decision about today's numbers: re-plans from the latest usage and mappings,
  // re-reads the platform, and applies, as a new run, only the held lines of `run_id` (all of
  // them, or those numbered in `line_numbers`) whose workspace, PSA account, PSA service,
  // target and current value are what they were when held; the others end `stale`, with why.
  // Each held line is decided once. Obeys the connector's guards (disconnected, dry_run).
  Result<SyncReport> approve(const ConnectorConfig& connector, PluginSession& session,
                             int64_t run_id, const std::vector<int64_t>& line_numbers,
                             const SyncOptions& options);
  // Marks held lines of `run_id` (all, or those numbered) dismissed: never applied by an
  // approval. Returns the dismissed lines. Touches no platform.
  Result<std::vector<SyncLine>> dismiss(const std::string& connector_id, int64_t run_id,
                                        const std::vector<int64_t>& line_numbers,
                                        const std::string& note);
  // Re-runs only the lines of `run_id` that failed, were interrupted or waited for a write's
  // confirmation, planned afresh from the latest usage, under the connector's policies.
  Result<SyncReport> retry(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                           const SyncOptions& options);

  // Platforms where the vendor creates the accounts and services (provision_* capabilities):
  // creates or renames them from the latest usage and maps them by identity. Notes say what
  // happened. A no-op for other platforms.
  Status provision(const ConnectorConfig& connector, PluginSession& session,
                   std::vector<std::string>& notes);

  // Closes runs a crash left open ("interrupted"), other than those of `own_owner_id`; returns
  // how many. Call it only while holding the connector's lease: then every other unfinished
  // run belongs to an owner whose lease is gone.
  Result<size_t> close_interrupted(const std::string& connector_id,
                                   const std::string& own_owner_id = "");

  // The effective date the connector's policy asks for, in UTC.
  std::string effective_date(const Policies& policies) const;

 private:
  // Where a run's plan comes from: appends the next chunk's lines, false once done.
  using NextPlanChunk = std::function<Result<bool>(std::vector<SyncLine>&)>;
  // Lines reach a run's passes a chunk at a time (record, read, decide, apply), each through
  // the store, so a run's memory depends on its chunks, not on its lines. `notes` are the
  // run's so far; the plan may add to them while it is recorded.
  Result<SyncReport> execute(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                             const NextPlanChunk& next, const Policies& policies,
                             const SyncOptions& options, std::vector<std::string>& notes);
  Result<SyncReport> record_failed_attempt(SyncRun run, const Status& why,
                                           std::vector<std::string> notes);
  // Applies the decided lines unless the run is a dry run or already failed, then finishes it.
  Result<SyncReport> apply_and_finish(const ConnectorConfig& connector, PluginSession& session,
                                      SyncRun run, const sync_internal::RunTotals& totals,
                                      const SyncOptions& options, Status run_error,
                                      std::vector<std::string> notes);
  // Re-reads and diffs approved lines against what was held, then applies the unchanged ones.
  Result<SyncReport> execute_approval(const ConnectorConfig& connector, PluginSession& session,
                                      SyncRun run, int64_t held_run_id, std::vector<SyncLine> lines,
                                      const std::map<std::string, SyncLine>& held,
                                      const SyncOptions& options, std::vector<std::string> notes);
  // The lines of `run_id` that are held or numbered in `line_numbers`: what approve and dismiss
  // choose from, without reading the whole run.
  Result<std::vector<SyncLine>> held_or_named(int64_t run_id,
                                              const std::vector<int64_t>& line_numbers);

  Store& store_;
  const SyncSettings settings_;
  const Clock& clock_;
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_SYNC_ENGINE_H_
