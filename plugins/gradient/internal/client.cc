#include "internal/client.h"

#include <meterbridge/http.hpp>

#include "internal/token.h"
#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

ApiResponse response_from(HttpResponse&& h) {
  ApiResponse r;
  r.status = h.status;
  r.body = std::move(h.body);
  r.attempts = h.attempts;
  r.retry_after_ms = retry_after_ms(h);
  if (r.status == 0) {
    const HttpError e = h.error.value_or(HttpError{MB_STATUS_RETRY, "", false});
    r.error_class = error_class_wire_name(e.error_class);
    r.error_message = e.message;
    r.maybe_sent = e.sent;
  }
  return r;
}

}  // namespace

Failure classify(const ApiResponse& response, std::string_view what) {
  Failure f;
  std::string prefix = std::string(what) + ": ";
  if (response.status == 0) {
    f.status = error_class_from_wire(response.error_class);
    f.message = prefix + "no answer from Gradient (" +
                (response.error_message.empty() ? response.error_class : response.error_message) +
                ")" + (response.maybe_sent ? "; the request may have reached Gradient" : "");
    return f;
  }
  std::string text = error_text(response.body);
  std::string answered = "Gradient answered " + std::to_string(response.status) +
                         (text.empty() ? "" : " (" + text + ")");
  switch (response.status) {
    case 401:
      f.status = MB_STATUS_AUTH_FAILED;
      f.message = prefix + answered +
                  ": the GRADIENT-TOKEN was refused; check both keys (a wrong or regenerated "
                  "Partner API Key is the usual cause)";
      return f;
    case 403:
      // Gradient documents 403 for "an anomaly with your API usage": a refusal of the caller,
      // not of one request, so it is handled like throttling.
      f.status = MB_STATUS_RATE_LIMITED;
      f.message = prefix + answered +
                  ": Gradient refuses calls when it detects an anomaly in the API usage; try "
                  "again later or lower the connector's http.requests_per_second";
      return f;
    case 404:
      f.status = MB_STATUS_NOT_FOUND;
      break;
    case 409:
      f.status = MB_STATUS_CONFLICT;
      break;
    case 429:
      f.status = MB_STATUS_RATE_LIMITED;
      f.retry_after_ms = response.retry_after_ms;
      f.message =
          prefix + answered + ": Gradient's rate limit (100 requests a second) held after retries";
      return f;
    default:
      f.status = response.status >= 500 ? MB_STATUS_RETRY : MB_STATUS_FATAL;
      break;
  }
  f.message = prefix + answered;
  return f;
}

Client::Client(const ConnectorConfig& config)
    : base_url_(config.base_url),
      token_(gradient_token(config.vendor_api_key, config.partner_api_key)) {}

std::vector<ApiResponse> Client::execute(Call& call,
                                         const std::vector<ApiRequest>& requests) const {
  std::vector<ApiResponse> out;
  out.reserve(requests.size());
  for (size_t start = 0; start < requests.size(); start += kMaxBatch) {
    if (start > 0 && call.cancelled()) {
      ApiResponse unsent;
      unsent.error_class = MB_ERROR_CLASS_RETRY;
      unsent.error_message = "cancelled before it was sent";
      out.resize(requests.size(), unsent);
      return out;
    }
    size_t count = std::min(kMaxBatch, requests.size() - start);
    for (ApiResponse& r : send_batch(call, requests.data() + start, count))
      out.push_back(std::move(r));
  }
  return out;
}

ApiResponse Client::execute_one(Call& call, const ApiRequest& request) const {
  return std::move(execute(call, {request}).front());
}

std::vector<ApiResponse> Client::send_batch(Call& call, const ApiRequest* first,
                                            size_t count) const {
  std::vector<HttpRequest> batch;
  batch.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const ApiRequest& r = first[i];
    HttpRequest& request = batch.emplace_back();
    request.method = r.method;
    request.url = base_url_ + r.path;
    request.idempotent = r.idempotent;
    request.endpoint = r.endpoint;
    request.headers = {{"GRADIENT-TOKEN", token_}, {"Accept", "application/json"}};
    if (r.body) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = r.body;
    }
  }
  std::vector<ApiResponse> out;
  out.reserve(count);
  for (HttpResponse& r : call.http(batch)) out.push_back(response_from(std::move(r)));
  return out;
}

}  // namespace meterbridge::gradient
