#include "plugins/external/internal/client.h"

#include <boost/json.hpp>

#include <charconv>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

mb_status status_for_class(std::string_view cls) {
  if (cls == "retry") return MB_STATUS_RETRY;
  if (cls == "rate_limited") return MB_STATUS_RATE_LIMITED;
  if (cls == "auth_failed") return MB_STATUS_AUTH_FAILED;
  if (cls == "config_invalid") return MB_STATUS_CONFIG_INVALID;
  if (cls == "not_found") return MB_STATUS_NOT_FOUND;
  if (cls == "conflict") return MB_STATUS_CONFLICT;
  if (cls == "unsupported") return MB_STATUS_UNSUPPORTED;
  return MB_STATUS_FATAL;
}

std::optional<uint64_t> unsigned_value(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return std::nullopt;
}

// Retry-After in delta-seconds; an HTTP-date is left to the host's engine, which waits it out.
uint64_t retry_after_header_ms(const ApiResponse& response) {
  auto value = response.header("retry-after");
  if (!value) return 0;
  uint64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  if (ec != std::errc() || ptr != value->data() + value->size()) return 0;
  return seconds * 1000;
}

ApiResponse response_from(const json::value& v) {
  if (!v.is_object()) throw PluginError(MB_STATUS_FATAL, "the host answered an HTTP batch oddly");
  const json::object& o = v.get_object();
  ApiResponse r;
  r.status = static_cast<int>(unsigned_value(o.if_contains("status")).value_or(0));
  r.attempts = static_cast<int>(unsigned_value(o.if_contains("attempts")).value_or(0));
  if (const json::value* h = o.if_contains("headers"); h != nullptr && h->is_object()) {
    for (const auto& [name, value] : h->get_object()) {
      if (!value.is_string()) continue;
      std::string lower(name);
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      r.headers[lower] = std::string(value.get_string());
    }
  }
  if (const json::value* b = o.if_contains("body"); b != nullptr && b->is_string()) {
    r.body = std::string(b->get_string());
  }
  if (const json::value* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    const json::object& err = e->get_object();
    if (const json::value* c = err.if_contains("class"); c != nullptr && c->is_string())
      r.error_class = std::string(c->get_string());
    if (const json::value* m = err.if_contains("message"); m != nullptr && m->is_string())
      r.error_message = std::string(m->get_string());
    if (const json::value* s = err.if_contains("sent"); s != nullptr && s->is_bool())
      r.maybe_sent = s->get_bool();
  }
  r.retry_after_ms = unsigned_value(o.if_contains("retry_after_ms")).value_or(0);
  if (r.retry_after_ms == 0) r.retry_after_ms = retry_after_header_ms(r);
  return r;
}

// ": <the platform's code and message>" when the body is a protocol error.
std::string detail(const ApiResponse& r) {
  std::optional<ErrorBody> error = parse_error_body(r.body);
  if (!error) return "";
  return ": " + error->code + (error->message.empty() ? "" : " (" + error->message + ")");
}

// Call::http_batch, keeping the host's message and retry_after_ms when it refuses a whole batch
// (for example when the connector's hourly request budget is exhausted).
std::string host_batch(Call& call, const std::string& requests) {
  try {
    return call.http_batch(requests);
  } catch (const PluginError& e) {
    std::string_view what = e.what();
    const size_t brace = what.find('{');
    uint64_t after = e.retry_after_ms();
    std::string message = "the host refused the HTTP requests";
    if (brace != std::string_view::npos) {
      boost::system::error_code ec;
      json::value doc = json::parse(what.substr(brace), ec);
      const json::value* err =
          !ec && doc.is_object() ? doc.get_object().if_contains("error") : nullptr;
      if (err != nullptr && err->is_object()) {
        const json::object& o = err->get_object();
        if (const json::value* m = o.if_contains("message"); m != nullptr && m->is_string())
          message += ": " + std::string(m->get_string());
        if (auto ms = unsigned_value(o.if_contains("retry_after_ms")); ms && *ms > 0) after = *ms;
      }
    }
    throw PluginError(e.error_class(), message, after);
  }
}

}  // namespace

