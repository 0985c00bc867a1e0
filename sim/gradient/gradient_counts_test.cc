// Set unit count: 201 with the documented body, the absolute ledger per (account, service),
// no_build, and the 400 / 403 / 404 answers, with the MSP's mapping steered through /_sim/
// (reference §6, §11.8).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

constexpr char kCreated[] = R"({"status":201,"message":"Success - Created service unit count"})";

TEST_F(GradientSimTest, AMappedPairAnswers201WithTheDocumentedBody) {
  start();
  EXPECT_EQ(push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201),
            json::parse(kCreated));
  const json::value pushed = pushed_count(kMappedAccount, kEdrService);
  ASSERT_FALSE(pushed.is_null());
  EXPECT_EQ(pushed.at("unitCount"), 43);
  EXPECT_EQ(pushed.at("pushes"), 1);
  EXPECT_EQ(pushed.at("noBuild"), false);
  EXPECT_EQ(partner_state().at("acceptedCountCalls"), 1);
}

TEST_F(GradientSimTest, TheLedgerKeepsTheLastAbsoluteValueIncludingZeroAndDecimals) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":0})", 201);
  EXPECT_EQ(pushed_count(kMappedAccount, kEdrService).at("unitCount"), 0);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":12.5})", 201);
  const json::value pushed = pushed_count(kMappedAccount, kEdrService);
  EXPECT_EQ(pushed.at("unitCount").to_number<double>(), 12.5);
  EXPECT_EQ(pushed.at("pushes"), 3);
  EXPECT_EQ(pushed.at("changes"), 3);
}

TEST_F(GradientSimTest, PushingTheSameValueAgainCountsAPushButNoChange) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  const json::value pushed = pushed_count(kMappedAccount, kEdrService);
  EXPECT_EQ(pushed.at("pushes"), 2);
  EXPECT_EQ(pushed.at("changes"), 1);
}

TEST_F(GradientSimTest, NoBuildIsRecordedAndSkipsTheBillingViewRebuild) {
  start();
  hook("map-account", R"({"partnerKey":"pk_456","accountId":"cust-91c0"})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":1})", 201, kNorthwindKey,
             "?no_build=true");
  push_count(kEdrService, R"({"accountId":"cust-91c0","unitCount":2})", 201, kNorthwindKey);
  EXPECT_EQ(pushed_count(kMappedAccount, kEdrService).at("noBuild"), true);
  EXPECT_EQ(pushed_count(kUnmappedAccount, kEdrService).at("noBuild"), false);
  const json::object partner = partner_state();
  EXPECT_EQ(partner.at("acceptedCountCalls"), 2);
  EXPECT_EQ(partner.at("billingViewBuilds"), 1);
}

TEST_F(GradientSimTest, AServiceIdThatIsNotAnObjectIdIs400) {
  start();
  EXPECT_EQ(push_count("acme-edr", R"({"accountId":"cust-7f3a","unitCount":43})", 400),
            nest_error(400, "You have provided an invalid Id type"));
}

TEST_F(GradientSimTest, UnitCountMustBeANumber) {
  start();
  for (const char* body :
       {R"({"accountId":"cust-7f3a"})", R"({"accountId":"cust-7f3a","unitCount":null})",
        R"({"accountId":"cust-7f3a","unitCount":"43"})",
        R"({"accountId":"cust-7f3a","unitCount":true})"}) {
    const json::value error = push_count(kEdrService, body, 400);
    EXPECT_TRUE(has_message(error,
                            "unitCount must be a number conforming to the specified "
                            "constraints"))
        << body << " -> " << json::serialize(error);
  }
  EXPECT_TRUE(pushed_count(kMappedAccount, kEdrService).is_null());
}

TEST_F(GradientSimTest, AnAccountIdIsRequired) {
  start();
  const json::value error = push_count(kEdrService, R"({"unitCount":43})", 400);
  EXPECT_TRUE(has_message(error, "accountId must be a string"));
}

TEST_F(GradientSimTest, AnUnmappedAccountIs404NoAccountMap) {
  start();
  EXPECT_EQ(push_count(kEdrService, R"({"accountId":"cust-91c0","unitCount":43})", 404),
            nest_error(404, "No account map found with id: cust-91c0"));
}

TEST_F(GradientSimTest, AnAccountTheVendorNeverCreatedIs404) {
  start();
  EXPECT_EQ(push_count(kEdrService, R"({"accountId":"cust-none","unitCount":43})", 404),
            nest_error(404, "No account map found with id: cust-none"));
}

