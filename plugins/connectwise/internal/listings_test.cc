// list_accounts and list_services through the whole plugin (connectwise_plugin_test.h).
#include "connectwise_plugin_test.h"

namespace meterbridge::connectwise {
namespace {

using ListingsTest = ConnectWiseTest;

TEST_F(ListingsTest, ListAccountsAsksForNonDeletedCompaniesInPagesOfAThousandAndFollowsLink) {
  platform_.on("GET", "company/companies", [](const SeenRequest& s) {
    const bool first = param(s, "page") == "1";
    std::map<std::string, std::string> headers;
    if (first)
      headers["link"] =
          "<http://elsewhere.example/v2025_1/apis/3.0/company/companies?pageSize=1000&page=2>; "
          "rel=\"next\"";
    return reply(200,
                 json::array{json::object{
                     {"id", first ? 250 : 251},
                     {"identifier", "NWD"},
                     {"name", "Northwind Dental"},
                     {"status", json::object{{"id", 1}, {"name", "Active"}}},
                     {"types", json::array{json::object{{"id", 1}, {"name", "Client"}}}}}},
                 headers);
  });
  json::value page1 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":500})");
  const SeenRequest s = api_requests().back();
  EXPECT_EQ(s.path, "company/companies");
  EXPECT_EQ(param(s, "conditions"), "deletedFlag=false");
  EXPECT_EQ(param(s, "pageSize"), "1000");
  EXPECT_EQ(param(s, "orderBy"), "id asc");
  EXPECT_EQ(page1.at("items").at(0).at("id").as_string(), "250");
  EXPECT_TRUE(page1.at("items").at(0).at("active").as_bool());
  ASSERT_EQ(page1.at("next_cursor").as_string(), "2");

  json::value page2 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":"2","search":null,"limit":500})");
  EXPECT_EQ(param(api_requests().back(), "page"), "2");
  EXPECT_EQ(api_requests().back().url.rfind(kBase, 0), 0u) << "the Link host is never used";
  EXPECT_EQ(page2.at("items").at(0).at("id").as_string(), "251");
  EXPECT_TRUE(page2.at("next_cursor").is_null());
}

TEST_F(ListingsTest, SearchQuotesAndEncodesNamesThenFiltersExactly) {
  platform_.on(
      "GET", "company/companies",
      reply(
          200,
          json::array{
              json::object{{"id", 1}, {"identifier", "SA"}, {"name", "Smith & O'Neil \"Best\" IT"}},
              json::object{{"id", 2}, {"identifier", "SB"}, {"name", "Smith & O'Neil Best"}}}));
  json::value v = call(&mb_plugin_table::on_list_accounts, R"({"search":"O'Neil \"Best\""})");
  const SeenRequest s = api_requests().back();
  EXPECT_EQ(
      param(s, "conditions"),
      "deletedFlag=false and (name contains \"O'Neil \" or identifier contains \"O'Neil \") and "
      "(name contains \"Best\" or identifier contains \"Best\")");
  EXPECT_EQ(s.url.find('"'), std::string::npos) << "quotes travel percent-encoded: " << s.url;
  EXPECT_EQ(s.url.find('\''), std::string::npos) << s.url;
  ASSERT_EQ(v.at("items").as_array().size(), 1u);
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "1");
}

TEST_F(ListingsTest, ListServicesReadsActiveCatalogItems) {
  platform_.on(
      "GET", "procurement/catalog",
      reply(200, json::array{json::object{{"id", 55},
                                          {"identifier", "EPP-DEVICE"},
                                          {"description", "Endpoint protection per device"},
                                          {"productClass", "Service"},
                                          {"recurringFlag", true}}}));
  json::value v = call(&mb_plugin_table::on_list_services, "{}");
  EXPECT_EQ(param(api_requests().back(), "conditions"), "inactiveFlag=false");
  EXPECT_EQ(param(api_requests().back(), "pageSize"), "1000");
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "55");
  EXPECT_EQ(v.at("items").at(0).at("name").as_string(), "Endpoint protection per device");
  EXPECT_EQ(v.at("items").at(0).at("details").at("identifier").as_string(), "EPP-DEVICE");
}

}  // namespace
}  // namespace meterbridge::connectwise