std::optional<std::string_view> ApiResponse::header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string ApiResponse::error_code() const {
  std::optional<ErrorBody> error = parse_error_body(body);
  return error ? error->code : "";
}

Failure failure_for(const ApiResponse& r, std::string_view what) {
  const std::string action = "could not " + std::string(what);
  if (r.status == 0) {
    std::string message =
        action + ": " + (r.error_message.empty() ? "no response" : r.error_message);
    if (r.maybe_sent) message += " (the request may have reached the platform)";
    return Failure{r.error_class.empty() ? MB_STATUS_RETRY : status_for_class(r.error_class),
                   message, 0};
  }
  const std::string status = "HTTP " + std::to_string(r.status);
  const std::string code = r.error_code();
  if (r.status == 401 || r.status == 403) {
    return Failure{MB_STATUS_AUTH_FAILED,
                   action + ": the platform refused the API key (" + status + detail(r) + ")", 0};
  }
  if (r.status == 429) {
    return Failure{MB_STATUS_RATE_LIMITED,
                   action + ": the platform is throttling requests (" + status + detail(r) + ")",
                   r.retry_after_ms};
  }
  if (r.status >= 500) {
    return Failure{MB_STATUS_RETRY, action + ": the platform failed (" + status + detail(r) + ")",
                   r.retry_after_ms};
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
    return Failure{MB_STATUS_CONFLICT, action + " (" + status + detail(r) + ")", r.retry_after_ms};
  }
  return Failure{MB_STATUS_FATAL,
                 action + ": the platform refused the request (" + status + detail(r) + ")", 0};
}

void throw_failure(const Failure& failure) {
  throw PluginError(failure.status, failure.message, failure.retry_after_ms);
}

std::string Client::request_json(const ApiRequest& request) const {
  json::object headers{{"Authorization", "Bearer " + config_.api_key},
                       {"Accept", "application/json"}};
  if (!request.body.empty()) headers["Content-Type"] = "application/json";
  if (!request.idempotency_key.empty()) headers["Idempotency-Key"] = request.idempotency_key;
  json::object r{{"method", request.method},
                 {"url", config_.base_url + request.target},
                 {"headers", std::move(headers)},
                 // Every request of the protocol may be retried after a reset or a timeout: GET,
                 // PUT and DELETE are idempotent, and a POST of a batch carries an
                 // Idempotency-Key, so a retry that reaches the platform again is answered with
                 // the stored result of the first attempt instead of being applied twice.
                 {"idempotent", true},
                 {"endpoint", request.endpoint}};
  if (!request.body.empty()) r["body"] = request.body;
  return json::serialize(r);
}

std::vector<ApiResponse> Client::execute(Call& call,
                                         const std::vector<ApiRequest>& requests) const {
  std::vector<ApiResponse> out;
  out.reserve(requests.size());
  for (size_t start = 0; start < requests.size(); start += kMaxBatch) {
    const size_t end = std::min(requests.size(), start + kMaxBatch);
    std::string batch = "[";
    for (size_t i = start; i < end; ++i) {
      if (i > start) batch += ',';
      batch += request_json(requests[i]);
    }
    batch += ']';
    const std::string answer = host_batch(call, batch);
    boost::system::error_code ec;
    json::value parsed = json::parse(answer, ec);
    if (ec || !parsed.is_array() || parsed.get_array().size() != end - start) {
      throw PluginError(MB_STATUS_FATAL, "the host answered an HTTP batch with the wrong shape");
    }
    for (const json::value& response : parsed.get_array()) out.push_back(response_from(response));
  }
  return out;
}

ApiResponse Client::execute_one(Call& call, const ApiRequest& request) const {
  return execute(call, {request}).front();
}

}  // namespace meterbridge::external
