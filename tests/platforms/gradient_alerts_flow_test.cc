// Alerts to PSA tickets through Gradient's alerting API end to end, as a vendor's operator runs
// it: the meterbridge CLI (a separate process, the gradient plugin copied from the build) against
// the Gradient simulator on loopback. Gradient routes each alert to the PSA board the MSP chose in
// Synthesize, so the policy names no board, only the severity -> priority mapping. Pushed alerts
// are sent, each polled on the debug route until Gradient reports its PSA ticket; a later version
// is sent again under the same alertId (a note), a resolved one with the closing status; and no
// alert ever makes a second ticket — not on a rerun, not after the answer to a send was lost.
//
// Simulator: partner Northwind IT (pk_456) with PSA clients named like the workspaces; the MSP
// maps every account but Margie's Travel in Synthesize (the /_sim/gradient/ hooks).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/gradient_state.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using mb::testing::RunResult;
using mb::testing::TempDir;

constexpr char kOrganization[] = "6650a1c2e4b0a1b2c3d4e5f6";
constexpr char kAlertingPath[] = "/api/vendor-api/alerting/";

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

std::string seed() {
  json::object vendor{{"vendorKey", "vk_live_123"},
                      {"id", "6650a1c2e4b0a1b2c3d4e501"},
                      {"name", "Coro"},
                      {"organizationId", "6650a1c2e4b0a1b2c3d4e500"},
                      {"skus", json::array{}}};
  json::array clients{
      json::object{{"id", "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"}, {"name", "Northwind Dental"}},
      json::object{{"id", "5a1c9d2e-0b3f-4c6a-8d7e-1f2a3b4c5d6e"}, {"name", "Harbor Legal LLP"}},
      json::object{{"id", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"},
                   {"name", "Margie's Travel & Tours"}}};
  json::object partner{{"partnerKey", "pk_456"}, {"organizationId", kOrganization},
                       {"name", "Northwind IT"}, {"integrationId", "6650a1c2e4b0a1b2c3d4e5d2"},
                       {"status", "inactive"},   {"clients", clients}};
  return json::serialize(json::object{{"vendor", vendor}, {"partners", json::array{partner}}});
}

json::object alert(const std::string& id, const std::string& workspace, const std::string& severity,
                   const std::string& status, const std::string& time) {
  return json::object{{"id", id},
                      {"workspace_id", workspace},
                      {"title", "Suspicious activity " + id},
                      {"description", "Seen by the vendor's sensor.\nSecond line \"quoted\"."},
                      {"severity", severity},
                      {"status", status},
                      {"time", time}};
}

class GradientAlertsFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* file : {"libmeterbridge-gradient.so", "gradient.plugin.json"}) {
      fs::copy_file(mb::testing::build_dir() / "plugins" / file, plugins_ / file);
      ::chmod((plugins_ / file).c_str(), 0755);
    }
  }

  // The simulator, the connector, its accounts on Gradient (a sync provisions them) and the
  // MSP's mapping of all but Margie's Travel.
  void start(const json::object& policy = default_policy()) {
    mb::sim::SimOptions options;
    options.seed_json = seed();
    options.settings_json = R"({"rate_limit_requests":0})";
    sim_ = mb::sim::Simulator::start("gradient", options);
    write_config(policy);
    RunResult connected = mb("connectors connect gr", R"({"partner_api_key":"pk_456"})");
    ASSERT_EQ(connected.exit_code, 0) << connected.out << connected.err;
    dir_.write("usage.json", R"({"as_of":"2026-12-01","workspaces":[
        {"id":"w-north","name":"Northwind Dental"},{"id":"w-harbor","name":"Harbor Legal LLP"},
        {"id":"w-margie","name":"Margie's Travel & Tours"}],
      "services":[{"id":"edr","name":"EDR"}],
      "usage":[{"workspace_id":"w-north","service_id":"edr","users":3,"devices":4},
               {"workspace_id":"w-harbor","service_id":"edr","users":1,"devices":2},
               {"workspace_id":"w-margie","service_id":"edr","users":1,"devices":1}]})");
    RunResult imported = mb("usage import " + (dir_ / "usage.json").string());
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    // The sync provisions the accounts (nothing is mapped on Gradient yet, so it needs
    // attention); meterbridge maps each workspace to the account made for it. Nothing lists
    // the accounts afterwards: the first alerts run reads them.
    RunResult synced = mb("sync gr");
    ASSERT_EQ(partner().at("accounts").as_array().size(), 3u) << synced.out << synced.err;
    hook("auto-map", {});
    hook("unmap-account", {{"accountId", "w-margie"}});
  }

  static json::object default_policy() {
    return json::object{
        {"min_severity", "low"},
        {"priorities",
         json::object{{"critical", "very_high"}, {"high", "3"}, {"medium", "Medium"}}}};
  }

  void write_config(const json::object& policy) {
    json::object plugin_config{
        {"vendor_api_key", "vk_live_123"},
        {"base_url", sim_->base_url()},
        {"services",
         json::object{
             {"edr", json::object{{"category", "security"},
                                  {"subcategory", "endpoint detection and response (EDR)"}}}}},
        {"alerts", json::object{{"poll_interval_ms", 20}}}};
    json::object connector{
        {"id", "gr"},
        {"plugin", "gradient"},
        {"partner", "Northwind IT"},
        {"config", plugin_config},
        {"http",
         json::object{{"backoff_base_ms", 20}, {"backoff_max_ms", 200}, {"timeout_ms", 10000}}},
        // The next run right after a lost answer is what these tests look at.
        {"policies", json::object{{"unconfirmed_write_grace_seconds", 0}}},
        {"alerts", policy}};
    dir_.write("mb.json",
               json::serialize(json::object{{"state", json::object{{"path", "state/mb.db"}}},
                                            {"plugins", json::object{{"dir", "plugins"}}},
                                            {"connectors", json::array{connector}}}));
  }

  RunResult mb(const std::string& args, const std::string& input = "") {
    return mb::testing::run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'c') + " " +
                                mb::testing::meterbridge_binary() + " --config '" +
                                (dir_ / "mb.json").string() + "' " + args,
                            input);
  }

  void push(const json::array& alerts) {
    dir_.write("alerts.json", json::serialize(json::object{{"alerts", alerts}}));
    RunResult r = mb("alerts push " + (dir_ / "alerts.json").string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // One `alerts sync --json`: the run's counts by outcome (and its lines in `lines`).
  std::map<std::string, int64_t> sync(int expected_exit = 0) {
    RunResult r = mb("alerts sync --connector gr --json");
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    std::map<std::string, int64_t> counts;
    last_lines_.clear();
    if (r.out.empty()) return counts;
    json::value doc = json::parse(r.out);
    for (const auto& [outcome, n] : doc.at("counts").as_object())
      counts[std::string(outcome)] = n.as_int64();
    last_lines_ = doc.at("lines").as_array();
    return counts;
  }

  json::value control(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, path, body);
  }
  void hook(const std::string& name, json::object body) {
    body["organizationId"] = kOrganization;
    control("POST", "/_sim/gradient/" + name, json::serialize(body));
  }

  json::object partner() {
    return mb::testing::gradient_partner(control("GET", "/_sim/state"), kOrganization);
  }

  // The PSA tickets Gradient made, by alertId; never two for one.
  std::map<std::string, json::object> tickets() {
    std::map<std::string, json::object> out;
    const json::object held = partner();
    for (const auto& t : held.at("alertTickets").as_array()) {
      EXPECT_FALSE(out.count(str(t.at("alertId")))) << "two tickets for one alert";
      out[str(t.at("alertId"))] = t.as_object();
    }
    return out;
  }
  // Every alert delivery Gradient accepted.
  size_t deliveries() { return partner().at("alerts").as_array().size(); }

  TempDir dir_;
  fs::path plugins_ = dir_ / "plugins";
  std::unique_ptr<mb::sim::Simulator> sim_;
  json::array last_lines_;
};

