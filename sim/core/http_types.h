// Request and Response: the plain HTTP exchange a platform handler sees. No Beast here, so
// platform code compiles quickly and never depends on the transport.
//
//   Response list_items(const Request& request) {
//     if (request.header("authorization") != "Bearer test-token")
//       throw HttpError(401, "missing or wrong bearer token");
//     int page = request.query_int("page").value_or(1);
//     return Response::json(200, {{"items", ...}, {"page", page}});
//   }
//
// A handler may throw HttpError(status, message); the simulator turns it into the platform's
// own error body (Platform::error_response). Any other exception becomes a 500.
#ifndef METERBRIDGE_SIM_CORE_HTTP_TYPES_H_
#define METERBRIDGE_SIM_CORE_HTTP_TYPES_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb::sim {

struct Request {
  std::string method;  // as received, e.g. "GET"
  std::string target;  // raw request target: path and query, not decoded
  std::string path;    // percent-decoded path without the query
  // Query parameters in order, percent-decoded, '+' read as a space (form encoding, as the
  // ASP.NET and Node servers the platforms run on do).
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lower-cased; repeated headers joined with ", " (RFC 9110 §5.3).
  std::map<std::string, std::string> headers;
  std::string body;
  // Captured by the router from "{name}" segments of the matched route pattern.
  std::map<std::string, std::string> path_params;

  uint64_t request_id = 0;     // 1, 2, ... over the simulator's life; a reset does not restart it
  uint64_t connection_id = 0;  // the same for every request on one keep-alive connection
  // "http://127.0.0.1:PORT" (or https): for responses that must point back at the simulator,
  // such as absolute next-page links or discovered base URLs.
  std::string base_url;

  // A header by name, any case; nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  // The first query parameter with this exact name; nullopt when absent.
  std::optional<std::string_view> query_param(std::string_view name) const;
  // The first query parameter with this name in any ASCII case (some platforms ignore case).
  std::optional<std::string_view> query_param_any_case(std::string_view name) const;
  // A query parameter as an integer; throws HttpError(400) when present but not an integer.
  std::optional<int64_t> query_int(std::string_view name) const;
  // A path parameter captured by the router; throws std::out_of_range when the route has none.
  const std::string& path_param(std::string_view name) const;
  // The path parameter as an integer; throws HttpError(400) when it is not one.
  int64_t path_param_int(std::string_view name) const;
  // The body parsed as strict JSON; throws HttpError(400) when it is empty or not JSON.
  boost::json::value json_body() const;
};

struct Response {
  int status = 200;
  // Sent in order; names as given. Content-Length is always computed by the transport.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // A JSON body with Content-Type: application/json; charset=utf-8.
  static Response json(int status, const boost::json::value& body);
  // A text/plain body.
  static Response text(int status, std::string body);
  // No body at all (e.g. 204, or Autotask's empty 401).
  static Response empty(int status);

  // Replaces every header with this name (any case), or adds it.
  void set_header(std::string_view name, std::string value);
  // The first header with this name, any case.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Thrown by handlers (and the helpers above) to answer with an error in the platform's shape.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string message)
      : std::runtime_error(std::move(message)), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// The standard reason phrase, e.g. 429 -> "Too Many Requests"; "Unknown" for others.
std::string_view reason_phrase(int status);

// ASCII lower-casing and case-insensitive comparison, for header names and paths.
std::string to_lower_ascii(std::string_view text);
bool equals_ignore_case(std::string_view a, std::string_view b);
bool starts_with_ignore_case(std::string_view text, std::string_view prefix);

// Splits a request target into its decoded path and query parameters. Returns false for a
// target that is not origin-form ("/path?query") or has broken percent-encoding.
bool parse_request_target(std::string_view target, std::string& path,
                          std::vector<std::pair<std::string, std::string>>& query);

// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
std::string url_encode_component(std::string_view text);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_HTTP_TYPES_H_
