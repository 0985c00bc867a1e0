#include "sim/core/platform.h"

#include <boost/json.hpp>

#include <algorithm>

namespace mb::sim {

std::string default_endpoint_key(const Request& request) {
  std::string key = request.method + " ";
  for (std::string_view segment : split_path(request.path)) {
    key += '/';
    const bool numeric =
        !segment.empty() &&
        std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; });
    key += numeric ? std::string_view("{id}") : segment;
  }
  return key;
}

EndpointClass Platform::classify(const Request& request) const {
  return EndpointClass{default_endpoint_key(request), 0};
}

Response Platform::throttle_response(const Request& /*request*/,
                                     const ThrottleContext& context) const {
  std::string message = context.cause == ThrottleCause::kConcurrencyLimit
                            ? "more than " + std::to_string(context.max_in_flight) +
                                  " concurrent requests on " + context.endpoint_key
                            : std::string("too many requests");
  Response response = Response::json(
      429, boost::json::object{{"error", "too_many_requests"}, {"message", message}});
  response.set_header("Retry-After", "1");
  return response;
}

Response Platform::error_response(int status, std::string_view message) const {
  return Response::json(
      status, boost::json::object{{"error", reason_phrase(status)}, {"message", message}});
}

Response Platform::no_route_response(const Request& request, RouteMiss miss) const {
  if (miss == RouteMiss::kMethodNotAllowed) {
    return error_response(405, request.method + " is not allowed on " + request.path);
  }
  return error_response(404, "no route for " + request.method + " " + request.path);
}

boost::json::value Platform::settings() const { return boost::json::object{}; }

void Platform::apply_settings(const boost::json::object& changes) {
  if (!changes.empty()) throw HttpError(400, "this platform has no settings");
}

}  // namespace mb::sim
