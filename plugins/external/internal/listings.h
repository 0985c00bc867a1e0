// list_accounts and list_services: the platform's customers (searched by the platform) and
// its services (filtered here), one page of the protocol's own cursor per call.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LISTINGS_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LISTINGS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

ListPage list_accounts(Call& call, const Client& client, const ListRequest& request);
ListPage list_services(Call& call, const Client& client, const ListRequest& request);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LISTINGS_H_