TEST_F(GradientAlertsFlowTest, AlertsBecomeTicketsWithTheMappedPriorityAndCloseWhenResolved) {
  start();
  RunResult check = mb("alerts check --connector gr");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ready"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("the platform routes alerts to tickets itself"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("very_high"), std::string::npos) << check.out;

  push({alert("al-1", "w-north", "critical", "open", "2026-12-05T10:00:00Z"),
        alert("al-2", "w-harbor", "high", "open", "2026-12-05T10:05:00Z"),
        alert("al-3", "w-north", "info", "open", "2026-12-05T10:06:00Z"),
        alert("al-4", "w-nobody", "medium", "open", "2026-12-05T10:07:00Z")});
  auto first = sync();
  EXPECT_EQ(first["opened"], 2) << json::serialize(last_lines_);
  EXPECT_EQ(first["not_routed"], 1);
  auto opened = tickets();
  ASSERT_EQ(opened.size(), 2u);
  const json::object& north = opened.at("mb-alert:al-1");
  EXPECT_EQ(north.at("accountId"), "w-north");
  EXPECT_EQ(north.at("priority"), 4);  // critical -> very_high
  EXPECT_EQ(north.at("status"), 1);    // the plugin's status_open
  EXPECT_EQ(north.at("title"), "Suspicious activity al-1");
  EXPECT_NE(str(north.at("description")).find("Second line \"quoted\"."), std::string::npos);
  EXPECT_EQ(opened.at("mb-alert:al-2").at("priority"), 3);
  // The run's line names the PSA ticket Gradient reported on its debug route.
  for (const auto& line : last_lines_) {
    if (line.at("alert_id") == "al-1") {
      EXPECT_EQ(str(line.at("ticket_id")), str(north.at("ticketId")) + "|w-north|4|mb-alert:al-1");
    }
  }

  // A rerun, and the same push again, send nothing.
  const size_t sent = deliveries();
  EXPECT_TRUE(sync().empty());
  push({alert("al-1", "w-north", "critical", "open", "2026-12-05T10:00:00Z")});
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(deliveries(), sent);

  // A later version is noted on its ticket; a resolved alert closes its ticket, once.
  push({alert("al-2", "w-harbor", "critical", "open", "2026-12-05T11:00:00Z"),
        alert("al-1", "w-north", "critical", "resolved", "2026-12-05T12:00:00Z")});
  auto second = sync();
  EXPECT_EQ(second["noted"], 1) << json::serialize(last_lines_);
  EXPECT_EQ(second["closed"], 1);
  auto after = tickets();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after.at("mb-alert:al-1").at("closed"), true);
  EXPECT_EQ(after.at("mb-alert:al-1").at("status"), 6);
  EXPECT_EQ(after.at("mb-alert:al-1").at("priority"), 4) << "a close keeps the priority";
  const json::object& harbor = after.at("mb-alert:al-2");
  EXPECT_EQ(harbor.at("closed"), false);
  EXPECT_EQ(harbor.at("title"), "Suspicious activity al-2");
  ASSERT_EQ(harbor.at("notes").as_array().size(), 1u);
  EXPECT_NE(str(harbor.at("notes").at(0)).find("[mb-alert:al-2/v2]"), std::string::npos);
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 2u);
}

