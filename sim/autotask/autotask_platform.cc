#include "sim/autotask/autotask_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <variant>

#include "sim/autotask/internal/dates.h"
#include "sim/autotask/internal/query.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/seed_data.h"
#include "sim/autotask/internal/tenant.h"
#include "sim/core/rate_window.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

constexpr std::string_view kRootPath = "/ATServicesRest";
constexpr std::string_view kVersionPath = "/ATServicesRest/V1.0";
constexpr std::string_view kZoneError = "Zone information could not be determined";
constexpr std::string_view kIntegrationCodeError = "IntegrationCode is invalid.";
constexpr int64_t kThresholdTimeframeMinutes = 60;

struct Settings {
  int64_t thread_limit = 3;                  // concurrent requests per (integration code, entity)
  int64_t thread_limit_status = 429;         // the thread-threshold error's status
  int64_t hourly_threshold = 10'000;         // requests per rolling hour for the whole tenant
  int64_t threshold_status = 429;            // status once the threshold is exceeded
  bool threshold_retry_after = true;         // send Retry-After with that refusal
  bool reject_duplicate_adjustments = true;  // same contract service + effective date -> 500
  int64_t max_page_size = 500;               // rows per query page (and MaxRecords ceiling)
  int64_t max_or_conditions = 500;           // conditions under "or" groups per query; 0: none
  int64_t max_query_string_length = 2048;    // IIS's maxQueryString: longer URLs get 404.15
};

// A request whose credentials were accepted, or the answer that refuses it.
using Admission = std::variant<const ApiUser*, Response>;

// "/ATServicesRest//V1.0/Companies/" -> "/ATServicesRest/V1.0/Companies": Autotask ignores empty
// segments (older zone URLs ended in "/", so clients produced "//").
std::string collapse_empty_segments(std::string_view path) {
  std::string collapsed;
  for (std::string_view segment : split_path(path)) {
    if (segment.empty()) continue;
    collapsed += '/';
    collapsed += segment;
  }
  return collapsed.empty() ? std::string("/") : collapsed;
}

// A JSON response written the way Autotask writes numbers (see serialize_wire_json).
Response wire_json(int status, const json::value& body) {
  Response response = Response::json(status, nullptr);
  response.body = serialize_wire_json(body);
  return response;
}

Response errors_body(int status, std::string_view message) {
  return wire_json(status, json::object{{"errors", json::array{json::string(message)}}});
}

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

// The opaque paging token of nextPageUrl/prevPageUrl. Observed tokens hold pageSize,
// previousIds and nextIds; here nextIds[0] is the id the page starts after and previousIds the
// start points of the pages before it, so prevPageUrl can be built too.
struct PagingState {
  int64_t page_size = 500;
  std::vector<int64_t> previous_ids;
  int64_t after_id = -1;
};

json::value paging_token(const PagingState& state) {
  json::array previous;
  for (int64_t id : state.previous_ids) previous.push_back(id);
  return json::object{{"pageSize", state.page_size},
                      {"previousIds", std::move(previous)},
                      {"nextIds", json::array{state.after_id}}};
}

std::optional<PagingState> parse_paging_token(std::string_view text, int64_t max_page_size) {
  boost::system::error_code ec;
  json::value token = json::parse(text, ec);
  const json::object* object = ec ? nullptr : token.if_object();
  if (object == nullptr) return std::nullopt;
  const json::value* page_size = find_member_any_case(*object, "pageSize");
  const json::value* previous = find_member_any_case(*object, "previousIds");
  const json::value* next = find_member_any_case(*object, "nextIds");
  if (!page_size || !page_size->is_int64() || page_size->get_int64() < 1 || !previous ||
      !previous->is_array() || !next || !next->is_array() || next->get_array().size() != 1 ||
      !next->get_array()[0].is_int64()) {
    return std::nullopt;
  }
  PagingState state;
  state.page_size = std::min(page_size->get_int64(), max_page_size);
  for (const json::value& id : previous->get_array()) {
    if (!id.is_int64()) return std::nullopt;
    state.previous_ids.push_back(id.get_int64());
  }
  state.after_id = next->get_array()[0].get_int64();
  return state;
}

