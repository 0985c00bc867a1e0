// The thread limit (3 concurrent requests per integration code and entity) and the hourly
// request threshold (Autotask's REST API documentation).
//
// Requests are held in flight with the framework's delay fault, so overlap does not depend on
// timing: each held request waits 1.5 s, and every request of a test is written before any
// response is read.
#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

constexpr char kThreadLimitText[] = "thread threshold of 3 threads has been exceeded";

struct PendingCall {
  std::string target;
  Headers headers = auth_headers();
};

class AutotaskLimitsTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start(); }

  // Holds the first `held` requests under `path` for 1.5 s each.
  void hold_requests(const std::string& path, int held) {
    set_faults("delay:delay_ms=1500,count=" + std::to_string(held) + ",path=" + path);
  }

  // Sends every call on its own connection before reading any response.
  std::vector<RawResult> send_concurrently(const std::vector<PendingCall>& calls) {
    std::vector<std::unique_ptr<RawHttpConnection>> connections;
    for (const PendingCall& pending : calls) {
      connections.push_back(std::make_unique<RawHttpConnection>(port()));
      EXPECT_TRUE(connections.back()->write_request("GET", pending.target, pending.headers));
    }
    std::vector<RawResult> results;
    for (auto& connection : connections) results.push_back(connection->read_response());
    return results;
  }

  static int count_status(const std::vector<RawResult>& results, int status) {
    int count = 0;
    for (const RawResult& result : results) {
      if (result.response && result.response->status == status) ++count;
    }
    return count;
  }

  static const RawResult* first_with_status(const std::vector<RawResult>& results, int status) {
    for (const RawResult& result : results) {
      if (result.response && result.response->status == status) return &result;
    }
    return nullptr;
  }
};

TEST_F(AutotaskLimitsTest, AFourthConcurrentRequestOnOneEntityGetsTheThreadThresholdError) {
  hold_requests("/ATServicesRest/V1.0/Companies", 3);
  const std::vector<RawResult> results =
      send_concurrently(std::vector<PendingCall>(4, PendingCall{api("Companies/412")}));
  EXPECT_EQ(count_status(results, 200), 3);
  ASSERT_EQ(count_status(results, 429), 1);
  const std::string& body = first_with_status(results, 429)->response->body;
  EXPECT_NE(body.find(kThreadLimitText), std::string::npos) << body;
  EXPECT_NE(body.find("Itgenatr005"), std::string::npos) << body;
  EXPECT_EQ(json::parse(body).at("errors").as_array().size(), 1u);
}

TEST_F(AutotaskLimitsTest, TheThreadLimitIsPerEntity) {
  hold_requests("/ATServicesRest/V1.0/Companies", 3);
  std::vector<PendingCall> calls(3, PendingCall{api("Companies/412")});
  calls.push_back(PendingCall{api("Services/31")});
  EXPECT_EQ(count_status(send_concurrently(calls), 200), 4);
}

TEST_F(AutotaskLimitsTest, TheThreadLimitIsPerIntegrationCode) {
  hold_requests("/ATServicesRest/V1.0/Companies", 3);
  std::vector<PendingCall> calls(3, PendingCall{api("Companies/412")});
  calls.push_back(PendingCall{api("Companies/412"),
                              auth_headers(kOtherUserName, kOtherSecret, kOtherIntegrationCode)});
  EXPECT_EQ(count_status(send_concurrently(calls), 200), 4);
}

TEST_F(AutotaskLimitsTest, UsersSharingAnIntegrationCodeShareItsThreads) {
  hold_requests("/ATServicesRest/V1.0/Companies", 3);
  std::vector<PendingCall> calls(3, PendingCall{api("Companies/412")});
  calls.push_back(PendingCall{api("Companies/412"),
                              auth_headers(kSecondUserName, kSecondSecret, kIntegrationCode)});
  const std::vector<RawResult> results = send_concurrently(calls);
  EXPECT_EQ(count_status(results, 200), 3);
  EXPECT_EQ(count_status(results, 429), 1);
}

TEST_F(AutotaskLimitsTest, ChildRoutesCountAgainstTheChildEntity) {
  // The prefix holds both routes, so whichever arrives fourth finds three in flight.
  hold_requests("/ATServicesRest/V1.0/Contract", 4);
  std::vector<PendingCall> calls(3, PendingCall{api("Contracts/9001/ServiceUnits")});
  calls.push_back(PendingCall{api("ContractServiceUnits/7001")});
  const std::vector<RawResult> results = send_concurrently(calls);
  EXPECT_EQ(count_status(results, 429), 1);
}

TEST_F(AutotaskLimitsTest, TheThreadLimitErrorStatusIsASetting) {
  set_settings(R"({"thread_limit_status":500})");
  hold_requests("/ATServicesRest/V1.0/Companies", 3);
  const std::vector<RawResult> results =
      send_concurrently(std::vector<PendingCall>(4, PendingCall{api("Companies/412")}));
  ASSERT_EQ(count_status(results, 500), 1);
  EXPECT_NE(first_with_status(results, 500)->response->body.find(kThreadLimitText),
            std::string::npos);
}

TEST_F(AutotaskLimitsTest, ZoneInformationIsExemptFromTheThreadLimit) {
  hold_requests("/ATServicesRest/V1.0/ZoneInformation", 5);
  const std::vector<RawResult> results = send_concurrently(std::vector<PendingCall>(
      5, PendingCall{api("ZoneInformation?user=meterbridge-api@acme-it.example"), {}}));
  EXPECT_EQ(count_status(results, 200), 5);
  const json::value stats = mb::sim::testing::control_json(port(), "GET", "/_sim/stats");
  EXPECT_GT(stats.at("endpoints").at("ZoneInformation").at("max_in_flight").as_int64(), 3);
}

