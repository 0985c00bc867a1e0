#include "sim/external/internal/api_error.h"

#include <boost/json.hpp>

namespace mb::sim::external {

std::string_view code_for_status(int status) {
  switch (status) {
    case 400:
      return "invalid_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal_error" : "invalid_request";
  }
}

Response error_body(int status, std::string_view code, std::string_view message,
                    const boost::json::object& details) {
  Response response = Response::json(
      status, boost::json::object{{"error", boost::json::object{{"code", code},
                                                                {"message", message},
                                                                {"details", details}}}});
  if (status == 401) response.set_header("WWW-Authenticate", "Bearer");
  return response;
}

Response error_body(const ApiError& error) {
  return error_body(error.status(), error.code(), error.what(), error.details());
}

}  // namespace mb::sim::external
