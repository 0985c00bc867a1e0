// A table of routes, (method, path pattern) -> a value, matched against a request's method and
// decoded path segments. Patterns are literal segments and `{name}` parameters, each standing
// for one whole non-empty segment: "/v1/connectors/{id}/runs/{run}". Matching is exact, segment
// by segment, so a trailing slash makes another path ("/v1/runs/" has an empty last segment).
//
//   Router<Handler> router({{"GET", "/v1/runs/{run}", &get_run}, {"POST", "/v1/usage", &import}});
//   RouteMatch<Handler> match = router.match(request.method, request.segments);
//   if (match.found()) return (*match.route)(request, match.params);
//   if (!match.allowed_methods.empty()) ...  // 405: the path exists with other methods
//   ...                                      // 404: no route has this path
#ifndef METERBRIDGE_HOST_SERVER_ROUTER_H_
#define METERBRIDGE_HOST_SERVER_ROUTER_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb::server {

// The values of a matched pattern's parameters, by name.
class PathParams {
 public:
  void add(std::string_view name, std::string value) {
    values_.emplace_back(name, std::move(value));
  }
  // The parameter's value; empty for a name the pattern does not have.
  const std::string& operator[](std::string_view name) const {
    static const std::string kNone;
    for (const auto& [n, v] : values_)
      if (n == name) return v;
    return kNone;
  }
  size_t size() const { return values_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// One path pattern, split into segments once.
class PathPattern {
 public:
  explicit PathPattern(std::string_view pattern) {
    if (pattern.starts_with('/')) pattern.remove_prefix(1);
    if (pattern.empty()) return;  // "/": the root, a path of no segments
    for (size_t start = 0;;) {
      size_t slash = pattern.find('/', start);
      segments_.emplace_back(pattern.substr(start, slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
  }

  // True when `segments` fit the pattern; then `params` holds the parameters' values.
  bool match(const std::vector<std::string>& segments, PathParams& params) const {
    if (segments.size() != segments_.size()) return false;
    PathParams found;
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& part = segments_[i];
      if (is_parameter(part)) {
        if (segments[i].empty()) return false;
        found.add(std::string_view(part).substr(1, part.size() - 2), segments[i]);
      } else if (part != segments[i]) {
        return false;
      }
    }
    params = std::move(found);
    return true;
  }

 private:
  static bool is_parameter(const std::string& part) {
    return part.size() > 2 && part.front() == '{' && part.back() == '}';
  }
  std::vector<std::string> segments_;
};

template <typename Route>
struct RouteMatch {
  const Route* route = nullptr;  // null when no route has both the method and the path
  PathParams params;
  // When no route matched: the methods the path has (for 405 and `Allow`), in table order;
  // empty when no route has the path at all (404).
  std::vector<std::string> allowed_methods;
  bool found() const { return route != nullptr; }
};

template <typename Route>
class Router {
 public:
  struct Entry {
    std::string method;
    std::string pattern;
    Route route;
  };

  explicit Router(std::vector<Entry> entries) {
    for (Entry& e : entries)
      routes_.push_back({std::move(e.method), PathPattern(e.pattern), std::move(e.route)});
  }

  // The first route with this method and path; else the methods this path has.
  RouteMatch<Route> match(std::string_view method, const std::vector<std::string>& segments) const {
    RouteMatch<Route> m;
    for (const Compiled& r : routes_) {
      PathParams params;
      if (!r.pattern.match(segments, params)) continue;
      if (r.method == method) {
        m.route = &r.route;
        m.params = std::move(params);
        m.allowed_methods.clear();
        return m;
      }
      if (std::find(m.allowed_methods.begin(), m.allowed_methods.end(), r.method) ==
          m.allowed_methods.end())
        m.allowed_methods.push_back(r.method);
    }
    return m;
  }

 private:
  struct Compiled {
    std::string method;
    PathPattern pattern;
    Route route;
  };
  std::vector<Compiled> routes_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_ROUTER_H_
