// The Gradient vendor API's HTTP handlers. Every request under /api/vendor-api first passes the
// gate: the rate limit (every request counts, as a gateway limit does), the JSON body parser's
// size limit, then the gradient-token. Then one handler per route answers it.
//
// routes.cc holds the gate, routes_organization.cc the integration, its status, the PSA clients
// and the accounts, routes_vendor.cc the vendor profile and services, routes_usage.cc the unit
// counts and alerts. The test hooks under /_sim/gradient/ are synthesize_hooks.h.
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_ROUTES_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_ROUTES_H_

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/http_types.h"
#include "sim/core/rate_window.h"
#include "sim/core/router.h"
#include "sim/gradient/internal/model.h"
#include "sim/gradient/internal/settings.h"

namespace mb::sim::gradient {

inline constexpr std::string_view kApiPrefix = "/api/vendor-api";

class Api {
 public:
  // The references outlive the Api: the platform owns all four.
  Api(World& world, IdSource& ids, const Settings& settings, SlidingWindowLimiter& limiter)
      : world_(world), ids_(ids), settings_(settings), limiter_(limiter) {}

  void register_routes(Router& router);
  // Forgets the tickets issued, when the seed is loaded again.
  void reset() { tickets_issued_ = 0; }

 private:
  struct ApiCall {
    const Request& request;
    Partner& partner;
  };
  using ApiHandler = Response (Api::*)(const ApiCall&);

  // The gate (routes.cc).
  void add_api(Router& router, std::string method, std::string_view path, ApiHandler handler);
  Response serve(const Request& request, ApiHandler handler);
  Partner& authenticate(const Request& request);
  // Gradient sets "active" itself once it receives usage or an alert (reference §3). A status
  // set deliberately on Gradient's side (disabled, error) is not cleared by usage.
  void note_usage(Partner& partner);

  // routes_organization.cc
  Response get_integration(const ApiCall& call);
  Response update_status(const ApiCall& call);
  Response list_clients(const ApiCall& call);
  Response create_accounts(const ApiCall& call);
  boost::json::array store_accounts(Partner& partner, std::vector<Account> incoming);
  Response list_accounts(const ApiCall& call);
  Response update_account(const ApiCall& call);

  // routes_vendor.cc
  Response get_vendor(const ApiCall& call);
  Response update_vendor(const ApiCall& call);
  Response create_service(const ApiCall& call);
  Service& service_in_path(const Request& request);
  Response get_service(const ApiCall& call);
  Response update_service(const ApiCall& call);

  // routes_usage.cc
  Response push_count(const ApiCall& call);
  Response create_alert(const ApiCall& call);
  Response alert_debug(const ApiCall& call);
  // Gradient works through a partner's queue in arrival order: settling one delivery settles
  // every earlier one still pending first.
  void settle_through(Partner& partner, size_t index);
  void settle_alert(Partner& partner, Alert& alert);

  World& world_;
  IdSource& ids_;
  const Settings& settings_;
  SlidingWindowLimiter& limiter_;
  int64_t tickets_issued_ = 0;
};

// Helpers the route files share (routes.cc).
std::string text(const boost::json::string* value);
std::string joined(std::span<const std::string_view> values);
// "T20250602.0042" from an ISO timestamp and a sequence number.
std::string ticket_id(std::string_view created_at, int64_t sequence);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_ROUTES_H_
