// The durable record of a run: a new run's fields, line numbers, the record of an attempt that
// failed before planning, the closing of runs a crash left open, and the final state and
// counts. Part of the sync engine (host/sync/internal/).
//
//   SyncRun run = new_run(connector, "manual", false, options.owner_id, date, now_ms);
//   ... plan, read, apply ...
//   finish_run(run, lines, run_error, now_ms);   // ok | partial | failed | needs_attention
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_RUN_RECORD_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_RUN_RECORD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/store/model.h"
#include "host/store/store.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// A run not yet recorded: the connector's dry_run policy makes it a dry run too.
SyncRun new_run(const ConnectorConfig& connector, const std::string& trigger, bool dry_run,
                const std::string& owner_id, const std::string& effective_date, int64_t now_ms);

// The date (UTC, YYYY-MM-DD) the connector's effective_date policy asks for at `now_ms`.
std::string effective_date_at(const Policies& policies, int64_t now_ms);

// Lines are numbered in plan order: how users name them (`runs approve RUN --line N`).
void number_lines(std::vector<SyncLine>& lines);

// Counts per outcome as the JSON object stored on the run.
std::string counts_json(const std::map<std::string, int64_t>& counts);

// Records an attempt that failed before it planned: a billing admin reads history, not logs.
// Returns the run as stored.
Result<SyncRun> record_failed_attempt(Store& store, SyncRun run, const Status& why, int64_t now_ms);

// Closes runs a crash left open ("interrupted"), other than those of `own_owner_id`; their
// pending lines end interrupted. Returns how many.
Result<size_t> close_interrupted_runs(Store& store, const Clock& clock,
                                      const std::string& connector_id,
                                      const std::string& own_owner_id);

// A disconnected connector writes nothing: Conflict, saying how to reconnect.
Status check_connected(Store& store, const std::string& connector_id);

// The final state from the lines' outcomes and the run's error: ok, partial (some lines did
// not succeed, or the run stopped after some did), failed (nothing succeeded), or
// needs_attention (nothing failed and nothing was billed, because the lines there are wait for a
// mapping, a link or a contract line — or, `no_service_mapped`, there are none because the
// connector maps no service); with the finish time, a summary message and the counts.
void finish_run(SyncRun& run, const std::vector<SyncLine>& lines, const Status& run_error,
                int64_t now_ms, bool no_service_mapped = false);
// The same from the run's counts per outcome (`counts`, of `total_lines` lines).
void finish_run(SyncRun& run, const std::map<std::string, int64_t>& counts, size_t total_lines,
                const Status& run_error, int64_t now_ms, bool no_service_mapped = false);

// Where a plan comes from: appends the next chunk's lines, false once the plan is done.
using NextPlanChunk = std::function<Result<bool>(std::vector<SyncLine>&)>;

// Records the plan of run `run` (created with no lines) chunk by chunk, numbering the lines in
// plan order; counts them and those to read in `totals`.
Status record_plan(Store& store, const SyncRun& run, const NextPlanChunk& next,
                   const SyncOptions& options, RunTotals& totals);

// What a finished run's report keeps (SyncReport): its counts per outcome, and at most
// `max_lines` of the lines worth reading — those needing attention first, then the changes —
// in number order, with how many such lines it left out. Read back from the store a page at a
// time.
struct RunSummary {
  std::map<std::string, int64_t> counts;
  std::vector<SyncLine> lines;
  size_t lines_left_out = 0;
};
Result<RunSummary> summarize_run(Store& store, int64_t run_id, size_t max_lines);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_RUN_RECORD_H_
