// Adding a connector in the console (docs/console.md, "Add a connector"): a real `meterbridge
// serve` and the Autotask simulator on loopback ports chosen at run time. A connector is added
// through POST /v1/console/connectors only once the platform accepted its credentials; its
// secret fields are stored sealed and never answered back; it survives a restart of serve; bad
// input is refused naming the field, storing nothing; a partner admin adds connectors for their
// own partner only; a connector of the config file is never removed here. A console connector's
// policies, schedule and alerts policy are edited through PATCH /v1/console/connectors/{id},
// checked by the config file's rules, all or nothing; the next alerts run follows the edited
// policy.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include <boost/json.hpp>

#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace json = boost::json;
using sim::testing::Headers;
using sim::testing::RawHttpConnection;
using testing::TempDir;

constexpr const char* kPassword = "correct horse battery";
// The Autotask simulator's demo user (examples/demo/autotask.seed.json).
constexpr const char* kAutotaskUser = "meterbridge@northwind-it.example";
constexpr const char* kAutotaskSecret = "demo-autotask-secret";
constexpr const char* kIntegrationCode = "DEMOVENDORCODE";

struct Reply {
  int status = 0;
  json::value body;
  std::string text;
  std::map<std::string, std::string> headers;
};

class ConsoleConnectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    simulator_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        (testing::build_dir() / "bin" / "meterbridge-sim").string(), "autotask", "--seed",
        (testing::source_dir() / "examples" / "demo" / "autotask.seed.json").string()});
    auto sim_line = simulator_->read_line();
    ASSERT_TRUE(sim_line.has_value()) << "the Autotask simulator did not start";
    autotask_url_ = sim_line->substr(sim_line->find("http://"));
    testing::install_plugin(testing::build_dir() / "test-plugins" / "ledger",
                            dir_.path() / "plugins");
    fs_copy_plugin("autotask");
    dir_.write("ledger.json", R"({"accounts": [], "services": [], "units": {}, "ambiguous": [],
                                  "writes": []})");
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
      "api": {"token": "vendor-token-for-console-connector-tests"},
      "connectors": [{"id": "alpha-psa", "plugin": "ledger", "partner": "Alpha MSP",
                      "partner_id": "msp-a", "config": {"ledger": ")" +
                              (dir_ / "ledger.json").string() + R"("}}]})");
    ASSERT_EQ(users("add ana --role partner_admin --partner-id msp-a").exit_code, 0);
    ASSERT_EQ(users("add vera --role vendor_admin").exit_code, 0);
    start_serve();
  }

  // Copies a plugin built in the tree (manifest and library) into the test's plugin folder.
  void fs_copy_plugin(const std::string& id) {
    for (const std::string& file : {id + ".plugin.json", "libmeterbridge-" + id + ".so"}) {
      std::filesystem::copy_file(testing::build_dir() / "plugins" / file,
                                 dir_.path() / "plugins" / file);
      ::chmod((dir_.path() / "plugins" / file).c_str(), 0755);
    }
  }

  void start_serve() {
    daemon_.reset();
    daemon_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::meterbridge_binary(), "--config",
                                 (dir_ / "mb.json").string(), "serve", "--no-schedule", "--listen",
                                 "127.0.0.1:0"},
        std::vector<std::string>{kSecretKeyEnv});
    auto line = daemon_->read_line();
    ASSERT_TRUE(line.has_value()) << "serve did not start";
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  testing::RunResult users(const std::string& args) {
    return testing::run(std::string(kSecretKeyEnv) + " " + testing::meterbridge_binary() +
                            " --config " + (dir_ / "mb.json").string() + " users " + args,
                        std::string(kPassword) + "\n");
  }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "") {
    RawHttpConnection c(port_);
    Headers all = session_;
    if (!body.empty()) all.emplace_back("Content-Type", "application/json");
    auto r = c.send(method, target, all, body, std::chrono::seconds(60));
    Reply out;
    if (!r.response) {
      ADD_FAILURE() << method << " " << target << ": " << r.error;
      return out;
    }
    out.status = r.response->status;
    out.text = r.response->body;
    boost::system::error_code ec;
    out.body = json::parse(r.response->body, ec);
    return out;
  }

  void sign_in(const std::string& name) {
    session_.clear();
    RawHttpConnection c(port_);
    auto r = c.send("POST", "/v1/session", {{"Content-Type", "application/json"}},
                    R"({"name": ")" + name + R"(", "password": ")" + kPassword + R"("})",
                    std::chrono::seconds(30));
    ASSERT_TRUE(r.response) << r.error;
    ASSERT_EQ(r.response->status, 200) << r.response->body;
    std::string cookie = r.response->headers["set-cookie"];
    auto body = json::parse(r.response->body);
    session_ = {{"Cookie", cookie.substr(0, cookie.find(';'))},
                {"X-CSRF-Token", std::string(body.at("csrf_token").as_string())}};
  }

  // A new Autotask connector's request body; `config_fields` replaces its config's fields.
  std::string new_autotask(const std::string& id, const std::string& partner_id,
                           const std::string& secret = kAutotaskSecret) {
    json::object body{
        {"id", id},
        {"plugin", "autotask"},
        {"partner", "Northwind IT Services"},
        {"config", json::object{{"username", kAutotaskUser},
                                {"secret", secret},
                                {"integration_code", kIntegrationCode},
                                {"discovery_url", autotask_url_ + "/atservicesrest/"}}}};
    if (!partner_id.empty()) body["partner_id"] = partner_id;
    return json::serialize(body);
  }

  std::vector<std::string> card_ids() {
    Reply r = call("GET", "/v1/console/connectors");
    std::vector<std::string> ids;
    for (const auto& c : r.body.at("connectors").as_array())
      ids.emplace_back(c.at("id").as_string());
    return ids;
  }

  json::value card(const std::string& id) {
    Reply r = call("GET", "/v1/console/connectors");
    for (const auto& c : r.body.at("connectors").as_array())
      if (c.at("id").as_string() == id) return c;
    return nullptr;
  }

  std::string error_message(const Reply& r) {
    if (!r.body.is_object() || !r.body.as_object().contains("error")) return r.text;
    return std::string(r.body.at("error").at("message").as_string());
  }

  testing::RunResult mb(const std::string& args) {
    return testing::run(std::string(kSecretKeyEnv) + " " + testing::meterbridge_binary() +
                        " --config " + (dir_ / "mb.json").string() + " " + args);
  }

  // The Autotask simulator's tickets by their alert reference (externalID).
  std::map<std::string, json::object> tickets() {
    RawHttpConnection c(
        static_cast<uint16_t>(std::stoi(autotask_url_.substr(autotask_url_.rfind(':') + 1))));
    auto r = c.send("GET", "/_sim/state", {}, "", std::chrono::seconds(30));
    std::map<std::string, json::object> out;
    if (!r.response) {
      ADD_FAILURE() << "the simulator's state: " << r.error;
      return out;
    }
    const json::value state = json::parse(r.response->body);
    for (const auto& t : state.at("tickets").as_array())
      out[std::string(t.at("externalID").as_string())] = t.as_object();
    return out;
  }

  static constexpr const char* kSecretKeyEnv =
      "MB_SECRET_KEY=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
  TempDir dir_;
  std::unique_ptr<testing::ChildProcess> simulator_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  std::string autotask_url_;
  uint16_t port_ = 0;
  Headers session_;
};

