// Router: maps (method, path pattern) to a platform's handler. A pattern is a path whose
// segments are literals or "{name}" captures:
//
//   router.add("GET", "/api/items", list_items);
//   router.add("GET", "/api/items/{id}", get_item);     // request.path_param("id")
//   router.set_case_insensitive(true);                  // Autotask: /ATServicesRest ==
//   /atservicesrest
//
// When several patterns match, the one with more literal segments wins (so "/items/count"
// beats "/items/{id}"). A path that matches some pattern under another method is reported as
// kMethodNotAllowed so the platform can answer 405 in its own words.
//
// Paths under "/_sim/" are the simulator's control surface: they never get faults, latency or
// concurrency limits and are not written to the request log. A platform may add its own test
// hooks there, e.g. "/_sim/gradient/disconnect".
#ifndef METERBRIDGE_SIM_CORE_ROUTER_H_
#define METERBRIDGE_SIM_CORE_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/http_types.h"

namespace mb::sim {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };

  struct Match {
    MatchKind kind = MatchKind::kNotFound;
    const Handler* handler = nullptr;                // set when kind == kFound
    std::map<std::string, std::string> path_params;  // captures of the matched pattern
    std::vector<std::string> allowed_methods;        // set when kind == kMethodNotAllowed
  };

  // `method` is compared exactly ("GET"); "*" matches any method.
  void add(std::string method, std::string_view pattern, Handler handler);
  // Path literals compare ignoring ASCII case; captures keep the case the client sent.
  void set_case_insensitive(bool case_insensitive) { case_insensitive_ = case_insensitive; }

  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for a capture
    int literal_count = 0;
    Handler handler;
  };
  bool segments_match(const Route& route, const std::vector<std::string_view>& path_segments,
                      std::map<std::string, std::string>* captures) const;

  std::vector<Route> routes_;
  bool case_insensitive_ = false;
};

// Splits "/a/b/" into {"a", "b", ""}: a trailing slash is a distinct (empty) segment.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_ROUTER_H_
