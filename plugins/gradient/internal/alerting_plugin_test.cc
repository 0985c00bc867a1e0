// The "tickets" hooks through Gradient's alerting API on the fake host: the send, the polling of
// the debug route (bounded, stopped by cancellation), a lost answer settled by sending the alertId
// again, the refusals, and the read-only permissions check.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gradient_plugin_test.h"

namespace meterbridge::gradient {
namespace {

constexpr char kOpen[] = R"({"reference":"mb-alert:al-1","account_id":"w-north",
    "priority_id":"3","title":"Ransomware on LT-7","description":"Quarantined.\n\"quoted\""})";

// Gradient's alerting routes, scripted: every POST is queued as message "m<n>"; the debug route
// answers pending `pending_reads` times per message, then `outcome`.
class AlertingTest : public GradientPluginTest {
 protected:
  void SetUp() override {
    g_.intercept([this](const SeenRequest& s) -> std::optional<HttpResponse> {
      const std::string alerting = "/api/vendor-api/alerting/";
      if (s.method == "POST" && s.path.rfind(alerting, 0) == 0) {
        if (!post_answers.empty()) {
          HttpResponse next = post_answers.front();
          post_answers.erase(post_answers.begin());
          return next;
        }
        if (cancel_after_post) host_.set_cancelled(true);
        bodies.push_back(json::parse(s.body).as_object());
        const std::string id = "m" + std::to_string(bodies.size());
        reads[id] = 0;
        return json_reply(201, json::object{{"messageId", id},
                                            {"alertId", bodies.back().at("alertId")},
                                            {"correlationID", "6650a1c2e4b0a1b2c3d4e5a6"}});
      }
      if (s.method == "GET" && s.path.rfind(alerting + "debug/", 0) == 0) {
        const std::string id = s.path.substr((alerting + "debug/").size());
        if (++reads[id] <= pending_reads)
          return json_reply(200, json::object{{"status", "pending"}, {"ticketId", nullptr}});
        return json_reply(200, outcome);
      }
      if (s.method == "GET" && s.path == "/api/vendor-api" && modules) {
        json::array listed;
        for (const std::string& m : *modules) listed.push_back(json::object{{"variation", m}});
        return json_reply(200, json::object{{"status", 200},
                                            {"data", json::object{{"modules", listed}}},
                                            {"message", "Success - Retrieved Vendor"}});
      }
      return std::nullopt;
    });
  }

  FakeHost::Session fast_session() {
    return plugin_.open(config(R"(,"alerts":{"poll_interval_ms":0,"max_polls":3})"));
  }

  std::vector<HttpResponse> post_answers;  // consumed one per POST before the model answers
  std::vector<json::object> bodies;        // every POST the model took
  std::map<std::string, int> reads;
  int pending_reads = 1;
  json::object outcome{
      {"status", "success"}, {"ticketId", "T20261205.0007"}, {"errors", json::array{}}};
  std::optional<std::vector<std::string>> modules;
  bool cancel_after_post = false;
};

TEST_F(AlertingTest, TheAlertIsSentUnderItsReferenceAndItsTicketReadFromTheDebugRoute) {
  FakeHost::Session session = fast_session();
  json::value opened =
      meterbridge::testing::ok_result(session.call(&mb_plugin_table::on_open_ticket, kOpen));
  EXPECT_EQ(opened.at("outcome"), "created");
  EXPECT_EQ(opened.at("ticket_id"), "T20261205.0007|w-north|3|mb-alert:al-1");
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].at("alertId"), "mb-alert:al-1");
  EXPECT_EQ(bodies[0].at("priority"), 3);
  EXPECT_EQ(bodies[0].at("status"), 1);
  EXPECT_EQ(bodies[0].at("description"), "Quarantined.\n\"quoted\"");
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/alerting/debug/m1").size(), 2u);  // pending, success
  std::vector<SeenRequest> posts = g_.seen("POST", "/api/vendor-api/alerting/w-north");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(posts[0].idempotent) << "the engine must not resend a send on its own";
}

TEST_F(AlertingTest, ALostAnswerIsSentOnceMoreUnderTheSameAlertIdAndReportedFound) {
  post_answers = {no_answer(/*sent=*/true)};
  FakeHost::Session session = fast_session();
  json::value opened =
      meterbridge::testing::ok_result(session.call(&mb_plugin_table::on_open_ticket, kOpen));
  EXPECT_EQ(opened.at("outcome"), "found");
  EXPECT_EQ(g_.seen("POST", "/api/vendor-api/alerting/").size(), 2u);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].at("alertId"), "mb-alert:al-1");
}

TEST_F(AlertingTest, AskedToSearchFirstTheAlertIsSentAgainAndReportedFound) {
  FakeHost::Session session = fast_session();
  std::string input = kOpen;
  input.insert(1, R"("search_first":true,)");
  json::value opened =
      meterbridge::testing::ok_result(session.call(&mb_plugin_table::on_open_ticket, input));
  EXPECT_EQ(opened.at("outcome"), "found");
}

TEST_F(AlertingTest, TwoLostAnswersLeaveTheOutcomeUnknownNeverCreated) {
  post_answers = {no_answer(/*sent=*/true), reply(503, "busy")};
  FakeHost::Session session = fast_session();
  CallResult r = session.call(&mb_plugin_table::on_open_ticket, kOpen);
  EXPECT_EQ(r.status, MB_STATUS_RETRY);
  EXPECT_NE(r.error_message.find("under its alertId mb-alert:al-1"), std::string::npos)
      << r.error_message;
}