TEST_F(ConsoleConnectorsTest, TheFormOfEachPluginComesWithItsSchemaAndSecretFields) {
  sign_in("vera");
  Reply r = call("GET", "/v1/console/plugins");
  ASSERT_EQ(r.status, 200) << r.text;
  json::value autotask;
  for (const auto& p : r.body.at("plugins").as_array())
    if (p.at("id").as_string() == "autotask") autotask = p;
  ASSERT_TRUE(autotask.is_object()) << r.text;
  EXPECT_EQ(autotask.at("name").as_string(), "Autotask PSA");
  EXPECT_TRUE(autotask.at("config_schema").at("properties").as_object().contains("username"));
  EXPECT_EQ(json::serialize(autotask.at("secret_fields")), R"(["/integration_code","/secret"])");
}

TEST_F(ConsoleConnectorsTest, AConnectorIsStoredSealedOnlyAfterItsTestAndSurvivesARestart) {
  sign_in("vera");
  Reply added = call("POST", "/v1/console/connectors", new_autotask("northwind-at", "msp-n"));
  ASSERT_EQ(added.status, 201) << added.text;
  EXPECT_EQ(added.body.at("connector").at("id").as_string(), "northwind-at");
  EXPECT_FALSE(added.body.at("connector").at("from_config").as_bool());
  EXPECT_EQ(added.body.at("connector").at("partner_id").as_string(), "msp-n");
  EXPECT_EQ(added.body.at("verdict").at("status").as_string(), "ok") << added.text;
  for (const auto& path : {"/v1/console/connectors", "/v1/connectors"}) {
    Reply listed = call("GET", path);
    EXPECT_NE(listed.text.find("northwind-at"), std::string::npos) << path;
    EXPECT_EQ(listed.text.find(kAutotaskSecret), std::string::npos) << path << " echoes the secret";
    EXPECT_EQ(listed.text.find(kIntegrationCode), std::string::npos) << path;
  }
  EXPECT_TRUE(card("alpha-psa").at("from_config").as_bool());

  start_serve();
  sign_in("vera");
  EXPECT_EQ(card_ids(), (std::vector<std::string>{"alpha-psa", "northwind-at"}));
  Reply tested = call("POST", "/v1/connectors/northwind-at/test", "{}");
  EXPECT_EQ(tested.status, 200) << tested.text;
  EXPECT_EQ(tested.body.at("status").as_string(), "ok") << tested.text;
  Reply accounts = call("GET", "/v1/connectors/northwind-at/accounts");
  EXPECT_EQ(accounts.status, 200) << accounts.text;
  for (const auto& file : {"state/mb.db", "state/mb.db-wal"}) {
    if (!std::filesystem::exists(dir_ / file)) continue;
    std::ifstream in(dir_ / file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(kAutotaskSecret), std::string::npos) << file << " holds the secret";
  }
}

