#include "plugins/gradient/internal/client.h"

#include <boost/json.hpp>

#include "plugins/gradient/internal/token.h"
#include "plugins/gradient/internal/wire.h"

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

mb_status status_from_class(std::string_view name) {
  if (name == "retry") return MB_STATUS_RETRY;
  if (name == "rate_limited") return MB_STATUS_RATE_LIMITED;
  if (name == "auth_failed") return MB_STATUS_AUTH_FAILED;
  if (name == "config_invalid") return MB_STATUS_CONFIG_INVALID;
  if (name == "not_found") return MB_STATUS_NOT_FOUND;
  if (name == "conflict") return MB_STATUS_CONFLICT;
  if (name == "unsupported") return MB_STATUS_UNSUPPORTED;
  return MB_STATUS_FATAL;
}

uint64_t non_negative(const json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<uint64_t>(v->get_int64());
  return 0;
}

// Seconds from a Retry-After header, when the engine handed a 429 back with the header only.
uint64_t retry_after_header_ms(const json::object& headers) {
  const json::value* v = headers.if_contains("retry-after");
  if (v == nullptr || !v->is_string()) return 0;
  std::string_view s = v->get_string();
  if (s.empty() || s.size() > 6) return 0;
  uint64_t seconds = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
  }
  return seconds * 1000;
}

ApiResponse parse_response(const json::value& v) {
  if (!v.is_object())
    throw PluginError(MB_STATUS_FATAL, "the host's HTTP engine answered nonsense");
  const json::object& o = v.get_object();
  ApiResponse r;
  if (const json::value* s = o.if_contains("status"); s != nullptr && s->is_int64())
    r.status = static_cast<int>(s->get_int64());
  if (const json::value* b = o.if_contains("body"); b != nullptr && b->is_string())
    r.body = std::string(b->get_string());
  if (const json::value* a = o.if_contains("attempts"); a != nullptr && a->is_int64())
    r.attempts = static_cast<int>(a->get_int64());
  r.retry_after_ms = non_negative(o.if_contains("retry_after_ms"));
  if (r.retry_after_ms == 0) {
    if (const json::value* h = o.if_contains("headers"); h != nullptr && h->is_object())
      r.retry_after_ms = retry_after_header_ms(h->get_object());
  }
  if (const json::value* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    const json::object& err = e->get_object();
    if (const json::value* c = err.if_contains("class"); c != nullptr && c->is_string())
      r.error_class = std::string(c->get_string());
    if (const json::value* m = err.if_contains("message"); m != nullptr && m->is_string())
      r.error_message = std::string(m->get_string());
    if (const json::value* sent = err.if_contains("sent"); sent != nullptr && sent->is_bool())
      r.maybe_sent = sent->get_bool();
  }
  if (r.status == 0 && r.error_class.empty()) r.error_class = "retry";
  return r;
}

}  // namespace

Failure classify(const ApiResponse& response, std::string_view what) {
  Failure f;
  std::string prefix = std::string(what) + ": ";
  if (response.status == 0) {
    f.status = status_from_class(response.error_class);
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

void throw_failure(const Failure& failure) {
  throw PluginError(failure.status, failure.message, failure.retry_after_ms);
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
      unsent.error_class = "retry";
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
  json::array batch;
  batch.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const ApiRequest& r = first[i];
    json::object headers{{"GRADIENT-TOKEN", token_}, {"Accept", "application/json"}};
    json::object request{{"method", r.method},
                         {"url", base_url_ + r.path},
                         {"idempotent", r.idempotent},
                         {"endpoint", r.endpoint}};
    if (r.body) {
      headers["Content-Type"] = "application/json";
      request["body"] = *r.body;
    }
    request["headers"] = std::move(headers);
    batch.push_back(std::move(request));
  }
  std::string answer = call.http_batch(json::serialize(batch));
  boost::system::error_code ec;
  json::value doc = json::parse(answer, ec);
  if (ec || !doc.is_array() || doc.get_array().size() != count)
    throw PluginError(MB_STATUS_FATAL, "the host's HTTP engine answered nonsense");
  std::vector<ApiResponse> out;
  out.reserve(count);
  for (const json::value& v : doc.get_array()) out.push_back(parse_response(v));
  return out;
}

}  // namespace meterbridge::gradient
