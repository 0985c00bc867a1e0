// The "external" platform: a billing/distribution platform implementing meterbridge's external
// push protocol v1 exactly as docs/external-protocol.md specifies it (the reference
// implementation a platform team can compare theirs with).
//
//   GET    /v1/integration                 the integration and limits (the credential check)
//   GET    /v1/services                    accepted services with their metrics, paged
//   GET    /v1/customers[?search=]         the MSP's customers, paged
//   GET    /v1/links                       every link, paged
//   GET    /v1/links/{vendor_customer_id}  one link, or 404 link_not_found
//   PUT    /v1/links/{vendor_customer_id}  {"customer_id":..} → 201 new / 200 existed; 409, 422
//   DELETE /v1/links/{vendor_customer_id}  204, linked or not
//   GET    /v1/counts[?customer_id=..]*    current counts of linked customers, paged
//   POST   /v1/count-batches               absolute counts with an Idempotency-Key; per-item
//                                          results; a replay answers the stored response
//
// Every /v1 call needs "Authorization: Bearer <api_key>" (setting `api_key`, default
// "ext-sim-key-0001"). Errors are {"error":{"code","message","details"}}.
// Seed: see internal/seed_data.h; --generate customers=N,links=M,seed=S.
// Settings: api_key, suspended, max_batch_items, max_page_size, max_customer_filter,
// rate_limit_requests (0 = off) and rate_limit_window_seconds.
// GET /_sim/state: integration, services, customers, links, counts (with "changes", the number
// of pushes that changed each) and batches (with "replays").
#ifndef METERBRIDGE_SIM_EXTERNAL_EXTERNAL_PLATFORM_H_
#define METERBRIDGE_SIM_EXTERNAL_EXTERNAL_PLATFORM_H_

#include <memory>

#include "sim/core/platform.h"

namespace mb::sim::external {

std::unique_ptr<Platform> make_external_platform();

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_EXTERNAL_PLATFORM_H_
