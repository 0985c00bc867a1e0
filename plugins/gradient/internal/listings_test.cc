// list_accounts and list_services through the whole plugin, against the in-memory Gradient of
// mini_gradient_test.h.
#include "internal/mini_gradient_test.h"

namespace meterbridge::gradient {
namespace {

TEST_F(GradientPluginTest, ListAccountsPagesTheVendorAccountsFromOneRead) {
  for (int i = 1; i <= 5; ++i)
    g_.add_account("w-" + std::to_string(i), "Customer " + std::to_string(i));
  json::value p1 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":null,"search":null,"limit":3})");
  ASSERT_EQ(p1.at("items").as_array().size(), 3u);
  EXPECT_TRUE(p1.at("items").at(0).at("active").as_bool());
  std::string cursor(p1.at("next_cursor").as_string());
  json::value p2 =
      call(&mb_plugin_table::on_list_accounts, R"({"cursor":")" + cursor + R"(","limit":3})");
  EXPECT_EQ(p2.at("items").as_array().size(), 2u);
  EXPECT_TRUE(p2.at("next_cursor").is_null());
  EXPECT_EQ(g_.seen("GET").size(), 1u);
  json::value found = call(&mb_plugin_table::on_list_accounts, R"({"search":"customer 4"})");
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_EQ(found.at("items").at(0).at("id").as_string(), "w-4");
}

TEST_F(GradientPluginTest, APsaSearchListsTheMspsClientsWithThePreviousIdCursor) {
  std::vector<std::string> ids;
  json::value cursor = nullptr;
  for (int page = 0; page < 10; ++page) {
    json::value p = call(&mb_plugin_table::on_list_accounts,
                         json::serialize(json::object{{"search", "psa:"}, {"cursor", cursor}}));
    for (const auto& item : p.at("items").as_array()) {
      ids.emplace_back(item.at("id").as_string());
      EXPECT_EQ(item.at("details").at("kind").as_string(), "psa_client");
    }
    cursor = p.at("next_cursor");
    if (cursor.is_null()) break;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c2", "c3", "c4", "c5"}));
  auto gets = g_.seen("GET", "/api/vendor-api/organization/clients");
  ASSERT_EQ(gets.size(), 3u) << "the third page is shorter than the second: the end";
  EXPECT_EQ(gets[0].query, "");
  EXPECT_EQ(gets[1].query, "previousId=c2");
  EXPECT_EQ(gets[2].query, "previousId=c4");
}

TEST_F(GradientPluginTest, ListServicesShowsTheVendorsCatalog) {
  g_.add_sku("6650a1c2e4b0a1b2c3d4e701", "Email Security");
  json::value v = call(&mb_plugin_table::on_list_services, "{}");
  ASSERT_EQ(v.at("items").as_array().size(), 1u);
  EXPECT_EQ(v.at("items").at(0).at("id").as_string(), "6650a1c2e4b0a1b2c3d4e701");
  EXPECT_EQ(v.at("items").at(0).at("details").at("subcategory").as_string(), "email security");
  EXPECT_TRUE(v.at("next_cursor").is_null());
}
}  // namespace
}  // namespace meterbridge::gradient
