#include "internal/client.h"

#include <meterbridge/http.hpp>

namespace meterbridge::external {
namespace {

// ": <the platform's code and message>" when the body is a protocol error.
std::string detail(const ApiResponse& r) {
  std::optional<ErrorBody> error = parse_error_body(r.body);
  if (!error) return "";
  return ": " + error->code + (error->message.empty() ? "" : " (" + error->message + ")");
}

}  // namespace

std::string error_code(const ApiResponse& response) {
  std::optional<ErrorBody> error = parse_error_body(response.body);
  return error ? error->code : "";
}

Failure failure_for(const ApiResponse& r, std::string_view what) {
  const std::string action = "could not " + std::string(what);
  if (r.status == 0) {
    const HttpError e = r.error.value_or(HttpError{MB_STATUS_RETRY, "", false});
    std::string message = action + ": " + (e.message.empty() ? "no response" : e.message);
    if (e.sent) message += " (the request may have reached the platform)";
    return Failure{e.error_class, message, 0};
  }
  const std::string status = "HTTP " + std::to_string(r.status);
  const std::string code = error_code(r);
  if (r.status == 401 || r.status == 403) {
    return Failure{MB_STATUS_AUTH_FAILED,
                   action + ": the platform refused the API key (" + status + detail(r) + ")", 0};
  }
  if (r.status == 429) {
    return Failure{MB_STATUS_RATE_LIMITED,
                   action + ": the platform is throttling requests (" + status + detail(r) + ")",
                   retry_after_ms(r)};
  }
  if (r.status >= 500) {
    return Failure{MB_STATUS_RETRY, action + ": the platform failed (" + status + detail(r) + ")",
                   retry_after_ms(r)};
  }
  if (r.status == 404 && (code.empty() || code == "not_found")) {
    return Failure{MB_STATUS_CONFIG_INVALID,
                   action +
                       ": the platform does not serve the external protocol v1 at the "
                       "configured base_url (" +
                       status + detail(r) + ")",
                   0};
  }
  if (r.status == 404 || code == "unknown_customer") {
    return Failure{MB_STATUS_NOT_FOUND, action + " (" + status + detail(r) + ")", 0};
  }
  if (r.status == 409 || r.status == 422) {
    return Failure{MB_STATUS_CONFLICT, action + " (" + status + detail(r) + ")", retry_after_ms(r)};
  }
  return Failure{MB_STATUS_FATAL,
                 action + ": the platform refused the request (" + status + detail(r) + ")", 0};
}

HttpRequest Client::http_request(const ApiRequest& request) const {
  HttpRequest r;
  r.method = request.method;
  r.url = config_.base_url + request.target;
  r.headers = {{"Authorization", "Bearer " + config_.api_key}, {"Accept", "application/json"}};
  if (!request.body.empty()) {
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = request.body;
  }
  if (!request.idempotency_key.empty())
    r.headers.emplace_back("Idempotency-Key", request.idempotency_key);
  // Every request of the protocol may be retried after a reset or a timeout: GET, PUT and
  // DELETE are idempotent, and a POST of a batch carries an Idempotency-Key, so a retry that
  // reaches the platform again is answered with the stored result of the first attempt instead
  // of being applied twice.
  r.idempotent = true;
  r.endpoint = request.endpoint;
  return r;
}

std::vector<ApiResponse> Client::execute(Call& call,
                                         const std::vector<ApiRequest>& requests) const {
  std::vector<ApiResponse> out;
  out.reserve(requests.size());
  for (size_t start = 0; start < requests.size(); start += kMaxBatch) {
    const size_t end = std::min(requests.size(), start + kMaxBatch);
    std::vector<HttpRequest> batch;
    for (size_t i = start; i < end; ++i) batch.push_back(http_request(requests[i]));
    for (HttpResponse& response : call.http(batch)) out.push_back(std::move(response));
  }
  return out;
}

ApiResponse Client::execute_one(Call& call, const ApiRequest& request) const {
  return execute(call, {request}).front();
}

std::optional<std::string> given(const std::optional<std::string>& text) {
  return text && !text->empty() ? text : std::nullopt;
}
std::optional<std::string> given(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

void check_cancelled(Call& call, std::string_view what) {
  if (call.cancelled()) throw PluginError(MB_STATUS_RETRY, "cancelled while " + std::string(what));
}

std::string with_cursor(const std::string& target, const std::optional<std::string>& cursor) {
  if (!cursor) return target;
  return target + (target.find('?') == std::string::npos ? "?" : "&") +
         "cursor=" + percent_encode(*cursor);
}

std::vector<boost::json::object> fetch_all(Call& call, const Client& client,
                                           const std::string& target, const std::string& endpoint,
                                           std::string_view what) {
  std::vector<boost::json::object> all;
  std::optional<std::string> cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    check_cancelled(call, what);
    ApiResponse r =
        client.execute_one(call, ApiRequest::get(with_cursor(target, cursor), endpoint));
    if (!r.ok()) throw_failure(failure_for(r, what));
    Page parsed = parse_page(r.body, what);
    for (auto& item : parsed.data) all.push_back(std::move(item));
    if (!parsed.next_cursor) return all;
    cursor = std::move(parsed.next_cursor);
  }
  throw PluginError(MB_STATUS_FATAL, "gave up paging to " + std::string(what) + " after " +
                                         std::to_string(kMaxPages) + " pages");
}

}  // namespace meterbridge::external
