// Walking a run's stored lines a batch at a time, so a phase of the sync engine holds one batch
// of lines, never the run. Part of the sync engine (host/sync/internal/).
//
//   for_each_batch(store, run.id, 500, is_change, [&](std::vector<SyncLine>& batch) {
//     ... write the batch, store.update_lines(run.id, batch) ...
//   });
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_LINE_BATCHES_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_LINE_BATCHES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"
#include "host/store/store.h"

namespace mb::sync_internal {

// Hands `visit` the lines of run `run_id` that `wanted` keeps (every line when empty), in key
// order, in batches of `batch_size` (the last may be smaller) whatever the store's pages. The
// lines of a batch may be updated in the store by `visit`; a non-OK status from it stops the
// walk and is returned.
Status for_each_batch(Store& store, int64_t run_id, size_t batch_size,
                      const std::function<bool(const SyncLine&)>& wanted,
                      const std::function<Status(std::vector<SyncLine>&)>& visit);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_LINE_BATCHES_H_