class AutotaskPlatform : public Platform {
 public:
  AutotaskPlatform() : hourly_(settings_.hourly_threshold, std::chrono::hours(1)) {}

  void register_routes(Router& router) override {
    router.set_case_insensitive(true);
    add_routes(router);
    // The same routes again for paths with empty segments, which the core's router cannot
    // match; no_route_response() collapses such paths and dispatches them here.
    collapsed_routes_.set_case_insensitive(true);
    add_routes(collapsed_routes_);
  }

  json::value default_seed() const override { return default_tenant_seed(); }

  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_tenant_seed(spec);
  }

  void load_seed(const json::value& seed) override {
    Tenant fresh;
    fresh.load(seed);
    if (!fresh.seed_settings().empty()) {
      try {
        apply_settings(fresh.seed_settings());
      } catch (const HttpError& error) {
        throw SeedError(std::string("settings: ") + error.what());
      }
    }
    tenant_ = std::move(fresh);
    hourly_.reset();
  }

  json::value state() const override {
    json::value state = tenant_.state(today_utc());
    state.as_object()["threshold"] =
        json::object{{"externalRequestThreshold", settings_.hourly_threshold},
                     {"requestThresholdTimeframe", kThresholdTimeframeMinutes},
                     {"currentTimeframeRequestCount", hourly_.count()}};
    return state;
  }

  EndpointClass classify(const Request& request) const override {
    const std::string path = collapse_empty_segments(request.path);
    const std::vector<std::string_view> segments = split_path(path);
    if (segments.size() < 2 || !equals_ignore_case(segments[0], "ATServicesRest")) {
      return EndpointClass{default_endpoint_key(request), 0};
    }
    // Zone discovery is exempt from thread limiting [doc]; the version route is treated alike.
    if (equals_ignore_case(segments[1], "VersionInformation")) {
      return EndpointClass{"VersionInformation", 0};
    }
    if (segments.size() < 3 || !equals_ignore_case(segments[1], "V1.0")) {
      return EndpointClass{default_endpoint_key(request), 0};
    }
    if (equals_ignore_case(segments[2], "ZoneInformation")) {
      return EndpointClass{"ZoneInformation", 0};
    }
    const std::string endpoint = endpoint_name(segments);
    if (endpoint.empty()) return EndpointClass{default_endpoint_key(request), 0};
    // Buckets are per API tracking identifier and object endpoint [doc], so users sharing an
    // integration code share them.
    const std::string code(request.header("ApiIntegrationCode").value_or(""));
    return EndpointClass{endpoint + "@" + code, static_cast<int>(settings_.thread_limit)};
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& context) const override {
    const int64_t limit = context.cause == ThrottleCause::kConcurrencyLimit
                              ? context.max_in_flight
                              : std::max<int64_t>(settings_.thread_limit, 1);
    // The observed text and code; clients must recognise it by text, since its status varies.
    return errors_body(static_cast<int>(settings_.thread_limit_status),
                       "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of " +
                           std::to_string(limit) + " threads has been exceeded. (Itgenatr005)");
  }

  Response error_response(int status, std::string_view message) const override {
    if (status == 401) return Response::empty(401);  // a wrong secret gets no body at all
    if (status == 405) return wire_json(405, json::object{{"Message", message}});
    return errors_body(status, message);
  }

  Response no_route_response(const Request& request, RouteMiss miss) const override {
    const std::string collapsed = collapse_empty_segments(request.path);
    Router::Match match = collapsed_routes_.match(request.method, collapsed);
    if (collapsed != request.path && match.kind == Router::MatchKind::kFound) {
      Request rewritten = request;
      rewritten.path = collapsed;
      rewritten.path_params = std::move(match.path_params);
      try {
        // The handler captured the platform when the routes were registered; calling it here
        // is the same call the core would have made for the collapsed path.
        return (*match.handler)(rewritten);
      } catch (const HttpError& error) {
        return error_response(error.status(), error.what());
      } catch (const std::exception& error) {
        return error_response(500, error.what());
      }
    }
    if (miss == RouteMiss::kMethodNotAllowed ||
        match.kind == Router::MatchKind::kMethodNotAllowed || is_entity_collection(collapsed)) {
      return method_not_allowed(request.method, match.allowed_methods);
    }
    return not_found(request);
  }

  json::value settings() const override {
    return json::object{{"thread_limit", settings_.thread_limit},
                        {"thread_limit_status", settings_.thread_limit_status},
                        {"hourly_threshold", settings_.hourly_threshold},
                        {"threshold_status", settings_.threshold_status},
                        {"threshold_retry_after", settings_.threshold_retry_after},
                        {"reject_duplicate_adjustments", settings_.reject_duplicate_adjustments},
                        {"max_page_size", settings_.max_page_size},
                        {"max_or_conditions", settings_.max_or_conditions},
                        {"max_query_string_length", settings_.max_query_string_length}};
  }

  void apply_settings(const json::object& changes) override {
    Settings updated = settings_;
    for (const auto& [key, value] : changes) {
      if (key == "thread_limit") {
        updated.thread_limit = int_setting(key, value, 0, 1'000'000);
      } else if (key == "thread_limit_status") {
        updated.thread_limit_status = int_setting(key, value, 200, 599);
      } else if (key == "hourly_threshold") {
        updated.hourly_threshold = int_setting(key, value, 0, INT32_MAX);
      } else if (key == "threshold_status") {
        updated.threshold_status = int_setting(key, value, 200, 599);
      } else if (key == "threshold_retry_after") {
        updated.threshold_retry_after = bool_setting(key, value);
      } else if (key == "reject_duplicate_adjustments") {
        updated.reject_duplicate_adjustments = bool_setting(key, value);
      } else if (key == "max_page_size") {
        updated.max_page_size = int_setting(key, value, 1, 500);
      } else if (key == "max_or_conditions") {
        updated.max_or_conditions = int_setting(key, value, 0, 1'000'000);
      } else if (key == "max_query_string_length") {
        updated.max_query_string_length = int_setting(key, value, 1, 1'000'000);
      } else {
        throw HttpError(400, "unknown setting '" + std::string(key) + "'");
      }
    }
    settings_ = updated;
    hourly_.set_limit(settings_.hourly_threshold);
  }

  void reset_settings() override {
    settings_ = Settings{};
    hourly_.set_limit(settings_.hourly_threshold);
  }

 private:
  static int64_t int_setting(std::string_view key, const json::value& value, int64_t low,
                             int64_t high) {
    if (!value.is_int64() || value.get_int64() < low || value.get_int64() > high) {
      throw HttpError(400, "setting '" + std::string(key) + "' must be an integer from " +
                               std::to_string(low) + " to " + std::to_string(high));
    }
    return value.get_int64();
  }

  static bool bool_setting(std::string_view key, const json::value& value) {
    if (!value.is_bool()) {
      throw HttpError(400, "setting '" + std::string(key) + "' must be true or false");
    }
    return value.get_bool();
  }

  // The thread-limit bucket of /ATServicesRest/V1.0/<segments[2]>/...: the entity, or the child
  // entity of a Contracts/{id}/<child> route; empty for names Autotask does not have.
  static std::string endpoint_name(const std::vector<std::string_view>& segments) {
    const std::string_view name = segments[2];
    if (equals_ignore_case(name, "ThresholdInformation")) return "ThresholdInformation";
    if (equals_ignore_case(name, "Version")) return "Version";
    const EntitySchema* schema = find_schema(name);
    if (schema == nullptr) return {};
    if (schema == &contracts_schema() && segments.size() >= 5 && parse_id(segments[3])) {
      if (equals_ignore_case(segments[4], "Services")) return contract_services_schema().name;
      if (equals_ignore_case(segments[4], "ServiceUnits")) {
        return contract_service_units_schema().name;
      }
      if (equals_ignore_case(segments[4], "ServiceAdjustments")) {
        return contract_service_adjustments_schema().name;
      }
    }
    return schema->name;
  }

  // "/ATServicesRest/V1.0/ContractServiceUnits": an entity's collection resource exists even
  // where no verb is served on it (read-only entities, no root POST for ContractServices), so a
  // write there is "method not supported", not "no such resource".
  static bool is_entity_collection(std::string_view path) {
    const std::vector<std::string_view> segments = split_path(path);
    return segments.size() == 3 && equals_ignore_case(segments[0], "ATServicesRest") &&
           equals_ignore_case(segments[1], "V1.0") && find_schema(segments[2]) != nullptr;
  }

  // ASP.NET Web API's own answers for requests no action serves (note the capital "M").
  static Response method_not_allowed(const std::string& method,
                                     const std::vector<std::string>& allowed) {
    Response response = wire_json(
        405, json::object{{"Message", "The requested resource does not support http method '" +
                                          method + "'."}});
    if (!allowed.empty()) {
      std::string allow;
      for (const std::string& name : allowed) allow += (allow.empty() ? "" : ", ") + name;
      response.set_header("Allow", allow);
    }
    return response;
  }

  static Response not_found(const Request& request) {
    return wire_json(
        404, json::object{{"Message", "No HTTP resource was found that matches the request URI '" +
                                          request.base_url + request.target + "'."}});
  }

  // ------------------------------------------------------------------------------------------
  // Routing

  using ApiHandler = std::function<Response(const Request&, const ApiUser&)>;

  // Wraps a handler with what every authenticated route does first.
  Handler api(ApiHandler handler) {
    return [this, handler = std::move(handler)](const Request& request) -> Response {
      Admission admission = admit(request);
      if (auto* refusal = std::get_if<Response>(&admission)) return std::move(*refusal);
      return handler(request, *std::get<const ApiUser*>(admission));
    };
  }

  void add_routes(Router& router) {
    const std::string root(kRootPath);
    const std::string v1(kVersionPath);
    router.add("GET", root + "/VersionInformation", &version_information);
    router.add("GET", v1 + "/ZoneInformation", [this](const Request& r) { return zone(r); });
    router.add("GET", v1 + "/ThresholdInformation",
               api([this](const Request&, const ApiUser&) { return threshold_information(); }));
    router.add("GET", v1 + "/Version", api([](const Request&, const ApiUser&) {
                 return wire_json(200, json::object{{"majorVersion", 1},
                                                    {"minorVersion", 0},
                                                    {"build", 0},
                                                    {"customerType", 0}});
               }));

    for (const EntitySchema* schema : all_schemas()) {
      const std::string base = v1 + "/" + schema->name;
      add_information_routes(router, base, *schema);
      if (schema->can_query) add_query_routes(router, base, *schema);
    }
    for (const EntitySchema* schema :
         {&companies_schema(), &services_schema(), &contracts_schema()}) {
      const std::string base = v1 + "/" + schema->name;
      router.add(
          "POST", base, api([this, schema](const Request& r, const ApiUser&) {
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
    router.add("POST", v1 + "/ContractServiceAdjustments",
               api([this](const Request& r, const ApiUser&) {
                 return create_adjustment(r, std::nullopt);
               }));
  }

  void add_information_routes(Router& router, const std::string& base, const EntitySchema& schema) {
    const EntitySchema* entity = &schema;
    router.add("GET", base + "/entityInformation", api([entity](const Request&, const ApiUser&) {
                 return wire_json(200, entity_information(*entity));
               }));
    router.add("GET", base + "/entityInformation/fields",
               api([entity](const Request&, const ApiUser&) {
                 return wire_json(200, field_information(*entity));
               }));
    router.add("GET", base + "/entityInformation/userDefinedFields",
               api([this, entity](const Request&, const ApiUser&) {
                 return user_defined_field_information(*entity);
               }));
  }

  void add_query_routes(Router& router, const std::string& base, const EntitySchema& schema) {
    const EntitySchema* entity = &schema;
    router.add("POST", base + "/query", api([this, entity](const Request& r, const ApiUser&) {
                 return query(r, *entity, parse_body(r.body), std::nullopt);
               }));
    // The URL form: the QueryModel in ?search=, and its next pages as ?search=..&paging=..
    router.add("GET", base + "/query", api([this, entity](const Request& r, const ApiUser&) {
                 auto paging = r.query_param_any_case("paging");
                 return query(r, *entity, search_model(r),
                              paging ? std::optional<std::string>(*paging) : std::nullopt);
               }));
    // POST only: a GET here is answered 405 (clients that follow nextPageUrl with GET stop at
    // one page, the documented trap).
    router.add("POST", base + "/query/next", api([this, entity](const Request& r, const ApiUser&) {
                 auto paging = r.query_param_any_case("paging");
                 if (!paging)
                   throw HttpError(500, "Value cannot be null.\r\nParameter name: paging");
                 return query(r, *entity, parse_body(r.body), std::string(*paging));
               }));
    router.add("POST", base + "/query/count", api([this, entity](const Request& r, const ApiUser&) {
                 return count(*entity, parse_body(r.body));
               }));
    router.add("GET", base + "/query/count", api([this, entity](const Request& r, const ApiUser&) {
                 return count(*entity, search_model(r));
               }));
    router.add("GET", base + "/{id}", api([this, entity](const Request& r, const ApiUser&) {
                 return get_by_id(r, *entity);
               }));
  }

  void add_contract_child_routes(Router& router, const std::string& parent) {
    router.add("GET", parent + "/Services", api([this](const Request& r, const ApiUser&) {
                 auto contract_id = parse_id(r.path_param("parentId"));
                 if (!contract_id) return not_found(r);
                 return child_items(contract_services_schema(),
                                    tenant_.contract_services_of(*contract_id));
               }));
    router.add("GET", parent + "/Services/{id}", api([this](const Request& r, const ApiUser&) {
                 return child_item(r, contract_services_schema(), [this](int64_t contract_id) {
                   return tenant_.contract_services_of(contract_id);
                 });
               }));
    router.add("POST", parent + "/Services", api([this](const Request& r, const ApiUser&) {
                 auto contract_id = parse_id(r.path_param("parentId"));
                 if (!contract_id) return not_found(r);
                 return item_id_response(tenant_.create_contract_service(
                     *contract_id, body_object(parse_body(r.body))));
               }));
    for (const char* method : {"PATCH", "PUT"}) {
      const bool replace = std::string_view(method) == "PUT";
      router.add(method, parent + "/Services",
                 api([this, replace](const Request& r, const ApiUser&) {
                   auto contract_id = parse_id(r.path_param("parentId"));
                   if (!contract_id) return not_found(r);
                   return item_id_response(tenant_.update_contract_service(
                       *contract_id, body_object(parse_body(r.body)), replace));
                 }));
    }
    router.add("GET", parent + "/ServiceUnits", api([this](const Request& r, const ApiUser&) {
                 auto contract_id = parse_id(r.path_param("parentId"));
                 if (!contract_id) return not_found(r);
                 return child_items(contract_service_units_schema(),
                                    tenant_.unit_rows_of_contract(*contract_id));
               }));
    router.add("GET", parent + "/ServiceUnits/{id}", api([this](const Request& r, const ApiUser&) {
                 return child_item(r, contract_service_units_schema(), [this](int64_t contract_id) {
                   return tenant_.unit_rows_of_contract(contract_id);
                 });
               }));
    router.add("POST", parent + "/ServiceAdjustments",
               api([this](const Request& r, const ApiUser&) {
                 auto contract_id = parse_id(r.path_param("parentId"));
                 if (!contract_id) return not_found(r);
                 return create_adjustment(r, contract_id);
               }));
  }

  // ------------------------------------------------------------------------------------------
  // Admission: URL length, credentials, hourly threshold — in the order the platform applies
  // them (the web server's request filtering runs before the API sees the request).

  Admission admit(const Request& request) {
    const size_t question = request.target.find('?');
    if (question != std::string::npos &&
        static_cast<int64_t>(request.target.size() - question - 1) >
            settings_.max_query_string_length) {
      Response response;
      response.status = 404;
      response.headers.emplace_back("Content-Type", "text/html");
      response.body =
          "<html><head><title>404 - Not Found</title></head><body><h2>HTTP Error 404.15 - Not "
          "Found</h2><p>The request filtering module is configured to deny a request where the "
          "query string is too long.</p></body></html>";
      return response;
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

  Response threshold_exceeded() {
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

  // ------------------------------------------------------------------------------------------
  // Handlers

  static Response version_information(const Request&) {
    return wire_json(200, json::object{{"apiVersions", json::array{"1.0"}}});
  }

  Response zone(const Request& request) const {
    const std::string user_name(request.query_param_any_case("user").value_or(""));
    const ApiUser* user = user_name.empty() ? nullptr : tenant_.find_user(user_name);
    if (user == nullptr) return errors_body(500, kZoneError);
    return wire_json(200, json::object{{"zoneName", user->zone_name},
                                       {"url", request.base_url + std::string(kRootPath) + "/"},
                                       {"webUrl", request.base_url + "/"},
                                       {"ci", user->ci}});
  }

  Response threshold_information() const {
    // The poll itself was admitted, so it is included in the count, as on the real API.
    return wire_json(200, json::object{{"externalRequestThreshold", settings_.hourly_threshold},
                                       {"requestThresholdTimeframe", kThresholdTimeframeMinutes},
                                       {"currentTimeframeRequestCount", hourly_.count()}});
  }

  static json::value search_model(const Request& request) {
    auto search = request.query_param_any_case("search");
    if (!search) return nullptr;
    return parse_body(std::string(*search));
  }

  CompiledQuery compile(const EntitySchema& schema, const json::value& model) const {
    try {
      return compile_query(model, schema, QueryLimits{settings_.max_or_conditions});
    } catch (const QueryError& error) {
      throw HttpError(500, error.what());
    }
  }

  Response query(const Request& request, const EntitySchema& schema, const json::value& model,
                 const std::optional<std::string>& paging) const {
    const CompiledQuery compiled = compile(schema, model);
    PagingState state;
    if (paging) {
      auto parsed = parse_paging_token(*paging, settings_.max_page_size);
      if (!parsed) throw HttpError(500, "The paging parameter is not valid.");
      state = std::move(*parsed);
    } else {
      state.page_size = settings_.max_page_size;
      // MaxRecords is the page size: 1-500. Larger values are clamped, not refused.
      if (compiled.max_records && *compiled.max_records > 0) {
        state.page_size = std::min(*compiled.max_records, settings_.max_page_size);
      }
    }
    const RowSource& source = *tenant_.source(schema);
    const QueryPage page =
        read_page(source, compiled, state.after_id, static_cast<size_t>(state.page_size));

    json::array items;
    for (const Row* row : page.rows) {
      items.push_back(row_to_wire(
          schema, *row, compiled.include_fields.empty() ? nullptr : &compiled.include_fields));
    }
    json::value next = nullptr;
    if (page.more) {
      PagingState next_state = state;
      next_state.previous_ids.push_back(state.after_id);
      next_state.after_id = page.rows.back()->id();
      next = page_url(request, schema, next_state);
    }
    json::value previous = nullptr;
    if (!state.previous_ids.empty()) {
      PagingState previous_state = state;
      previous_state.after_id = previous_state.previous_ids.back();
      previous_state.previous_ids.pop_back();
      previous = page_url(request, schema, previous_state);
    }
    return wire_json(200,
                     json::object{{"items", std::move(items)},
                                  {"pageDetails", json::object{{"count", page.rows.size()},
                                                               {"requestCount", state.page_size},
                                                               {"prevPageUrl", std::move(previous)},
                                                               {"nextPageUrl", std::move(next)}}}});
  }

  // Absolute, on this simulator's origin. A POSTed query pages through .../query/next (POST
  // the same body there); a ?search= query through the same GET URL plus &paging=.
  static std::string page_url(const Request& request, const EntitySchema& schema,
                              const PagingState& state) {
    const std::string token = url_encode_component(json::serialize(paging_token(state)));
    const std::string base = request.base_url + std::string(kVersionPath) + "/" + schema.name;
    if (request.method == "GET") {
      const std::string search(request.query_param_any_case("search").value_or(""));
      return base + "/query?search=" + url_encode_component(search) + "&paging=" + token;
    }
    return base + "/query/next?paging=" + token;
  }

  Response count(const EntitySchema& schema, const json::value& model) const {
    const CompiledQuery compiled = compile(schema, model);
    return wire_json(
        200, json::object{{"queryCount", count_matches(*tenant_.source(schema), compiled)}});
  }

  Response get_by_id(const Request& request, const EntitySchema& schema) const {
    auto id = parse_id(request.path_param("id"));
    if (!id) return not_found(request);  // the route's id constraint does not match
    const Row* row = tenant_.source(schema)->find(*id);
    if (row == nullptr) {
      return errors_body(
          404, "No " + schema.singular + " with id " + std::to_string(*id) + " was found.");
    }
    return wire_json(200, json::object{{"item", row_to_wire(schema, *row)}});
  }

  static Response child_items(const EntitySchema& schema, const std::vector<const Row*>& rows) {
    json::array items;
    for (const Row* row : rows) items.push_back(row_to_wire(schema, *row));
    return wire_json(200, json::object{{"items", std::move(items)},
                                       {"pageDetails", json::object{{"count", rows.size()},
                                                                    {"requestCount", rows.size()},
                                                                    {"prevPageUrl", nullptr},
                                                                    {"nextPageUrl", nullptr}}}});
  }

  template <typename RowsOfContract>
  static Response child_item(const Request& request, const EntitySchema& schema,
                             RowsOfContract rows_of_contract) {
    auto contract_id = parse_id(request.path_param("parentId"));
    auto id = parse_id(request.path_param("id"));
    if (!contract_id || !id) return not_found(request);
    for (const Row* row : rows_of_contract(*contract_id)) {
      if (row->id() == *id) {
        return wire_json(200, json::object{{"item", row_to_wire(schema, *row)}});
      }
    }
    return errors_body(404, "No " + schema.singular + " with id " + std::to_string(*id) +
                                " was found on contract " + std::to_string(*contract_id) + ".");
  }

  Response create_adjustment(const Request& request, std::optional<int64_t> contract_id) {
    AdjustmentRules rules;
    rules.reject_same_day_duplicates = settings_.reject_duplicate_adjustments;
    return item_id_response(
        tenant_.create_adjustment(contract_id, body_object(parse_body(request.body)), rules));
  }

  Response user_defined_field_information(const EntitySchema& schema) const {
    json::array fields;
    if (const RowSource* source = tenant_.source(schema);
        source && schema.has_user_defined_fields) {
      std::set<std::string> names;
      source->scan(-1, std::nullopt, [&names](const Row& row) {
        if (const auto* udfs = row.user_defined_fields()) {
          for (const UserDefinedField& udf : *udfs) names.insert(udf.name);
        }
        return true;
      });
      for (const std::string& name : names) {
        fields.push_back(json::object{{"name", name},
                                      {"label", name},
                                      {"type", "string"},
                                      {"udfType", 1},
                                      {"isRequired", false},
                                      {"isActive", true},
                                      {"isProtected", false},
                                      {"isEncrypted", false},
                                      {"isPickList", false}});
      }
    }
    return wire_json(200, json::object{{"fields", std::move(fields)}});
  }

  Settings settings_;
  Tenant tenant_;
  // Counting expires old entries, which state() and ThresholdInformation do while reading.
  mutable SlidingWindowLimiter hourly_;
  Router collapsed_routes_;
};

}  // namespace

std::unique_ptr<Platform> make_autotask_platform() { return std::make_unique<AutotaskPlatform>(); }

}  // namespace mb::sim::autotask
