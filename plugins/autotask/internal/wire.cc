#include "plugins/autotask/internal/wire.h"

#include <meterbridge/plugin.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "plugins/autotask/internal/json_fields.h"

namespace autotask {

namespace {

// Without a Retry-After, clients of Autotask's hourly threshold wait a minute.
constexpr uint64_t kDefaultThresholdWaitMs = 60'000;
// The thread limit clears as soon as one of our own requests finishes.
constexpr uint64_t kThreadLimitWaitMs = 1'000;
// A plain-text body is quoted only when it is short enough to be a message, not a page.
constexpr size_t kMaxPlainTextMessage = 300;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool mentions(const HttpResponse& r, std::string_view lower_case_text) {
  return lower(r.body).find(lower_case_text) != std::string::npos;
}

uint64_t retry_after_ms(const HttpResponse& r, uint64_t fallback) {
  uint64_t seconds = 0;
  const std::string& h = r.retry_after;
  auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), seconds);
  if (ec != std::errc() || end != h.data() + h.size() || h.empty()) return fallback;
  return seconds * 1000;
}

std::string with_platform_words(const std::string& what, const HttpResponse& r) {
  std::string words = platform_message(r.body);
  return words.empty() ? what : what + ": " + words;
}

mb_status transport_class(std::string_view name) {
  if (name == "config_invalid") return MB_STATUS_CONFIG_INVALID;
  if (name == "fatal") return MB_STATUS_FATAL;
  if (name == "rate_limited") return MB_STATUS_RATE_LIMITED;
  return MB_STATUS_RETRY;
}

}  // namespace

std::string serialize_requests(const std::vector<HttpRequest>& requests) {
  boost::json::array out;
  out.reserve(requests.size());
  for (const auto& r : requests) {
    boost::json::object headers;
    for (const auto& [name, value] : r.headers) headers[name] = value;
    boost::json::object item{{"method", r.method},
                             {"url", r.url},
                             {"headers", std::move(headers)},
                             {"endpoint", r.endpoint},
                             {"idempotent", r.idempotent}};
    if (!r.body.empty()) item["body"] = r.body;
    out.push_back(std::move(item));
  }
  return boost::json::serialize(out);
}

