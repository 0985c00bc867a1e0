// list_accounts and list_services: Gradient's accounts (listed whole, paged from the session's
// copy), the MSP's PSA clients (a search starting "psa:"), and the vendor's services.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_LISTINGS_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_LISTINGS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"

namespace meterbridge::gradient {

ListPage list_accounts(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request);
ListPage list_services(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_LISTINGS_H_
