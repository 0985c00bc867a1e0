// What the MSP does in Synthesize, through /_sim/gradient/: disconnecting deletes every account
// the vendor created, regenerating the key keeps them, mapping is one-to-one (reference §1.2,
// §11.5, §11.7; the Coro and Gradient connection guides).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

TEST_F(GradientSimTest, DisconnectDeletesTheAccountsAndMappingsAndRevokesTheKey) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  const json::value result = hook("disconnect", R"({"partnerKey":"pk_456"})");
  EXPECT_EQ(result.at("deletedAccounts"), 2);
  EXPECT_EQ(result.at("removedAccountMappings"), 1);
  EXPECT_EQ(result.at("removedServiceMappings"), 1);
  as_partner(kNorthwindKey, "GET", "/organization", 401);
  const json::object partner = partner_state();
  EXPECT_EQ(partner.at("connected"), false);
  EXPECT_TRUE(partner.at("partnerKey").is_null());
  EXPECT_EQ(partner.at("status"), "inactive");
  EXPECT_TRUE(partner.at("accounts").as_array().empty());
  EXPECT_TRUE(partner.at("accountMappings").as_array().empty());
  EXPECT_TRUE(partner.at("serviceMappings").as_array().empty());
  EXPECT_TRUE(partner.at("counts").as_array().empty());
  // The other partner is untouched.
  as_partner(kContosoKey, "GET", "/organization", 200);
}

TEST_F(GradientSimTest, AfterReconnectingTheVendorRecreatesAccountsAndTheMspRemaps) {
  start();
  hook("disconnect", R"({"partnerKey":"pk_456"})");
  const json::value connected =
      hook("connect", R"({"organizationId":"6650a1c2e4b0a1b2c3d4e5f6","partnerKey":"pk_new"})");
  EXPECT_EQ(connected.at("partnerKey"), "pk_new");
  EXPECT_EQ(as_partner("pk_new", "GET", "/organization", 200).at("status"), "inactive");
  EXPECT_TRUE(as_partner("pk_new", "GET", "/organization/accounts", 200).as_array().empty());
  as_partner("pk_new", "POST", "/organization/accounts", 201,
             R"([{"id":"cust-7f3a","name":"Northwind Dental","description":""}])");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 404, "pk_new");
  hook("auto-map", R"({"partnerKey":"pk_new"})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201, "pk_new");
}

TEST_F(GradientSimTest, RegeneratingTheKeyKeepsAccountsMappingsAndCounts) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  const json::value result =
      hook("regenerate-key", R"({"partnerKey":"pk_456","newPartnerKey":"pk_457"})");
  EXPECT_EQ(result.at("partnerKey"), "pk_457");
  EXPECT_EQ(result.at("previousPartnerKey"), "pk_456");
  as_partner(kNorthwindKey, "GET", "/organization", 401);
  EXPECT_EQ(as_partner("pk_457", "GET", "/organization/accounts", 200).as_array().size(), 2u);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":44})", 201, "pk_457");
  EXPECT_EQ(pushed_count(kMappedAccount, kEdrService).at("pushes"), 2);
}

TEST_F(GradientSimTest, ARegeneratedKeyWithoutANameIsMadeUp) {
  start();
  const json::value result = hook("regenerate-key", R"({"partnerKey":"pk_456"})");
  const std::string key(result.at("partnerKey").as_string());
  EXPECT_NE(key, kNorthwindKey);
  as_partner(key, "GET", "/organization", 200);
}

TEST_F(GradientSimTest, AKeyAlreadyInUseIsRefused) {
  start();
  const RawResult refused =
      hook_result("regenerate-key", R"({"partnerKey":"pk_456","newPartnerKey":"pk_contoso_789"})");
  ASSERT_TRUE(refused.response) << refused.error;
  EXPECT_EQ(refused.response->status, 409);
}