std::vector<HttpResponse> parse_responses(std::string_view json, size_t expected) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_array() || doc.get_array().size() != expected)
    throw meterbridge::PluginError(MB_STATUS_FATAL, "the host answered an HTTP batch of " +
                                                        std::to_string(expected) +
                                                        " requests with something else");
  std::vector<HttpResponse> out;
  out.reserve(expected);
  for (const auto& item : doc.get_array()) {
    HttpResponse r;
    if (!item.is_object())
      throw meterbridge::PluginError(MB_STATUS_FATAL, "malformed HTTP response from host");
    const boost::json::object& o = item.get_object();
    r.status = static_cast<int>(int_field(o, "status").value_or(0));
    r.body = string_field(o, "body").value_or("");
    if (const auto* headers = o.if_contains("headers"); headers != nullptr && headers->is_object())
      r.retry_after = string_field(headers->get_object(), "retry-after").value_or("");
    if (const auto* error = o.if_contains("error"); error != nullptr && error->is_object()) {
      const boost::json::object& e = error->get_object();
      r.transport_error_class = string_field(e, "class").value_or("retry");
      r.transport_error = string_field(e, "message").value_or("");
      r.maybe_sent = bool_field(e, "sent").value_or(true);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string platform_message(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (!ec && doc.is_object()) {
    const boost::json::object& o = doc.get_object();
    std::string joined;
    if (const auto* errors = find_field(o, "errors"); errors != nullptr && errors->is_array()) {
      for (const auto& e : errors->get_array()) {
        std::string text;
        if (e.is_string())
          text = std::string(e.get_string());
        else if (e.is_object())
          text = string_field(e.get_object(), "message").value_or("");
        if (text.empty()) continue;
        if (!joined.empty()) joined += "; ";
        joined += text;
      }
    }
    if (joined.empty()) joined = string_field(o, "message").value_or("");
    return joined;
  }
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  if (trimmed.empty() || trimmed.size() > kMaxPlainTextMessage || trimmed.front() == '<') return "";
  return std::string(trimmed);
}

bool is_thread_threshold_refusal(const HttpResponse& r) {
  return r.status >= 400 && ((mentions(r, "thread threshold") && mentions(r, "exceeded")) ||
                             mentions(r, "itgenatr005"));
}

bool is_unknown_user_refusal(const HttpResponse& r) {
  return r.status >= 400 && mentions(r, "zone information could not be determined");
}

bool is_invalid_integration_code_refusal(const HttpResponse& r) {
  return r.status >= 400 && mentions(r, "integrationcode is invalid");
}

bool is_permission_refusal(const HttpResponse& r) {
  return r.status == 403 || (r.status >= 400 && mentions(r, "adequate permission"));
}

bool is_business_rule_refusal(const HttpResponse& r) {
  return r.status >= 400 &&
         (mentions(r, "effectivedate must be between") || mentions(r, "negative") ||
          mentions(r, "duplicate data") || mentions(r, "contract_service_period"));
}

bool certainly_not_applied(const HttpResponse& r) {
  if (r.status == 0) return !r.maybe_sent;
  if (r.status >= 400 && r.status < 500) return true;  // 401, 403, 404, 405, 429: refused up front
  return is_thread_threshold_refusal(r) || is_unknown_user_refusal(r) ||
         is_invalid_integration_code_refusal(r) || is_permission_refusal(r);
}

Failure classify_failure(const HttpResponse& r) {
  if (r.status == 0) {
    std::string what = r.maybe_sent ? "no answer from Autotask; the request may have reached it"
                                    : "could not reach Autotask";
    return {transport_class(r.transport_error_class),
            r.transport_error.empty() ? what : what + " (" + r.transport_error + ")", 0};
  }
  std::string status = "HTTP " + std::to_string(r.status);
  if (is_thread_threshold_refusal(r))
    return {MB_STATUS_RATE_LIMITED,
            with_platform_words("Autotask thread limit exceeded (" + status + ")", r),
            retry_after_ms(r, kThreadLimitWaitMs)};
  if (r.status == 429)
    return {MB_STATUS_RATE_LIMITED,
            with_platform_words("Autotask request threshold reached (HTTP 429)", r),
            retry_after_ms(r, kDefaultThresholdWaitMs)};
  if (r.status == 401)
    return {MB_STATUS_AUTH_FAILED, "Autotask rejected the user name or secret (HTTP 401)", 0};
  if (is_unknown_user_refusal(r))
    return {MB_STATUS_CONFIG_INVALID,
            with_platform_words("Autotask does not know this API user (" + status + ")", r), 0};
  if (is_invalid_integration_code_refusal(r))
    return {MB_STATUS_AUTH_FAILED,
            with_platform_words("Autotask rejected the integration code (" + status + ")", r), 0};
  if (is_permission_refusal(r))
    return {MB_STATUS_AUTH_FAILED,
            with_platform_words(
                "the API user's security level does not allow this (" + status + ")", r),
            0};
  if (is_business_rule_refusal(r))
    return {MB_STATUS_CONFLICT, with_platform_words("Autotask refused (" + status + ")", r), 0};
  if (r.status == 404)
    return {MB_STATUS_NOT_FOUND, with_platform_words("not found on Autotask (HTTP 404)", r), 0};
  if (r.status == 502 || r.status == 503 || r.status == 504)
    return {MB_STATUS_RETRY, with_platform_words("Autotask is unavailable (" + status + ")", r),
            retry_after_ms(r, 0)};
  return {MB_STATUS_FATAL, with_platform_words("Autotask answered " + status, r), 0};
}

}  // namespace autotask
