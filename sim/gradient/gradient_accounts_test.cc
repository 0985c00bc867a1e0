// Accounts: bulk create from a JSON array, the duplicate-id policy, the bare-array list and
// PATCH by accountId (reference §4, §11.4).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

constexpr char kThreeAccounts[] = R"([
    {"id": "c-1", "name": "Coho Winery", "description": ""},
    {"id": "c-2", "name": "Fabrikam Legal LLC", "description": "law firm"},
    {"id": "c-3", "name": "Margie's Travel & Tours"}])";

TEST_F(GradientSimTest, BulkCreateAnswersTheAccountsAndTheListHasThemAll) {
  start();
  const json::value created =
      as_partner(kContosoKey, "POST", "/organization/accounts", 201, kThreeAccounts);
  EXPECT_EQ(created, json::parse(R"([
      {"id": "c-1", "name": "Coho Winery", "description": ""},
      {"id": "c-2", "name": "Fabrikam Legal LLC", "description": "law firm"},
      {"id": "c-3", "name": "Margie's Travel & Tours", "description": ""}])"));
  // A bare array, everything at once, in creation order.
  EXPECT_EQ(as_partner(kContosoKey, "GET", "/organization/accounts", 200), created);
}

TEST_F(GradientSimTest, AccountsBelongToOnePartner) {
  start();
  as_partner(kContosoKey, "POST", "/organization/accounts", 201, kThreeAccounts);
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization/accounts", 200).as_array().size(), 2u);
}

TEST_F(GradientSimTest, ListRowsCarryOnlyTheDocumentedFields) {
  start();
  const json::value rows = as_partner(kNorthwindKey, "GET", "/organization/accounts", 200);
  EXPECT_EQ(rows, json::parse(R"([
      {"id": "cust-7f3a", "name": "Northwind Dental", "description": ""},
      {"id": "cust-91c0", "name": "Harbor Legal LLP", "description": ""}])"));
}

TEST_F(GradientSimTest, TheMappingFieldsSettingAddsIsMappedAndMappingId) {
  start();
  settings(R"({"account_mapping_fields": true})");
  const json::value rows = as_partner(kNorthwindKey, "GET", "/organization/accounts", 200);
  EXPECT_EQ(rows.at(0).at("isMapped"), true);
  EXPECT_EQ(rows.at(1).at("isMapped"), false);
  EXPECT_EQ(rows.at(0).at("mappingId").as_string().size(), 24u);
}

TEST_F(GradientSimTest, TheListTakesTheSdkFilters) {
  start();
  const json::value one =
      as_partner(kNorthwindKey, "GET", "/organization/accounts?accountIds=cust-91c0", 200);
  ASSERT_EQ(one.as_array().size(), 1u);
  EXPECT_EQ(one.at(0).at("id"), "cust-91c0");
  const json::value mapped =
      as_partner(kNorthwindKey, "GET", "/organization/accounts?returnUnmapped=false", 200);
  ASSERT_EQ(mapped.as_array().size(), 1u);
  EXPECT_EQ(mapped.at(0).at("id"), kMappedAccount);
}

TEST_F(GradientSimTest, CreateNeedsAJsonArrayEvenForOneAccount) {
  start();
  EXPECT_EQ(as_partner(kContosoKey, "POST", "/organization/accounts", 400,
                       R"({"id": "c-1", "name": "Coho Winery"})"),
            nest_error(400, "Validation failed (parsable array expected)"));
  EXPECT_TRUE(as_partner(kContosoKey, "GET", "/organization/accounts", 200).as_array().empty());
}

TEST_F(GradientSimTest, ABodyWithoutJsonContentTypeIsNotParsed) {
  start();
  const Headers no_content_type = {
      {"GRADIENT-TOKEN", gradient::encode_gradient_token(kVendorKey, kContosoKey)}};
  call_json("POST", api("/organization/accounts"), 400, kThreeAccounts, no_content_type);
}

