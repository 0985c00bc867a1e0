// provision_accounts and provision_services: the host's documents turned into the plans of
// internal/accounts.h and internal/services.h, what was created remembered in the session.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_PROVISIONING_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_PROVISIONING_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"

namespace meterbridge::gradient {

ProvisionAccountsResult provision_accounts(Call& call, const Client& client, SessionState& state,
                                           const ProvisionAccountsRequest& request);
ProvisionServicesResult provision_services(Call& call, const Client& client,
                                           const ConnectorConfig& config, SessionState& state,
                                           const ProvisionServicesRequest& request);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_PROVISIONING_H_