TEST_F(GradientSimTest, AnUnmappedServiceIsTheSame404) {
  start();
  EXPECT_EQ(push_count(kEmailService, R"({"accountId":"cust-7f3a","unitCount":43})", 404),
            nest_error(404, "No account map found with id: cust-7f3a"));
}

TEST_F(GradientSimTest, AServiceTheVendorDoesNotHaveIs404) {
  start();
  push_count("6650a1c2e4b0a1b2c3d4e000", R"({"accountId":"cust-7f3a","unitCount":43})", 404);
}

TEST_F(GradientSimTest, MappingThroughTheSimHooksTurnsThe404sInto201s) {
  start();
  push_count(kEmailService, R"({"accountId":"cust-91c0","unitCount":7})", 404);
  // "The MSP maps account cust-91c0 to PSA client Harbor Legal LLP, and maps the email service."
  const json::value mapped =
      hook("map-account", R"({"partnerKey":"pk_456","accountId":"cust-91c0"})");
  EXPECT_EQ(mapped.at("clientName"), "Harbor Legal LLP");
  hook("map-service", R"({"partnerKey":"pk_456","serviceId":"6650a1c2e4b0a1b2c3d4e778"})");
  push_count(kEmailService, R"({"accountId":"cust-91c0","unitCount":7})", 201);
  push_count(kEmailService, R"({"accountId":"cust-7f3a","unitCount":9})", 201);
  EXPECT_EQ(pushed_count(kUnmappedAccount, kEmailService).at("unitCount"), 7);
}

TEST_F(GradientSimTest, UnmappingTurnsThe201BackInto404) {
  start();
  hook("unmap-service", R"({"organizationId":"6650a1c2e4b0a1b2c3d4e5f6",
                           "serviceId":"6650a1c2e4b0a1b2c3d4e777"})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 404);
  hook("map-service", R"({"partnerKey":"pk_456","serviceId":"6650a1c2e4b0a1b2c3d4e777"})");
  hook("unmap-account", R"({"partnerKey":"pk_456","accountId":"cust-7f3a"})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 404);
}

TEST_F(GradientSimTest, TheAnomalySwitchAnswers403AndRecordsNothing) {
  start();
  settings(R"({"anomaly_block": true})");
  const json::value error =
      push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":1})", 403);
  EXPECT_EQ(error.at("statusCode"), 403);
  EXPECT_TRUE(error.at("message").is_string());
  EXPECT_TRUE(pushed_count(kMappedAccount, kEdrService).is_null());
  settings(R"({"anomaly_block": false})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":1})", 201);
}

TEST_F(GradientSimTest, TheDeprecatedClientOidResolvesThroughTheMapping) {
  start();
  push_count(kEdrService, R"({"clientOid":"3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13","unitCount":5})",
             201);
  EXPECT_EQ(pushed_count(kMappedAccount, kEdrService).at("unitCount"), 5);
  push_count(kEdrService, R"({"clientOId":"5a9e0d72-1c3b-4f8a-8e24-6b7f1d9c0a35","unitCount":5})",
             404);
}

TEST_F(GradientSimTest, EachPartnerHasItsOwnMappings) {
  start();
  as_partner(kContosoKey, "POST", "/organization/accounts", 201,
             R"([{"id":"cust-7f3a","name":"Coho Winery"}])");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":3})", 404, kContosoKey);
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":3})", 201, kNorthwindKey);
}

TEST_F(GradientSimTest, DroppedCountsAreGoneUntilTheVendorPushesThemAgain) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  const json::value dropped =
      hook("drop-counts", R"({"partnerKey":"pk_456","accountId":"cust-7f3a"})");
  EXPECT_EQ(dropped.at("dropped"), 1);
  EXPECT_TRUE(pushed_count("cust-7f3a", kEdrService).is_null());
  // Nothing tells the vendor; resending the same count brings it back.
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  EXPECT_EQ(pushed_count("cust-7f3a", kEdrService).at("unitCount"), 43);
  // Without an account or a service, every count of the partner goes.
  EXPECT_EQ(hook("drop-counts", R"({"partnerKey":"pk_456"})").at("dropped"), 1);
  EXPECT_TRUE(partner_state().at("counts").as_array().empty());
  EXPECT_EQ(hook_result("drop-counts", R"({"partnerKey":"pk_456","accountId":"nobody"})")
                .response->status,
            404);
}

}  // namespace
}  // namespace mb::sim::gradient_testing
