// authenticate through the whole plugin (external_plugin_test.h): GET /v1/integration with the
// key, and a verdict for every way the platform can refuse it.
#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, EveryRequestCarriesTheBearerKeyAndMayBeRetried) {
  json::value v = ok(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "ok");
  EXPECT_EQ(v.at("message").as_string(),
            "Example Distribution: integration Coro for Acme (int_7), external protocol 1.0, up to "
            "100 counts per batch");
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].url, std::string(kBase) + "/v1/integration");
  EXPECT_EQ(seen_[0].headers.at("Authorization"), "Bearer k3y-s3cret");
  EXPECT_TRUE(seen_[0].idempotent);
  EXPECT_EQ(seen_[0].endpoint, "integration");
}

TEST_F(ExternalPluginTest, AuthenticateGivesAVerdictForEveryKindOfRefusal) {
  auto verdict = [&](HttpResponse answer) {
    platform_.on("GET", "/v1/integration", answer);
    json::value v = ok(&mb_plugin_table::on_authenticate, "{}");
    return std::string(v.at("status").as_string()) + ": " +
           std::string(v.at("message").as_string());
  };
  const std::string bad_key =
      verdict(protocol_error(401, "unauthorized", "the API key is not valid"));
  EXPECT_EQ(bad_key.rfind("auth_failed: ", 0), 0u) << bad_key;
  EXPECT_NE(bad_key.find("the API key is not valid"), std::string::npos);
  EXPECT_EQ(bad_key.find("k3y-s3cret"), std::string::npos);
  EXPECT_EQ(verdict(protocol_error(403, "forbidden")).rfind("auth_failed", 0), 0u);
  EXPECT_EQ(verdict(reply(404, "")).rfind("config_invalid: ", 0), 0u);
  EXPECT_EQ(verdict(no_answer(false)).rfind("unreachable: ", 0), 0u);
  EXPECT_EQ(verdict(reply(502, "")).rfind("unreachable: ", 0), 0u);
  const std::string newer = verdict(integration(100, "2.0"));
  EXPECT_NE(newer.find("speaks external protocol 2.0"), std::string::npos) << newer;

  HttpResponse throttle = protocol_error(429, "rate_limited");
  throttle.retry_after_ms = 7000;
  platform_.on("GET", "/v1/integration", throttle);
  CallResult throttled = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(throttled.status, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(throttled.retry_after_ms, 7000u);
}

TEST_F(ExternalPluginTest, AVersionedBaseUrlGetsAHint) {
  FakeHost::Session versioned =
      plugin_.open(std::string(R"({"base_url":")") + kBase + R"(/v1","api_key":"k"})");
  platform_.on("GET", "/v1/v1/integration", protocol_error(404, "not_found"));
  CallResult r = versioned.call(&mb_plugin_table::on_authenticate, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r.result.find("base_url must not include /v1"), std::string::npos) << r.result;
}

}  // namespace
}  // namespace meterbridge::external
