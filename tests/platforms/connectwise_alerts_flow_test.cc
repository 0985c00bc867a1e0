// Alerts to ConnectWise service tickets end to end, as a vendor's operator runs it: the
// meterbridge CLI (a separate process, the connectwise plugin copied from the build) against
// the ConnectWise simulator on loopback. Alerts are pushed, `alerts sync` opens tickets on the
// policy's board with the mapped priority, notes later versions, closes resolved ones, and never
// opens a second ticket for one alert — not on a rerun, not after the answer to a create was
// lost. `alerts check` lists the boards and names the rights a member lacks.
//
// Simulator (its default seed): companies 250 Northwind Dental, 251 Harbor Legal LLP, 252
// Margie's Travel & Tours; board 12 "Security Alerts" (101 New default, 102 In Progress,
// 109 >Closed), board 13 "Help Desk"; priorities 1 (Critical) .. 4 (Low), 3 the default.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/alerts_cli.h"
#include "tests/testing/serve_harness.h"

namespace {

namespace json = boost::json;
using mb::testing::alert;
using mb::testing::RunResult;

constexpr char kClientId[] = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
constexpr char kTicketsPath[] = "/v2025_1/apis/3.0/service/tickets";

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

class ConnectWiseAlertsFlowTest : public mb::testing::AlertsCliTest {
 protected:
  ConnectWiseAlertsFlowTest() : AlertsCliTest("connectwise", "cw") {}

  void start(const std::string& seed_json = "") {
    mb::sim::SimOptions options;
    options.seed_json = seed_json;
    options.settings_json = R"({"rate_limit_requests":0})";
    start_simulator(options);
    write_config(
        json::object{{"company_id", "northwind"},
                     {"site", "na.myconnectwise.net"},
                     {"public_key", "Pk7hQ2"},
                     {"private_key", "Sx9mR4"},
                     {"client_id", kClientId},
                     {"base_url", sim_->base_url()}},
        json::object{{"board", "Security Alerts"},
                     {"status_closed", ">Closed"},
                     {"min_severity", "low"},
                     {"priorities", json::object{{"critical", "Priority 1 - Emergency Response"},
                                                 {"high", "2"}}}},
        "Northwind IT");
    import_and_map();
  }