TEST_F(ConsoleConnectorsTest, BadInputIsRefusedNamingTheFieldAndNothingIsStored) {
  sign_in("vera");
  auto refused = [&](const std::string& body, int status, const std::string& starts) {
    Reply r = call("POST", "/v1/console/connectors", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.text;
    EXPECT_EQ(error_message(r).rfind(starts, 0), 0u) << body << " -> " << r.text;
    EXPECT_EQ(r.text.find(kAutotaskSecret), std::string::npos) << r.text;
  };
  refused("[]", 400, "request body");
  refused(R"({"plugin": "autotask", "config": {}})", 400, "id: required");
  refused(R"({"id": "Bad Id", "plugin": "autotask", "config": {}})", 400, "id:");
  refused(R"({"id": "x", "plugin": "nope", "config": {}})", 400, "plugin:");
  refused(R"({"id": "x", "plugin": "autotask", "config": {}, "extra": 1})", 400, "extra:");
  refused(R"({"id": "x", "plugin": "autotask", "config": {"username": "u"}})", 400, "config");
  refused(R"({"id": "x", "plugin": "autotask", "config": {"username": "u",
             "secret": "${env:MB_SECRET_KEY}", "integration_code": "c"}})",
          400, "config/secret: references");
  refused(new_autotask("alpha-psa", ""), 409, "id:");
  Reply wrong = call("POST", "/v1/console/connectors", new_autotask("x", "", "not-the-secret"));
  EXPECT_EQ(wrong.status, 422) << wrong.text;
  EXPECT_EQ(wrong.body.at("error").at("code").as_string(), "connector_test_failed");
  EXPECT_EQ(wrong.text.find("not-the-secret"), std::string::npos) << wrong.text;
  EXPECT_EQ(card_ids(), std::vector<std::string>{"alpha-psa"});
  // Nothing was stored: the same id is free.
  EXPECT_EQ(call("POST", "/v1/console/connectors", new_autotask("x", "")).status, 201);
}

TEST_F(ConsoleConnectorsTest, APartnerAdminAddsConnectorsForTheirOwnPartnerOnly) {
  sign_in("ana");
  Reply other = call("POST", "/v1/console/connectors", new_autotask("at-b", "msp-b"));
  EXPECT_EQ(other.status, 400) << other.text;
  EXPECT_EQ(error_message(other).rfind("partner_id:", 0), 0u) << other.text;
  Reply own = call("POST", "/v1/console/connectors", new_autotask("at-a", ""));
  ASSERT_EQ(own.status, 201) << own.text;
  EXPECT_EQ(own.body.at("connector").at("partner_id").as_string(), "msp-a");
  EXPECT_EQ(card_ids(), (std::vector<std::string>{"alpha-psa", "at-a"}));

  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("at-b", "msp-b")).status, 201);
  sign_in("ana");
  EXPECT_EQ(card_ids(), (std::vector<std::string>{"alpha-psa", "at-a"}));
  EXPECT_EQ(call("GET", "/v1/connectors/at-b/mappings").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/console/connectors/at-b").status, 404);
}

