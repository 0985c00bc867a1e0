// Discovery, authentication, versioning, throttling and the error bodies of the ConnectWise
// simulator, as a client sees them over HTTP.
#include <gtest/gtest.h>

#include "sim/connectwise/connectwise_test_fixture.h"

namespace mb::sim::connectwise {
namespace {

TEST_F(ConnectWiseSimTest, CompanyInfoNeedsNoAuthAndNamesTheCodebase) {
  start();
  const RawResponse response = get("/login/companyinfo/northwind", {});
  ASSERT_EQ(response.status, 200);
  const json::value info = json::parse(response.body);
  EXPECT_EQ(info.at("CompanyName"), "Northwind IT");
  EXPECT_EQ(info.at("Codebase"), "v2025_1/");  // with its trailing slash
  EXPECT_EQ(info.at("VersionCode"), "v2025.1");
  EXPECT_EQ(info.at("VersionNumber"), "v4.6.12345");
  EXPECT_EQ(info.at("CompanyID"), "northwind");
  EXPECT_EQ(info.at("IsCloud"), "True");  // a string, not a boolean
  EXPECT_EQ(info.at("SiteUrl").as_string(), "127.0.0.1:" + std::to_string(port()));
  // The login company is matched ignoring case.
  EXPECT_EQ(get("/login/companyinfo/NorthWind", {}).status, 200);
}

TEST_F(ConnectWiseSimTest, CompanyInfoForAnUnknownCompanyIsNull) {
  start();
  const RawResponse response = get("/login/companyinfo/contoso", {});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "null");
}

TEST_F(ConnectWiseSimTest, ApiIsServedUnderTheCodebaseAndV46Release) {
  start();
  EXPECT_EQ(get(api("/system/info")).status, 200);
  EXPECT_EQ(get("/v4_6_release/apis/3.0/system/info").status, 200);
  const json::value stale = call_json("GET", "/v2019_1/apis/3.0/system/info", 404);
  EXPECT_EQ(stale.at("code"), "ConnectWiseApi");
  EXPECT_TRUE(stale.at("errors").is_null());
}

TEST_F(ConnectWiseSimTest, AnUpgradeMovesTheCodebaseAndTheOldOneAnswers404) {
  start();
  settings(R"({"codebase": "v2025_2/", "serve_v4_6_release": false})");
  const json::value info = json::parse(get("/login/companyinfo/northwind", {}).body);
  EXPECT_EQ(info.at("Codebase"), "v2025_2/");
  EXPECT_EQ(get(api("/system/info")).status, 404);
  EXPECT_EQ(get("/v4_6_release/apis/3.0/system/info").status, 404);
  EXPECT_EQ(get("/v2025_2/apis/3.0/system/info").status, 200);
}

TEST_F(ConnectWiseSimTest, SystemInfoVerifiesCredentials) {
  start();
  const json::value info = get_json(api("/system/info"));
  EXPECT_EQ(info.at("version"), "v2025.1.12345");
  EXPECT_EQ(info.at("isCloud"), true);
  EXPECT_EQ(info.at("cloudRegion"), "NA");
  EXPECT_TRUE(info.at("licenseBits").is_array());
}

TEST_F(ConnectWiseSimTest, MissingClientIdIs400) {
  start();
  Headers headers = default_headers();
  std::erase_if(headers, [](const auto& header) { return header.first == "clientId"; });
  const json::value error = call_json("GET", api("/system/info"), 400, "", headers);
  EXPECT_EQ(error.at("code"), "ConnectWiseApi");
  EXPECT_TRUE(error.at("errors").is_null());
  // The clientId is checked before the credentials: without both, still 400.
  call_json("GET", api("/company/companies"), 400, "", {});
}

TEST_F(ConnectWiseSimTest, UnregisteredClientIdIs400WhenTheSiteHasAnAllowList) {
  start_with_seed(R"({"clientIds": ["registered-client"]})");
  EXPECT_EQ(get(api("/system/info")).status, 400);
  Headers headers = default_headers();
  headers[1].second = "registered-client";
  EXPECT_EQ(get(api("/system/info"), headers).status, 200);
}

TEST_F(ConnectWiseSimTest, BadCredentialsAre401WithTheErrorBody) {
  start();
  auto with_authorization = [](std::string value) {
    Headers headers = default_headers();
    headers[0].second = std::move(value);
    return headers;
  };
  const json::value wrong_key =
      call_json("GET", api("/system/info"), 401, "",
                with_authorization(basic_auth("northwind", "Pk7hQ2", "wrong")));
  EXPECT_EQ(wrong_key.at("code"), "Unauthorized");
  EXPECT_TRUE(wrong_key.at("message").is_string());
  EXPECT_TRUE(wrong_key.at("errors").is_null());
  const json::value unknown_company =
      call_json("GET", api("/system/info"), 401, "",
                with_authorization(basic_auth("contoso", "Pk7hQ2", "Sx9mR4")));
  EXPECT_NE(std::string(unknown_company.at("message").as_string()).find("contoso"),
            std::string::npos);
  call_json("GET", api("/system/info"), 401, "",
            with_authorization(basic_auth("northwind", "Other", "Sx9mR4")));
  // The user part must be company+publicKey.
  call_json("GET", api("/system/info"), 401, "",
            with_authorization("Basic " + encode_base64("Pk7hQ2:Sx9mR4")));
  call_json("GET", api("/system/info"), 401, "", with_authorization("Bearer abc"));
  Headers no_authorization = default_headers();
  no_authorization.erase(no_authorization.begin());
  call_json("GET", api("/system/info"), 401, "", no_authorization);
}

TEST_F(ConnectWiseSimTest, TheSecurityRoleCanForbidWith403) {
  start_with_seed(R"({
    "apiMembers": [{"publicKey": "Pk7hQ2", "privateKey": "Sx9mR4",
                    "forbidden": ["procurement/catalog", "PATCH finance/agreements"]}],
    "catalog": [{"id": 55, "identifier": "EPP", "description": "Endpoint"}],
    "companies": [{"id": 250, "identifier": "NWD", "name": "Northwind Dental"}],
    "agreements": [{"id": 9001, "name": "Managed", "company": {"id": 250}}],
    "additions": [{"id": 77, "agreementId": 9001, "product": {"id": 55}, "quantity": 1}]
  })");
  const json::value forbidden = get_json(api("/procurement/catalog"), 403);
  EXPECT_EQ(forbidden.at("code"), "Security");
  EXPECT_EQ(forbidden.at("message"), "You do not have security permission to perform this action.");
  EXPECT_EQ(get(api("/finance/agreements/9001/additions/77")).status, 200);
  call_json("PATCH", api("/finance/agreements/9001/additions/77"), 403,
            R"([{"op":"replace","path":"quantity","value":2}])");
}