  // The next create reaches ConnectWise but its answer is lost (a reset after the handler
  // ran), and the searches after it fail (503).
  void lose_the_next_create_and_fail_the_searches() {
    control("POST", "/_sim/faults",
            R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kTicketsPath) +
                R"(","count":1,"after_body_bytes":10},)"
                R"({"kind":"status","status":503,"method":"GET","path":")" +
                std::string(kTicketsPath) + R"(","count":20}]})");
  }

  // The simulator's tickets by externalXRef.
  std::map<std::string, json::object> tickets() {
    std::map<std::string, json::object> out;
    json::value state = control("GET", "/_sim/state");
    for (const auto& t : state.at("tickets").as_array()) {
      EXPECT_FALSE(out.count(str(t.at("externalXRef")))) << "two tickets for one alert";
      out[str(t.at("externalXRef"))] = t.as_object();
    }
    return out;
  }

  // `serve` on the same connector, usage and mappings, with the job workers that run queued
  // syncs and alerts jobs.
  mb::testing::ServeHarness& serve_with_workers() {
    serve_ = std::make_unique<mb::testing::ServeHarness>();
    serve_->add_plugin("connectwise");
    json::value config = json::parse(mb::testing::read_file(dir_ / "mb.json"));
    serve_->write_config({json::serialize(config.at("connectors").at(0))});
    EXPECT_EQ(serve_->cli("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
    EXPECT_EQ(serve_->cli("map auto cw").exit_code, 0);
    serve_->start({});
    return *serve_;
  }

  std::unique_ptr<mb::testing::ServeHarness> serve_;
};

TEST_F(ConnectWiseAlertsFlowTest, TicketsOpenOnTheBoardNoteChangesCloseWhenResolvedAndOnlyOnce) {
  start();
  RunResult check = mb("alerts check --connector cw");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ready"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("Security Alerts"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("Projects"), std::string::npos) << "a project board was offered";

  push({alert("al-1", "w-north", "critical", "open", "2026-12-05T10:00:00Z"),
        alert("al-2", "w-harbor", "high", "open", "2026-12-05T10:05:00Z"),
        alert("al-3", "w-other", "medium", "open", "2026-12-05T10:06:00Z"),
        alert("al-4", "w-north", "info", "open", "2026-12-05T10:07:00Z")});
  auto first = sync();
  EXPECT_EQ(first["opened"], 2);
  EXPECT_EQ(first["not_routed"], 1);
  auto opened = tickets();
  ASSERT_EQ(opened.size(), 2u);
  const json::object& north = opened.at("mb-alert:al-1");
  EXPECT_EQ(north.at("board").at("id"), 12);
  EXPECT_EQ(north.at("status").at("id"), 101);  // the board's default for a new ticket
  EXPECT_EQ(north.at("priority").at("id"), 1);
  EXPECT_EQ(north.at("company").at("id"), 250);
  EXPECT_EQ(opened.at("mb-alert:al-2").at("priority").at("id"), 2);

  // A rerun, and the same push again, change nothing.
  EXPECT_TRUE(sync().empty());
  push({alert("al-1", "w-north", "critical", "open", "2026-12-05T10:00:00Z")});
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 2u);

  // A later version is noted; a resolved alert closes its ticket, once.
  json::object changed = alert("al-2", "w-harbor", "critical", "open", "2026-12-05T11:00:00Z");
  push({changed, alert("al-1", "w-north", "critical", "resolved", "2026-12-05T12:00:00Z")});
  auto second = sync();
  EXPECT_EQ(second["noted"], 1);
  EXPECT_EQ(second["closed"], 1);
  auto after = tickets();
  EXPECT_EQ(after.at("mb-alert:al-1").at("closedFlag"), true);
  EXPECT_EQ(after.at("mb-alert:al-1").at("status").at("id"), 109);
  EXPECT_EQ(after.at("mb-alert:al-2").at("closedFlag"), false);
  EXPECT_TRUE(sync().empty());

  // The unmapped workspace is routed as soon as its mapping appears.
  RunResult mapped = mb("map account cw w-other 252");
  ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
  auto third = sync();
  EXPECT_EQ(third["opened"], 1);
  EXPECT_EQ(tickets().at("mb-alert:al-3").at("company").at("id"), 252);

  // Every run is recorded, newest first, with what it did.
  RunResult runs = mb("alerts runs --connector cw --json");
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  json::value listed = json::parse(runs.out);
  ASSERT_EQ(listed.at("runs").as_array().size(), 6u);
  EXPECT_EQ(listed.at("runs").at(0).at("counts").at("opened"), 1);
  EXPECT_EQ(listed.at("runs").at(0).at("lines").at(0).at("alert_id"), "al-3");
}

// The create reached ConnectWise but its answer was lost (a reset after the handler ran): the
// plugin searches by the alert's reference and finds the ticket; no second one is made.
TEST_F(ConnectWiseAlertsFlowTest, AnAnswerLostAfterTheCreateNeverMakesASecondTicket) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kTicketsPath) +
              R"(","count":1,"after_body_bytes":10}]})");
  auto first = sync();
  EXPECT_EQ(first["found"], 1) << "the lost create was found by its reference";
  EXPECT_EQ(tickets().size(), 1u);
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 1u);
}

// The answer was lost and the search right after failed too: the run fails the alert and keeps
// its intent; the next run searches first and finds the ticket instead of creating another.
TEST_F(ConnectWiseAlertsFlowTest, AnUnsettledCreateIsSearchedForByTheNextRunBeforeCreating) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  lose_the_next_create_and_fail_the_searches();
  auto first = sync(/*expected_exit=*/6);
  EXPECT_EQ(first["failed"], 1);
  control("POST", "/_sim/faults", R"({"rules":[]})");
  auto second = sync();
  EXPECT_EQ(second["found"], 1);
  EXPECT_EQ(tickets().size(), 1u);
}

