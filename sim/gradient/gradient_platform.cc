// The platform's wiring: seeds, state and settings for the core, the endpoint keys, the error
// shapes the core's own answers take, the API's routes (internal/routes*.cc) and the test hooks
// (internal/synthesize_hooks.cc).
#include "sim/gradient/gradient_platform.h"

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <utility>

#include "sim/core/rate_window.h"
#include "sim/gradient/internal/api_error.h"
#include "sim/gradient/internal/model.h"
#include "sim/gradient/internal/routes.h"
#include "sim/gradient/internal/seed_data.h"
#include "sim/gradient/internal/settings.h"
#include "sim/gradient/internal/synthesize_hooks.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

// A fixed seed for ids the simulator makes, so a run is repeatable after every reset.
constexpr uint64_t kIdSeed = 0x6a7d1e47ULL;

// "GET /api/vendor-api/service/{serviceId}/count": ids replaced so statistics and fault rules
// see one key per route.
std::string api_endpoint_key(const Request& request) {
  const std::string_view path = request.path;
  if (path == kApiPrefix) return request.method + " " + std::string(kApiPrefix);
  if (!path.starts_with(std::string(kApiPrefix) + "/")) return default_endpoint_key(request);
  std::string key = request.method + " " + std::string(kApiPrefix);
  std::string_view previous;
  for (std::string_view segment : split_path(path.substr(kApiPrefix.size()))) {
    key += '/';
    if (previous == "accounts" || (previous == "alerting" && segment != "debug")) {
      key += "{accountId}";
    } else if (previous == "service") {
      key += "{serviceId}";
    } else if (previous == "status") {
      key += "{status}";
    } else if (previous == "debug") {
      key += "{messageId}";
    } else {
      key += segment;
    }
    previous = segment;
  }
  return key;
}

class GradientPlatform : public Platform {
 public:
  GradientPlatform() : hooks_(world_, ids_) {}

  void register_routes(Router& router) override {
    api_.register_routes(router);
    hooks_.register_routes(router);
  }

  json::value default_seed() const override { return default_gradient_seed(); }

  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_gradient_seed(spec);
  }

  void load_seed(const json::value& seed) override {
    IdSource ids(kIdSeed);
    World world = parse_world(seed, ids);
    // Assigned in place: the hooks hold references to these members.
    world_ = std::move(world);
    ids_ = ids;
    limiter_.reset();
    api_.reset();
  }

  json::value state() const override {
    return world_state_json(world_, settings_.alert_closed_status);
  }

  EndpointClass classify(const Request& request) const override {
    return EndpointClass{api_endpoint_key(request), 0};
  }

  // An injected "throttle" fault answers like the real limit.
  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    return rate_limited(settings_, std::chrono::seconds(1));
  }

  Response error_response(int status, std::string_view message) const override {
    return gradient_error(status, json::value(message));
  }

  // Express answers an unknown path, or a known path under another method, with 404
  // "Cannot <METHOD> <path>".
  Response no_route_response(const Request& request, RouteMiss /*miss*/) const override {
    return gradient_error(404, json::value("Cannot " + request.method + " " + request.path));
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
    return std::chrono::milliseconds(settings_.rate_limit_window_ms);
  }

  World world_;
  IdSource ids_{kIdSeed};
  SynthesizeHooks hooks_;
  Settings settings_;
  SlidingWindowLimiter limiter_{settings_.rate_limit_requests, rate_window()};
  Api api_{world_, ids_, settings_, limiter_};
};

}  // namespace

std::unique_ptr<Platform> make_gradient_platform() { return std::make_unique<GradientPlatform>(); }

}  // namespace mb::sim::gradient
