// The planning phase: gathers the planner's input from the store (refreshing the PSA account
// cache when it is old, so drift shows), notes what the user should know (nothing imported,
// unmapped services with usage, renamed accounts) and plans the lines. Part of the sync engine
// (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_

#include <string>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/sync_options.h"

namespace mb::sync_internal {

// The connector's lines for today (planner.h), planned from the latest usage and mappings.
// A run-level failure refreshing the accounts (credentials, budget) is the result; any other
// is a note and the plan uses the accounts last fetched.
Result<std::vector<SyncLine>> plan_run(Store& store, const Clock& clock,
                                       const SyncSettings& settings,
                                       const ConnectorConfig& connector, PluginSession& session,
                                       std::vector<std::string>& notes);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_PLAN_H_
