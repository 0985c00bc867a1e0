// Platform: what one simulated API (Autotask, ConnectWise, Gradient, external, test) plugs into
// the simulator core. The core owns the server, faults, latency, concurrency tracking, the
// request log and the control endpoints; a platform owns its data, its routes and the exact
// shape of its errors.
//
// Threading: the core calls every Platform method, and every handler the platform registered,
// with the simulator's data lock held, one call at a time. A platform therefore needs no locks
// of its own, but its handlers must not block (latency is the core's job, done with timers).
//
//   class ItemsPlatform : public Platform {
//    public:
//     void register_routes(Router& router) override {
//       router.add("GET", "/api/items", [this](const Request& r) { return list(r); });
//     }
//     boost::json::value default_seed() const override { return {{"items", ...}}; }
//     boost::json::value generate_seed(const GenerateSpec& spec) const override { ... }
//     void load_seed(const boost::json::value& seed) override { ... }
//     boost::json::value state() const override { ... }
//   };
#ifndef METERBRIDGE_SIM_CORE_PLATFORM_H_
#define METERBRIDGE_SIM_CORE_PLATFORM_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "sim/core/http_types.h"
#include "sim/core/router.h"
#include "sim/core/seed.h"

namespace mb::sim {

// How the core accounts for a request: the key its statistics and concurrency limit use.
struct EndpointClass {
  std::string key;        // e.g. "Companies" for Autotask, "GET /api/items" for the test platform
  int max_in_flight = 0;  // > 0: requests beyond this many in flight get throttle_response()
};

enum class ThrottleCause {
  kConcurrencyLimit,  // EndpointClass::max_in_flight exceeded
  kInjected,          // a "throttle" fault rule fired
};

struct ThrottleContext {
  ThrottleCause cause = ThrottleCause::kInjected;
  std::string endpoint_key;
  int max_in_flight = 0;  // the limit that was exceeded (kConcurrencyLimit)
  int in_flight = 0;      // requests in flight on the key, counting this one
};

enum class RouteMiss { kNotFound, kMethodNotAllowed };

class Platform {
 public:
  virtual ~Platform() = default;

  // Called once, before the first request.
  virtual void register_routes(Router& router) = 0;

  // The seed used when neither --seed nor --generate is given: small and readable.
  virtual boost::json::value default_seed() const = 0;
  // Builds a seed document from a --generate spec; the same spec must give the same document.
  // Throws SeedError for keys or values the platform does not accept.
  virtual boost::json::value generate_seed(const GenerateSpec& spec) const = 0;
  // Replaces all data with the seed's. Called at start and on POST /_sim/reset. Throws SeedError
  // for a document the platform cannot load.
  virtual void load_seed(const boost::json::value& seed) = 0;
  // The current data, for GET /_sim/state. Tests assert against it.
  virtual boost::json::value state() const = 0;

  // The endpoint key and concurrency limit for a request. The default key is
  // "METHOD /path" with all-digit segments replaced by "{id}", and no limit.
  virtual EndpointClass classify(const Request& request) const;

  // The platform's own "too busy" answer (Autotask's thread-threshold error, ConnectWise's 429
  // body, ...). The default is 429 {"error":"too_many_requests",...} with Retry-After: 1.
  virtual Response throttle_response(const Request& request, const ThrottleContext& context) const;

  // The platform's error body for a status (used for HttpError from handlers and for injected
  // status faults). The default is {"error":"<reason>","message":"<message>"}.
  virtual Response error_response(int status, std::string_view message) const;

  // The answer for a path no route serves, or serves under other methods. Defaults: 404 and
  // 405 via error_response().
  virtual Response no_route_response(const Request& request, RouteMiss miss) const;

  // Switches a platform offers tests (e.g. the status of Autotask's thread-limit error), read
  // by GET /_sim/settings and changed by POST /_sim/settings and --settings. The default has
  // none and rejects changes.
  virtual boost::json::value settings() const;
  // Applies some settings; throws HttpError(400) for an unknown name or bad value. Called
  // with the start-up settings at start and after each reset.
  virtual void apply_settings(const boost::json::object& changes);
  // Restores every setting to its built-in default (before reset re-applies the start-up ones).
  virtual void reset_settings() {}
};

// The default endpoint key for a request: "GET /api/items/{id}".
std::string default_endpoint_key(const Request& request);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_PLATFORM_H_
