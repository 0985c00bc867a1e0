// The "test" platform: a small but real API for exercising HTTP clients and the simulator core.
//
//   GET    /api/items?page=1&pageSize=25[&search=text]   paged list
//   {items,page,pageSize,total,next} GET    /api/items/{id}                               one item,
//   404 when unknown POST   /api/items        {"name":"..","quantity":3}  201 with the created item
//   PATCH  /api/items/{id}   {"quantity":5}              200 with the updated item
//   DELETE /api/items/{id}                               204
//   ANY    /api/echo[?status=N]                          what was received: method, path, query,
//                                                        headers and body (no auth)
//
// Every /api/items call needs "Authorization: Bearer test-token" (401 JSON error otherwise).
// Seed: {"items":[{"id":1,"name":"Widget","quantity":3}]}; --generate items=500,seed=7.
// Settings (POST /_sim/settings): token, max_page_size, items_concurrency_limit (0 = none) and
// throttle_status (the status of the concurrency-limit error, default 429).
#ifndef METERBRIDGE_SIM_TESTPLATFORM_TEST_PLATFORM_H_
#define METERBRIDGE_SIM_TESTPLATFORM_TEST_PLATFORM_H_

#include <memory>

#include "sim/core/platform.h"

namespace mb::sim::testplatform {

std::unique_ptr<Platform> make_test_platform();

}  // namespace mb::sim::testplatform

#endif  // METERBRIDGE_SIM_TESTPLATFORM_TEST_PLATFORM_H_
