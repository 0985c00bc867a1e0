// Seed documents: loading with the platform's defaults, the generated data set and its rules.
#include "sim/connectwise/internal/seed_data.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

Dataset generated(const std::string& spec) {
  return load_dataset(generate_seed_document(GenerateSpec::parse(spec)));
}

std::string seed_error(const std::string& document) {
  try {
    load_dataset(json::parse(document));
  } catch (const SeedError& error) {
    return error.what();
  }
  return "";
}

TEST(ConnectWiseSeed, DefaultSeedIsCompletedLikeThePlatformStoresIt) {
  const Dataset data = load_dataset(default_seed_document());
  EXPECT_EQ(data.site.company_id, "northwind");
  EXPECT_EQ(data.site.codebase, "v2025_1/");
  ASSERT_EQ(data.api_members.size(), 1u);
  EXPECT_EQ(data.companies.size(), 5u);
  EXPECT_EQ(data.additions.size(), 8u);

  const json::object& addition = data.additions.at(77);
  EXPECT_EQ(addition.at("product"),
            json::parse(R"({"id":55,"identifier":"EPP-DEVICE","_info":{}})"));
  EXPECT_EQ(addition.at("quantity").as_double(), 40.0);
  EXPECT_EQ(addition.at("unitPrice").as_double(), 4.5);
  EXPECT_EQ(addition.at("extPrice").as_double(), 180.0);
  EXPECT_EQ(addition.at("agreementStatus"), "Active");
  EXPECT_EQ(addition.at("sequenceNumber").as_double(), 1.0);
  EXPECT_EQ(data.additions.at(78).at("sequenceNumber").as_double(), 2.0);
  EXPECT_FALSE(addition.contains("cancelledDate"));  // nulls are left out, as on the wire
  EXPECT_EQ(data.additions.at(83).at("agreementStatus"), "Cancelled");

  const json::object& agreement = data.agreements.at(9004);
  EXPECT_EQ(agreement.at("company").at("identifier"), "HarborLegal");
  EXPECT_EQ(agreement.at("cancelledFlag"), true);
  EXPECT_EQ(data.companies.at(250).at("status").at("name"), "Active");
  EXPECT_EQ(data.companies.at(254).at("deletedFlag"), true);
}

TEST(ConnectWiseSeed, StateLoadsBackUnchanged) {
  const json::value state = dataset_to_json(load_dataset(default_seed_document()));
  EXPECT_EQ(dataset_to_json(load_dataset(state)), state);
}

TEST(ConnectWiseSeed, GenerationIsDeterministic) {
  const json::value first =
      generate_seed_document(GenerateSpec::parse("companies=40,products=3,seed=9"));
  EXPECT_EQ(generate_seed_document(GenerateSpec::parse("companies=40,products=3,seed=9")), first);
  EXPECT_NE(generate_seed_document(GenerateSpec::parse("companies=40,products=3,seed=10")), first);
  EXPECT_THROW(generate_seed_document(GenerateSpec::parse("items=5")), SeedError);
}

TEST(ConnectWiseSeed, GeneratedDataFollowsTheDocumentedRules) {
  const Dataset data = generated("companies=2000,products=5,seed=42");
  ASSERT_EQ(data.companies.size(), 2000u);
  EXPECT_EQ(data.companies.begin()->first, 250);
  // Five vendor products, two unrelated items and a retired one.
  ASSERT_EQ(data.catalog.size(), 8u);
  EXPECT_EQ(data.catalog.at(55).at("identifier"), "SEC-EP-DEVICE");
  EXPECT_EQ(data.catalog.rbegin()->second.at("inactiveFlag"), true);

  std::set<std::string> identifiers;
  int deleted = 0, quoted = 0, ampersand = 0, apostrophe = 0;
  for (const auto& [id, company] : data.companies) {
    identifiers.insert(std::string(company.at("identifier").as_string()));
    const std::string name(company.at("name").as_string());
    deleted += company.at("deletedFlag").as_bool() ? 1 : 0;
    quoted += name.find('"') != std::string::npos ? 1 : 0;
    ampersand += name.find('&') != std::string::npos ? 1 : 0;
    apostrophe += name.find('\'') != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(identifiers.size(), 2000u);
  EXPECT_GT(quoted, 0);
  EXPECT_GT(ampersand, 0);
  EXPECT_GT(apostrophe, 0);
  EXPECT_GT(deleted, 10);
  EXPECT_LT(deleted, 80);

  std::map<int64_t, int> active_agreements;
  for (const auto& [id, agreement] : data.agreements) {
    if (agreement.at("agreementStatus") == "Active")
      ++active_agreements[agreement.at("company").at("id").as_int64()];
  }
  int without_agreement = 0, with_two = 0;
  for (const auto& [id, company] : data.companies) {
    if (company.at("deletedFlag").as_bool()) {
      EXPECT_EQ(active_agreements.count(id), 0u);
      continue;
    }
    without_agreement += active_agreements.count(id) == 0 ? 1 : 0;
    with_two += active_agreements[id] == 2 ? 1 : 0;
  }
  EXPECT_GT(without_agreement, 40);
  EXPECT_LT(without_agreement, 130);
  EXPECT_GT(with_two, 30);
  EXPECT_LT(with_two, 100);

  int cancelled_additions = 0;
  for (const auto& [id, addition] : data.additions) {
    cancelled_additions += addition.contains("cancelledDate") ? 1 : 0;
  }
  EXPECT_GT(cancelled_additions, 50);
  EXPECT_LT(cancelled_additions, 160);
}

TEST(ConnectWiseSeed, BadSeedsAreRefusedWithTheReason) {
  EXPECT_NE(seed_error(R"({"companies":[{"id":1,"identifier":"A","name":"A","colour":"red"}]})")
                .find("'colour' is not a field of company"),
            std::string::npos);
  EXPECT_NE(seed_error(R"({"companies":[{"id":1,"identifier":"A","name":"A"},
                                        {"id":1,"identifier":"B","name":"B"}]})")
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(seed_error(R"({"agreements":[{"id":1,"name":"X","company":{"id":99}}]})")
                .find("Company 99 not found"),
            std::string::npos);
  EXPECT_NE(seed_error(R"({"site":{"codebase":"v2025_1"}})").find("site.codebase"),
            std::string::npos);
  EXPECT_NE(
      seed_error(R"({"catalog":[{"id":1,"identifier":"X","description":"X","price":"cheap"}]})")
          .find("price must be a number"),
      std::string::npos);
  EXPECT_NE(seed_error(R"({"companies":[{"id":1,"name":"No identifier"}]})")
                .find("identifier field is required"),
            std::string::npos);
  EXPECT_NE(seed_error(R"({"timeEntries":[]})").find("unknown member 'timeEntries'"),
            std::string::npos);
}

}  // namespace
}  // namespace mb::sim::connectwise
