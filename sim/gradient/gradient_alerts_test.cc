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

class GradientAlertTicketsTest : public GradientSimTest {
 protected:
  // Delivers an alert for Northwind Dental; its message id.
  std::string deliver(const std::string& body) {
    return std::string(as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 201, body)
                           .at("messageId")
                           .as_string());
  }
};

constexpr char kResolved[] = R"({"title":"Alert resolved","description":"Resolved by the vendor.",
    "alertId":"b3e0c1d2-5a6b-4c7d-8e9f-0a1b2c3d4e5f","priority":3,"status":6})";

// Gradient keys alerts by the vendor's alertId: a later delivery updates the ticket the first
// one made (priority, status, a note), it never makes a second one.
TEST_F(GradientAlertTicketsTest, ALaterDeliveryOfAnAlertIdUpdatesItsTicket) {
  start();
  settings(R"({"alert_pending_polls": 0})");
  const std::string first = deliver(kAlert);
  const json::value made = as_partner(kNorthwindKey, "GET", "/alerting/debug/" + first, 200);
  EXPECT_EQ(made.at("message"), "Ticket created");
  const std::string second = deliver(kResolved);
  const json::value updated = as_partner(kNorthwindKey, "GET", "/alerting/debug/" + second, 200);
  EXPECT_EQ(updated.at("status"), "success");
  EXPECT_EQ(updated.at("message"), "Ticket updated");
  EXPECT_EQ(updated.at("ticketId"), made.at("ticketId"));

  const json::array tickets = partner_state().at("alertTickets").as_array();
  ASSERT_EQ(tickets.size(), 1u);
  const json::value& ticket = tickets[0];
  EXPECT_EQ(ticket.at("title"), "Ransomware blocked on NWD-LT-014");  // the summary stays
  EXPECT_EQ(ticket.at("status"), 6);
  EXPECT_EQ(ticket.at("closed"), true);
  EXPECT_EQ(ticket.at("deliveries"), 2);
  ASSERT_EQ(ticket.at("notes").as_array().size(), 1u);
  EXPECT_EQ(ticket.at("notes").at(0), "Resolved by the vendor.");

  // The same text again adds no second note.
  deliver(kResolved);
  settings(R"({"alert_closed_status": 5})");
  const std::string third = deliver(kResolved);
  as_partner(kNorthwindKey, "GET", "/alerting/debug/" + third, 200);
  const json::value after = partner_state().at("alertTickets").at(0);
  EXPECT_EQ(after.at("notes").as_array().size(), 1u);
  EXPECT_EQ(after.at("deliveries"), 4);
  EXPECT_EQ(after.at("closed"), false) << "status 6 no longer closes";
}

// The queue is worked in arrival order: reading a later delivery's outcome settles an earlier
// one nobody asked about (a vendor whose first answer was lost) onto the same ticket.
TEST_F(GradientAlertTicketsTest, AnEarlierDeliveryNobodyPolledIsSettledFirst) {
  start();
  deliver(kAlert);  // its answer "lost": never polled
  const std::string again = deliver(kAlert);
  as_partner(kNorthwindKey, "GET", "/alerting/debug/" + again, 200);  // pending
  const json::value done = as_partner(kNorthwindKey, "GET", "/alerting/debug/" + again, 200);
  EXPECT_EQ(done.at("message"), "Ticket updated");
  const json::object partner = partner_state();
  ASSERT_EQ(partner.at("alertTickets").as_array().size(), 1u);
  EXPECT_EQ(partner.at("alertTickets").at(0).at("deliveries"), 2);
  EXPECT_EQ(partner.at("alerts").as_array().size(), 2u);
}

// A vendor whose integration lacks the Alerts module is refused by a guard, before the body is
// even validated; GET /api/vendor-api lists the modules.
TEST_F(GradientAlertTicketsTest, WithoutTheAlertsModuleAlertingIsForbidden) {
  start();
  hook("set-modules", R"({"modules":["billing"]})");
  EXPECT_EQ(as_partner(kNorthwindKey, "POST", "/alerting/cust-7f3a", 403, "{}"),
            nest_error(403, "Forbidden resource"));
  const json::value vendor = as_partner(kNorthwindKey, "GET", "", 200);
  EXPECT_EQ(vendor.at("data").at("modules"), json::parse(R"([{"variation":"billing"}])"));
  EXPECT_EQ(hook_result("set-modules", R"({"modules":["tickets"]})").response->status, 400);
}

}  // namespace
}  // namespace mb::sim::gradient_testing