// A create whose outcome is unknown may still be processed by the platform after the search
// that missed it (a late write, a killed run's create held by the platform): within the
// connector's grace the next run neither searches nor creates; after it, it searches first.
TEST_F(ConnectWiseAlertsFlowTest, AnUnsettledCreateIsLeftAloneWithinTheGraceThenSearchedFor) {
  start();
  set_grace_seconds(300);
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  lose_the_next_create_and_fail_the_searches();
  EXPECT_EQ(sync(/*expected_exit=*/6)["failed"], 1);
  control("POST", "/_sim/faults", R"({"rules":[]})");
  control("DELETE", "/_sim/requests");

  RunResult waiting = mb("alerts sync --connector cw --json");
  EXPECT_EQ(waiting.exit_code, 6) << waiting.out << waiting.err;
  const json::value run = json::parse(waiting.out);
  EXPECT_EQ(run.at("counts").at("failed"), 1);
  EXPECT_NE(str(run.at("lines").at(0).at("message")).find("may still land"), std::string::npos)
      << waiting.out;
  const json::value log = control("GET", "/_sim/requests");
  for (const auto& r : log.at("requests").as_array())
    EXPECT_EQ(str(r.at("target")).find(kTicketsPath), std::string::npos)
        << "a ticket request within the grace: " << str(r.at("target"));

  set_grace_seconds(0);
  EXPECT_EQ(sync()["found"], 1);
  EXPECT_EQ(tickets().size(), 1u);
}

// An alert id too long for externalXRef (100 characters) is carried as a stable digest, found
// by it after a lost answer like any other, and a title past 100 characters is cut with "…".
TEST_F(ConnectWiseAlertsFlowTest, ALongAlertIdIsCarriedAsADigestAndStillFoundOnce) {
  start();
  const std::string id = "al-" + std::string(120, 'x');
  json::object long_alert = alert(id, "w-north", "high", "open", "2026-12-05T10:00:00Z");
  long_alert["title"] = std::string(150, 't');
  push({long_alert});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kTicketsPath) +
              R"(","count":1,"after_body_bytes":10}]})");
  EXPECT_EQ(sync()["found"], 1);
  auto opened = tickets();
  ASSERT_EQ(opened.size(), 1u);
  const std::string xref = opened.begin()->first;
  EXPECT_EQ(xref.rfind("mb-alert:h-", 0), 0u) << xref;
  EXPECT_LE(xref.size(), 100u);
  const std::string summary = str(opened.begin()->second.at("summary"));
  EXPECT_EQ(summary, std::string(99, 't') + "\xE2\x80\xA6");
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 1u);
}

// `serve` runs a connector's alerts after each of its syncs: a queued sync (what the schedule
// queues) brings the pushed alerts' tickets with it.
TEST_F(ConnectWiseAlertsFlowTest, ServeRunsTheAlertsAfterAQueuedSync) {
  start();
  mb::testing::ServeHarness& serve = serve_with_workers();
  dir_.write("one.json",
             json::serialize(alert("al-9", "w-north", "high", "open", "2026-12-05T10:00:00Z")));
  ASSERT_EQ(serve.cli("alerts push " + (dir_ / "one.json").string()).exit_code, 0);
  auto queued = serve.call("POST", "/v1/connectors/cw/sync", R"({"queue":true})");
  ASSERT_EQ(queued.status, 202) << queued.raw;
  EXPECT_TRUE(mb::testing::eventually([&] { return tickets().count("mb-alert:al-9") == 1; },
                                      std::chrono::seconds(30)))
      << serve.log();
  serve.stop();
}

