// The client's codebase discovery through the whole plugin (connectwise_plugin_test.h).
#include "connectwise_plugin_test.h"

namespace meterbridge::connectwise {
namespace {

using ClientTest = ConnectWiseTest;

TEST_F(ClientTest, A404AfterAnUpgradeRediscoversTheCodebaseOnceAndRepeatsTheRequest) {
  platform_.on("GET", "company/companies",
               reply(200, json::array{json::object{
                              {"id", 250}, {"identifier", "NWD"}, {"name", "Northwind Dental"}}}));
  const std::string list = R"({"cursor":null,"search":null,"limit":500})";
  json::value first = call(&mb_plugin_table::on_list_accounts, list);
  EXPECT_EQ(first.at("items").as_array().size(), 1u);
  EXPECT_EQ(company_info_calls_, 1);

  set_codebase("v2025_2/");  // the cloud upgraded: the old codebase now answers 404
  json::value second = call(&mb_plugin_table::on_list_accounts, list);
  EXPECT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_EQ(company_info_calls_, 2);
  EXPECT_NE(platform_.seen().back().url.find("/v2025_2/apis/3.0/company/companies"),
            std::string::npos);

  call(&mb_plugin_table::on_list_accounts, list);
  EXPECT_EQ(company_info_calls_, 2) << "the codebase stays cached";
}

TEST_F(ClientTest, A404ThatIsNotACodebaseChangeIsReportedAfterOneRediscovery) {
  platform_.on("GET", "company/companies", error_reply(404, "NotFound", "gone"));
  CallResult r = session_.call(&mb_plugin_table::on_list_accounts, "{}");
  EXPECT_EQ(r.status, MB_STATUS_NOT_FOUND);
  EXPECT_EQ(company_info_calls_, 2);
  EXPECT_EQ(api_requests().size(), 1u);
}

}  // namespace
}  // namespace meterbridge::connectwise
