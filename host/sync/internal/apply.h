// The apply phase: only the lines the diff marked `update`, sent in apply_quantities calls of
// SyncOptions::apply_batch_size lines (in key order across the run), each with a deterministic
// idempotency key (CONNECTOR:run-N:batch-M), each batch's outcomes stored (and its journal
// settled) before the next is sent. The lines come from the store a batch at a time. Part of
// the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_APPLY_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_APPLY_H_

#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// Writes the run's `totals.changes` lines. A failed line never stops the others; a run-level
// failure, cancellation or a lost lease fails the lines not written yet and is returned.
Status apply_changes(Store& store, const std::string& connector_id, PluginSession& session,
                     const SyncRun& run, const SyncOptions& options, const RunTotals& totals);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_APPLY_H_
