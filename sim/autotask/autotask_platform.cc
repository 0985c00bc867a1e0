// The platform's wiring: seeds, state and settings for the core, the thread-limit buckets, the
// error shapes the core's own answers take, paths with empty segments, and the routes
// (internal/routes*.cc).
#include "sim/autotask/autotask_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/autotask/internal/api_error.h"
#include "sim/autotask/internal/dates.h"
#include "sim/autotask/internal/model.h"
#include "sim/autotask/internal/routes.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/seed_data.h"
#include "sim/autotask/internal/settings.h"
#include "sim/core/rate_window.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

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

// The thread-limit bucket of /ATServicesRest/V1.0/<segments[2]>/...: the entity, or the child
// entity of a Contracts/{id}/<child> route; empty for names Autotask does not have.
std::string endpoint_name(const std::vector<std::string_view>& segments) {
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
  if (schema == &tickets_schema() && segments.size() >= 5 && parse_id(segments[3]) &&
      equals_ignore_case(segments[4], "Notes")) {
    return ticket_notes_schema().name;
  }
  return schema->name;
}

// "/ATServicesRest/V1.0/ContractServiceUnits": an entity's collection resource exists even
// where no verb is served on it (read-only entities, no root POST for ContractServices), so a
// write there is "method not supported", not "no such resource".
bool is_entity_collection(std::string_view path) {
  const std::vector<std::string_view> segments = split_path(path);
  return segments.size() == 3 && equals_ignore_case(segments[0], "ATServicesRest") &&
         equals_ignore_case(segments[1], "V1.0") && find_schema(segments[2]) != nullptr &&
         // Notes are written through their ticket only: the root route is "Resource not found".
         find_schema(segments[2]) != &ticket_notes_schema();
}

class AutotaskPlatform : public Platform {
 public:
  AutotaskPlatform() : hourly_(settings_.hourly_threshold, std::chrono::hours(1)) {}

  void register_routes(Router& router) override {
    router.set_case_insensitive(true);
    api_.register_routes(router);
    // The same routes again for paths with empty segments, which the core's router cannot
    // match; no_route_response() collapses such paths and dispatches them here.
    collapsed_routes_.set_case_insensitive(true);
    api_.register_routes(collapsed_routes_);
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
    return thread_threshold_exceeded(static_cast<int>(settings_.thread_limit_status), limit);
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
        // The handler captured the Api when the routes were registered; calling it here
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

  json::value settings() const override { return settings_to_json(settings_); }

  void apply_settings(const json::object& changes) override {
    settings_ = with_changes(settings_, changes);
    hourly_.set_limit(settings_.hourly_threshold);
  }

  void reset_settings() override {
    settings_ = Settings{};
    hourly_.set_limit(settings_.hourly_threshold);
  }

 private:
  Settings settings_;
  Tenant tenant_;
  // Counting expires old entries, which state() and ThresholdInformation do while reading.
  mutable SlidingWindowLimiter hourly_;
  Router collapsed_routes_;
  Api api_{tenant_, settings_, hourly_};
};

}  // namespace

std::unique_ptr<Platform> make_autotask_platform() { return std::make_unique<AutotaskPlatform>(); }

}  // namespace mb::sim::autotask
