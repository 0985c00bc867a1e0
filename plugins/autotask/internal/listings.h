// list_accounts and list_services: Autotask Companies and Services, one Autotask page per call.
//
// The host pages with an opaque cursor. Ours carries Autotask's nextPageUrl together with the
// query it continues, because Autotask wants the next page POSTed with the identical body;
// rebuilding the body from the host's arguments could drift (a different limit or search).
//
//   list_accounts(client, call, R"({"cursor":null,"search":null,"limit":500})");
//   // {"items":[{"id":"412","name":"Northwind Dental","active":true,"details":{...}}],
//   //  "next_cursor":"{\"page\":\"https://.../Companies/query/next?paging=...\",\"query\":{...}}"}
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_LISTINGS_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_LISTINGS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>
#include <string_view>

#include "internal/client.h"

namespace meterbridge::autotask {

// Active companies of the configured company types; `search` matches part of the name.
meterbridge::ListPage list_accounts(AutotaskClient& client, meterbridge::Call& call,
                                    const meterbridge::ListRequest& request);

// Active services; `search` matches part of the name.
meterbridge::ListPage list_services(AutotaskClient& client, meterbridge::Call& call,
                                    const meterbridge::ListRequest& request);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_LISTINGS_H_
