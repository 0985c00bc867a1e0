#include "internal/services.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

ConnectorConfig config_with_edr_category() {
  return parse_config(R"j({"vendor_api_key":"v","partner_api_key":"p",
      "services":{"edr":{"category":"security","subcategory":"endpoint detection and response (EDR)",
                         "description":"Devices protected by Coro EDR","support_article":"https://coro.example/kb"}}})j");
}

TEST(GradientServicePlan, ARenamedServiceKeepsItsRecordedGradientService) {
  std::vector<Sku> catalog = {{"6650a1c2e4b0a1b2c3d4e777", "Coro EDR", "", "security", ""}};
  auto d = plan_services({{"edr", "Coro EDR & XDR", std::string("6650a1c2e4b0a1b2c3d4e777")}},
                         catalog, config_with_edr_category());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].action, ServiceAction::kKeep);
  EXPECT_EQ(d[0].platform_id, "6650a1c2e4b0a1b2c3d4e777");
  EXPECT_NE(d[0].message.find("kept as 'Coro EDR'"), std::string::npos) << d[0].message;
}

TEST(GradientServicePlan, MatchesByExactNameThenCreatesOnlyWhatTheConfigCanDescribe) {
  std::vector<Sku> catalog = {{"s-mail", "Email Security", "", "", ""},
                              {"s-other", "coro edr", "", "", ""}};
  auto d = plan_services({{"mail", "Email Security", std::nullopt},
                          {"edr", "Coro EDR", std::nullopt},
                          {"dlp", "Data Loss Prevention", std::nullopt}},
                         catalog, config_with_edr_category());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].action, ServiceAction::kMatch);
  EXPECT_EQ(d[0].platform_id, "s-mail");
  EXPECT_EQ(d[1].action, ServiceAction::kCreate);  // names are compared exactly
  EXPECT_EQ(d[2].action, ServiceAction::kRefuse);
  EXPECT_NE(d[2].message.find("set services.dlp.category and .subcategory"), std::string::npos)
      << d[2].message;
}

TEST(GradientServicePlan, NeverGivesOneGradientServiceToTwoVendorServices) {
  std::vector<Sku> catalog = {{"s-1", "EDR", "", "", ""}};
  ConnectorConfig config = parse_config(R"j({"vendor_api_key":"v","partner_api_key":"p",
      "service_defaults":{"category":"security","subcategory":"endpoint detection and response (EDR)"}})j");
  // "b" owns s-1 by record; "a", named the same, must not take it by name, nor create a twin.
  auto d = plan_services({{"a", "EDR", std::nullopt},
                          {"b", "Renamed", std::string("s-1")},
                          {"c", "New", std::nullopt},
                          {"d", "New", std::nullopt}},
                         catalog, config);
  EXPECT_EQ(d[1].action, ServiceAction::kKeep);
  EXPECT_EQ(d[0].action, ServiceAction::kRefuse);
  EXPECT_NE(d[0].message.find("services.a.name"), std::string::npos) << d[0].message;
  EXPECT_EQ(d[2].action, ServiceAction::kCreate);
  EXPECT_EQ(d[3].action, ServiceAction::kRefuse);
}

TEST(GradientServicePlan, AVanishedRecordedIdFallsBackToTheNameAndSaysSo) {
  auto d = plan_services({{"edr", "Coro EDR", std::string("gone")}},
                         {{"s-2", "Coro EDR", "", "", ""}}, config_with_edr_category());
  EXPECT_EQ(d[0].action, ServiceAction::kMatch);
  EXPECT_EQ(d[0].platform_id, "s-2");
  EXPECT_NE(d[0].message.find("gone is no longer in the vendor's catalog"), std::string::npos);
}

TEST(GradientServiceBodies, CreateSendsTheRequiredFieldsAndConfiguredSupportLinks) {
  ServiceSpec spec = service_spec(config_with_edr_category(), "edr", "Coro EDR");
  EXPECT_EQ(boost::json::parse(create_service_body(spec)),
            boost::json::parse(R"j({"name":"Coro EDR","description":"Devices protected by Coro EDR",
                "category":"security","subcategory":"endpoint detection and response (EDR)",
                "supportArticle":"https://coro.example/kb"})j"));
}

TEST(GradientServiceBodies, TheCreatedIdIsTheNewEntryWithTheName) {
  std::vector<Sku> after = {
      {"old", "Coro EDR", "", "", ""}, {"new", "Coro EDR", "", "", ""}, {"x", "Other", "", "", ""}};
  EXPECT_EQ(created_sku_id(after, {"old", "x"}, "Coro EDR"), "new");
  EXPECT_EQ(created_sku_id(after, {"old", "new", "x"}, "Coro EDR"), "new");
  EXPECT_FALSE(created_sku_id(after, {}, "Missing"));
}

}  // namespace
}  // namespace meterbridge::gradient