// A workspace meterbridge has not mapped keeps its alert not_routed; once mapped, the alert is
// sent.
TEST_F(GradientAlertsFlowTest, AnUnmappedWorkspaceIsRoutedOnceItIsMapped) {
  start();
  RunResult unmapped = mb("map unmap gr w-harbor");
  ASSERT_EQ(unmapped.exit_code, 0) << unmapped.out << unmapped.err;
  push({alert("al-1", "w-harbor", "high", "open", "2026-12-05T10:00:00Z")});
  EXPECT_EQ(sync()["not_routed"], 1);
  EXPECT_TRUE(tickets().empty());
  RunResult mapped = mb("map account gr w-harbor w-harbor");
  ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
  EXPECT_EQ(sync()["opened"], 1);
  EXPECT_EQ(tickets().at("mb-alert:al-1").at("accountId"), "w-harbor");
}

// The send reached Gradient but its answer was lost (a reset after the handler ran): the plugin
// sends it again under the same alertId, which Gradient keeps on the first one's ticket.
TEST_F(GradientAlertsFlowTest, AnAnswerLostAfterTheSendNeverMakesASecondTicket) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kAlertingPath) +
              R"(","count":1,"after_body_bytes":10}]})");
  EXPECT_EQ(sync()["found"], 1) << json::serialize(last_lines_);
  auto made = tickets();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made.at("mb-alert:al-1").at("deliveries"), 2) << "both sends are on one ticket";
  EXPECT_TRUE(sync().empty());
  EXPECT_EQ(tickets().size(), 1u);
}

