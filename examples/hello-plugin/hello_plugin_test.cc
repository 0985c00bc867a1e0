// Unit tests for the hello plugin with the SDK's fake host: no meterbridge host, no network.
#include <gtest/gtest.h>
#include <meterbridge/testing/fake_host.hpp>

#include <boost/json.hpp>

extern "C" mb_status meterbridge_plugin_negotiate(const mb_host_offer*, const mb_plugin_table**);

namespace {

using meterbridge::testing::FakeHost;

boost::json::value parse(const std::string& s) { return boost::json::parse(s); }

TEST(HelloPlugin, DescribesItselfWithItsManifest) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  auto r = plugin.describe();
  ASSERT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(parse(r.result).at("id").as_string(), "hello");
}

TEST(HelloPlugin, RejectsAWrongKeyWithAVerdictNotAnError) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  auto session = plugin.open(R"({"tenant":"t","api_key":"wrong-key"})");
  auto r = session.call(&mb_plugin_table::on_authenticate, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parse(r.result).at("status").as_string(), "auth_failed");
  auto listed = session.call(&mb_plugin_table::on_list_accounts, "{}");
  EXPECT_EQ(listed.status, MB_STATUS_AUTH_FAILED);
}

TEST(HelloPlugin, PagesAccountsAndAppliesAbsoluteTargets) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  auto session = plugin.open(R"({"tenant":"t","api_key":"hello-123456","accounts":5})");
  auto page1 = parse(session.call(&mb_plugin_table::on_list_accounts, R"({"limit":3})").result);
  EXPECT_EQ(page1.at("items").as_array().size(), 3u);
  std::string cursor(page1.at("next_cursor").as_string());
  auto page2 = parse(session.call(&mb_plugin_table::on_list_accounts,
                                  R"({"limit":3,"cursor":")" + cursor + R"("})").result);
  EXPECT_EQ(page2.at("items").as_array().size(), 2u);
  EXPECT_TRUE(page2.at("next_cursor").is_null());

  const char* apply = R"({"idempotency_key":"k","lines":[{"key":"a","account_id":"hc-1","service_id":"hello-email","target":7}]})";
  auto first = parse(session.call(&mb_plugin_table::on_apply_quantities, apply).result);
  EXPECT_EQ(first.at("lines").at(0).at("outcome").as_string(), "updated");
  auto again = parse(session.call(&mb_plugin_table::on_apply_quantities, apply).result);
  EXPECT_EQ(again.at("lines").at(0).at("outcome").as_string(), "unchanged");
  auto read = parse(session.call(&mb_plugin_table::on_read_quantities,
                                 R"({"lines":[{"key":"a","account_id":"hc-1","service_id":"hello-email"},
                                              {"key":"b","account_id":"hc-99","service_id":"hello-email"}]})").result);
  EXPECT_EQ(read.at("lines").at(0).at("quantity").as_int64(), 7);
  EXPECT_EQ(read.at("lines").at(1).at("reason").as_string(), "not_found");
}

}  // namespace