TEST_F(GradientSimTest, CreateRequiresAStringIdAndName) {
  start();
  const json::value error = as_partner(kContosoKey, "POST", "/organization/accounts", 400,
                                       R"([{"id": "c-1"}, {"id": 7, "name": "Coho Winery"}])");
  EXPECT_TRUE(has_message(error, "[0].name should not be empty")) << json::serialize(error);
  EXPECT_TRUE(has_message(error, "[1].id must be a string")) << json::serialize(error);
  EXPECT_TRUE(as_partner(kContosoKey, "GET", "/organization/accounts", 200).as_array().empty());
}

TEST_F(GradientSimTest, ADuplicateIdIsAConflictAndNothingIsCreated) {
  start();
  EXPECT_EQ(as_partner(kNorthwindKey, "POST", "/organization/accounts", 409,
                       R"([{"id": "cust-new", "name": "New Customer"},
                           {"id": "cust-7f3a", "name": "Northwind Dental"}])"),
            nest_error(409, "A resource with this Id already exists."));
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization/accounts", 200).as_array().size(), 2u);
}

TEST_F(GradientSimTest, AnIdRepeatedInOneRequestIsAConflict) {
  start();
  as_partner(kContosoKey, "POST", "/organization/accounts", 409,
             R"([{"id": "c-1", "name": "A"}, {"id": "c-1", "name": "B"}])");
}

TEST_F(GradientSimTest, TheSkipPolicyCreatesOnlyTheNewIds) {
  start();
  settings(R"({"duplicate_accounts": "skip"})");
  const json::value created = as_partner(kNorthwindKey, "POST", "/organization/accounts", 201,
                                         R"([{"id": "cust-new", "name": "New Customer"},
                                             {"id": "cust-7f3a", "name": "Renamed"}])");
  EXPECT_EQ(created, json::parse(R"([{"id":"cust-new","name":"New Customer","description":""}])"));
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization/accounts", 200).at(0).at("name"),
            "Northwind Dental");
}

TEST_F(GradientSimTest, TheUpsertPolicyUpdatesExistingIds) {
  start();
  settings(R"({"duplicate_accounts": "upsert"})");
  as_partner(kNorthwindKey, "POST", "/organization/accounts", 201,
             R"([{"id": "cust-7f3a", "name": "Northwind Dental Group"}])");
  const json::value rows = as_partner(kNorthwindKey, "GET", "/organization/accounts", 200);
  EXPECT_EQ(rows.as_array().size(), 2u);
  EXPECT_EQ(rows.at(0).at("name"), "Northwind Dental Group");
}

TEST_F(GradientSimTest, PatchRenamesAnAccount) {
  start();
  EXPECT_EQ(as_partner(kNorthwindKey, "PATCH", "/organization/accounts/cust-7f3a", 200,
                       R"({"name": "Northwind Dental Group"})"),
            json::parse(R"({"id":"cust-7f3a","name":"Northwind Dental Group","description":""})"));
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization/accounts", 200).at(0).at("name"),
            "Northwind Dental Group");
}

TEST_F(GradientSimTest, PatchOfAnUnknownAccountIs404) {
  start();
  EXPECT_EQ(as_partner(kNorthwindKey, "PATCH", "/organization/accounts/cust-none", 404,
                       R"({"name": "X"})"),
            nest_error(404, "No account found with id: cust-none"));
}

TEST_F(GradientSimTest, PatchRefusesAnEmptyName) {
  start();
  as_partner(kNorthwindKey, "PATCH", "/organization/accounts/cust-7f3a", 400, R"({"name": ""})");
}

TEST_F(GradientSimTest, AChangedIdKeepsTheMsPsMapping) {
  start();
  as_partner(kNorthwindKey, "PATCH", "/organization/accounts/cust-7f3a", 200,
             R"({"id": "2b7e5c4a-northwind"})");
  push_count(kEdrService, R"({"accountId":"2b7e5c4a-northwind","unitCount":4})", 201);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":4})", 404);
}

TEST_F(GradientSimTest, ChangingToAnotherAccountsIdIsAConflict) {
  start();
  as_partner(kNorthwindKey, "PATCH", "/organization/accounts/cust-7f3a", 409,
             R"({"id": "cust-91c0"})");
}

}  // namespace
}  // namespace mb::sim::gradient_testing
