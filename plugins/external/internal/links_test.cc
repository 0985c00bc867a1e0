// link_accounts and disconnect through the whole plugin (external_plugin_test.h).
#include "external_plugin_test.h"

namespace meterbridge::external {
namespace {

TEST_F(ExternalPluginTest, LinkingOnA1_0PlatformUnlinksFirstThenPutsEachLink) {
  platform_.on("DELETE", "/v1/links/", reply(204, ""));
  platform_.on("PUT", "/v1/links/",
               [](const Seen& s) { return reply(s.target.ends_with("ws%3A2") ? 200 : 201, "{}"); });
  json::value v = ok(&mb_plugin_table::on_link_accounts, R"({
    "link":[{"account_id":"ws 1","platform_account_id":"c-1"},{"account_id":"ws:2","platform_account_id":"c-2"}],
    "unlink":["ws-9"]})");
  ASSERT_EQ(seen_.size(), 4u);
  EXPECT_EQ(seen_[0].method, "DELETE");
  EXPECT_EQ(seen_[0].target, "/v1/links/ws-9");
  EXPECT_EQ(seen_[1].target, "/v1/integration");  // a 1.0 platform: no link batches
  EXPECT_EQ(seen_[2].target, "/v1/links/ws%201");
  EXPECT_EQ(seen_[2].body, R"({"customer_id":"c-1"})");
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

// Results for every link of a POST /v1/link-batches body: `status` for each, except that a
// link to customer "c-taken" is rejected as customer_already_linked.
HttpResponse link_results(const Seen& s, const std::string& status = "created") {
  json::array results;
  const json::value body = json::parse(s.body);
  for (const json::value& item : body.at("links").as_array()) {
    json::object r{{"index", results.size()},
                   {"vendor_customer_id", item.at("vendor_customer_id")},
                   {"customer_id", item.at("customer_id")},
                   {"status", status}};
    if (item.at("customer_id").as_string() == "c-taken") {
      r["status"] = "rejected";
      r["reason"] = "customer_already_linked";
      r["message"] = "customer c-taken is already linked to vendor customer ws-8";
    }
    results.push_back(std::move(r));
  }
  return reply(200, json::serialize(json::object{{"results", std::move(results)}}));
}

// {"link":[...]} linking ws-<i> to c-<i> for i in [0, n).
std::string links_input(size_t n) {
  json::array links;
  for (size_t i = 0; i < n; ++i)
    links.push_back(json::object{{"account_id", "ws-" + std::to_string(i)},
                                 {"platform_account_id", "c-" + std::to_string(i)}});
  return json::serialize(json::object{{"link", std::move(links)}});
}

TEST_F(ExternalPluginTest, A1_1PlatformLinksInBatchesAsLargeAsItAllows) {
  platform_.on("GET", "/v1/integration", integration(100, "1.1", 40));
  platform_.on("POST", "/v1/link-batches", [](const Seen& s) { return link_results(s); });
  json::value v = ok(&mb_plugin_table::on_link_accounts, links_input(100));
  const auto batches = platform_.seen("POST", "/v1/link-batches");
  ASSERT_EQ(batches.size(), 3u);  // ceil(100 / 40)
  EXPECT_EQ(platform_.seen("PUT").size(), 0u);
  EXPECT_EQ(json::parse(batches[0].body).at("links").as_array().size(), 40u);
  EXPECT_EQ(json::parse(batches[2].body).at("links").as_array().size(), 20u);
  EXPECT_EQ(json::parse(batches[0].body).at("links").at(0),
            json::parse(R"({"vendor_customer_id":"ws-0","customer_id":"c-0"})"));
  ASSERT_EQ(v.at("items").as_array().size(), 100u);
  EXPECT_EQ(v.at("items").at(99).at("account_id").as_string(), "ws-99");
  EXPECT_EQ(v.at("items").at(99).at("outcome").as_string(), "linked");
}

TEST_F(ExternalPluginTest, ABatchLinkThatExistedIsUpdated) {
  platform_.on("GET", "/v1/integration", integration(100, "1.1"));
  platform_.on("POST", "/v1/link-batches",
               [](const Seen& s) { return link_results(s, "unchanged"); });
  json::value v = ok(&mb_plugin_table::on_link_accounts, links_input(2));
  EXPECT_EQ(v.at("items").at(0).at("outcome").as_string(), "updated");
  EXPECT_EQ(platform_.seen("POST", "/v1/link-batches").size(), 1u);
}

TEST_F(ExternalPluginTest, ALinkRefusedInABatchFailsTheCallWithThePlatformsReason) {
  platform_.on("GET", "/v1/integration", integration(100, "1.1"));
  platform_.on("POST", "/v1/link-batches", [](const Seen& s) { return link_results(s); });
  CallResult r = call(&mb_plugin_table::on_link_accounts, R"({"link":[
    {"account_id":"ws-1","platform_account_id":"c-1"},
    {"account_id":"ws-2","platform_account_id":"c-taken"}]})");
  EXPECT_EQ(r.status, MB_STATUS_CONFLICT);
  EXPECT_NE(r.error_message.find("link workspace ws-2 to customer c-taken"), std::string::npos);
  EXPECT_NE(r.error_message.find("customer_already_linked"), std::string::npos);
}

TEST_F(ExternalPluginTest, ABatchTheLinkPlatformFailsOrAnswersForOtherLinksFailsTheCall) {
  platform_.on("GET", "/v1/integration", integration(100, "1.1"));
  platform_.on("POST", "/v1/link-batches", protocol_error(401, "unauthorized"));
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts, links_input(3)).status, MB_STATUS_AUTH_FAILED);
  platform_.on("POST", "/v1/link-batches",
               reply(200, R"({"results":[{"index":0,"vendor_customer_id":"ws-7",
                              "status":"created"}]})"));
  CallResult r = call(&mb_plugin_table::on_link_accounts, links_input(1));
  EXPECT_EQ(r.status, MB_STATUS_FATAL);
  EXPECT_NE(r.error_message.find("not for link 0"), std::string::npos);
}

TEST_F(ExternalPluginTest, A1_1PlatformThatDoesNotSayItsLinkBatchLimitIsMalformed) {
  platform_.on("GET", "/v1/integration",
               reply(200, R"({"protocol_version":"1.1","integration":{"id":"i","name":"n"},
                 "platform":{"name":"p"},"limits":{"max_batch_items":100,"max_page_size":100,
                 "max_customer_filter":100}})"));
  EXPECT_EQ(call(&mb_plugin_table::on_link_accounts, links_input(1)).status, MB_STATUS_FATAL);
  EXPECT_EQ(platform_.seen("POST").size(), 0u);
}

}  // namespace
}  // namespace meterbridge::external
