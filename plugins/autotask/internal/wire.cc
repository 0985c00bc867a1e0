#include "internal/wire.h"

#include <meterbridge/json_fields.hpp>

#include <cctype>

namespace meterbridge::autotask {

namespace {

// Without a Retry-After, clients of Autotask's hourly threshold wait a minute.
constexpr uint64_t kDefaultThresholdWaitMs = 60'000;
// The thread limit clears as soon as one of our own requests finishes.
constexpr uint64_t kThreadLimitWaitMs = 1'000;
// A plain-text body is quoted only when it is short enough to be a message, not a page.
constexpr size_t kMaxPlainTextMessage = 300;

bool mentions(const HttpResponse& r, std::string_view text) {
  return contains_ignoring_case(r.body, text);
}

// The wait the answer asks for (retry_after_ms), or `fallback` when it names none.
uint64_t wait_asked(const HttpResponse& r, uint64_t fallback) {
  if (r.retry_after_ms > 0) return r.retry_after_ms;
  return retry_after_header_ms(r.header("retry-after")).value_or(fallback);
}

std::string with_platform_words(const std::string& what, const HttpResponse& r) {
  std::string words = platform_message(r.body);
  return words.empty() ? what : what + ": " + words;
}

// A request that got no answer: a wrong URL or a refused batch stays what it is; anything
// else is worth another try.
mb_status transport_class(const HttpResponse& r) {
  mb_status status = r.error ? r.error->error_class : MB_STATUS_FATAL;
  return status == MB_STATUS_CONFIG_INVALID || status == MB_STATUS_FATAL ||
                 status == MB_STATUS_RATE_LIMITED
             ? status
             : MB_STATUS_RETRY;
}

}  // namespace

std::string platform_message(std::string_view body) {
  if (auto doc = parse_json_object(body)) {
    std::string joined;
    const boost::json::value* errors = field_any_case(*doc, "errors");
    if (errors != nullptr && errors->is_array()) {
      for (const auto& e : errors->get_array()) {
        std::string words = e.is_object()
                                ? text(field_any_case(e.get_object(), "message")).value_or("")
                                : text(&e).value_or("");
        if (words.empty()) continue;
        if (!joined.empty()) joined += "; ";
        joined += words;
      }
    }
    if (joined.empty()) joined = text(field_any_case(*doc, "message")).value_or("");
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
  if (r.status == 0) return !(r.error && r.error->sent);
  if (r.status >= 400 && r.status < 500) return true;  // 401, 403, 404, 405, 429: refused up front
  return is_thread_threshold_refusal(r) || is_unknown_user_refusal(r) ||
         is_invalid_integration_code_refusal(r) || is_permission_refusal(r);
}

HttpFailure classify_failure(const HttpResponse& r) {
  if (r.status == 0) {
    std::string what = r.error && r.error->sent
                           ? "no answer from Autotask; the request may have reached it"
                           : "could not reach Autotask";
    if (r.error && !r.error->message.empty()) what += " (" + r.error->message + ")";
    return {transport_class(r), what, 0};
  }
  std::string status = "HTTP " + std::to_string(r.status);
  if (is_thread_threshold_refusal(r))
    return {MB_STATUS_RATE_LIMITED,
            with_platform_words("Autotask thread limit exceeded (" + status + ")", r),
            wait_asked(r, kThreadLimitWaitMs)};
  if (r.status == 429)
    return {MB_STATUS_RATE_LIMITED,
            with_platform_words("Autotask request threshold reached (HTTP 429)", r),
            wait_asked(r, kDefaultThresholdWaitMs)};
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
            retry_after_ms(r)};
  return {MB_STATUS_FATAL, with_platform_words("Autotask answered " + status, r), 0};
}

}  // namespace meterbridge::autotask
