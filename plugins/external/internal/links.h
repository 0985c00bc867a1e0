// link_accounts and disconnect: workspaces linked to the platform's customers with
// PUT /v1/links/<workspace>, unlinked with DELETE; a disconnect unlinks every workspace.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINKS_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINKS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

LinkAccountsResult link_accounts(Call& call, const Client& client,
                                 const LinkAccountsRequest& request);
std::string disconnect(Call& call, const Client& client);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINKS_H_
