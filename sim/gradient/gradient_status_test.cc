// Integration status: the lower-case, case-sensitive path values, the {data,status,message}
// envelope, Gradient switching to "active" on first usage (reference §3, §11.3), and statuses
// set on Gradient's side (disabled, error) that usage leaves alone.
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

constexpr char kAllValues[] =
    "status must be one of the following values: active, inactive, pending, disabled, error";

TEST_F(GradientSimTest, SettingPendingAnswersTheDocumentedEnvelope) {
  start();
  const json::value answer = as_partner(kContosoKey, "PATCH", "/organization/status/pending", 200);
  EXPECT_EQ(answer.at("status"), 200);
  EXPECT_EQ(answer.at("message"), "Success - Updated Integration Status");
  EXPECT_EQ(answer.at("data").at("status"), "pending");
  EXPECT_EQ(answer.at("data").at("organizationId"), kContosoOrganization);
  EXPECT_EQ(as_partner(kContosoKey, "GET", "/organization", 200).at("status"), "pending");
  EXPECT_EQ(partner_state(kContosoOrganization).at("statusHistory"),
            json::parse(R"([{"from":"inactive","to":"pending","by":"vendor"}])"));
}

TEST_F(GradientSimTest, StatusValuesAreCaseSensitive) {
  start();
  for (const char* wrong : {"Active", "PENDING", "Inactive"}) {
    const json::value error =
        as_partner(kContosoKey, "PATCH", std::string("/organization/status/") + wrong, 400);
    EXPECT_EQ(error.at("statusCode"), 400);
    EXPECT_TRUE(has_message(error, kAllValues)) << json::serialize(error);
  }
  EXPECT_EQ(as_partner(kContosoKey, "GET", "/organization", 200).at("status"), "inactive");
}

TEST_F(GradientSimTest, AnUndocumentedStatusIs400) {
  start();
  as_partner(kContosoKey, "PATCH", "/organization/status/connected", 400);
}

TEST_F(GradientSimTest, EveryDocumentedValueIsAcceptedFromAnyOther) {
  start();
  // No transition is documented as forbidden.
  for (const char* status : {"error", "inactive", "disabled", "active", "pending", "inactive"}) {
    EXPECT_EQ(as_partner(kContosoKey, "PATCH", std::string("/organization/status/") + status, 200)
                  .at("data")
                  .at("status"),
              status);
  }
}

TEST_F(GradientSimTest, TheNewerListSettingRefusesDisabledAndError) {
  start();
  settings(R"({"status_values": "newer"})");
  for (const char* refused : {"disabled", "error"}) {
    const json::value error =
        as_partner(kContosoKey, "PATCH", std::string("/organization/status/") + refused, 400);
    EXPECT_TRUE(has_message(
        error, "status must be one of the following values: inactive, active, pending"));
  }
  as_partner(kContosoKey, "PATCH", "/organization/status/pending", 200);
}

TEST_F(GradientSimTest, TheFirstAcceptedCountMakesGradientSetActive) {
  start();
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  const json::value integration = as_partner(kNorthwindKey, "GET", "/organization", 200);
  EXPECT_EQ(integration.at("status"), "active");
  EXPECT_NE(integration.at("lastSyncedAt"), kNeverSynced);
  EXPECT_EQ(partner_state().at("statusHistory"),
            json::parse(R"([{"from":"pending","to":"active","by":"gradient"}])"));
}

TEST_F(GradientSimTest, ARefusedCountLeavesTheStatusAlone) {
  start();
  push_count(kEmailService, R"({"accountId":"cust-7f3a","unitCount":43})", 404);
  const json::value integration = as_partner(kNorthwindKey, "GET", "/organization", 200);
  EXPECT_EQ(integration.at("status"), "pending");
  EXPECT_EQ(integration.at("lastSyncedAt"), kNeverSynced);
}

TEST_F(GradientSimTest, AutoActivationCanBeSwitchedOff) {
  start();
  settings(R"({"auto_activate": false})");
  push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization", 200).at("status"), "pending");
}

TEST_F(GradientSimTest, UsageDoesNotClearAStatusSetOnGradientsSide) {
  start();
  for (const char* status : {"disabled", "error"}) {
    const json::value set =
        hook("set-status", std::string(R"({"partnerKey":"pk_456","status":")") + status + "\"}");
    EXPECT_EQ(set.at("status"), status);
    push_count(kEdrService, R"({"accountId":"cust-7f3a","unitCount":43})", 201);
    EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization", 200).at("status"), status);
  }
  EXPECT_EQ(partner_state().at("statusHistory"),
            json::parse(R"([{"from":"pending","to":"disabled","by":"partner"},
                            {"from":"disabled","to":"error","by":"partner"}])"));
}

TEST_F(GradientSimTest, GradientsSideSetsAnyDocumentedStatusThroughTheHook) {
  start();
  hook("set-status", R"({"partnerKey":"pk_456","status":"error","by":"gradient"})");
  EXPECT_EQ(partner_state().at("statusHistory"),
            json::parse(R"([{"from":"pending","to":"error","by":"gradient"}])"));
  EXPECT_EQ(
      hook_result("set-status", R"({"partnerKey":"pk_456","status":"Active"})").response->status,
      400);
  EXPECT_EQ(hook_result("set-status", R"({"partnerKey":"pk_456","status":"active","by":"msp"})")
                .response->status,
            400);
}

TEST_F(GradientSimTest, ValidationMessagesCanBeOneString) {
  start();
  settings(R"({"validation_messages": "string"})");
  EXPECT_EQ(as_partner(kContosoKey, "PATCH", "/organization/status/Active", 400),
            nest_error(400, kAllValues));
}

}  // namespace
}  // namespace mb::sim::gradient_testing
