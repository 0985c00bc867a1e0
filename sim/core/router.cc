#include "sim/core/router.h"

#include <algorithm>

namespace mb::sim {
namespace {

bool is_capture(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

void Router::add(std::string method, std::string_view pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  for (std::string_view segment : split_path(pattern)) {
    if (!is_capture(segment)) ++route.literal_count;
    route.segments.emplace_back(segment);
  }
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

bool Router::segments_match(const Route& route, const std::vector<std::string_view>& path_segments,
                            std::map<std::string, std::string>* captures) const {
  if (route.segments.size() != path_segments.size()) return false;
  for (size_t i = 0; i < path_segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (is_capture(expected)) {
      // An empty segment ("/items/") is not an id.
      if (path_segments[i].empty()) return false;
      if (captures) {
        (*captures)[expected.substr(1, expected.size() - 2)] = std::string(path_segments[i]);
      }
      continue;
    }
    const bool same = case_insensitive_ ? equals_ignore_case(expected, path_segments[i])
                                        : expected == path_segments[i];
    if (!same) return false;
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> path_segments = split_path(path);
  Match result;
  const Route* best = nullptr;
  for (const Route& route : routes_) {
    if (!segments_match(route, path_segments, nullptr)) continue;
    if (route.method != "*" && route.method != method) {
      if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
          result.allowed_methods.end()) {
        result.allowed_methods.push_back(route.method);
      }
      continue;
    }
    if (best == nullptr || route.literal_count > best->literal_count) best = &route;
  }
  if (best != nullptr) {
    result.kind = MatchKind::kFound;
    result.handler = &best->handler;
    result.allowed_methods.clear();
    segments_match(*best, path_segments, &result.path_params);
  } else if (!result.allowed_methods.empty()) {
    result.kind = MatchKind::kMethodNotAllowed;
  }
  return result;
}

}  // namespace mb::sim
