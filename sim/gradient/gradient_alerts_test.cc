// Alerts: validated, queued, then seen through the debug route as pending and finally success
// (with a ticket) or failed (reference §7, §11.10).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

constexpr char kAlert[] = R"({"title":"Ransomware blocked on NWD-LT-014",
    "description":"Acme EDR quarantined a process.",
    "alertId":"b3e0c1d2-5a6b-4c7d-8e9f-0a1b2c3d4e5f","priority":3,"status":1,
    "dueDateTime":"2025-06-02T17:00:00Z","serviceId":"6650a1c2e4b0a1b2c3d4e777"})";

TEST_F(GradientSimTest, AnAlertIsQueuedThenBecomesATicket) {
  start();
  const json::value queued = as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 201, kAlert);
  EXPECT_EQ(queued.at("alertId"), "b3e0c1d2-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(queued.at("correlationID").as_string().size(), 24u);
  const std::string message_id(queued.at("messageId").as_string());
  ASSERT_EQ(message_id.size(), 36u);
  EXPECT_EQ(message_id[14], '4');

  const json::value pending =
      as_partner(kNorthwindKey, "GET", "/alerting/debug/" + message_id, 200);
  EXPECT_EQ(pending.at("status"), "pending");
  EXPECT_TRUE(pending.at("ticketId").is_null());
  const json::value done = as_partner(kNorthwindKey, "GET", "/alerting/debug/" + message_id, 200);
  EXPECT_EQ(done.at("status"), "success");
  EXPECT_TRUE(done.at("ticketId").as_string().starts_with("T"));
  EXPECT_TRUE(done.at("statusCode").is_null());
  EXPECT_TRUE(done.at("errors").as_array().empty());
}

TEST_F(GradientSimTest, AnAlertForAnUnmappedAccountFails) {
  start();
  settings(R"({"alert_pending_polls": 0})");
  const json::value queued = as_partner(kNorthwindKey, "POST", "/alerting/cust-91c0", 201, kAlert);
  const json::value failed =
      as_partner(kNorthwindKey, "GET",
                 "/alerting/debug/" + std::string(queued.at("messageId").as_string()), 200);
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_EQ(failed.at("statusCode"), 404);
  EXPECT_FALSE(failed.at("errors").as_array().empty());
}

TEST_F(GradientSimTest, TheAlertOutcomeIsASetting) {
  start();
  settings(R"({"alert_pending_polls": 0, "alert_outcome": "failed"})");
  const json::value queued = as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 201, kAlert);
  EXPECT_EQ(as_partner(kNorthwindKey, "GET",
                       "/alerting/debug/" + std::string(queued.at("messageId").as_string()), 200)
                .at("status"),
            "failed");
}

TEST_F(GradientSimTest, AlertFieldsAndRangesAreChecked) {
  start();
  const json::value error = as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 400,
                                       R"({"description":"d","alertId":"a","priority":0,
                                           "status":7})");
  EXPECT_TRUE(has_message(error, "title should not be empty")) << json::serialize(error);
  EXPECT_TRUE(has_message(error, "priority must not be less than 1"));
  EXPECT_TRUE(has_message(error, "status must not be greater than 6"));
  as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 400,
             R"({"title":"t","description":"d","alertId":"a","priority":5,"status":1})");
  as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 400,
             R"({"title":"t","description":"d","alertId":"a","status":1})");
}

TEST_F(GradientSimTest, AnAlertForAnUnknownAccountIs404) {
  start();
  EXPECT_EQ(as_partner(kNorthwindKey, "POST", "/alerting/cust-none", 404, kAlert),
            nest_error(404, "No account map found with id: cust-none"));
}

TEST_F(GradientSimTest, AnUnknownMessageIdIs404) {
  start();
  as_partner(kNorthwindKey, "GET", "/alerting/debug/2f6d8a3e-9b1c-4e5f-8a7b-6c5d4e3f2a1b", 404);
}

TEST_F(GradientSimTest, AnAcceptedAlertMakesGradientSetActive) {
  start();
  as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 201, kAlert);
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/organization", 200).at("status"), "active");
}

}  // namespace
}  // namespace mb::sim::gradient_testing
