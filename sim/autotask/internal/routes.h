// The Autotask REST API's HTTP handlers. Every authenticated route is admitted first, in the
// order the platform applies it: the query string's length (the web server's request
// filtering), the API user and its integration code and secret, then the tenant's hourly
// threshold. Then one handler per route answers it.
//
// routes.cc holds admission and the version, zone and threshold routes; routes_entities.cc the
// routes every entity has (information, query, count, get by id, create, update);
// routes_contracts.cc a contract's child routes and the adjustments.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_ROUTES_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_ROUTES_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sim/autotask/internal/model.h"
#include "sim/autotask/internal/query.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/settings.h"
#include "sim/core/http_types.h"
#include "sim/core/rate_window.h"
#include "sim/core/router.h"

namespace mb::sim::autotask {

inline constexpr std::string_view kRootPath = "/ATServicesRest";
inline constexpr std::string_view kVersionPath = "/ATServicesRest/V1.0";
inline constexpr int64_t kThresholdTimeframeMinutes = 60;

class Api {
 public:
  // The references outlive the Api: the platform owns all three.
  Api(Tenant& tenant, const Settings& settings, SlidingWindowLimiter& hourly)
      : tenant_(tenant), settings_(settings), hourly_(hourly) {}

  // Registers every route on `router`. The handlers capture this Api.
  void register_routes(Router& router);

 private:
  // A request whose credentials were accepted, or the answer that refuses it.
  using Admission = std::variant<const ApiUser*, Response>;
  using ApiHandler = std::function<Response(const Request&, const ApiUser&)>;

  // Admission and the routes around the entities (routes.cc).
  Handler api(ApiHandler handler);
  Admission admit(const Request& request);
  Response threshold_exceeded();
  Response zone(const Request& request) const;
  Response threshold_information() const;

  // Every entity's routes (routes_entities.cc).
  void add_information_routes(Router& router, const std::string& base, const EntitySchema& schema);
  void add_query_routes(Router& router, const std::string& base, const EntitySchema& schema);
  CompiledQuery compile(const EntitySchema& schema, const boost::json::value& model) const;
  Response query(const Request& request, const EntitySchema& schema,
                 const boost::json::value& model, const std::optional<std::string>& paging) const;
  Response count(const EntitySchema& schema, const boost::json::value& model) const;
  Response get_by_id(const Request& request, const EntitySchema& schema) const;
  Response user_defined_field_information(const EntitySchema& schema) const;

  // Tickets, their notes and the security level's rights (routes_tickets.cc).
  enum class Verb { kQuery, kCreate, kUpdate };
  // Refuses (settings' permission_status, Autotask's text) what the user's level denies.
  void require(const ApiUser& user, const EntitySchema& schema, Verb verb) const;
  void add_ticket_routes(Router& router, const std::string& v1);
  TicketRules ticket_rules() const;

  // Contracts/{parentId}/... and the adjustments (routes_contracts.cc).
  void add_contract_child_routes(Router& router, const std::string& parent);
  Response create_adjustment(const Request& request, std::optional<int64_t> contract_id);

  Tenant& tenant_;
  const Settings& settings_;
  // Counting expires old entries, which ThresholdInformation does while reading.
  SlidingWindowLimiter& hourly_;
};

// Helpers the route files share (routes.cc).

// A route's id: digits only, at most 18 of them.
std::optional<int64_t> parse_id(std::string_view text);
// Strict JSON, as ASP.NET reads request bodies; anything else reads as "no model" (null).
boost::json::value parse_body(const std::string& body);
// The body as an object; ASP.NET's "Value cannot be null" 500 otherwise.
const boost::json::object& body_object(const boost::json::value& body);
// {"itemId": id}, the answer to every write.
Response item_id_response(int64_t id);

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_ROUTES_H_
