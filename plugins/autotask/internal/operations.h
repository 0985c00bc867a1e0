// The operations behind the session hooks of Autotask PSA, one .cc each (internal/<operation>.cc);
// the session (autotask_session.h) hands each hook to its operation.
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_OPERATIONS_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_OPERATIONS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include "internal/adjustments.h"
#include "internal/client.h"

namespace meterbridge::autotask {

// authenticate: proves the whole credential set with one cheap authenticated call.
//
// zoneInformation only proves the user name exists, so the check is: discover the zone afresh
// (the tenant may have moved), then GET ThresholdInformation, which needs every header and
// also tells how much of the tenant's hourly request threshold is in use.
//
//   authenticate(client, call)
//   // {"status":"ok","message":"Autotask accepted api@acme.example in zone America East 3 ..."}
//   // {"status":"auth_failed","message":"Autotask rejected the integration code (HTTP 500):
//   IntegrationCode is invalid."}
// The verdict document of on_authenticate. Throws PluginError only when no verdict could be
// reached for a reason worth retrying as such (throttled, the host's budget exhausted).
AuthenticateResult authenticate(AutotaskClient& client, Call& call);

// list_accounts and list_services: Autotask Companies and Services, one Autotask page per call.
//
// The host pages with an opaque cursor. Ours carries Autotask's nextPageUrl together with the
// query it continues, because Autotask wants the next page POSTed with the identical body;
// rebuilding the body from the host's arguments could drift (a different limit or search).
//
//   list_accounts(client, call, R"({"cursor":null,"search":null,"limit":500})");
//   // {"items":[{"id":"412","name":"Northwind Dental","active":true,"details":{...}}],
//   //  "next_cursor":"{\"page\":\"https://.../Companies/query/next?paging=...\",\"query\":{...}}"}
// Active companies of the configured company types; `search` matches part of the name.
ListPage list_accounts(AutotaskClient& client, Call& call, const ListRequest& request);

// Active services; `search` matches part of the name.
ListPage list_services(AutotaskClient& client, Call& call, const ListRequest& request);

// read_quantities and apply_quantities: the host's line documents (abi.h) against Autotask.
//
// Both work in bulk. For a batch of lines they ask, with `in` filters of up to 500 ids and
// every chunk of one entity in one concurrent batch:
//   Companies            which companies exist and are active,
//   Contracts            their active Recurring Service contracts,
//   ContractServices     those contracts' lines for the services asked about,
//   ContractServiceUnits the units of the lines found, on the effective date.
// apply_quantities skips the first three for lines carrying the line_ref a read returned, and
// always re-reads the units before computing a delta.
//
//   ReadResult out = read_quantities(client, call, decode<ReadRequest>(input_json));
ReadResult read_quantities(AutotaskClient& client, Call& call, const ReadRequest& request);

ApplyResult apply_quantities(AutotaskClient& client, AdjustmentLedger& ledger, Call& call,
                             const ApplyRequest& request);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_OPERATIONS_H_