TEST_F(ConsoleConnectorsTest, OnlyAConsoleConnectorIsRemovedAndItStaysRemoved) {
  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("northwind-at", "")).status, 201);
  Reply config_one = call("DELETE", "/v1/console/connectors/alpha-psa");
  EXPECT_EQ(config_one.status, 409) << config_one.text;
  Reply removed = call("DELETE", "/v1/console/connectors/northwind-at");
  EXPECT_EQ(removed.status, 200) << removed.text;
  EXPECT_EQ(card_ids(), std::vector<std::string>{"alpha-psa"});
  EXPECT_EQ(call("DELETE", "/v1/console/connectors/northwind-at").status, 404);
  start_serve();
  sign_in("vera");
  EXPECT_EQ(card_ids(), std::vector<std::string>{"alpha-psa"});
}

TEST_F(ConsoleConnectorsTest, AConsoleConnectorsPoliciesAndScheduleAreEditedAndSurviveARestart) {
  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("northwind-at", "")).status, 201);
  json::value before = card("northwind-at").at("settings");
  EXPECT_EQ(before.at("policies").at("decreases").as_string(), "auto") << "the defaults";
  Reply edited = call("PATCH", "/v1/console/connectors/northwind-at",
                      R"({"policies": {"decreases": "require_approval", "max_change_ratio": 0.5},
                          "schedule": {"time": "05:30", "timezone": "Europe/London"}})");
  ASSERT_EQ(edited.status, 200) << edited.text;
  EXPECT_EQ(edited.text.find(kAutotaskSecret), std::string::npos) << "never echoes a secret";
  const json::value& settings = edited.body.at("connector").at("settings");
  EXPECT_EQ(settings.at("policies").at("decreases").as_string(), "require_approval");
  EXPECT_EQ(settings.at("policies").at("max_change_ratio").as_double(), 0.5);
  EXPECT_TRUE(settings.at("policies").at("hold_drops_to_zero").as_bool()) << "defaults stay";
  EXPECT_EQ(settings.at("schedule").at("time").as_string(), "05:30");
  EXPECT_EQ(settings.at("schedule").at("timezone").as_string(), "Europe/London");

  // A section left out stays; a null one goes back to the defaults.
  ASSERT_EQ(call("PATCH", "/v1/console/connectors/northwind-at", R"({"schedule": null})").status,
            200);
  json::value now = card("northwind-at").at("settings");
  EXPECT_EQ(now.at("policies").at("decreases").as_string(), "require_approval");
  EXPECT_EQ(now.at("schedule").at("time").as_string(),
            before.at("schedule").at("time").as_string());

  start_serve();
  sign_in("vera");
  EXPECT_EQ(card("northwind-at").at("settings").at("policies").at("decreases").as_string(),
            "require_approval")
      << "stored, and loaded through the config file's checks";
}

TEST_F(ConsoleConnectorsTest, AnEditIsRefusedWholeNamingEachFieldAndOnlyForConsoleConnectors) {
  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("northwind-at", "")).status, 201);
  json::value before = card("northwind-at").at("settings");
  auto refused = [&](const std::string& body, const std::vector<std::string>& fields) {
    Reply r = call("PATCH", "/v1/console/connectors/northwind-at", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.text;
    if (r.status != 400) return;
    std::vector<std::string> named;
    for (const auto& e : r.body.at("error").at("details").at("errors").as_array())
      named.emplace_back(e.at("field").as_string());
    EXPECT_EQ(named, fields) << body << " -> " << r.text;
    EXPECT_EQ(r.body.at("error").at("details").at("field").as_string(), fields.front());
  };
  refused("[]", {""});
  refused(R"({"partner_id": "msp-b"})", {"partner_id"});
  refused(R"({"policies": {"decreases": "sometimes"}})", {"policies/decreases"});
  refused(R"({"policies": {"decreases": "require_approval", "max_decrease_share": 2},
              "schedule": {"time": "25:00"}})",
          {"policies/max_decrease_share", "schedule/time"});
  refused(R"({"policies": {"decreases": "require_approval"},
              "schedule": {"timezone": "Mars/Olympus_Mons"}})",
          {"schedule/timezone"});
  refused(R"({"policies": {"decreases": "require_approval", "surprise": true}})", {"policies"});
  EXPECT_EQ(card("northwind-at").at("settings"), before) << "nothing was changed";

  Reply config_one =
      call("PATCH", "/v1/console/connectors/alpha-psa", R"({"policies": {"decreases": "never"}})");
  EXPECT_EQ(config_one.status, 409) << config_one.text;
  EXPECT_NE(error_message(config_one).find("configuration file"), std::string::npos);
  EXPECT_EQ(call("PATCH", "/v1/console/connectors/nobody", R"({"policies": {}})").status, 404);

  // A partner admin reaches their own partner's connectors only, with exactly an unknown one's 404.
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("at-b", "msp-b")).status, 201);
  sign_in("ana");
  Reply other =
      call("PATCH", "/v1/console/connectors/at-b", R"({"policies": {"decreases": "never"}})");
  EXPECT_EQ(other.status, 404) << other.text;
  sign_in("vera");
  EXPECT_EQ(card("at-b").at("settings").at("policies").at("decreases").as_string(), "auto");
}

