// When an attempt is retried and how long to wait first: the engine's retry rules as a pure
// function of the policy and one attempt's result, so they are tested without sockets.
// docs/http-engine.md explains the rules.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_RETRY_RULES_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_RETRY_RULES_H_

#include <chrono>
#include <optional>
#include <string>

#include "host/common/status.h"
#include "host/http/http_client.h"

namespace mb::http::internal {

// One attempt's result as the rules see it.
struct AttemptResult {
  int status = 0;                            // HTTP status; 0 when no response was obtained
  ErrorClass error_class = ErrorClass::kOk;  // when status == 0
  bool maybe_sent = false;                   // when status == 0
  std::optional<std::chrono::milliseconds> retry_after;  // the response's Retry-After
  // The server refused the request to throttle us without doing anything: a 429, or a body
  // matching HttpPolicy::throttle_body_markers.
  bool throttled = false;
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  // The delay is the server's Retry-After (see client_pause).
  bool server_asked = false;
  // Why the caller gets the result as is although the server asked to wait (for the response's
  // retry_after_ms): the wait exceeds retry_after_max, or retries ran out.
  std::optional<std::chrono::milliseconds> unserved_retry_after;
};

// Jittered exponential backoff before retry number `retry` (1 for the first retry): the cap
// min(backoff_max, base * 2^(retry-1)), of which the upper half is jittered by `unit_random`
// in [0, 1) ("equal jitter": never less than half the cap, so retries still spread out).
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double unit_random);

// How long the whole client should hold back new attempts after this result: the server's
// Retry-After on a 429, 503 or throttling refusal, when it is within retry_after_max (a longer
// one goes back to the caller instead).
std::optional<std::chrono::milliseconds> client_pause(const HttpPolicy& policy,
                                                      const AttemptResult& result);

// attempts_made counts attempts so far (>= 1).
RetryDecision decide_retry(const HttpPolicy& policy, bool idempotent, int attempts_made,
                           const AttemptResult& result, double unit_random);

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_RETRY_RULES_H_
