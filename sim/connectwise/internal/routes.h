// The ConnectWise API's HTTP handlers. Every apis/3.0 request first passes the gate, in the
// order the platform's layers apply it: the rate limit, the codebase in the path, the clientId
// header, Basic authentication, the model version from Accept, the member's security role.
// Then one handler per route answers it.
//
// routes.cc holds the gate and discovery (companyinfo, system/info), routes_records.cc the
// read-only lists (companies, catalog, agreements), routes_additions.cc the agreement additions.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_ROUTES_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_ROUTES_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connectwise/internal/list_query.h"
#include "sim/connectwise/internal/model.h"
#include "sim/connectwise/internal/records.h"
#include "sim/connectwise/internal/settings.h"
#include "sim/core/http_types.h"
#include "sim/core/rate_window.h"
#include "sim/core/router.h"

namespace mb::sim::connectwise {

// Everything after ".../apis/3.0/" in the path: "finance/agreements/9001/additions"; empty
// for a path outside the API.
std::string_view api_relative_path(std::string_view path);

// The context every handler of an apis/3.0 route gets once the request has been admitted.
struct ApiCall {
  const Request& request;
  std::string version;      // the model version answered with
  const ApiMember* member;  // who authenticated
};

class Api {
 public:
  // The references outlive the Api: the platform owns all four.
  Api(Model& model, const Settings& settings, SlidingWindowLimiter& limiter)
      : model_(model), settings_(settings), limiter_(limiter) {}

  void register_routes(Router& router);

 private:
  using Handler = Response (Api::*)(const ApiCall&);

  // The gate (routes.cc).
  void add_api(Router& router, std::string method, std::string_view path, Handler handler);
  Response serve_api(const Request& request, Handler handler);
  std::optional<Response> enforce_rate_limit();
  std::string current_codebase() const;
  void require_current_codebase(const Request& request) const;
  void require_client_id(const Request& request) const;
  const ApiMember& authenticate(const Request& request) const;
  std::string negotiate_version(const Request& request) const;
  static void require_permission(const Request& request, const ApiMember& member);
  // Whether the member's role lets it send `method` to `relative` (a path under apis/3.0). A
  // rule's method may also be "CLOSE": moving a ticket to a closed status (Close Service
  // Tickets), which the ticket PATCH checks.
  static bool permits(const ApiMember& member, std::string_view method, std::string_view relative);

  // Discovery and credential check (routes.cc).
  Response company_info(const Request& request) const;
  Response system_info(const ApiCall& call);

  // Lists, counts and single records (routes_records.cc).
  PagingLimits paging_limits() const;
  Response list(const ApiCall& call, Entity entity,
                std::vector<const boost::json::object*> rows) const;
  Response count(const ApiCall& call, Entity entity,
                 const std::vector<const boost::json::object*>& rows) const;
  static Response single(const ApiCall& call, Entity entity, const boost::json::object& record);
  Response list_companies(const ApiCall& call);
  Response count_companies(const ApiCall& call);
  Response get_company(const ApiCall& call);
  Response list_catalog(const ApiCall& call);
  Response count_catalog(const ApiCall& call);
  Response get_catalog_item(const ApiCall& call);
  Response list_agreements(const ApiCall& call);
  Response count_agreements(const ApiCall& call);
  Response get_agreement(const ApiCall& call);

  // Additions, always under their agreement (routes_additions.cc).
  int64_t parent_agreement(const Request& request) const;
  boost::json::object& find_addition(const Request& request);
  boost::json::object& store_addition(int64_t id, boost::json::object addition,
                                      int64_t agreement_id, const ApiCall& call);
  bool apply_patch_operation(boost::json::object& addition,
                             const boost::json::value& operation) const;
  Response list_additions(const ApiCall& call);
  Response count_additions(const ApiCall& call);
  Response get_addition(const ApiCall& call);
  Response create_addition(const ApiCall& call);
  Response replace_addition(const ApiCall& call);
  Response patch_addition(const ApiCall& call);
  Response delete_addition(const ApiCall& call);

  // Service tickets: boards, statuses, priorities, tickets and their notes, and the member's
  // effective rights (routes_tickets.cc).
  Response list_boards(const ApiCall& call);
  Response get_board(const ApiCall& call);
  Response list_board_statuses(const ApiCall& call);
  Response list_priorities(const ApiCall& call);
  Response list_tickets(const ApiCall& call);
  Response count_tickets(const ApiCall& call);
  Response get_ticket(const ApiCall& call);
  Response create_ticket(const ApiCall& call);
  Response patch_ticket(const ApiCall& call);
  Response list_ticket_notes(const ApiCall& call);
  Response create_ticket_note(const ApiCall& call);
  Response my_security(const ApiCall& call);
  boost::json::object& find_ticket(const Request& request, std::string_view parameter);

  Model& model_;
  const Settings& settings_;
  SlidingWindowLimiter& limiter_;
};

// Helpers the route files share (routes.cc).

// A route's id parameter. Route ids are int32 in the platform; anything else matches no route
// there, so it answers no_resource.
int64_t id_parameter(const Request& request, std::string_view name);
// The JSON body; 400 InvalidObject "<resource> object is invalid" when it is not JSON.
boost::json::value parse_body(const Request& request, std::string_view resource);
// The record with this id; 404 "<what> <id> not found" otherwise.
const boost::json::object& find_record(const RecordTable& table, int64_t id, std::string_view what);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_ROUTES_H_