TEST_F(AlertingTest, PollingIsBoundedAndStopsWhenTheCallIsCancelled) {
  pending_reads = 100;
  FakeHost::Session session = fast_session();
  CallResult pending = session.call(&mb_plugin_table::on_open_ticket, kOpen);
  EXPECT_EQ(pending.status, MB_STATUS_RETRY);
  EXPECT_NE(pending.error_message.find("has not reported its PSA ticket yet"), std::string::npos)
      << pending.error_message;
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/alerting/debug/").size(), 3u);  // max_polls

  cancel_after_post = true;
  CallResult cancelled = session.call(&mb_plugin_table::on_open_ticket, kOpen);
  host_.set_cancelled(false);
  EXPECT_EQ(cancelled.status, MB_STATUS_RETRY);
  EXPECT_EQ(g_.seen("GET", "/api/vendor-api/alerting/debug/m2").size(), 0u);
}

TEST_F(AlertingTest, AFailedDeliveryNamesGradientsErrors) {
  pending_reads = 0;
  outcome = json::object{{"status", "failed"},
                         {"statusCode", 404},
                         {"ticketId", nullptr},
                         {"errors", json::array{"No account map found with id: w-north"}}};
  FakeHost::Session session = fast_session();
  CallResult r = session.call(&mb_plugin_table::on_open_ticket, kOpen);
  EXPECT_EQ(r.status, MB_STATUS_CONFLICT);
  EXPECT_NE(r.error_message.find("No account map found with id: w-north"), std::string::npos);
  EXPECT_NE(r.error_message.find("map the account in Synthesize"), std::string::npos);
}

TEST_F(AlertingTest, A403WithoutTheAlertsModuleNamesIt) {
  modules = std::vector<std::string>{"billing"};
  post_answers = {nest_error(403, "Forbidden resource")};
  FakeHost::Session session = fast_session();
  CallResult r = session.call(&mb_plugin_table::on_open_ticket, kOpen);
  EXPECT_EQ(r.status, MB_STATUS_AUTH_FAILED);
  EXPECT_NE(r.error_message.find("the Alerts module"), std::string::npos) << r.error_message;
}

TEST_F(AlertingTest, NotesAndClosesResendTheAlertIdWithTheRecordedPriority) {
  FakeHost::Session session = fast_session();
  json::value noted = meterbridge::testing::ok_result(
      session.call(&mb_plugin_table::on_add_ticket_note,
                   R"({"ticket_id":"T7|w-north|4|mb-alert:al-1","reference":"mb-alert:al-1",
          "note_key":"mb-alert:al-1/v2","text":"Alert al-1 changed (version 2)\nmore"})"));
  EXPECT_EQ(noted.at("outcome"), "noted");
  json::value closed = meterbridge::testing::ok_result(
      session.call(&mb_plugin_table::on_close_ticket,
                   R"({"ticket_id":"T7|w-north|4|mb-alert:al-1","note":"Resolved at noon."})"));
  EXPECT_EQ(closed.at("outcome"), "closed");
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0].at("title"), "Alert al-1 changed (version 2)");
  EXPECT_NE(std::string(bodies[0].at("description").as_string()).find("[mb-alert:al-1/v2]"),
            std::string::npos);
  EXPECT_EQ(bodies[0].at("status"), 1);
  EXPECT_EQ(bodies[1].at("status"), 6);
  for (const json::object& b : bodies) {
    EXPECT_EQ(b.at("priority"), 4);
    EXPECT_EQ(b.at("alertId"), "mb-alert:al-1");
  }
  EXPECT_EQ(g_.seen("POST", "/api/vendor-api/alerting/w-north").size(), 2u);

  CallResult foreign = session.call(&mb_plugin_table::on_close_ticket, R"({"ticket_id":"4711"})");
  EXPECT_EQ(foreign.status, MB_STATUS_NOT_FOUND);
}

TEST_F(AlertingTest, ThePermissionsCheckReadsOnlyAndNamesWhatIsMissing) {
  modules = std::vector<std::string>{"billing"};
  g_.status = "disabled";
  json::value p = call(&mb_plugin_table::on_check_ticket_permissions, "{}");
  EXPECT_TRUE(p.at("can_list").as_bool());
  EXPECT_FALSE(p.at("can_create").as_bool());
  EXPECT_FALSE(p.at("can_close").as_bool());
  ASSERT_EQ(p.at("missing").as_array().size(), 2u);
  EXPECT_NE(std::string(p.at("missing").at(0).as_string()).find("Alerts module"),
            std::string::npos);
  EXPECT_NE(std::string(p.at("missing").at(1).as_string()).find("'disabled'"), std::string::npos);
  for (const SeenRequest& s : g_.seen()) EXPECT_EQ(s.method, "GET");

  modules = std::vector<std::string>{"alerts", "billing"};
  g_.status = "active";
  json::value ready = call(&mb_plugin_table::on_check_ticket_permissions, "{}");
  EXPECT_TRUE(ready.at("can_create").as_bool());
  EXPECT_TRUE(ready.at("missing").as_array().empty());
}

}  // namespace
}  // namespace meterbridge::gradient
