#include "sim/autotask/internal/api_error.h"

#include <boost/json.hpp>

#include "sim/autotask/internal/schema.h"

namespace mb::sim::autotask {

namespace json = boost::json;

Response wire_json(int status, const json::value& body) {
  Response response = Response::json(status, nullptr);
  response.body = serialize_wire_json(body);
  return response;
}

Response errors_body(int status, std::string_view message) {
  return wire_json(status, json::object{{"errors", json::array{json::string(message)}}});
}

Response method_not_allowed(const std::string& method, const std::vector<std::string>& allowed) {
  Response response = wire_json(
      405, json::object{{"Message",
                         "The requested resource does not support http method '" + method + "'."}});
  if (!allowed.empty()) {
    std::string allow;
    for (const std::string& name : allowed) allow += (allow.empty() ? "" : ", ") + name;
    response.set_header("Allow", allow);
  }
  return response;
}

Response not_found(const Request& request) {
  return wire_json(
      404, json::object{{"Message", "No HTTP resource was found that matches the request URI '" +
                                        request.base_url + request.target + "'."}});
}

Response thread_threshold_exceeded(int status, int64_t thread_limit) {
  return errors_body(
      status, "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of " +
                  std::to_string(thread_limit) + " threads has been exceeded. (Itgenatr005)");
}

Response query_string_too_long() {
  Response response;
  response.status = 404;
  response.headers.emplace_back("Content-Type", "text/html");
  response.body =
      "<html><head><title>404 - Not Found</title></head><body><h2>HTTP Error 404.15 - Not "
      "Found</h2><p>The request filtering module is configured to deny a request where the "
      "query string is too long.</p></body></html>";
  return response;
}

}  // namespace mb::sim::autotask
