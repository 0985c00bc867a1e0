// The diff phase of a sync: each pending line's current value against its target, under the
// connector's policies (apply_diff in planner.h), and, when every value is to be sent again,
// unchanged lines turned into writes. Part of the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_

#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/store/model.h"
#include "host/store/store.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// Fills current/delta/action/outcome; with `force_full_push`, an unchanged line is written
// anyway (would_update in a dry run).
void decide_lines(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                  const Policies& policies, bool dry_run, bool force_full_push);

// The decide pass of a run whose lines were read and compared (read_current): decides each
// compared line under the run-wide totals, a batch at a time, stores the decisions and counts
// the lines to write in `totals.changes`.
Status decide_run(Store& store, const SyncRun& run, const Policies& policies, bool dry_run,
                  bool force_full_push, const SyncOptions& options, RunTotals& totals);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_
