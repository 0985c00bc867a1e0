// authenticate: discovers the company's codebase (companyinfo), then proves the keys with cheap
// reads of companies, the product catalog and agreements, so a missing security-role permission
// is named before the first sync (docs/platforms/connectwise.md).
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_AUTHENTICATE_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_AUTHENTICATE_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include "internal/client.h"

namespace meterbridge::connectwise {

// The verdict on the connector's credentials; throws PluginError(rate_limited) when throttled.
AuthenticateResult authenticate(Call& call, Client& client);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_AUTHENTICATE_H_
