// Zone discovery, header authentication and the platform's answers for unrouted requests
// (Autotask's REST API documentation).
#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

class AutotaskZoneAuthTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start(); }
};

const char kZoneErrorBody[] = R"({"errors":["Zone information could not be determined"]})";

TEST_F(AutotaskZoneAuthTest, VersionInformationListsApiVersionsWithoutCredentials) {
  const json::value body = call_json("GET", "/atservicesrest/versioninformation", 200, "", {});
  EXPECT_EQ(body, json::parse(R"({"apiVersions":["1.0"]})"));
}

TEST_F(AutotaskZoneAuthTest, ZoneInformationPointsAKnownUserAtThisSimulatorWithoutCredentials) {
  const json::value zone = call_json(
      "GET", "/atservicesrest/v1.0/zoneInformation?user=meterbridge-api%40acme-it.example", 200, "",
      {});
  EXPECT_EQ(zone.at("zoneName"), "America East 3");
  EXPECT_EQ(zone.at("url"), json::value(base_url() + "/ATServicesRest/"));
  EXPECT_EQ(zone.at("webUrl"), json::value(base_url() + "/"));
  EXPECT_EQ(zone.at("ci"), 5);
}

TEST_F(AutotaskZoneAuthTest, ZoneInformationReportsEachUsersOwnZone) {
  const json::value zone = call_json(
      "GET", "/atservicesrest/v1.0/zoneInformation?user=other-integration%40acme-it.example", 200,
      "", {});
  EXPECT_EQ(zone.at("zoneName"), "America West 2");
  EXPECT_EQ(zone.at("ci"), 8);
}

TEST_F(AutotaskZoneAuthTest, ZoneInformationMatchesTheUserNameInAnyCase) {
  const json::value zone = call_json(
      "GET", "/atservicesrest/v1.0/zoneInformation?user=METERBRIDGE-API%40ACME-IT.EXAMPLE", 200, "",
      {});
  EXPECT_EQ(zone.at("zoneName"), "America East 3");
}

TEST_F(AutotaskZoneAuthTest, ZoneInformationForAnUnknownUserIsHttp500WithTheZoneError) {
  RawResult result =
      call("GET", "/atservicesrest/v1.0/zoneInformation?user=nobody%40acme-it.example", "", {});
  ASSERT_TRUE(result.response) << result.error;
  EXPECT_EQ(result.response->status, 500);
  EXPECT_EQ(json::parse(result.response->body), json::parse(kZoneErrorBody));
}

TEST_F(AutotaskZoneAuthTest, ZoneInformationForABlankOrMissingUserIsHttp500WithTheZoneError) {
  for (const char* target :
       {"/atservicesrest/v1.0/zoneInformation?user=", "/atservicesrest/v1.0/zoneInformation"}) {
    EXPECT_EQ(call_json("GET", target, 500, "", {}), json::parse(kZoneErrorBody)) << target;
  }
}

TEST_F(AutotaskZoneAuthTest, DiscoveryPathsIgnoreCase) {
  for (const char* target :
       {"/ATServicesRest/V1.0/ZoneInformation?user=meterbridge-api@acme-it.example",
        "/ATSERVICESREST/v1.0/ZONEINFORMATION?User=meterbridge-api@acme-it.example",
        "/atservicesrest/V1.0/zoneinformation?USER=meterbridge-api@acme-it.example"}) {
    EXPECT_EQ(call_json("GET", target, 200, "", {}).at("ci"), 5) << target;
  }
  call_json("GET", "/ATSERVICESREST/VERSIONINFORMATION", 200, "", {});
}

TEST_F(AutotaskZoneAuthTest, ApiPathsIgnoreCaseAndCollapseDoubleSlashes) {
  const std::string filter = R"({"Filter":[{"op":"eq","field":"id","value":412}]})";
  for (const char* target :
       {"/atservicesrest/v1.0/companies/query", "/ATServicesRest//V1.0/Companies/query",
        "//ATServicesRest/V1.0//Companies//query/"}) {
    EXPECT_EQ(ids_of(call_json("POST", target, 200, filter)), std::vector<int64_t>{412}) << target;
  }
}

TEST_F(AutotaskZoneAuthTest, TheDiscoveredUrlPlusV10IsTheApiBase) {
  const json::value zone =
      call_json("GET", "/atservicesrest/v1.0/zoneInformation?user=meterbridge-api@acme-it.example",
                200, "", {});
  const std::string root = target_of(zone.at("url"));  // "/ATServicesRest/"
  // Both the documented join ("url" + "V1.0/") and a careless one ("url" + "/V1.0/") work.
  for (const std::string& base : {root + "V1.0/", root + "/V1.0/"}) {
    EXPECT_EQ(call_json("GET", base + "Companies/412", 200).at("item").at("id"), 412) << base;
  }
}

