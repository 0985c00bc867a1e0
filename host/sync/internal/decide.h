// The diff phase of a sync: each pending line's current value against its target, under the
// connector's policies (apply_diff in planner.h), and, when every value is to be sent again,
// unchanged lines turned into writes. Part of the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_

#include <map>
#include <string>
#include <vector>

#include "host/config/connector_config.h"
#include "host/store/model.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

// Fills current/delta/action/outcome; with `force_full_push`, an unchanged line is written
// anyway (would_update in a dry run).
void decide_lines(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                  const Policies& policies, bool dry_run, bool force_full_push);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_DECIDE_H_
