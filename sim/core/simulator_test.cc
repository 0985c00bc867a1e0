// End-to-end behaviour of the simulator core, observed the way a client sees it: over real
// sockets, with the "test" platform behind the core. This file: the lifecycle and the faults;
// simulator_control_test.cc: limits, latency, the request log, the control endpoints and TLS.
#include "sim/core/simulator.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>

#include "sim/core/simulator_test_helpers.h"
#include "sim/core/testing/raw_http_client.h"

namespace mb::sim {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using namespace testing;  // NOLINT(google-build-using-namespace): the core's test helpers

TEST(SimulatorLifecycleTest, ServesOnAnEphemeralLoopbackPort) {
  auto simulator = start_test_platform();
  EXPECT_NE(simulator->port(), 0);
  EXPECT_EQ(simulator->base_url(), "http://127.0.0.1:" + std::to_string(simulator->port()));
  const json::value info = control_json(simulator->port(), "GET", "/_sim/info");
  EXPECT_EQ(info.at("platform"), "test");
  EXPECT_EQ(info.at("base_url").as_string(), simulator->base_url());
}

TEST(SimulatorLifecycleTest, StopIsIdempotentAndClosesTheListener) {
  auto simulator = start_test_platform();
  const uint16_t port = simulator->port();
  simulator->stop();
  simulator->stop();
  EXPECT_THROW(RawHttpConnection connection(port), std::runtime_error);
  EXPECT_EQ(simulator->base_url(), "http://127.0.0.1:" + std::to_string(port));
}

TEST(SimulatorLifecycleTest, PortInUseIsAClearError) {
  auto first = start_test_platform();
  SimOptions options;
  options.port = first->port();
  try {
    start_test_platform(options);
    FAIL() << "second simulator on the same port started";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot listen on 127.0.0.1:"), std::string::npos)
        << error.what();
  }
}

TEST(SimulatorLifecycleTest, RejectsUnknownPlatformsAndBadOptions) {
  EXPECT_THROW(Simulator::start("no-such-platform", {}), std::runtime_error);
  SimOptions bad_faults;
  bad_faults.faults = "418:teapot=yes";
  EXPECT_THROW(start_test_platform(bad_faults), std::runtime_error);
  SimOptions bad_seed;
  bad_seed.seed_json = R"({"items":[{"id":0}]})";
  EXPECT_THROW(start_test_platform(bad_seed), std::runtime_error);
  SimOptions both;
  both.seed_json = R"({"items":[]})";
  both.generate = "items=3";
  EXPECT_THROW(start_test_platform(both), std::runtime_error);
  SimOptions bad_settings;
  bad_settings.settings_json = R"({"no_such_setting":1})";
  EXPECT_THROW(start_test_platform(bad_settings), std::runtime_error);
}

TEST(SimulatorLifecycleTest, StopDoesNotWaitForDelayedResponses) {
  SimOptions options;
  options.latency_ms = 60000;
  auto simulator = start_test_platform(options);
  RawHttpConnection connection(simulator->port());
  ASSERT_TRUE(connection.write_request("GET", "/api/echo"));
  // Make sure the request is being held before stopping.
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (control_json(simulator->port(), "GET", "/_sim/stats").at("in_flight") == 1) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  simulator->stop();  // returns although the response was due in a minute
  EXPECT_FALSE(connection.read_response(milliseconds(5000)).response);
}

TEST(SimStatusFaultTest, TooManyRequestsCarriesRetryAfterThenRecovers) {
  SimOptions options;
  options.faults = "429:count=1,retry_after=1";
  auto simulator = start_test_platform(options);
  RawResult first = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  ASSERT_EQ(status_of(first), 429) << first.error;
  EXPECT_EQ(first.response->headers.at("retry-after"), "1");
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth)),
            200);
}

TEST(SimStatusFaultTest, RetryAfterAsHttpDate) {
  SimOptions options;
  options.faults = "503:count=1,retry_after=2,retry_after_format=http-date";
  auto simulator = start_test_platform(options);
  RawResult result = http_request(simulator->port(), "GET", "/api/echo");
  ASSERT_EQ(status_of(result), 503);
  const std::string& retry_after = result.response->headers.at("retry-after");
  EXPECT_TRUE(retry_after.ends_with(" GMT")) << retry_after;
  EXPECT_EQ(retry_after.size(), 29u) << retry_after;
}

TEST(SimStatusFaultTest, ServerErrorsInSequenceNTimes) {
  SimOptions options;
  options.faults = "500:count=2;502:count=1;503:count=1";
  auto simulator = start_test_platform(options);
  std::vector<int> statuses;
  RawHttpConnection connection(simulator->port());
  for (int i = 0; i < 5; ++i) statuses.push_back(status_of(connection.send("GET", "/api/echo")));
  EXPECT_EQ(statuses, (std::vector<int>{500, 500, 502, 503, 200}));
  // The platform's own error shape is used for injected errors.
  RawResult check = http_request(simulator->port(), "GET", "/api/echo");
  EXPECT_EQ(status_of(check), 200);
}

TEST(SimStatusFaultTest, MatchesOnlyTheChosenMethodAndPath) {
  SimOptions options;
  options.faults = "503:method=POST,path=/api/items";
  auto simulator = start_test_platform(options);
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth)),
            200);
  EXPECT_EQ(status_of(http_request(simulator->port(), "POST", "/api/echo")), 200);
  RawResult refused =
      http_request(simulator->port(), "POST", "/api/items", kTestPlatformAuth, R"({"name":"x"})");
  ASSERT_EQ(status_of(refused), 503);
  EXPECT_EQ(json::parse(refused.response->body).at("error"), "server_error");
  // The handler did not run: nothing was created.
  EXPECT_EQ(control_json(simulator->port(), "GET", "/_sim/state").at("items").as_array().size(),
            3u);
}