// The answer was lost and the send right after failed too: the run fails the alert and keeps
// its intent; the next run sends it again under its alertId and records the one ticket.
TEST_F(GradientAlertsFlowTest, AnUnsettledSendIsSettledByTheNextRunWithoutASecondTicket) {
  start();
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  control("POST", "/_sim/faults",
          R"({"rules":[{"kind":"reset","method":"POST","path":")" + std::string(kAlertingPath) +
              R"(","count":1,"after_body_bytes":10},)"
              R"({"kind":"status","status":503,"method":"POST","path":")" +
              std::string(kAlertingPath) + R"(","count":1}]})");
  EXPECT_EQ(sync(/*expected_exit=*/6)["failed"], 1);
  control("POST", "/_sim/faults", R"({"rules":[]})");
  EXPECT_EQ(sync()["found"], 1) << json::serialize(last_lines_);
  auto made = tickets();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made.at("mb-alert:al-1").at("deliveries"), 2);
  EXPECT_TRUE(sync().empty());
}

// Gradient accepts an alert for an account the MSP has not mapped in Synthesize, then reports
// the delivery failed: the run says so, and once the MSP maps it the alert reaches the PSA once.
TEST_F(GradientAlertsFlowTest, AnAccountTheMspHasNotMappedFailsUntilItIsMapped) {
  start();
  push({alert("al-1", "w-margie", "high", "open", "2026-12-05T10:00:00Z")});
  EXPECT_EQ(sync(/*expected_exit=*/6)["failed"], 1);
  ASSERT_EQ(last_lines_.size(), 1u);
  EXPECT_NE(str(last_lines_.at(0).at("message")).find("map the account in Synthesize"),
            std::string::npos)
      << last_lines_;
  EXPECT_TRUE(tickets().empty());
  hook("map-account", {{"accountId", "w-margie"}});
  EXPECT_EQ(sync()["found"], 1) << json::serialize(last_lines_);
  EXPECT_EQ(tickets().size(), 1u);
}

// A vendor integration without Gradient's Alerts module: the check says it is not ready and
// names what is missing; a policy naming a board is told Gradient has none.
TEST_F(GradientAlertsFlowTest, ThePermissionsCheckNamesAMissingAlertsModule) {
  json::object policy = default_policy();
  policy["board"] = "Security Alerts";
  start(policy);
  control("POST", "/_sim/gradient/set-modules", R"({"modules":["billing"]})");
  RunResult check = mb("alerts check --connector gr");
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("NOT ready"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("the Alerts module on the vendor's Gradient integration"),
            std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("/alerts/board: the platform has no boards"), std::string::npos)
      << check.out;
  EXPECT_EQ(deliveries(), 0u) << "the check sends nothing";

  // Without the board, a send is refused by Gradient and the line names the missing module.
  write_config(default_policy());
  push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
  EXPECT_EQ(sync(/*expected_exit=*/6)["failed"], 1);
  EXPECT_NE(str(last_lines_.at(0).at("message")).find("Alerts module"), std::string::npos)
      << last_lines_;
  EXPECT_TRUE(tickets().empty());
}

}  // namespace