// The alerts policy edited through the console's PATCH is the one the next alerts run follows:
// tickets land in the queue and from the severity the last edit says, on the simulator.
TEST_F(ConsoleConnectorsTest, AnAlertsPolicyEditedInTheConsoleIsTheOneTheNextAlertsRunFollows) {
  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("northwind-at", "")).status, 201);
  EXPECT_TRUE(card("northwind-at").at("settings").at("alerts").is_null()) << "none until edited";
  EXPECT_TRUE(card("northwind-at").at("tickets").as_bool()) << "the plugin offers tickets";
  dir_.write("usage.json", R"({"as_of": "2026-12-01",
      "workspaces": [{"id": "ws-harbor", "name": "Harbor Legal LLP"}],
      "services": [{"id": "edr", "name": "EDR"}],
      "usage": [{"workspace_id": "ws-harbor", "service_id": "edr", "users": 3, "devices": 4}]})");
  ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
  testing::RunResult mapped = mb("map auto northwind-at");
  ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
  dir_.write("alerts.json", R"({"alerts": [
      {"id": "al-1", "workspace_id": "ws-harbor", "title": "Ransomware", "severity": "critical",
       "status": "open", "time": "2026-12-05T10:00:00Z"},
      {"id": "al-2", "workspace_id": "ws-harbor", "title": "Phishing", "severity": "medium",
       "status": "open", "time": "2026-12-05T10:05:00Z"}]})");
  ASSERT_EQ(mb("alerts push " + (dir_ / "alerts.json").string()).exit_code, 0);

  Reply edited = call("PATCH", "/v1/console/connectors/northwind-at",
                      R"({"alerts": {"board": "Monitoring Alert", "min_severity": "high",
                                     "priorities": {"critical": "Critical"}}})");
  ASSERT_EQ(edited.status, 200) << edited.text;
  const json::value& policy = edited.body.at("connector").at("settings").at("alerts");
  EXPECT_EQ(policy.at("board").as_string(), "Monitoring Alert");
  EXPECT_EQ(policy.at("min_severity").as_string(), "high");
  EXPECT_TRUE(policy.at("enabled").as_bool());
  Reply run = call("POST", "/v1/connectors/northwind-at/alerts/sync", "{}");
  ASSERT_EQ(run.status, 200) << run.text;
  auto now = tickets();
  ASSERT_EQ(now.size(), 1u) << "medium is below the policy's minimum";
  EXPECT_EQ(now["mb-alert:al-1"].at("queueID"), 29683482) << "Monitoring Alert";
  EXPECT_EQ(now["mb-alert:al-1"].at("priority"), 4) << "Critical";

  // Another queue and a lower minimum: the next run opens the medium alert there.
  edited = call("PATCH", "/v1/console/connectors/northwind-at",
                R"({"alerts": {"board": "Security Operations", "min_severity": "medium"}})");
  ASSERT_EQ(edited.status, 200) << edited.text;
  run = call("POST", "/v1/connectors/northwind-at/alerts/sync", "{}");
  ASSERT_EQ(run.status, 200) << run.text;
  now = tickets();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now["mb-alert:al-2"].at("queueID"), 29683484) << "Security Operations";
  EXPECT_EQ(now["mb-alert:al-1"].at("queueID"), 29683482) << "an open ticket stays where it is";

  // Stored: a restarted serve and the command line read the same policy.
  start_serve();
  sign_in("vera");
  EXPECT_EQ(card("northwind-at").at("settings").at("alerts").at("board").as_string(),
            "Security Operations");
  testing::RunResult check = mb("alerts check --connector northwind-at --json");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(json::parse(check.out).at("resolved").at("board_id"), "29683484") << check.out;

  // null: no policy; the connector routes no alerts.
  ASSERT_EQ(call("PATCH", "/v1/console/connectors/northwind-at", R"({"alerts": null})").status,
            200);
  EXPECT_TRUE(card("northwind-at").at("settings").at("alerts").is_null());
  EXPECT_FALSE(
      call("GET", "/v1/connectors/northwind-at/alerts").body.at("routes_alerts").as_bool());
}

