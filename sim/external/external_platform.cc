// The platform's wiring: seeds, state and settings for the core, the endpoint keys, the error
// shapes the core's own answers take, and the routes (internal/routes*.cc).
#include "sim/external/external_platform.h"

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <utility>

#include "sim/core/rate_window.h"
#include "sim/external/internal/api_error.h"
#include "sim/external/internal/model.h"
#include "sim/external/internal/routes.h"
#include "sim/external/internal/seed_data.h"
#include "sim/external/internal/settings.h"

namespace mb::sim::external {
namespace {

namespace json = boost::json;

class ExternalPlatform : public Platform {
 public:
  void register_routes(Router& router) override { api_.register_routes(router); }

  json::value default_seed() const override { return default_seed_document(); }
  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_seed_document(spec);
  }
  void load_seed(const json::value& seed) override {
    ledger_ = load_seed_document(seed, now_iso());
    limiter_.reset();
  }
  json::value state() const override { return ledger_.state(); }

  EndpointClass classify(const Request& request) const override {
    static constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
        {"/v1/integration", "integration"}, {"/v1/services", "services"},
        {"/v1/customers", "customers"},     {"/v1/links", "links"},
        {"/v1/counts", "counts"},           {"/v1/count-batches", "count-batches"}};
    for (const auto& [path, key] : kKeys) {
      if (request.path == path || request.path.starts_with(std::string(path) + "/")) {
        return EndpointClass{std::string(key), 0};
      }
    }
    return Platform::classify(request);
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    Response response = error_body(429, "rate_limited", "too many requests; retry in 1 s");
    response.set_header("Retry-After", "1");
    return response;
  }

  Response error_response(int status, std::string_view message) const override {
    return error_body(status, code_for_status(status), message);
  }

  Response no_route_response(const Request& request, RouteMiss miss) const override {
    if (miss == RouteMiss::kNotFound) {
      return error_body(404, "not_found", "no such path: " + request.path);
    }
    Response response = error_body(405, "method_not_allowed",
                                   request.method + " is not allowed on " + request.path);
    response.set_header("Allow",
                        request.path.starts_with("/v1/links/") ? "GET, PUT, DELETE"
                        : request.path == "/v1/count-batches" || request.path == "/v1/link-batches"
                            ? "POST"
                            : "GET");
    return response;
  }

  json::value settings() const override { return settings_to_json(settings_); }

  void apply_settings(const json::object& changes) override {
    settings_ = with_changes(settings_, changes);
    limiter_ = SlidingWindowLimiter(settings_.rate_limit_requests,
                                    std::chrono::seconds(settings_.rate_limit_window_seconds));
  }

  void reset_settings() override {
    settings_ = Settings{};
    limiter_ = SlidingWindowLimiter(0, std::chrono::seconds(60));
  }

 private:
  Ledger ledger_;
  Settings settings_;
  SlidingWindowLimiter limiter_{0, std::chrono::seconds(60)};
  Api api_{ledger_, settings_, limiter_};
};

}  // namespace

std::unique_ptr<Platform> make_external_platform() { return std::make_unique<ExternalPlatform>(); }

}  // namespace mb::sim::external
