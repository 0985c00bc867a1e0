#include "internal/autotask_test_fixture.h"

namespace meterbridge::autotask {
namespace {

TEST_F(AutotaskPluginTest, FollowsATenantThatMovedZonesAfterA401) {
  const std::string new_root = "https://webservices28.autotask.net/ATServicesRest/";
  int lookups = 0;
  autotask_.on("GET", "zoneInformation", [&](const SeenRequest&) {
    return zone_answer(++lookups == 1 ? kZoneRoot : new_root);
  });
  autotask_.on("POST", "webservices15", reply(401, ""));
  autotask_.on("POST", "webservices28.autotask.net/ATServicesRest/V1.0/Services/query",
               reply(200, page_of({})));
  json::object listed =
      result_of(open().call(&mb_plugin_table::on_list_services, R"({"limit":500})"));
  EXPECT_TRUE(listed.at("items").as_array().empty());
  EXPECT_EQ(lookups, 2);
}

TEST_F(AutotaskPluginTest, NeverSendsCredentialsToAPageLinkOnAnotherHost) {
  autotask_.on(
      "POST", "Companies/query",
      reply(200,
            page_of(json::array{json::object{{"id", 1}, {"companyName", "A"}, {"isActive", true}}},
                    "https://evil.example/ATServicesRest/V1.0/Companies/query/next?paging=x")));
  auto session = open();
  json::object first =
      result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"limit":500})"));
  json::object input{{"cursor", first.at("next_cursor")}};
  CallResult second = session.call(&mb_plugin_table::on_list_accounts, json::serialize(input));
  EXPECT_EQ(second.status, MB_STATUS_FATAL);
  for (const SeenRequest& request : autotask_.seen())
    EXPECT_EQ(request.url.find("evil.example"), std::string::npos);
}

}  // namespace
}  // namespace meterbridge::autotask
