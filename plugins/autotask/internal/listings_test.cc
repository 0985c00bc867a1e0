#include "internal/autotask_test_fixture.h"

namespace meterbridge::autotask {
namespace {

TEST_F(AutotaskPluginTest, ListsActiveCustomerCompaniesPageByPageFollowingNextPageUrl) {
  const std::string next =
      std::string(kZoneBase) + "Companies/query/next?paging=%7B%22pageSize%22%3A2%7D";
  autotask_.on(
      "POST", "Companies/query",
      reply(200,
            page_of(json::array{json::object{
                                    {"id", 1}, {"companyName", "A & Sons"}, {"isActive", true}},
                                json::object{{"id", 2}, {"companyName", "B"}, {"isActive", true}}},
                    next)));
  // Registered last, so it wins over the first page's route for the next-page URL.
  autotask_.on("POST", "Companies/query/next",
               reply(200, page_of(json::array{
                              json::object{{"id", 3}, {"companyName", "C"}, {"isActive", true}}})));
  auto session = open();
  json::object first =
      result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"limit":500})"));
  ASSERT_EQ(first.at("items").as_array().size(), 2u);
  EXPECT_EQ(first.at("items").at(0).at("id"), "1");
  EXPECT_EQ(first.at("items").at(0).at("name"), "A & Sons");
  ASSERT_TRUE(first.at("next_cursor").is_string());

  json::object input{{"cursor", first.at("next_cursor")}, {"limit", 500}};
  json::object second =
      result_of(session.call(&mb_plugin_table::on_list_accounts, json::serialize(input)));
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_TRUE(second.at("next_cursor").is_null());

  auto queries = autotask_.seen("", "Companies/query");
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[1].method, "POST") << "a GET on query/next is refused with 405";
  EXPECT_EQ(queries[1].url, next);
  EXPECT_EQ(queries[1].body, queries[0].body) << "the next page takes the identical body";
  EXPECT_EQ(queries[0].endpoint, "Companies");
  EXPECT_EQ(
      json::parse(queries[0].body).at("Filter"),
      json::parse(
          R"([{"op":"eq","field":"isActive","value":true},{"op":"eq","field":"companyType","value":1}])"));
}

TEST_F(AutotaskPluginTest, SearchesCompaniesByNameAndListsEveryTypeWhenConfigured) {
  autotask_.on("POST", "Companies/query", reply(200, page_of({})));
  auto session = open(R"({"username":"u","secret":"s","integration_code":"c","company_types":[]})");
  result_of(session.call(&mb_plugin_table::on_list_accounts, R"({"search":"Dental","limit":100})"));
  json::value query = json::parse(autotask_.seen("", "Companies/query").at(0).body);
  EXPECT_EQ(query.at("MaxRecords"), 100);
  EXPECT_EQ(query.at("Filter"),
            json::parse(R"([{"op":"eq","field":"isActive","value":true},)"
                        R"({"op":"contains","field":"companyName","value":"Dental"}])"));
}

TEST_F(AutotaskPluginTest, ListsActiveServices) {
  autotask_.on(
      "POST", "Services/query",
      reply(200, page_of(json::array{json::object{{"id", 31},
                                                  {"name", "Endpoint Protection - per device"},
                                                  {"unitPrice", 4.5},
                                                  {"periodType", 1}}})));
  json::object listed =
      result_of(open().call(&mb_plugin_table::on_list_services, R"({"limit":500})"));
  EXPECT_EQ(listed.at("items").at(0).at("id"), "31");
  EXPECT_EQ(listed.at("items").at(0).at("name"), "Endpoint Protection - per device");
  EXPECT_EQ(json::parse(autotask_.seen("", "Services/query").at(0).body).at("Filter"),
            json::parse(R"([{"op":"eq","field":"isActive","value":true}])"));
}

}  // namespace
}  // namespace meterbridge::autotask
