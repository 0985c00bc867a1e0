// The documented rate limit: 100 requests a second, answered with 429 "Request limit reached
// (100 requests a second)" (reference §8, §11.11). The tests use a long window so no assertion
// depends on how fast the machine runs.
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

TEST_F(GradientSimTest, RequestsOverTheLimitAre429WithoutRetryAfter) {
  start();
  settings(R"({"rate_limit_requests": 3, "rate_limit_window_ms": 600000})");
  for (int i = 0; i < 3; ++i) call_json("GET", api("/organization"), 200);
  RawResult refused = call("GET", api("/organization"));
  ASSERT_TRUE(refused.response) << refused.error;
  EXPECT_EQ(refused.response->status, 429);
  EXPECT_EQ(json::parse(refused.response->body),
            nest_error(429, "Request limit reached (3 requests per 600000 ms)"));
  // No Retry-After is documented, so none is sent by default.
  EXPECT_FALSE(refused.response->headers.contains("retry-after"));
}

TEST_F(GradientSimTest, RetryAfterCanBeSwitchedOn) {
  start();
  settings(R"({"rate_limit_requests": 1, "rate_limit_window_ms": 600000,
              "rate_limit_retry_after": true})");
  call_json("GET", api("/organization"), 200);
  RawResult refused = call("GET", api("/organization"));
  ASSERT_TRUE(refused.response) << refused.error;
  ASSERT_EQ(refused.response->status, 429);
  ASSERT_TRUE(refused.response->headers.contains("retry-after"));
  const int seconds = std::stoi(refused.response->headers.at("retry-after"));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 600);
}

TEST_F(GradientSimTest, UnauthenticatedRequestsCountAndRefusedOnesDoNot) {
  start();
  settings(R"({"rate_limit_requests": 2, "rate_limit_window_ms": 600000})");
  as_partner("pk_wrong", "GET", "/organization", 401);
  call_json("GET", api("/organization"), 200);
  call_json("GET", api("/organization"), 429);
  call_json("GET", api("/organization"), 429);
}

TEST_F(GradientSimTest, TheDefaultLimitAdmitsAHundredRequests) {
  start();
  // However slow the machine, no window can hold more than these hundred, so none is refused.
  for (int i = 0; i < 100; ++i) {
    RawResult result = call("GET", api("/organization"));
    ASSERT_TRUE(result.response) << result.error;
    ASSERT_EQ(result.response->status, 200) << "request " << i;
  }
}

TEST_F(GradientSimTest, AnInjectedThrottleSpeaksTheDocumentedText) {
  mb::sim::SimOptions options;
  options.faults = "throttle:count=1";
  start(options);
  EXPECT_EQ(call_json("GET", api("/organization"), 429),
            nest_error(429, "Request limit reached (100 requests a second)"));
  call_json("GET", api("/organization"), 200);
}

TEST_F(GradientSimTest, ControlEndpointsAreNotLimited) {
  start();
  settings(R"({"rate_limit_requests": 1, "rate_limit_window_ms": 600000})");
  call_json("GET", api("/organization"), 200);
  call_json("GET", api("/organization"), 429);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(state().at("partners").is_array());
    hook("map-service", R"({"partnerKey":"pk_456","serviceId":"6650a1c2e4b0a1b2c3d4e778"})");
  }
}

TEST_F(GradientSimTest, ZeroSwitchesTheLimitOff) {
  start();
  settings(R"({"rate_limit_requests": 0, "rate_limit_window_ms": 600000})");
  for (int i = 0; i < 120; ++i) {
    RawResult result = call("GET", api("/organization"));
    ASSERT_TRUE(result.response) << result.error;
    ASSERT_EQ(result.response->status, 200) << "request " << i;
  }
}

}  // namespace
}  // namespace mb::sim::gradient_testing
