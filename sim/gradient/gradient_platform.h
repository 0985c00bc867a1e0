// The "gradient" platform: Gradient MSP's Synthesize vendor API, built from
// Gradient's vendor API documentation and the user guides it cites — not from meterbridge's plugin.
//
//   auto simulator = mb::sim::Simulator::start("gradient", {});       // link mb::sim
//   GET {base}/api/vendor-api/organization
//       GRADIENT-TOKEN: base64("vk_live_123:pk_456") = dmtfbGl2ZV8xMjM6cGtfNDU2
//     -> 200 {"organizationId":"6650a1c2e4b0a1b2c3d4e5f6","name":"Northwind IT",...,
//             "status":"pending","lastSyncedAt":"1900-06-18T17:11:28.553Z"}
//   POST {base}/api/vendor-api/service/6650a1c2e4b0a1b2c3d4e777/count?no_build=true
//       {"accountId":"cust-7f3a","unitCount":43}
//     -> 201 {"status":201,"message":"Success - Created service unit count"}
//
// Routes (all under /api/vendor-api, all need the GRADIENT-TOKEN of the vendor key and a
// connected partner's key, all count against the 100-per-second limit):
//   GET   /organization                      IntegrationData (flat)
//   PATCH /organization/status/{status}      active|inactive|pending|disabled|error, lower case
//   GET   /organization/clients?search=&previousId=   {meta, clients}, id cursor
//   POST  /organization/accounts             JSON array of {id, name, description}
//   GET   /organization/accounts             bare array, no paging
//   PATCH /organization/accounts/{accountId} {id?, name?, description?}
//   GET   ""  (the vendor profile)           {status, data: VendorData, message}
//   PATCH ""                                 any of name, description, vendorSupportPageUrl,
//                                            integrationPortalUrl
//   POST  /service                           VendorData, unwrapped
//   GET   /service/{serviceId}               {data, message, status}
//   PATCH /service/{serviceId}               {data, message, status}
//   POST  /service/{serviceId}/count[?no_build=true]  201, or 400/403/404
//   POST  /alerting/{accountId}              {messageId, alertId, correlationID}; a later
//                                            delivery of an alertId updates its ticket
//   GET   /alerting/debug/{messageId}        pending, then success (ticketId) or failed
//
// Test hooks standing in for the MSP's Synthesize UI (POST, JSON body naming the partner by
// "partnerKey" or "organizationId"): /_sim/gradient/map-account, unmap-account, map-service,
// unmap-service, auto-map, regenerate-key, disconnect, connect; and for what Gradient does on its
// own: set-status (disabled, error), drop-counts, set-modules (the vendor's alerts/billing).
//
// Seed format, --generate, settings, hooks and every choice made on an uncertain point of the
// reference: docs/simulators.md, "The gradient platform".
#ifndef METERBRIDGE_SIM_GRADIENT_GRADIENT_PLATFORM_H_
#define METERBRIDGE_SIM_GRADIENT_GRADIENT_PLATFORM_H_

#include <memory>

#include "sim/core/platform.h"

namespace mb::sim::gradient {

std::unique_ptr<Platform> make_gradient_platform();

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_GRADIENT_PLATFORM_H_
