// The operations behind the session hooks of ConnectWise PSA, one .cc each
// (internal/<operation>.cc); the session (connectwise_session.h) hands each hook to its operation.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_OPERATIONS_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_OPERATIONS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include "internal/client.h"

namespace meterbridge::connectwise {

// authenticate: discovers the company's codebase (companyinfo), then proves the keys with cheap
// reads of companies, the product catalog and agreements, so a missing security-role permission
// is named before the first sync (docs/platforms/connectwise.md).
// The verdict on the connector's credentials; throws PluginError(rate_limited) when throttled.
AuthenticateResult authenticate(Call& call, Client& client);

// list_accounts and list_services: companies and catalog items, one ConnectWise page (up to
// 1,000) per call whatever the host's "limit"; the cursor is the next page number.
ListPage list_accounts(Call& call, Client& client, const ListRequest& request);
ListPage list_services(Call& call, Client& client, const ListRequest& request);

// read_quantities: each (company, catalog item) line resolved to the one agreement addition
// billing it (internal/contracts.h), its quantity and a line_ref naming the addition for apply.
ReadResult read_quantities(Call& call, Client& client, const ReadRequest& request);

// apply_quantities: absolute quantities set on agreement additions. ConnectWise has no
// effective date on a quantity change: it takes effect when made.
//
// Each changed line becomes one `PATCH finance/agreements/<a>/additions/<id>` with the body
// [{"op":"replace","path":"quantity","value":<target>}] (never a PUT, which would reset every
// field left out). Independent PATCHes run in one concurrent batch; lines that resolve to the
// same addition are written once (or refused as a conflict when their targets differ).
//
// The line_ref from read_quantities ({"agreement_id","addition_id"}) names the addition; a line
// without one is resolved in bulk first, like read_quantities. Then:
//   - 200: the returned record's quantity must equal the target (ConnectWise can answer a false
//     200 without changing anything); a mismatch fails the line with a clear message;
//   - 404: the addition or agreement went away since it was read: the line is resolved again
//     and written once more;
//   - no answer after the request may have been sent, a 5xx or an unreadable 200: the outcome
//     is unknown, so the addition is re-read; the target already there means updated, otherwise
//     the PATCH is sent once more (an absolute replace cannot double-apply);
//   - 429 after the engine's retries: failed, rate_limited.
// Returns one outcome per line, in input order. Throws PluginError only when nothing could be
// attempted (discovery failed, the host refused the first batch).
ApplyResult apply_quantities(Call& call, Client& client, const ApplyRequest& request);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_OPERATIONS_H_
