// The read phase: the platform's current value of every pending line with a target, read in
// bulk through read_quantities (SyncOptions::read_batch_size lines per call), with the value
// each pair was last pushed (for push-only platforms). Part of the sync engine
// (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_

#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/planner.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// Fills `current` by line key. A line the plugin does not answer, or whose call fails, ends
// failed; a run-level failure (or cancellation) fails the lines not read yet and is returned.
Status read_current(Store& store, PluginSession& session, const SyncRun& run,
                    std::vector<SyncLine>& lines, const SyncOptions& options,
                    std::map<std::string, CurrentValue>& current);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_READ_CURRENT_H_