// `serve` routes alerts pushed through POST /v1/alerts without waiting for a sync: pushes in
// one debounce window become one alerts run (trigger "push") per routing connector, run by the
// job workers under the connector's lease. The connector's alerts routes show what happened.
TEST_F(ConnectWiseAlertsFlowTest, ServeRoutesAlertsPushedThroughTheApiWithoutWaitingForASync) {
  start();
  mb::testing::ServeHarness& serve = serve_with_workers();

  // Three alerts streamed one at a time, at once: routed together.
  for (const char* id : {"al-1", "al-2", "al-3"}) {
    auto pushed =
        serve.call("POST", "/v1/alerts",
                   json::serialize(alert(id, id == std::string("al-3") ? "w-other" : "w-north",
                                         "high", "open", "2026-12-05T10:00:00Z")));
    ASSERT_EQ(pushed.status, 200) << pushed.raw;
    EXPECT_EQ(pushed.body.at("created"), 1);
  }
  // The runs recorded so far, and how many tickets they opened.
  mb::testing::HttpReply runs;
  auto opened_by_runs = [&] {
    runs = serve.call("GET", "/v1/connectors/cw/alerts/runs");
    int64_t opened = 0;
    if (runs.status == 200)
      for (const auto& run : runs.body.at("runs").as_array())
        if (const auto* n = run.at("counts").as_object().if_contains("opened"))
          opened += n->as_int64();
    return opened;
  };
  ASSERT_TRUE(
      mb::testing::eventually([&] { return opened_by_runs() == 2; }, std::chrono::seconds(30)))
      << runs.raw << serve.log();
  EXPECT_EQ(tickets().size(), 2u);
  for (const auto& run : runs.body.at("runs").as_array()) EXPECT_EQ(run.at("trigger"), "push");
  // Three pushes within a debounce window or two: at most two runs, never one per push.
  EXPECT_LE(runs.body.at("runs").as_array().size(), 2u) << runs.raw;

  // The same push again records nothing, so queues nothing.
  auto again =
      serve.call("POST", "/v1/alerts",
                 json::serialize(alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")));
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_TRUE(again.body.at("alert_runs_queued").as_array().empty()) << again.raw;

  // Each alert the connector handled, with its state and ticket; the unmapped one says why.
  auto listed = serve.call("GET", "/v1/connectors/cw/alerts");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  std::map<std::string, json::object> by_id;
  for (const auto& a : listed.body.at("alerts").as_array())
    by_id[str(a.at("alert_id"))] = a.as_object();
  ASSERT_EQ(by_id.size(), 3u) << listed.raw;
  EXPECT_EQ(by_id.at("al-1").at("state"), "open");
  EXPECT_EQ(
      by_id.at("al-1").at("ticket_id"),
      json::value(std::to_string(tickets().at("mb-alert:al-1").at("id").to_number<int64_t>())));
  EXPECT_EQ(by_id.at("al-1").at("alert").at("title"), "Suspicious activity al-1");
  EXPECT_EQ(by_id.at("al-3").at("state"), "not_routed");
  EXPECT_NE(str(by_id.at("al-3").at("reason")).find("not mapped"), std::string::npos);

  // Run them now: the mapping appeared, so the third alert gets its ticket at once. (First, a
  // push job of a later window, if the pushes straddled two, has had its 2-second window and a
  // worker's 2-second poll to run.)
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ASSERT_EQ(serve.cli("map account cw w-other 252").exit_code, 0);
  auto now = serve.call("POST", "/v1/connectors/cw/alerts/sync", "{}");
  ASSERT_EQ(now.status, 200) << now.raw;
  EXPECT_EQ(now.body.at("trigger"), "api");
  EXPECT_EQ(now.body.at("counts").at("opened"), 1);
  EXPECT_EQ(tickets().size(), 3u);
  auto queued = serve.call("POST", "/v1/connectors/cw/alerts/sync", R"({"queue":true})");
  EXPECT_EQ(queued.status, 202) << queued.raw;
  auto typo = serve.call("POST", "/v1/connectors/cw/alerts/sync", R"({"queued":true})");
  EXPECT_EQ(typo.status, 400) << typo.raw;
  auto check = serve.call("GET", "/v1/connectors/cw/alerts/check");
  ASSERT_EQ(check.status, 200) << check.raw;
  EXPECT_EQ(check.body.at("ready"), true);
  EXPECT_EQ(serve.call("GET", "/v1/connectors/nope/alerts").status, 404);
  serve.stop();
}

// Alerts runs notify like syncs: a webhook with what the run opened and what needs attention,
// secret-free; a run with nothing to do sends nothing; a run that failed some alerts says so.
TEST_F(ConnectWiseAlertsFlowTest, AlertsRunsNotifyWhatTheyOpenedAndWhatFailed) {
  auto receiver = mb::sim::Simulator::start("test", {});
  start();
  json::object config = json::parse(mb::testing::read_file(dir_ / "mb.json")).as_object();
  config["connectors"].as_array().at(0).as_object()["notifications"] =
      json::object{{"webhook", json::object{{"url", receiver->base_url() + "/api/echo"},
                                            {"secret", "${file:hook.secret}"}}}};
  dir_.write("hook.secret", "hook-secret-5e2a");
  dir_.write("mb.json", json::serialize(config));
  auto hooks = [&] {
    std::vector<json::object> out;
    json::value log = mb::sim::testing::control_json(receiver->port(), "GET", "/_sim/requests");
    for (const auto& r : log.at("requests").as_array()) {
      std::string body = str(r.at("body"));
      EXPECT_EQ(body.find("Sx9mR4"), std::string::npos) << "a secret in a notification";
      EXPECT_EQ(body.find("hook-secret-5e2a"), std::string::npos) << body;
      out.push_back(json::parse(body).as_object());
    }
    return out;
  };

  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z"),
        alert("al-3", "w-other", "medium", "open", "2026-12-05T10:06:00Z")});
  sync();
  auto sent = hooks();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].at("event"), "alerts.completed");
  EXPECT_EQ(sent[0].at("connector"), "cw");
  EXPECT_EQ(sent[0].at("partner"), "Northwind IT");
  EXPECT_EQ(sent[0].at("run").at("state"), "ok");
  EXPECT_EQ(sent[0].at("tickets_opened").at(0).at("alert_id"), "al-1");
  EXPECT_EQ(
      sent[0].at("tickets_opened").at(0).at("ticket_id"),
      json::value(std::to_string(tickets().at("mb-alert:al-1").at("id").to_number<int64_t>())));
  EXPECT_EQ(sent[0].at("needs_attention").at(0).at("outcome"), "not_routed");

  sync();  // nothing to do: nothing sent
  EXPECT_EQ(hooks().size(), 1u);

  push({alert("al-2", "w-harbor", "high", "open", "2026-12-05T10:05:00Z")});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"status","status":400,"method":"POST","path":")" +
              std::string(kTicketsPath) + R"(","count":5}]})");
  sync(/*expected_exit=*/6);
  sent = hooks();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].at("run").at("state"), "partial");
  EXPECT_EQ(sent[1].at("run").at("counts").at("failed"), 1);
  EXPECT_EQ(sent[1].at("needs_attention").at(0).at("alert_id"), "al-2");
  EXPECT_EQ(sent[1].at("needs_attention").at(0).at("outcome"), "failed");
}

