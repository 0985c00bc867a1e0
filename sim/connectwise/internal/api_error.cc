#include "sim/connectwise/internal/api_error.h"

#include <boost/json.hpp>

#include <utility>

#include "sim/connectwise/internal/wire_format.h"

namespace mb::sim::connectwise {

namespace json = boost::json;

ApiError::ApiError(int status, std::string code, std::string message,
                   std::vector<ValidationError> errors)
    : std::runtime_error(std::move(message)),
      status_(status),
      code_(std::move(code)),
      errors_(std::move(errors)) {}

boost::json::value ApiError::body() const {
  boost::json::value errors = nullptr;
  if (!errors_.empty()) {
    boost::json::array items;
    for (const ValidationError& error : errors_) {
      items.push_back(boost::json::object{{"code", error.code},
                                          {"message", error.message},
                                          {"resource", error.resource},
                                          {"field", error.field}});
    }
    errors = std::move(items);
  }
  return boost::json::object{{"code", code_}, {"message", what()}, {"errors", std::move(errors)}};
}

ApiError ApiError::invalid_object(const std::string& resource, ValidationError error) {
  if (error.resource.empty()) error.resource = resource;
  return ApiError(400, "InvalidObject", resource + " object is invalid", {std::move(error)});
}

Response api_error_response(const ApiError& error) {
  return wire_json(error.status(), error.body());
}

namespace {

std::string_view code_for_status(int status) {
  switch (status) {
    case 400:
      return "InvalidObject";
    case 401:
      return "Unauthorized";
    case 403:
      return "Security";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    default:
      return "ConnectWiseApi";
  }
}

}  // namespace

Response error_for_status(int status, std::string_view message) {
  if (status == 429) return too_many_requests(1);
  return api_error_response(
      ApiError(status, std::string(code_for_status(status)), std::string(message)));
}

Response too_many_requests(int64_t retry_after_seconds) {
  Response response = wire_json(
      429, json::object{{"error", "ConnectWiseAPI"},
                        {"message", "Too many requests. Please try again in " +
                                        std::to_string(retry_after_seconds) + " seconds."}});
  response.set_header("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

ApiError record_not_found(std::string_view what, int64_t id) {
  return ApiError(404, "NotFound", std::string(what) + " " + std::to_string(id) + " not found");
}

ApiError no_resource(const Request& request) {
  return ApiError(404, "ConnectWiseApi",
                  "No HTTP resource was found that matches the request URI '" + request.base_url +
                      request.target + "'.");
}

}  // namespace mb::sim::connectwise
