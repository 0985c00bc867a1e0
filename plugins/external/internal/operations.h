// The operations behind the session hooks of the external push protocol, one .cc each
// (internal/<operation>.cc); the session (external_session.h) hands each hook to its operation.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_OPERATIONS_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_OPERATIONS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

// authenticate: GET /v1/integration with the API key; the platform must speak protocol 1.x.
AuthenticateResult authenticate(Call& call, const Client& client, PlatformCache& cache);

// list_accounts and list_services: the platform's customers (searched by the platform) and
// its services (filtered here), one page of the protocol's own cursor per call.
ListPage list_accounts(Call& call, const Client& client, const ListRequest& request);
ListPage list_services(Call& call, const Client& client, const ListRequest& request);

// read_quantities: GET /v1/counts for the lines' customers, in groups run as one batch; a line
// of a customer no workspace links reads as not linked (internal/lines.h).
ReadResult read_quantities(Call& call, const Client& client, PlatformCache& cache,
                           const ReadRequest& request);

// apply_quantities: the lines pushed as POST /v1/count-batches of at most the smaller of the
// connector's batch_size and the platform's max_batch_items, each under its own idempotency key
// (internal/idempotency.h), all in one host batch.
ApplyResult apply_quantities(Call& call, const Client& client, PlatformCache& cache,
                             const ApplyRequest& request);

// link_accounts and disconnect: workspaces linked to the platform's customers with
// POST /v1/link-batches of up to max_link_batch_items when the platform speaks protocol 1.1,
// else with PUT /v1/links/<workspace> each; unlinked with DELETE; a disconnect unlinks every
// workspace.
LinkAccountsResult link_accounts(Call& call, const Client& client, PlatformCache& cache,
                                 const LinkAccountsRequest& request);
std::string disconnect(Call& call, const Client& client);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_OPERATIONS_H_