TEST_F(ConnectWiseSimTest, AcceptHeaderPicksTheModelVersion) {
  start();
  const RawResponse pinned = get(api("/system/info"));
  EXPECT_EQ(pinned.headers.at("content-type"),
            "application/vnd.connectwise.com+json; version=2025.16");
  EXPECT_EQ(pinned.headers.at("api-current-version"), "2026.4");
  EXPECT_FALSE(pinned.headers.at("x-cw-request-id").empty());

  Headers headers = default_headers();
  headers.pop_back();  // no Accept: the newest models
  EXPECT_EQ(get(api("/system/info"), headers).headers.at("content-type"),
            "application/vnd.connectwise.com+json; version=2026.4");
  // The vendor type must come first; after application/json its version is ignored.
  headers.emplace_back("Accept",
                       "application/json, application/vnd.connectwise.com+json; version=2025.16");
  EXPECT_EQ(get(api("/system/info"), headers).headers.at("content-type"),
            "application/vnd.connectwise.com+json; version=2026.4");

  headers.back().second = "application/vnd.connectwise.com+json; version=0.0";
  const json::value unsupported = call_json("GET", api("/system/info"), 400, "", headers);
  EXPECT_EQ(unsupported.at("code"), "ConnectWiseApi");
  EXPECT_NE(std::string(unsupported.at("message").as_string())
                .find("does not support the API version '0.0'"),
            std::string::npos);
}

TEST_F(ConnectWiseSimTest, UnknownRoutesRecordsAndMethodsUseTheErrorShape) {
  start();
  EXPECT_EQ(get_json(api("/company/nothing"), 404).at("code"), "ConnectWiseApi");
  EXPECT_EQ(get_json(api("/company/companies/999"), 404),
            json::parse(R"({"code":"NotFound","message":"Company 999 not found","errors":null})"));
  EXPECT_EQ(get_json(api("/company/companies/abc"), 404).at("code"), "ConnectWiseApi");
  const json::value not_allowed = call_json("DELETE", api("/company/companies/250"), 405);
  EXPECT_EQ(not_allowed.at("message"),
            "The requested resource does not support http method 'DELETE'.");
  // Paths ignore case, as the platform's routes do.
  EXPECT_EQ(get("/V2025_1/APIS/3.0/Company/Companies/250").status, 200);
}

TEST_F(ConnectWiseSimTest, RequestRateAboveTheBudgetGets429WithRetryAfter) {
  start();
  settings(R"({"rate_limit_requests": 3, "rate_limit_window_seconds": 60})");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(api("/system/info")).status, 200);
  const RawResponse throttled = get(api("/company/companies"));
  ASSERT_EQ(throttled.status, 429);
  const std::string retry_after = throttled.headers.at("retry-after");
  const int seconds = std::stoi(retry_after);
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 60);
  EXPECT_EQ(json::parse(throttled.body),
            json::parse(
                R"({"error":"ConnectWiseAPI","message":"Too many requests. Please try again in )" +
                retry_after + R"( seconds."})"));
  // Discovery is not an API call and is never throttled.
  EXPECT_EQ(get("/login/companyinfo/northwind", {}).status, 200);
}

TEST_F(ConnectWiseSimTest, InjectedFaultsUseThePlatformBodies) {
  SimOptions options;
  options.faults = "429:count=1,retry_after=5;throttle:count=1;500:count=1";
  start(options);
  const RawResponse injected = get(api("/system/info"));
  EXPECT_EQ(injected.status, 429);
  EXPECT_EQ(injected.headers.at("retry-after"), "5");
  EXPECT_EQ(json::parse(injected.body).at("error"), "ConnectWiseAPI");
  const RawResponse throttled = get(api("/system/info"));
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.headers.at("retry-after"), "1");
  const json::value server_error = get_json(api("/system/info"), 500);
  EXPECT_EQ(server_error.at("code"), "ConnectWiseApi");
  EXPECT_TRUE(server_error.at("errors").is_null());
  EXPECT_EQ(get(api("/system/info")).status, 200);
}

}  // namespace
}  // namespace mb::sim::connectwise
