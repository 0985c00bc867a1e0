// authenticate through the whole plugin (connectwise_plugin_test.h).
#include "connectwise_plugin_test.h"

namespace meterbridge::connectwise {
namespace {

using AuthenticateTest = ConnectWiseTest;

TEST_F(AuthenticateTest, DiscoversTheCodebaseThenProbesWithEveryHeader) {
  answer_probes(reply(200, json::array{json::object{{"id", 1}}}));
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "ok") << v;
  EXPECT_THAT(str(v.at("message")), HasSubstr("v2025_1/"));

  ASSERT_GE(platform_.seen().size(), 4u);
  const SeenRequest& info = platform_.seen()[0];
  EXPECT_EQ(info.url, std::string(kBase) + "/login/companyinfo/northwind");
  EXPECT_FALSE(info.headers.contains("Authorization")) << "companyinfo needs no credentials";
  EXPECT_EQ(info.headers.at("clientId"), kClientId);

  auto api = api_requests();
  ASSERT_EQ(api.size(), 3u);
  for (const SeenRequest& s : api) {
    EXPECT_EQ(s.url.rfind(std::string(kBase) + "/v2025_1/apis/3.0/", 0), 0u) << s.url;
    EXPECT_EQ(s.headers.at("Authorization"), kAuthorization);
    EXPECT_EQ(s.headers.at("clientId"), kClientId);
    EXPECT_EQ(s.headers.at("Accept"), "application/vnd.connectwise.com+json; version=2025.16");
    EXPECT_EQ(param(s, "pageSize"), "1");
  }
  EXPECT_EQ(host_.http_batches().size(), 2u) << "the three probes go in one concurrent batch";
}

TEST_F(AuthenticateTest, CallsAnUnknownCompanyAConfigProblem) {
  unknown_company_ = true;
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "config_invalid");
  EXPECT_THAT(str(v.at("message")), HasSubstr("does not know the company 'northwind'")) << v;
  EXPECT_TRUE(api_requests().empty());
}

TEST_F(AuthenticateTest, ReportsRejectedKeysWithConnectWisesReason) {
  answer_probes(reply(401, json::object{{"code", "Unauthorized"},
                                        {"message", "Public key or private key is invalid"}}));
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "auth_failed");
  EXPECT_THAT(str(v.at("message")), HasSubstr("Public key or private key is invalid")) << v;
  EXPECT_THAT(str(v.at("message")), Not(HasSubstr("Sx9mR4")));
}

TEST_F(AuthenticateTest, NamesTheMissingRolePermission) {
  platform_.on("GET", "company/companies", reply(200, json::array{}));
  platform_.on("GET", "procurement/catalog", reply(200, json::array{}));
  platform_.on("GET", "finance/agreements", error_reply(403, "Forbidden", "not allowed"));
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "auth_failed");
  EXPECT_THAT(str(v.at("message")), HasSubstr("Finance > Agreements")) << v;
}

TEST_F(AuthenticateTest, TreatsA400AsConfiguration) {
  answer_probes(meterbridge::testing::reply(400, "clientId header is required"));
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "config_invalid");
  EXPECT_THAT(str(v.at("message")), HasSubstr("clientId")) << v;
}

TEST_F(AuthenticateTest, SaysUnreachableWhenCompanyInfoGetsNoAnswer) {
  platform_.intercept([](const SeenRequest&) { return no_answer(false); });
  json::value v = call(&mb_plugin_table::on_authenticate, "{}");
  EXPECT_EQ(v.at("status").as_string(), "unreachable");
}

}  // namespace
}  // namespace meterbridge::connectwise
