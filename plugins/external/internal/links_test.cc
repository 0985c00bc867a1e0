// link_accounts and disconnect through the whole plugin (external_plugin_test.h).
#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, LinkingUnlinksFirstThenPutsEachLink) {
  platform_.on("DELETE", "/v1/links/", reply(204, ""));
  platform_.on("PUT", "/v1/links/",
               [](const Seen& s) { return reply(s.target.ends_with("ws%3A2") ? 200 : 201, "{}"); });
  json::value v = ok(&mb_plugin_table::on_link_accounts, R"({
    "link":[{"account_id":"ws 1","platform_account_id":"c-1"},{"account_id":"ws:2","platform_account_id":"c-2"}],
    "unlink":["ws-9"]})");
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(seen_[0].method, "DELETE");
  EXPECT_EQ(seen_[0].target, "/v1/links/ws-9");
  EXPECT_EQ(seen_[1].target, "/v1/links/ws%201");
  EXPECT_EQ(seen_[1].body, R"({"customer_id":"c-1"})");
  EXPECT_EQ(v.at("items").at(1).at("outcome").as_string(), "linked");
  EXPECT_EQ(v.at("items").at(2).at("outcome").as_string(), "updated");
}

TEST_F(ExternalPluginTest, ARefusedLinkFailsTheCallWithThePlatformsReason) {
  platform_.on("PUT", "/v1/links/",
               protocol_error(409, "customer_already_linked",
                              "customer c-1 is already linked to vendor customer ws-8"));
  CallResult r =
      call(&mb_plugin_table::on_link_accounts,
           R"({"link":[{"account_id":"ws-1","platform_account_id":"c-1"}],"unlink":[]})");
  EXPECT_EQ(r.status, MB_STATUS_CONFLICT);
  EXPECT_NE(r.error_message.find("already linked to vendor customer ws-8"), std::string::npos);
  platform_.on("PUT", "/v1/links/", protocol_error(422, "unknown_customer"));
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts,
                 R"({"link":[{"account_id":"ws-1","platform_account_id":"c-0"}]})")
                .status,
            MB_STATUS_NOT_FOUND);
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts,
                 R"({"link":[{"account_id":"ws/1","platform_account_id":"c-0"}]})")
                .status,
            MB_STATUS_CONFIG_INVALID);
}

TEST_F(ExternalPluginTest, DisconnectUnlinksEveryLinkOfTheIntegration) {
  platform_.on("GET", "/v1/links",
               reply(200, R"({"data":[{"vendor_customer_id":"ws-1","customer_id":"c-1"}],
                              "next_cursor":"p2"})"));
  platform_.on("GET", "/v1/links?limit=1000&cursor=p2",
               reply(200, R"({"data":[{"vendor_customer_id":"ws-2","customer_id":"c-2"}],
                              "next_cursor":null})"));
  platform_.on("DELETE", "/v1/links/", reply(204, ""));
  json::value v = ok(&mb_plugin_table::on_disconnect, "{}");
  EXPECT_EQ(v.at("unlinked").as_int64(), 2);
  EXPECT_EQ(platform_.seen("DELETE").size(), 2u);
  EXPECT_EQ(platform_.seen("GET", "/v1/links")[1].target, "/v1/links?limit=1000&cursor=p2");
}

}  // namespace
}  // namespace meterbridge::external