TEST(SimDelayFaultTest, ResponseArrivesAfterTheClientGaveUp) {
  SimOptions options;
  options.faults = "delay:delay_ms=3000,count=1";
  auto simulator = start_test_platform(options);
  RawHttpConnection slow(simulator->port());
  RawResult timed_out = slow.send("GET", "/api/echo", {}, "", milliseconds(200));
  EXPECT_FALSE(timed_out.response);
  EXPECT_EQ(timed_out.error, "timeout");
  // Other connections are served while the delayed one waits.
  EXPECT_EQ(status_of(http_request(simulator->port(), "GET", "/api/echo")), 200);
}

TEST(SimDelayFaultTest, HandledDelayAppliesTheChangeBeforeTheLateResponse) {
  SimOptions options;
  options.faults = "delay:delay_ms=3000,handled=true,count=1,method=POST";
  auto simulator = start_test_platform(options);
  RawHttpConnection connection(simulator->port());
  RawResult result = connection.send("POST", "/api/items", kTestPlatformAuth,
                                     R"({"name":"Late","quantity":1})", milliseconds(200));
  EXPECT_EQ(result.error, "timeout");
  const json::array items =
      control_json(simulator->port(), "GET", "/_sim/state").at("items").as_array();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items.back().at("name"), "Late");
}

TEST(SimResetFaultTest, SendsHeadersAndPartOfTheBodyThenResets) {
  SimOptions options;
  options.faults = "reset:count=1,after_body_bytes=10";
  auto simulator = start_test_platform(options);
  RawHttpConnection connection(simulator->port());
  RawResult result = connection.send("GET", "/api/items", kTestPlatformAuth);
  EXPECT_FALSE(result.response);
  EXPECT_TRUE(result.header_received);
  EXPECT_EQ(result.partial_status, 200);
  EXPECT_EQ(result.body_bytes_received, 10u);
  EXPECT_FALSE(result.error.empty());
  EXPECT_TRUE(connection.closed_by_peer(milliseconds(2000)));

  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("outcome"), "reset");
  EXPECT_EQ(log[0].at("fault"), "reset");
}

TEST(SimResetFaultTest, DefaultCutIsHalfTheBody) {
  SimOptions options;
  options.faults = "reset:count=1";
  auto simulator = start_test_platform(options);
  RawResult broken = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  RawResult whole = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  ASSERT_TRUE(whole.response);
  EXPECT_FALSE(broken.response);
  EXPECT_EQ(broken.body_bytes_received, whole.response->body.size() / 2);
}

TEST(SimDropFaultTest, ClosesWithoutAnyResponse) {
  SimOptions options;
  options.faults = "drop:count=1";
  auto simulator = start_test_platform(options);
  RawResult result = http_request(simulator->port(), "GET", "/api/echo");
  EXPECT_FALSE(result.response);
  EXPECT_FALSE(result.header_received);
  const json::array log = logged_requests(simulator->port());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("status"), 0);
  EXPECT_EQ(log[0].at("outcome"), "dropped");
}

TEST(SimCloseFaultTest, AnswersThenClosesAKeepAliveConnection) {
  SimOptions options;
  options.faults = "close:count=1";
  auto simulator = start_test_platform(options);
  RawHttpConnection connection(simulator->port());
  RawResult result = connection.send("GET", "/api/echo");
  ASSERT_EQ(status_of(result), 200);
  EXPECT_EQ(result.response->headers.count("connection"), 0u);  // no warning given
  EXPECT_TRUE(connection.closed_by_peer(milliseconds(2000)));
}

TEST(SimMalformedFaultTest, TruncatedJsonWithStatus200) {
  SimOptions options;
  options.faults = "malformed:count=1";
  auto simulator = start_test_platform(options);
  RawResult result = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  ASSERT_EQ(status_of(result), 200);
  boost::system::error_code ec;
  json::parse(result.response->body, ec);
  EXPECT_TRUE(ec) << result.response->body;
  EXPECT_EQ(result.response->headers.at("content-type"), "application/json; charset=utf-8");
}

TEST(SimMalformedFaultTest, HtmlInsteadOfJson) {
  SimOptions options;
  options.faults = "malformed:style=html";
  auto simulator = start_test_platform(options);
  RawResult result = http_request(simulator->port(), "GET", "/api/echo");
  ASSERT_EQ(status_of(result), 200);
  EXPECT_TRUE(result.response->headers.at("content-type").starts_with("text/html"));
}

TEST(SimThrottleFaultTest, UsesThePlatformsOwnThrottleError) {
  SimOptions options;
  options.faults = "throttle:count=1;throttle:count=1,status=500";
  auto simulator = start_test_platform(options);
  RawResult first = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  ASSERT_EQ(status_of(first), 429);
  EXPECT_EQ(json::parse(first.response->body).at("error"), "concurrency_limit");
  RawResult second = http_request(simulator->port(), "GET", "/api/items", kTestPlatformAuth);
  ASSERT_EQ(status_of(second), 500);
  EXPECT_EQ(json::parse(second.response->body).at("error"), "concurrency_limit");
}

}  // namespace
}  // namespace mb::sim
