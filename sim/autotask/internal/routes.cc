#include "sim/autotask/internal/routes.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

#include "sim/autotask/internal/api_error.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

constexpr std::string_view kZoneError = "Zone information could not be determined";
constexpr std::string_view kIntegrationCodeError = "IntegrationCode is invalid.";

Response version_information(const Request&) {
  return wire_json(200, json::object{{"apiVersions", json::array{"1.0"}}});
}

}  // namespace

std::optional<int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Strict JSON, as ASP.NET reads request bodies; anything else reads as "no model" (null).
json::value parse_body(const std::string& body) {
  if (body.empty()) return nullptr;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  return ec ? json::value(nullptr) : parsed;
}

const json::object& body_object(const json::value& body) {
  if (!body.is_object()) {
    throw HttpError(500, "Value cannot be null.\r\nParameter name: restModelInput");
  }
  return body.get_object();
}

Response item_id_response(int64_t id) { return wire_json(200, json::object{{"itemId", id}}); }

void Api::register_routes(Router& router) {
  const std::string root(kRootPath);
  const std::string v1(kVersionPath);
  router.add("GET", root + "/VersionInformation", &version_information);
  router.add("GET", v1 + "/ZoneInformation", [this](const Request& r) { return zone(r); });
  router.add("GET", v1 + "/ThresholdInformation",
             api([this](const Request&, const ApiUser&) { return threshold_information(); }));
  router.add(
      "GET", v1 + "/Version", api([](const Request&, const ApiUser&) {
        return wire_json(
            200, json::object{
                     {"majorVersion", 1}, {"minorVersion", 0}, {"build", 0}, {"customerType", 0}});
      }));

  for (const EntitySchema* schema : all_schemas()) {
    const std::string base = v1 + "/" + schema->name;
    add_information_routes(router, base, *schema);
    if (schema->can_query) add_query_routes(router, base, *schema);
  }
  for (const EntitySchema* schema :
       {&companies_schema(), &services_schema(), &contracts_schema()}) {
    const std::string base = v1 + "/" + schema->name;
    router.add("POST", base, api([this, schema](const Request& r, const ApiUser&) {
                 return item_id_response(tenant_.create(*schema, body_object(parse_body(r.body))));
               }));
    for (const char* method : {"PATCH", "PUT"}) {
      const bool replace = std::string_view(method) == "PUT";
      router.add(method, base, api([this, schema, replace](const Request& r, const ApiUser&) {
                   return item_id_response(
                       tenant_.update(*schema, body_object(parse_body(r.body)), replace));
                 }));
    }
  }
  add_contract_child_routes(router, v1 + "/Contracts/{parentId}");
  add_ticket_routes(router, v1);
  router.add(
      "POST", v1 + "/ContractServiceAdjustments",
      api([this](const Request& r, const ApiUser&) { return create_adjustment(r, std::nullopt); }));
}

// Wraps a handler with what every authenticated route does first.
Handler Api::api(ApiHandler handler) {
  return [this, handler = std::move(handler)](const Request& request) -> Response {
    Admission admission = admit(request);
    if (auto* refusal = std::get_if<Response>(&admission)) return std::move(*refusal);
    return handler(request, *std::get<const ApiUser*>(admission));
  };
}

// ---------------------------------------------------------------------------------------------
// Admission: URL length, credentials, hourly threshold — in the order the platform applies
// them (the web server's request filtering runs before the API sees the request).

Api::Admission Api::admit(const Request& request) {
  const size_t question = request.target.find('?');
  if (question != std::string::npos && static_cast<int64_t>(request.target.size() - question - 1) >
                                           settings_.max_query_string_length) {
    return query_string_too_long();
  }

  // An unknown user cannot be placed in a zone: the same answer as zone discovery gives.
  const std::string user_name(request.header("UserName").value_or(""));
  const ApiUser* user = tenant_.find_user(user_name);
  if (user == nullptr) return errors_body(500, kZoneError);
  if (request.header("ApiIntegrationCode").value_or("") != user->integration_code) {
    return errors_body(500, kIntegrationCodeError);
  }
  if (request.header("Secret").value_or("") != user->secret) return Response::empty(401);

  // The threshold is per database: every user and integration code of the tenant counts.
  if (!hourly_.try_acquire()) return threshold_exceeded();
  return user;
}

Response Api::threshold_exceeded() {
  Response response = errors_body(
      static_cast<int>(settings_.threshold_status),
      "Request threshold exceeded: this Autotask database has made more than " +
          std::to_string(settings_.hourly_threshold) +
          " API requests in the last 60 minutes. API access is suspended until usage falls "
          "below the threshold.");
  if (settings_.threshold_retry_after) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(hourly_.retry_after());
    response.set_header("Retry-After", std::to_string(std::max<int64_t>(wait.count(), 1)));
  }
  return response;
}

Response Api::zone(const Request& request) const {
  const std::string user_name(request.query_param_any_case("user").value_or(""));
  const ApiUser* user = user_name.empty() ? nullptr : tenant_.find_user(user_name);
  if (user == nullptr) return errors_body(500, kZoneError);
  return wire_json(200, json::object{{"zoneName", user->zone_name},
                                     {"url", request.base_url + std::string(kRootPath) + "/"},
                                     {"webUrl", request.base_url + "/"},
                                     {"ci", user->ci}});
}

Response Api::threshold_information() const {
  // The poll itself was admitted, so it is included in the count, as on the real API.
  return wire_json(200, json::object{{"externalRequestThreshold", settings_.hourly_threshold},
                                     {"requestThresholdTimeframe", kThresholdTimeframeMinutes},
                                     {"currentTimeframeRequestCount", hourly_.count()}});
}

}  // namespace mb::sim::autotask
