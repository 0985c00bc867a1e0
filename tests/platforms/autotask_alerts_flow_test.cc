// Alerts to Autotask tickets end to end, as a vendor's operator runs it: the meterbridge CLI (a
// separate process, the autotask plugin copied from the build) against the Autotask simulator on
// loopback. Alerts are pushed, `alerts sync` opens tickets in the policy's queue with the mapped
// priority, notes later versions, completes resolved ones, and never opens a second ticket for
// one alert — not on a rerun, not after the answer to a create was lost. `alerts check` lists
// the queues and names the rights an API user's security level lacks.
//
// Simulator (its default seed): companies 412 Northwind Dental, 977 Harbor Legal LLP, 1203 Blue
// Ridge Veterinary; queues 29683482 "Monitoring Alert", 29683483 "Service Desk" (default),
// 29683484 "Security Operations"; statuses 1 New (default), 5 Complete, 7, 8, 9; priorities
// 4 Critical, 1 High, 2 Medium (default), 3 Low.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "tests/testing/alerts_cli.h"

namespace {

namespace json = boost::json;
using mb::testing::alert;
using mb::testing::RunResult;

constexpr char kTicketsPath[] = "/ATServicesRest/V1.0/Tickets";
constexpr int64_t kMonitoringAlert = 29683482;

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

class AutotaskAlertsFlowTest : public mb::testing::AlertsCliTest {
 protected:
  AutotaskAlertsFlowTest() : AlertsCliTest("autotask", "at") {}

  void start(const std::string& user = "meterbridge-api@acme-it.example",
             const std::string& secret = "sim-secret") {
    start_simulator(mb::sim::SimOptions{});
    write_config(
        json::object{{"username", user},
                     {"secret", secret},
                     {"integration_code", "MBSIMINTEGRATIONCODE"},
                     {"base_url", sim_->base_url() + "/ATServicesRest/"}},
        json::object{{"board", "Monitoring Alert"},
                     {"status_closed", "Complete"},
                     {"min_severity", "low"},
                     {"priorities", json::object{{"critical", "Critical"}, {"high", "1"}}}},
        "Acme IT");
    import_and_map();
  }

  void fail_next_create_after_commit() {
    control("POST", "/_sim/faults",
            R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kTicketsPath) +
                R"(","count":1,"after_body_bytes":5}]})");
  }

  // The simulator's tickets by externalID.
  std::map<std::string, json::object> tickets() {
    std::map<std::string, json::object> out;
    json::value state = control("GET", "/_sim/state");
    for (const auto& t : state.at("tickets").as_array()) {
      EXPECT_FALSE(out.count(str(t.at("externalID")))) << "two tickets for one alert";
      out[str(t.at("externalID"))] = t.as_object();
    }
    return out;
  }

  // The notes of a ticket, from the simulator.
  std::vector<json::object> notes_of(const json::value& ticket_id) {
    std::vector<json::object> out;
    const json::value state = control("GET", "/_sim/state");
    for (const auto& n : state.at("ticketNotes").as_array())
      if (n.at("ticketID") == ticket_id) out.push_back(n.as_object());
    return out;
  }
};

TEST_F(AutotaskAlertsFlowTest, TicketsOpenInTheQueueNoteChangesCompleteWhenResolvedAndOnlyOnce) {
  start();
  RunResult check = mb("alerts check --connector at");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("Monitoring Alert"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("Old Alerts (retired)"), std::string::npos) << "an inactive queue";

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
  EXPECT_EQ(north.at("queueID"), kMonitoringAlert);
  EXPECT_EQ(north.at("status"), 1);    // New, the picklist's default
  EXPECT_EQ(north.at("priority"), 4);  // Critical
  EXPECT_EQ(north.at("companyID"), 412);
  EXPECT_EQ(str(north.at("ticketNumber")).substr(0, 1), "T");
  EXPECT_EQ(opened.at("mb-alert:al-2").at("priority"), 1);
  EXPECT_EQ(opened.at("mb-alert:al-2").at("companyID"), 977);

  // A rerun, and the same push again, change nothing.
  EXPECT_TRUE(sync().empty());
  push({alert("al-1", "w-north", "critical", "open", "2026-12-05T10:00:00Z")});
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 2u);

  // A later version is noted; a resolved alert completes its ticket, once.
  push({alert("al-2", "w-harbor", "critical", "open", "2026-12-05T11:00:00Z"),
        alert("al-1", "w-north", "critical", "resolved", "2026-12-05T12:00:00Z")});
  auto second = sync();
  EXPECT_EQ(second["noted"], 1);
  EXPECT_EQ(second["closed"], 1);
  auto after = tickets();
  EXPECT_EQ(after.at("mb-alert:al-1").at("status"), 5);
  EXPECT_FALSE(after.at("mb-alert:al-1").at("completedDate").is_null());
  EXPECT_FALSE(after.at("mb-alert:al-1").at("resolution").is_null());
  EXPECT_EQ(after.at("mb-alert:al-2").at("status"), 1);
  EXPECT_EQ(notes_of(after.at("mb-alert:al-2").at("id")).size(), 1u);
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(notes_of(after.at("mb-alert:al-2").at("id")).size(), 1u);

  // The unmapped workspace is routed as soon as its mapping appears.
  RunResult mapped = mb("map account at w-other 1203");
  ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
  auto third = sync();
  EXPECT_EQ(third["opened"], 1);
  EXPECT_EQ(tickets().at("mb-alert:al-3").at("companyID"), 1203);
}

