#include "host/http/internal/retry_rules.h"

#include <gtest/gtest.h>

namespace mb::http::internal {
namespace {

using std::chrono::milliseconds;

HttpPolicy policy() {
  HttpPolicy p;
  p.max_retries = 3;
  p.backoff_base = milliseconds(100);
  p.backoff_max = milliseconds(1000);
  p.retry_after_max = milliseconds(60000);
  return p;
}

AttemptResult http(int status, std::optional<milliseconds> retry_after = std::nullopt) {
  return {status, ErrorClass::kOk, false, retry_after};
}

AttemptResult transport(bool maybe_sent, ErrorClass c = ErrorClass::kRetry) {
  return {0, c, maybe_sent, std::nullopt};
}

TEST(BackoffDelay, GrowsExponentiallyWithinEqualJitterAndStopsAtTheMax) {
  const milliseconds base(100), max(1000);
  EXPECT_EQ(backoff_delay(1, base, max, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(1, base, max, 0.999), milliseconds(99));
  EXPECT_EQ(backoff_delay(3, base, max, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, max, 1.0), milliseconds(400));
  EXPECT_EQ(backoff_delay(10, base, max, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(1000, base, max, 0.0), milliseconds(500));
}

TEST(DecideRetry, ServerErrorsAreRetriedForIdempotentRequestsOnly) {
  EXPECT_TRUE(decide_retry(policy(), true, 1, http(503), 0.5).retry);
  EXPECT_TRUE(decide_retry(policy(), true, 1, http(500), 0.5).retry);
  EXPECT_FALSE(decide_retry(policy(), false, 1, http(503), 0.5).retry);
  EXPECT_FALSE(decide_retry(policy(), true, 1, http(501), 0.5).retry);
  EXPECT_FALSE(decide_retry(policy(), true, 1, http(404), 0.5).retry);
  EXPECT_FALSE(decide_retry(policy(), true, 1, http(200), 0.5).retry);
}

TEST(DecideRetry, TooManyRequestsIsRetriedForAnyMethod) {
  EXPECT_TRUE(decide_retry(policy(), false, 1, http(429), 0.5).retry);
}

TEST(DecideRetry, ThrottlingRecognisedByBodyIsRetriedForAnyMethod) {
  AttemptResult r = http(500, milliseconds(2000));
  r.throttled = true;  // a throttle_body_markers text matched a 500
  RetryDecision d = decide_retry(policy(), false, 1, r, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(2000));
}

TEST(DecideRetry, RetryAfterWinsOverBackoffAndPausesTheClient) {
  RetryDecision d = decide_retry(policy(), false, 1, http(429, milliseconds(7000)), 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_TRUE(d.server_asked);
  EXPECT_EQ(d.delay, milliseconds(7000));  // above backoff_max: the server's word counts
}

TEST(DecideRetry, RetryAfterBeyondTheMaxGoesBackToTheCaller) {
  RetryDecision d = decide_retry(policy(), true, 1, http(503, milliseconds(3600000)), 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.unserved_retry_after, milliseconds(3600000));
}

TEST(ClientPause, OnlyForAServerWaitWithinTheMaximum) {
  EXPECT_EQ(client_pause(policy(), http(429, milliseconds(2000))), milliseconds(2000));
  EXPECT_EQ(client_pause(policy(), http(503, milliseconds(2000))), milliseconds(2000));
  EXPECT_FALSE(client_pause(policy(), http(429)));
  EXPECT_FALSE(client_pause(policy(), http(500, milliseconds(2000))));
  EXPECT_FALSE(client_pause(policy(), http(429, milliseconds(3600000))));  // beyond the max
}

TEST(DecideRetry, RetriesRunOut) {
  EXPECT_TRUE(decide_retry(policy(), true, 3, http(503), 0.5).retry);
  RetryDecision d = decide_retry(policy(), true, 4, http(429, milliseconds(10)), 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.unserved_retry_after, milliseconds(10));
}

TEST(DecideRetry, NothingSentIsRetriedForAnyMethod) {
  EXPECT_TRUE(decide_retry(policy(), false, 1, transport(false), 0.5).retry);
}

TEST(DecideRetry, MaybeSentIsRetriedForIdempotentRequestsOnly) {
  EXPECT_TRUE(decide_retry(policy(), true, 1, transport(true), 0.5).retry);
  EXPECT_FALSE(decide_retry(policy(), false, 1, transport(true), 0.5).retry);
}

TEST(DecideRetry, ConfigAndTlsFailuresAreNeverRetried) {
  EXPECT_FALSE(decide_retry(policy(), true, 1, transport(false, ErrorClass::kFatal), 0.5).retry);
  EXPECT_FALSE(
      decide_retry(policy(), true, 1, transport(false, ErrorClass::kConfigInvalid), 0.5).retry);
}

TEST(DecideRetry, RetryStatusesComeFromThePolicy) {
  HttpPolicy p = policy();
  p.retry_statuses = {502};
  EXPECT_FALSE(decide_retry(p, true, 1, http(500), 0.5).retry);
  EXPECT_TRUE(decide_retry(p, true, 1, http(502), 0.5).retry);
}

}  // namespace
}  // namespace mb::http::internal
