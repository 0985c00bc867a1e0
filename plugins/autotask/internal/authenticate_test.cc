#include "internal/autotask_test_fixture.h"

namespace meterbridge::autotask {
namespace {

TEST_F(AutotaskPluginTest, AuthenticatesByDiscoveringTheZoneThenMakingOneAuthenticatedCall) {
  autotask_.on("GET", "ThresholdInformation",
               reply(200, R"({"externalRequestThreshold":10000,"requestThresholdTimeframe":60,)"
                          R"("currentTimeframeRequestCount":137})"));
  json::object verdict = result_of(open().call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), "ok");
  EXPECT_NE(message_of(verdict).find("137 of 10000"), std::string::npos);

  ASSERT_EQ(autotask_.seen().size(), 2u);
  const SeenRequest& discovery = autotask_.seen()[0];
  EXPECT_EQ(discovery.url,
            std::string(kDiscovery) + "v1.0/zoneInformation?user=api%40acme.example");
  EXPECT_FALSE(discovery.headers.contains("Secret")) << "discovery needs no credentials";
  const SeenRequest& check = autotask_.seen()[1];
  EXPECT_EQ(check.method, "GET");
  EXPECT_EQ(check.url, std::string(kZoneBase) + "ThresholdInformation");
  EXPECT_EQ(check.headers.at("UserName"), "api@acme.example");
  EXPECT_EQ(check.headers.at("Secret"), "s3cret-value");
  EXPECT_EQ(check.headers.at("ApiIntegrationCode"), "TRACKING-ID");
  EXPECT_FALSE(check.headers.contains("Authorization")) << "Autotask does not use HTTP Basic auth";
}

// Autotask refusing the credentials, and the verdict the plugin reaches: a refusal's words are
// passed on (the user name, Autotask's reason), and the secret never.
struct Refusal {
  const char* route;  // the call that is refused
  int status;
  const char* body;
  const char* verdict;
  const char* message_names;  // what the verdict's message must say; "" for nothing in particular
};

class AuthenticateRefusalTest : public AutotaskPluginTest,
                                public ::testing::WithParamInterface<Refusal> {};

TEST_P(AuthenticateRefusalTest, ReachesTheVerdictWithoutQuotingTheSecret) {
  const Refusal& refusal = GetParam();
  autotask_.on("GET", refusal.route, reply(refusal.status, refusal.body));
  json::object verdict = result_of(open().call(&mb_plugin_table::on_authenticate, "{}"));
  EXPECT_EQ(verdict.at("status"), refusal.verdict);
  EXPECT_NE(message_of(verdict).find(refusal.message_names), std::string::npos);
  EXPECT_EQ(message_of(verdict).find("s3cret-value"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Autotask, AuthenticateRefusalTest,
                         ::testing::Values(
                             // An unknown user is a config problem.
                             Refusal{"zoneInformation", 500,
                                     R"({"errors":["Zone information could not be determined"]})",
                                     "config_invalid", "api@acme.example"},
                             Refusal{"ThresholdInformation", 401, "", "auth_failed", ""},
                             Refusal{"ThresholdInformation", 500,
                                     R"({"errors":["IntegrationCode is invalid."]})", "auth_failed",
                                     "IntegrationCode is invalid."}));

TEST_F(AutotaskPluginTest, SkipsDiscoveryWhenTheZoneIsPinned) {
  autotask_.on("GET", "ThresholdInformation", reply(200, "{}"));
  auto session = open(R"({"username":"u","secret":"s","integration_code":"c",)"
                      R"("base_url":"https://webservices22.autotask.net/ATServicesRest/"})");
  EXPECT_EQ(result_of(session.call(&mb_plugin_table::on_authenticate, "{}")).at("status"), "ok");
  ASSERT_EQ(autotask_.seen().size(), 1u);
  EXPECT_EQ(autotask_.seen()[0].url,
            "https://webservices22.autotask.net/ATServicesRest/V1.0/ThresholdInformation");
}

}  // namespace
}  // namespace meterbridge::autotask