TEST_F(GradientSimTest, AccountMappingIsOneToOne) {
  start();
  const RawResult refused =
      hook_result("map-account", R"({"partnerKey":"pk_456","accountId":"cust-91c0",
                         "clientId":"3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"})");
  ASSERT_TRUE(refused.response) << refused.error;
  EXPECT_EQ(refused.response->status, 409) << refused.response->body;
  // An explicit client works, and remapping the same account replaces its mapping.
  hook("map-account", R"({"partnerKey":"pk_456","accountId":"cust-91c0",
                          "clientId":"b6d03e58-4f1a-4c92-8d7e-1a5c9e2f8b60"})");
  const json::value mapped = hook("map-account", R"({"partnerKey":"pk_456",
      "accountId":"cust-91c0","clientId":"e1a7c924-6b8d-4a15-9f30-7d2e4c8b1a92"})");
  EXPECT_EQ(mapped.at("clientName"), "Wide World Importers");
  EXPECT_EQ(partner_state().at("accountMappings").as_array().size(), 2u);
}

TEST_F(GradientSimTest, MappingByNameNeedsAClientOfExactlyThatName) {
  start();
  as_partner(kNorthwindKey, "POST", "/organization/accounts", 201,
             R"([{"id":"cust-x","name":"northwind dental"}])");
  const RawResult refused =
      hook_result("map-account", R"({"partnerKey":"pk_456","accountId":"cust-x"})");
  ASSERT_TRUE(refused.response) << refused.error;
  EXPECT_EQ(refused.response->status, 404);
}

TEST_F(GradientSimTest, AutoMapMatchesExactNamesAndMapsEveryService) {
  start();
  as_partner(kContosoKey, "POST", "/organization/accounts", 201,
             R"([{"id":"a-1","name":"Coho Winery"},{"id":"a-2","name":"Nobody Inc"}])");
  const json::value result = hook("auto-map", R"({"partnerKey":"pk_contoso_789"})");
  EXPECT_EQ(result.at("accountMappings"),
            json::parse(R"([{"accountId":"a-1","clientId":"4e8a1b3c-5d7f-4029-b1c6-8f3e2a9d0b74",
                             "clientName":"Coho Winery"}])"));
  EXPECT_EQ(result.at("serviceMappings").as_array().size(), 2u);
  push_count(kEmailService, R"({"accountId":"a-1","unitCount":3})", 201, kContosoKey);
  push_count(kEmailService, R"({"accountId":"a-2","unitCount":3})", 404, kContosoKey);
}

TEST_F(GradientSimTest, ConnectAddsAPartner) {
  start();
  const json::value added = hook("connect", R"({"name":"Fourth Coffee IT","partnerKey":"pk_fourth",
                     "clients":[{"name":"Alpine Ski House"},{"id":"c-2","name":"Coho Vineyard"}]})");
  EXPECT_EQ(added.at("status"), "inactive");
  const json::value integration = as_partner("pk_fourth", "GET", "/organization", 200);
  EXPECT_EQ(integration.at("name"), "Fourth Coffee IT");
  EXPECT_EQ(integration.at("organizationId"), added.at("organizationId"));
  EXPECT_EQ(as_partner("pk_fourth", "GET", "/organization/clients", 200).at("meta").at("total"), 2);
}

TEST_F(GradientSimTest, ConnectingAConnectedPartnerIsRefused) {
  start();
  const RawResult refused =
      hook_result("connect", R"({"organizationId":"6650a1c2e4b0a1b2c3d4e5f6"})");
  ASSERT_TRUE(refused.response) << refused.error;
  EXPECT_EQ(refused.response->status, 409);
}

TEST_F(GradientSimTest, HooksNeedAKnownPartner) {
  start();
  const RawResult unnamed = hook_result("disconnect", "{}");
  ASSERT_TRUE(unnamed.response) << unnamed.error;
  EXPECT_EQ(unnamed.response->status, 400);
  const RawResult unknown = hook_result("disconnect", R"({"partnerKey":"pk_wrong"})");
  ASSERT_TRUE(unknown.response) << unknown.error;
  EXPECT_EQ(unknown.response->status, 404);
}

TEST_F(GradientSimTest, ResetRestoresTheSeededConnection) {
  start();
  hook("disconnect", R"({"partnerKey":"pk_456"})");
  mb::sim::testing::control_json(port(), "POST", "/_sim/reset");
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization/accounts", 200).as_array().size(), 2u);
}

}  // namespace
}  // namespace mb::sim::gradient_testing
