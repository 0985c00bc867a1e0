#include "host/http/internal/retry_rules.h"

#include <algorithm>
#include <cmath>

namespace mb::http::internal {

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double unit_random) {
  const double exponent = std::clamp(retry - 1, 0, 40);
  const double cap = std::min(static_cast<double>(max.count()),
                              static_cast<double>(base.count()) * std::pow(2.0, exponent));
  const double unit = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(cap / 2 + unit * cap / 2));
}

namespace {

bool retryable_status(const HttpPolicy& policy, int status) {
  return std::find(policy.retry_statuses.begin(), policy.retry_statuses.end(), status) !=
         policy.retry_statuses.end();
}

// Whether the rules allow another attempt at all, ignoring the attempt limit.
bool eligible(const HttpPolicy& policy, bool idempotent, const AttemptResult& r) {
  if (r.status == 0) {
    // Bad URL, TLS verification failure, oversized response: trying again changes nothing.
    if (r.error_class != ErrorClass::kRetry) return false;
    // Nothing reached the server (resolve, connect, handshake): safe for any method.
    return !r.maybe_sent || idempotent;
  }
  // The server refused before doing anything: safe for any method (RFC 6585 §4).
  if (r.status == 429 || r.throttled) return true;
  return idempotent && retryable_status(policy, r.status);
}

// The server asked us to wait (429, 503 or a throttling refusal with Retry-After).
bool server_wait(const AttemptResult& r) {
  return r.retry_after.has_value() && r.status != 0 &&
         (r.status == 429 || r.status == 503 || r.throttled);
}

}  // namespace

std::optional<std::chrono::milliseconds> client_pause(const HttpPolicy& policy,
                                                      const AttemptResult& result) {
  if (!server_wait(result) || *result.retry_after > policy.retry_after_max) return std::nullopt;
  if (result.retry_after->count() <= 0) return std::nullopt;
  return result.retry_after;
}

RetryDecision decide_retry(const HttpPolicy& policy, bool idempotent, int attempts_made,
                           const AttemptResult& result, double unit_random) {
  RetryDecision d;
  const bool wait = server_wait(result);
  if (!eligible(policy, idempotent, result)) {
    if (wait) d.unserved_retry_after = result.retry_after;
    return d;
  }
  if (attempts_made > policy.max_retries) {
    if (wait) d.unserved_retry_after = result.retry_after;
    return d;
  }
  if (wait) {
    if (*result.retry_after > policy.retry_after_max) {
      d.unserved_retry_after = result.retry_after;
      return d;
    }
    d.retry = true;
    d.delay = *result.retry_after;
    d.server_asked = true;
    return d;
  }
  d.retry = true;
  d.delay = backoff_delay(attempts_made, policy.backoff_base, policy.backoff_max, unit_random);
  return d;
}

}  // namespace mb::http::internal