TEST_F(ConsoleConnectorsTest, AnAlertsPolicyIsRefusedWholeNamingEachFieldAsTheConfigFileDoes) {
  sign_in("vera");
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("northwind-at", "msp-a")).status,
            201);
  ASSERT_EQ(call("PATCH", "/v1/console/connectors/northwind-at",
                 R"({"alerts": {"board": "Monitoring Alert"}})")
                .status,
            200);
  json::value before = card("northwind-at").at("settings");
  auto refused = [&](const std::string& connector, const std::string& body,
                     const std::vector<std::string>& fields) {
    Reply r = call("PATCH", "/v1/console/connectors/" + connector, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.text;
    if (r.status != 400) return;
    std::vector<std::string> named;
    for (const auto& e : r.body.at("error").at("details").at("errors").as_array())
      named.emplace_back(e.at("field").as_string());
    EXPECT_EQ(named, fields) << body << " -> " << r.text;
  };
  refused("northwind-at", R"({"alerts": "Monitoring Alert"})", {"alerts"});
  refused("northwind-at",
          R"({"policies": {"decreases": "never"},
              "alerts": {"board": "", "min_severity": "severe", "queue": 1,
                         "priorities": {"high": 2, "urgent": "P1"}, "subtype": "Malware"}})",
          {"alerts/queue", "alerts/board", "alerts/subtype", "alerts/min_severity",
           "alerts/priorities/high", "alerts/priorities/urgent"});
  EXPECT_EQ(card("northwind-at").at("settings"), before) << "nothing changed, policies neither";

  // A plugin without the tickets capability takes a policy only when it is disabled.
  dir_.write("ledger-b.json", R"({"accounts": [], "services": [], "units": {}, "ambiguous": [],
                                  "writes": []})");
  Reply ledger = call(
      "POST", "/v1/console/connectors",
      json::serialize(json::object{{"id", "ledger-b"},
                                   {"plugin", "ledger"},
                                   {"partner", "Alpha MSP"},
                                   {"partner_id", "msp-a"},
                                   {"config", {{"ledger", (dir_ / "ledger-b.json").string()}}}}));
  ASSERT_EQ(ledger.status, 201) << ledger.text;
  EXPECT_FALSE(card("ledger-b").at("tickets").as_bool());
  refused("ledger-b", R"({"alerts": {}})", {"alerts"});
  Reply message = call("PATCH", "/v1/console/connectors/ledger-b", R"({"alerts": {}})");
  EXPECT_NE(error_message(message).find("does not offer the tickets capability"), std::string::npos)
      << message.text;
  EXPECT_EQ(
      call("PATCH", "/v1/console/connectors/ledger-b", R"({"alerts": {"enabled": false}})").status,
      200);

  // Partner-scoped like the rest: ana (msp-a) edits northwind-at, not another partner's.
  ASSERT_EQ(call("POST", "/v1/console/connectors", new_autotask("at-b", "msp-b")).status, 201);
  sign_in("ana");
  EXPECT_EQ(
      call("PATCH", "/v1/console/connectors/at-b", R"({"alerts": {"enabled": false}})").status,
      404);
  Reply own = call("PATCH", "/v1/console/connectors/northwind-at",
                   R"({"alerts": {"board": "Security Operations"}})");
  EXPECT_EQ(own.status, 200) << own.text;
  sign_in("vera");
  EXPECT_TRUE(card("at-b").at("settings").at("alerts").is_null());
}

}  // namespace
}  // namespace mb