// A member whose role lacks the ticket rights: `alerts check` says it is not ready and names
// each missing right; no ticket is ever attempted by the check.
TEST_F(ConnectWiseAlertsFlowTest, ThePermissionsCheckNamesTheRightsAMemberLacks) {
  start(R"({"apiMembers":[{"publicKey":"Pk7hQ2","privateKey":"Sx9mR4",
      "forbidden":["POST service/tickets","CLOSE service/tickets"]}],
    "companies":[{"id":250,"identifier":"NWD","name":"Northwind Dental"}],
    "boards":[{"id":12,"name":"Security Alerts"}],
    "boardStatuses":[{"id":101,"name":"New","board":{"id":12},"defaultFlag":true},
                     {"id":109,"name":">Closed","board":{"id":12},"closedStatus":true}],
    "priorities":[{"id":1,"name":"Priority 1 - Emergency Response","level":"Critical"},
                  {"id":2,"name":"Priority 2 - Quick Response","level":"High"}]})");
  RunResult check = mb("alerts check --connector cw");
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("NOT ready"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("Service Desk > Service Tickets: Add Level All"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("Service Desk > Close Service Tickets: Edit Level All"),
            std::string::npos)
      << check.out;
  EXPECT_EQ(check.out.find("Service Desk > Service Tickets: Edit Level All"), std::string::npos)
      << check.out;
  EXPECT_TRUE(tickets().empty());
}

}  // namespace
