// The external protocol's HTTP handlers (docs/external-protocol.md). Every /v1 call is admitted
// first: the bearer API key, a suspended integration, then the rate limit. Then one handler per
// route answers it; an ApiError a handler throws becomes the protocol's error body.
//
// routes.cc holds admission, the integration and the catalogue (services, customers);
// routes_links.cc the links; routes_counts.cc the counts and count batches.
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_ROUTES_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_ROUTES_H_

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "sim/core/http_types.h"
#include "sim/core/rate_window.h"
#include "sim/core/router.h"
#include "sim/external/internal/listing.h"
#include "sim/external/internal/model.h"
#include "sim/external/internal/settings.h"

namespace mb::sim::external {

class Api {
 public:
  // The references outlive the Api: the platform owns all three.
  Api(Ledger& ledger, const Settings& settings, SlidingWindowLimiter& limiter)
      : ledger_(ledger), settings_(settings), limiter_(limiter) {}

  void register_routes(Router& router);

 private:
  using Method = Response (Api::*)(const Request&);

  // Admission and request checks (routes.cc).
  void add(Router& router, const char* method, std::string_view pattern, Method handler);
  // Authentication, suspension and the rate limit, in that order, for every /v1 call: the
  // refusal, or nothing when the request may proceed.
  std::optional<Response> admit(const Request& request);
  static void require_json_body(const Request& request);
  PageRequest page_request(const Request& request, std::string_view list,
                           std::string_view filter = {}) const;
  static std::string vendor_customer_id(const Request& request);

  // The integration and the catalogue (routes.cc).
  Response get_integration(const Request& request);
  Response list_services(const Request& request);
  Response list_customers(const Request& request);

  // routes_links.cc
  Response list_links(const Request& request);
  Response get_link(const Request& request);
  Response put_link(const Request& request);
  Response delete_link(const Request& request);
  // POST /v1/link-batches (protocol 1.1): each item linked as its own PUT would, in order.
  Response post_link_batch(const Request& request);

  // routes_counts.cc
  Response list_counts(const Request& request);
  Response post_count_batch(const Request& request);

  Ledger& ledger_;
  const Settings& settings_;
  SlidingWindowLimiter& limiter_;
};

// Helpers the route files share (routes.cc).

// The current time as "YYYY-MM-DDTHH:MM:SSZ" (UTC).
std::string now_iso();
// The JSON body; 400 invalid_request when it is not JSON.
boost::json::value parse_body(const Request& request);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_ROUTES_H_