// The create reached Autotask but its answer was lost (a reset after the handler ran): the
// plugin queries by the alert's externalID and finds the ticket; no second one is made.
TEST_F(AutotaskAlertsFlowTest, AnAnswerLostAfterTheCreateNeverMakesASecondTicket) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  fail_next_create_after_commit();
  auto first = sync();
  EXPECT_EQ(first["found"], 1) << "the lost create was found by its reference";
  EXPECT_EQ(tickets().size(), 1u);
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 1u);
}

// The answer was lost and the query right after failed too: the run fails the alert and keeps
// its intent; the next run searches first and finds the ticket instead of creating another.
TEST_F(AutotaskAlertsFlowTest, AnUnsettledCreateIsSearchedForByTheNextRunBeforeCreating) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kTicketsPath) +
              R"(","count":1,"after_body_bytes":5},)"
              R"({"kind":"status","status":503,"method":"POST","path":")" +
              std::string(kTicketsPath) + R"(/query","count":20}]})");
  auto first = sync(/*expected_exit=*/6);
  EXPECT_EQ(first["failed"], 1);
  EXPECT_EQ(tickets().size(), 1u) << "the create itself went through";
  control("POST", "/_sim/faults", R"({"rules":[]})");
  auto second = sync();
  EXPECT_EQ(second["found"], 1);
  EXPECT_EQ(tickets().size(), 1u);
}

// An alert id too long for externalID (50 characters) is carried as a stable digest, found by
// it after a lost answer like any other, and a title past 255 characters is cut with "…".
TEST_F(AutotaskAlertsFlowTest, ALongAlertIdIsCarriedAsADigestAndStillFoundOnce) {
  start();
  const std::string id = "al-" + std::string(60, 'x');
  json::object long_alert = alert(id, "w-north", "high", "open", "2026-12-05T10:00:00Z");
  long_alert["title"] = std::string(300, 't');
  push({long_alert});
  fail_next_create_after_commit();
  EXPECT_EQ(sync()["found"], 1);
  auto opened = tickets();
  ASSERT_EQ(opened.size(), 1u);
  const std::string external_id = opened.begin()->first;
  EXPECT_EQ(external_id.rfind("mb-alert:h-", 0), 0u) << external_id;
  EXPECT_LE(external_id.size(), 50u);
  EXPECT_EQ(str(opened.begin()->second.at("title")), std::string(254, 't') + "\xE2\x80\xA6");
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 1u);
}

// An API user whose security level may not add or edit tickets nor add notes: `alerts check`
// says it is not ready and names each missing right; nothing is written by the check.
TEST_F(AutotaskAlertsFlowTest, ThePermissionsCheckNamesTheRightsASecurityLevelLacks) {
  start("billing-only-api@acme-it.example", "billing-only-secret");
  RunResult check = mb("alerts check --connector at");
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("NOT ready"), std::string::npos) << check.out;
  for (const char* right : {"Security Level > Service Desk > Tickets: Add",
                            "Security Level > Service Desk > Tickets: Edit",
                            "Security Level > Service Desk > Ticket Notes: Add"})
    EXPECT_NE(check.out.find(right), std::string::npos) << right << "\n" << check.out;
  EXPECT_EQ(check.out.find("Tickets: View"), std::string::npos) << check.out;
  EXPECT_TRUE(tickets().empty());
}

}  // namespace