TEST_F(AutotaskLimitsTest, ThresholdInformationIsThreadLimitedLikeAnEntity) {
  hold_requests("/ATServicesRest/V1.0/ThresholdInformation", 3);
  const std::vector<RawResult> results =
      send_concurrently(std::vector<PendingCall>(4, PendingCall{api("ThresholdInformation")}));
  EXPECT_EQ(count_status(results, 429), 1);
}

TEST_F(AutotaskLimitsTest, AThrottleFaultAnswersWithTheThreadThresholdError) {
  set_faults("throttle:count=1");
  const json::value body = call_json("GET", api("Companies/412"), 429);
  EXPECT_NE(error_text(body).find(kThreadLimitText), std::string::npos);
  call_json("GET", api("Companies/412"), 200);
}

TEST_F(AutotaskLimitsTest, InjectedStatusFaultsUseTheErrorsShape) {
  set_faults("503:count=1");
  const json::value body = call_json("GET", api("Companies/412"), 503);
  EXPECT_TRUE(body.at("errors").is_array());
}

TEST_F(AutotaskLimitsTest, ThresholdInformationReportsUsageIncludingItself) {
  EXPECT_EQ(call_json("GET", api("ThresholdInformation"), 200),
            json::parse(R"({"externalRequestThreshold":10000,"requestThresholdTimeframe":60,
                            "currentTimeframeRequestCount":1})"));
  call_json("GET", api("Companies/412"), 200);
  EXPECT_EQ(call_json("GET", api("ThresholdInformation"), 200).at("currentTimeframeRequestCount"),
            3);
}

TEST_F(AutotaskLimitsTest, ZoneDiscoveryAndRefusedCredentialsDoNotCount) {
  call_json("GET", api("ZoneInformation?user=meterbridge-api@acme-it.example"), 200, "", {});
  call_json("GET", api("Companies/412"), 401, "", auth_headers(kUserName, "wrong"));
  EXPECT_EQ(call_json("GET", api("ThresholdInformation"), 200).at("currentTimeframeRequestCount"),
            1);
}

TEST_F(AutotaskLimitsTest, PastTheHourlyThresholdEveryApiRequestIsRefusedWith429) {
  set_settings(R"({"hourly_threshold":3})");
  for (int i = 0; i < 3; ++i) call_json("GET", api("Companies/412"), 200);
  RawResult refused = call("GET", api("Companies/412"));
  ASSERT_TRUE(refused.response);
  EXPECT_EQ(refused.response->status, 429);
  EXPECT_NE(error_text(json::parse(refused.response->body)).find("threshold"), std::string::npos);
  ASSERT_TRUE(refused.response->headers.contains("retry-after"));
  EXPECT_GE(std::stoll(refused.response->headers.at("retry-after")), 1);
  // The whole tenant is suspended, ThresholdInformation included; zone discovery still answers.
  call_json("GET", api("ThresholdInformation"), 429);
  call_json("GET", api("ZoneInformation?user=meterbridge-api@acme-it.example"), 200, "", {});
  EXPECT_EQ(state().at("threshold").at("currentTimeframeRequestCount"), 3);
}

TEST_F(AutotaskLimitsTest, TheThresholdIsSharedByEveryUserOfTheTenant) {
  set_settings(R"({"hourly_threshold":3})");
  call_json("GET", api("Companies/412"), 200);
  call_json("GET", api("Companies/412"), 200, "",
            auth_headers(kOtherUserName, kOtherSecret, kOtherIntegrationCode));
  call_json("GET", api("Companies/412"), 200, "",
            auth_headers(kSecondUserName, kSecondSecret, kIntegrationCode));
  call_json("GET", api("Companies/412"), 429);
}

TEST_F(AutotaskLimitsTest, RetryAfterOnTheThresholdRefusalCanBeSwitchedOff) {
  set_settings(R"({"hourly_threshold":1,"threshold_retry_after":false,"threshold_status":500})");
  call_json("GET", api("Companies/412"), 200);
  RawResult refused = call("GET", api("Companies/412"));
  ASSERT_TRUE(refused.response);
  EXPECT_EQ(refused.response->status, 500);
  EXPECT_FALSE(refused.response->headers.contains("retry-after"));
}

TEST_F(AutotaskLimitsTest, TheThresholdCanComeFromTheSeed) {
  mb::sim::SimOptions options;
  options.seed_json = R"({"users":[{"userName":"meterbridge-api@acme-it.example",
      "secret":"sim-secret","integrationCode":"MBSIMINTEGRATIONCODE"}],
      "settings":{"hourly_threshold":2}})";
  start(options);
  EXPECT_EQ(call_json("GET", api("ThresholdInformation"), 200).at("externalRequestThreshold"), 2);
  call_json("GET", api("ThresholdInformation"), 200);
  call_json("GET", api("ThresholdInformation"), 429);
}

TEST_F(AutotaskLimitsTest, UnknownSettingsAreRefused) {
  RawResult result = mb::sim::testing::http_request(port(), "POST", "/_sim/settings",
                                                    {{"Content-Type", "application/json"}},
                                                    R"({"hourly_treshold":5})");
  ASSERT_TRUE(result.response);
  EXPECT_EQ(result.response->status, 400);
}

}  // namespace
}  // namespace mb::sim::autotask_testing
