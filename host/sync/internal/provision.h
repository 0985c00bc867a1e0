// The provisioning phase, for platforms where the vendor creates the accounts and services
// (provision_* capabilities): creates or renames them from the latest usage and maps them by
// identity. Part of the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_PROVISION_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_PROVISION_H_

#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"

namespace mb::sync_internal {

// Notes say what happened. A no-op for plugins that offer neither capability.
Status provision(Store& store, const ConnectorConfig& connector, PluginSession& session,
                 std::vector<std::string>& notes);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_PROVISION_H_
