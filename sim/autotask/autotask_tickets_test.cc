// Tickets on the Autotask simulator: the picklists a queue is chosen from, creates checked as
// tickets-autotask.md describes (required fields, the queue-or-resource rule, lengths, inactive
// values), the sparse PATCH that completes, notes through the ticket only, and a security level
// without ticket rights answered the way Autotask answers it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

constexpr char kBillingOnlyUser[] = "billing-only-api@acme-it.example";
constexpr char kBillingOnlySecret[] = "billing-only-secret";

constexpr char kTicket[] =
    R"({"companyID":412,"title":"Malware quarantined","status":1,"priority":4,)"
    R"("queueID":29683482,"externalID":"mb-alert:al-1"})";

class AutotaskTicketsTest : public AutotaskSimTest {};

const json::object* field_named(const json::value& fields, const std::string& name) {
  for (const json::value& f : fields.at("fields").as_array())
    if (f.at("name") == name.c_str()) return &f.as_object();
  return nullptr;
}

TEST_F(AutotaskTicketsTest, FieldsCarryTheQueuesStatusesAndPrioritiesAsPicklists) {
  start();
  json::value fields = call_json("GET", api("Tickets/entityInformation/fields"), 200);
  const json::object* queue = field_named(fields, "queueID");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->at("isPickList"), true);
  bool inactive_seen = false;
  for (const json::value& v : queue->at("picklistValues").as_array()) {
    EXPECT_TRUE(v.at("value").is_string());
    inactive_seen = inactive_seen || v.at("isActive") == false;
  }
  EXPECT_TRUE(inactive_seen) << "one retired queue";
  EXPECT_EQ(field_named(fields, "title")->at("length"), 255);
  EXPECT_EQ(field_named(fields, "externalID")->at("length"), 50);
  EXPECT_EQ(field_named(fields, "status")->at("isRequired"), true);
  EXPECT_EQ(field_named(fields, "subIssueType")->at("picklistParentValueField"), "issueType");
}

TEST_F(AutotaskTicketsTest, ACreateAnswersItsIdAndIsFoundByItsExternalId) {
  start();
  json::value created = call_json("POST", api("Tickets"), 200, kTicket);
  const int64_t id = created.at("itemId").to_number<int64_t>();
  json::value item = call_json("GET", api("Tickets/" + std::to_string(id)), 200);
  EXPECT_EQ(std::string(item.at("item").at("ticketNumber").as_string()).substr(0, 1), "T");
  EXPECT_EQ(
      query_ids("Tickets", R"({"Filter":[{"op":"eq","field":"externalID","value":"mb-alert:al-1"},)"
                           R"({"op":"eq","field":"companyID","value":412}]})"),
      std::vector<int64_t>{id});
  EXPECT_EQ(state().at("tickets").as_array().size(), 1u);
}

TEST_F(AutotaskTicketsTest, CreatesAreCheckedWithAutotasksWords) {
  start();
  EXPECT_NE(error_text(call_json("POST", api("Tickets"), 500,
                                 R"({"companyID":412,"title":"t","status":1,"priority":4})"))
                .find("Supply a QueueID"),
            std::string::npos);
  EXPECT_NE(error_text(call_json("POST", api("Tickets"), 500,
                                 R"({"companyID":412,"title":"t","status":1,"priority":6,)"
                                 R"("queueID":29683482})"))
                .find("priority"),
            std::string::npos)
      << "an inactive priority";
  EXPECT_NE(error_text(call_json("POST", api("Tickets"), 500,
                                 R"({"companyID":412,"title":"t","status":1,"priority":4,)"
                                 R"("queueID":29683482,"externalID":")" +
                                     std::string(51, 'x') + R"("})"))
                .find("externalID"),
            std::string::npos);
  EXPECT_NE(error_text(call_json("POST", api("Tickets"), 500,
                                 R"({"companyID":412,"title":"t","status":1,"priority":4,)"
                                 R"("queueID":29683482,"issueType":29,"subIssueType":324})"))
                .find("does not belong"),
            std::string::npos);
  EXPECT_TRUE(state().at("tickets").as_array().empty());
}

TEST_F(AutotaskTicketsTest, APatchCompletesAndNotesGoThroughTheTicket) {
  start();
  const int64_t id =
      call_json("POST", api("Tickets"), 200, kTicket).at("itemId").to_number<int64_t>();
  const std::string notes = api("Tickets/" + std::to_string(id) + "/Notes");
  call_json("POST", notes, 200, R"({"title":"t","description":"again","noteType":1,"publish":1})");
  call_json(
      "POST", api("TicketNotes"), 404,
      R"({"ticketID":)" + std::to_string(id) + R"(,"description":"d","noteType":1,"publish":1})");
  EXPECT_EQ(call_json("GET", notes, 200).at("items").as_array().size(), 1u);
  call_json("PATCH", api("Tickets"), 200,
            R"({"id":)" + std::to_string(id) + R"(,"status":5,"resolution":"resolved"})");
  json::value item = call_json("GET", api("Tickets/" + std::to_string(id)), 200).at("item");
  EXPECT_EQ(item.at("status"), 5);
  EXPECT_FALSE(item.at("completedDate").is_null());
  EXPECT_EQ(item.at("queueID"), 29683482) << "a sparse PATCH keeps the rest";
}

TEST_F(AutotaskTicketsTest, ALevelWithoutTicketRightsIsRefusedAndSaysSo) {
  start();
  const Headers billing_only = auth_headers(kBillingOnlyUser, kBillingOnlySecret);
  json::value info = call_json("GET", api("Tickets/entityInformation"), 200, "", billing_only);
  EXPECT_EQ(info.at("info").at("userAccessForCreate"), "None");
  EXPECT_EQ(info.at("info").at("userAccessForQuery"), "All");
  EXPECT_NE(error_text(call_json("POST", api("Tickets"), 500, kTicket, billing_only))
                .find("does not have the adequate permissions"),
            std::string::npos);
  set_settings(R"({"permission_status":403})");
  call_json("POST", api("Tickets"), 403, kTicket, billing_only);
  EXPECT_TRUE(state().at("tickets").as_array().empty());
}

}  // namespace
}  // namespace mb::sim::autotask_testing
