// The caller's two ways to stop a run between batches: the cancel flag (shutdown) and the
// owner check (a lost lease), and the progress it is told of. Part of the sync engine
// (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_RUN_CONTROL_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_RUN_CONTROL_H_

#include <cstddef>

#include "host/common/status.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// What the passes of a run (record, read, decide, apply) learn and hand on: each pass walks
// the run's lines in the store, so these counts are all a pass keeps of the ones before it.
struct RunTotals {
  size_t lines = 0;    // lines in the plan
  size_t to_read = 0;  // pending lines with a target: what the read pass asks the platform
  size_t changes = 0;  // lines the decide pass marked to write
  DiffTotals diff;     // compared lines and decreases, for the run-wide policies
};

inline bool cancelled(const SyncOptions& options) {
  return options.cancelled != nullptr && options.cancelled->load();
}

// OK when the caller still owns the connector (or checks nothing).
inline Status confirm_owner(const SyncOptions& options) {
  return options.confirm_owner ? options.confirm_owner() : Status::Ok();
}

inline void report_progress(const SyncOptions& options, SyncPhase phase, const SyncRun& run,
                            size_t done, size_t total, size_t run_lines) {
  if (options.progress) options.progress({phase, run.id, done, total, run_lines});
}

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_RUN_CONTROL_H_
