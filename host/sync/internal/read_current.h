// The read phase: the platform's current value of every pending line with a target, read in
// bulk through read_quantities (SyncOptions::read_batch_size lines per call, in key order
// across the run), with the value each pair was last pushed (for push-only platforms). Each
// batch's journal is settled by the values read, its lines compared with their targets
// (compare_line) and stored before the next batch is read, so the phase holds one batch of
// lines and values. Part of the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// Called with each batch once read and settled, before its lines are compared: an approval
// marks stale what changed on the platform since it was held.
using AfterRead =
    std::function<void(std::vector<SyncLine>&, const std::map<std::string, CurrentValue>&)>;

// Reads the run's `totals.to_read` lines; counts what it compares in `totals.diff`. A line the
// plugin does not answer, or whose call fails, ends failed; a run-level failure (or
// cancellation) fails the lines not read yet and is returned.
Status read_current(Store& store, PluginSession& session, const SyncRun& run,
                    const Policies& policies, const SyncOptions& options, int64_t now_ms,
                    RunTotals& totals, const AfterRead& after_read = {});

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_