TEST_F(AutotaskZoneAuthTest, AWrongSecretIsHttp401WithAnEmptyBody) {
  RawResult result =
      call("GET", api("Companies/412"), "", auth_headers(kUserName, "not-the-secret"));
  ASSERT_TRUE(result.response) << result.error;
  EXPECT_EQ(result.response->status, 401);
  EXPECT_EQ(result.response->body, "");
}

TEST_F(AutotaskZoneAuthTest, AnUnknownUserNameIsHttp500WithTheZoneError) {
  const json::value body = call_json("GET", api("Companies/412"), 500, "",
                                     auth_headers("typo-api@acme-it.example", kSecret));
  EXPECT_EQ(body, json::parse(kZoneErrorBody));
}

TEST_F(AutotaskZoneAuthTest, AnInvalidIntegrationCodeIsHttp500WithTheIntegrationCodeError) {
  const json::value body = call_json("GET", api("Companies/412"), 500, "",
                                     auth_headers(kUserName, kSecret, "NOT-A-VENDOR-CODE"));
  EXPECT_EQ(body, json::parse(R"({"errors":["IntegrationCode is invalid."]})"));
}

TEST_F(AutotaskZoneAuthTest, AnotherUsersIntegrationCodeIsInvalidForThisUser) {
  const json::value body = call_json("GET", api("Companies/412"), 500, "",
                                     auth_headers(kUserName, kSecret, kOtherIntegrationCode));
  EXPECT_EQ(error_text(body), "IntegrationCode is invalid.");
}

TEST_F(AutotaskZoneAuthTest, MissingHeadersAreRefusedLikeWrongOnes) {
  EXPECT_EQ(call_json("GET", api("ThresholdInformation"), 500, "", {}),
            json::parse(kZoneErrorBody));
  EXPECT_EQ(error_text(call_json("GET", api("ThresholdInformation"), 500, "",
                                 {{"UserName", kUserName}, {"Secret", kSecret}})),
            "IntegrationCode is invalid.");
  RawResult no_secret = call("GET", api("ThresholdInformation"), "",
                             {{"UserName", kUserName}, {"ApiIntegrationCode", kIntegrationCode}});
  ASSERT_TRUE(no_secret.response);
  EXPECT_EQ(no_secret.response->status, 401);
  EXPECT_EQ(no_secret.response->body, "");
}

TEST_F(AutotaskZoneAuthTest, AuthHeaderNamesAreCaseInsensitive) {
  const Headers odd_case = {
      {"ApiIntegrationcode", kIntegrationCode}, {"USERNAME", kUserName}, {"secret", kSecret}};
  EXPECT_EQ(call_json("GET", api("Companies/412"), 200, "", odd_case).at("item").at("id"), 412);
}

TEST_F(AutotaskZoneAuthTest, EverySeededUserAuthenticatesWithItsOwnCredentials) {
  call_json("GET", api("ThresholdInformation"), 200, "",
            auth_headers(kSecondUserName, kSecondSecret, kIntegrationCode));
  call_json("GET", api("ThresholdInformation"), 200, "",
            auth_headers(kOtherUserName, kOtherSecret, kOtherIntegrationCode));
}

TEST_F(AutotaskZoneAuthTest, AnUnsupportedVerbIs405WithTheAspNetMessageBody) {
  RawResult result = call("DELETE", api("Companies/412"));
  ASSERT_TRUE(result.response);
  EXPECT_EQ(result.response->status, 405);
  EXPECT_EQ(json::parse(result.response->body),
            json::parse(
                R"({"Message":"The requested resource does not support http method 'DELETE'."})"));
  EXPECT_EQ(result.response->headers.at("allow"), "GET");
}

TEST_F(AutotaskZoneAuthTest, AnUnknownRouteIs404WithTheAspNetMessageBody) {
  const json::value body = call_json("GET", api("NoSuchEntity/1"), 404);
  EXPECT_EQ(body.at("Message"),
            json::value("No HTTP resource was found that matches the request URI '" + base_url() +
                        api("NoSuchEntity/1") + "'."));
}

TEST_F(AutotaskZoneAuthTest, VersionAnswersAuthenticatedCallers) {
  const json::value version = call_json("GET", api("Version"), 200);
  for (const char* field : {"majorVersion", "minorVersion", "build", "customerType"}) {
    EXPECT_TRUE(version.as_object().contains(field)) << field;
  }
  call_json("GET", api("Version"), 500, "", {});
}

}  // namespace
}  // namespace mb::sim::autotask_testing
