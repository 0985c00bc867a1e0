// The platform's wiring: seeds, state and settings for the core, the endpoint keys, the error
// shapes the core's own answers take, and the routes (internal/routes*.cc).
#include "sim/connectwise/connectwise_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/model.h"
#include "sim/connectwise/internal/routes.h"
#include "sim/connectwise/internal/seed_data.h"
#include "sim/connectwise/internal/settings.h"
#include "sim/core/rate_window.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

class ConnectWisePlatform : public Platform {
 public:
  ConnectWisePlatform() : limiter_(0, std::chrono::seconds(60)) {}

  void register_routes(Router& router) override { api_.register_routes(router); }

  json::value default_seed() const override { return default_seed_document(); }

  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_seed_document(spec);
  }

  void load_seed(const json::value& seed) override {
    model_.load(seed);
    limiter_.reset();
  }

  json::value state() const override { return model_.state(); }

  EndpointClass classify(const Request& request) const override {
    // "PATCH /finance/agreements/{id}/additions/{id}": the same key whatever the codebase.
    const std::string_view relative = api_relative_path(request.path);
    if (!relative.empty()) {
      std::string key = request.method + " ";
      for (std::string_view segment : split_path(relative)) {
        const bool numeric =
            !segment.empty() && std::all_of(segment.begin(), segment.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
        key += '/';
        key += numeric ? std::string_view("{id}") : segment;
      }
      return EndpointClass{key, 0};
    }
    if (starts_with_ignore_case(request.path, "/login/companyinfo/")) {
      return EndpointClass{"GET /login/companyinfo", 0};
    }
    return Platform::classify(request);
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    return too_many_requests(1);
  }

  Response error_response(int status, std::string_view message) const override {
    return error_for_status(status, message);
  }

  Response no_route_response(const Request& request, RouteMiss miss) const override {
    if (miss == RouteMiss::kMethodNotAllowed) {
      return api_error_response(ApiError(
          405, "ConnectWiseApi",
          "The requested resource does not support http method '" + request.method + "'."));
    }
    return api_error_response(no_resource(request));
  }

  json::value settings() const override { return settings_to_json(settings_); }

  void apply_settings(const json::object& changes) override {
    settings_ = with_changes(settings_, changes);
    limiter_.reconfigure(settings_.rate_limit_requests, rate_window());
  }

  void reset_settings() override {
    settings_ = Settings{};
    limiter_ = SlidingWindowLimiter(settings_.rate_limit_requests, rate_window());
  }

 private:
  SlidingWindowLimiter::Clock::duration rate_window() const {
    return std::chrono::seconds(settings_.rate_limit_window_seconds);
  }

  Model model_;
  Settings settings_;
  SlidingWindowLimiter limiter_;
  Api api_{model_, settings_, limiter_};
};

}  // namespace

std::unique_ptr<Platform> make_connectwise_platform() {
  return std::make_unique<ConnectWisePlatform>();
}

}  // namespace mb::sim::connectwise
