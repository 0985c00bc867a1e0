// list_accounts and list_services: companies and catalog items, one ConnectWise page (up to
// 1,000) per call whatever the host's "limit"; the cursor is the next page number.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LISTINGS_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LISTINGS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include "internal/client.h"

namespace meterbridge::connectwise {

ListPage list_accounts(Call& call, Client& client, const ListRequest& request);
ListPage list_services(Call& call, Client& client, const ListRequest& request);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_LISTINGS_H_
