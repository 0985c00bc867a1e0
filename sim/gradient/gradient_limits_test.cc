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

TEST_F(GradientSimTest, AJsonBodyOverTheParsersLimitIs413BeforeAnyGuard) {
  start();
  settings(R"({"body_limit_bytes": 120})");
  const std::string small = R"([{"id":"w-1","name":"Small","description":""}])";
  std::string large = "[";
  for (int i = 0; i < 5; ++i)
    large += std::string(i == 0 ? "" : ",") + R"({"id":"w-big-)" + std::to_string(i) +
             R"(","name":"A name","description":""})";
  large += "]";
  ASSERT_LE(small.size(), 120u);
  ASSERT_GT(large.size(), 120u);
  EXPECT_EQ(call_json("POST", api("/organization/accounts"), 413, large),
            nest_error(413, "request entity too large"));
  // The body parser runs before the token guard.
  as_partner("pk_wrong", "POST", "/organization/accounts", 413, large);
  EXPECT_TRUE(partner_state().at("accounts").as_array().size() == 2u) << "nothing was created";
  call_json("POST", api("/organization/accounts"), 201, small);
  settings(R"({"body_limit_bytes": 0})");
  call_json("POST", api("/organization/accounts"), 201, large);
}

}  // namespace
}  // namespace mb::sim::gradient_testing
