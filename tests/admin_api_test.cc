// The admin API of `meterbridge serve`, black-box: a real daemon on a loopback port chosen at
// run time, the ledger fake platform behind it, and a raw HTTP client.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using sim::testing::RawHttpConnection;
using testing::TempDir;

constexpr const char* kToken = "api-token-for-tests-7f3a";

constexpr const char* kLedger = R"({
  "accounts": [{"id": "A1", "name": "Alpha Ltd", "active": true}, {"id": "A2", "name": "Beta GmbH", "active": true}],
  "services": [{"id": "S-EDR", "name": "Coro EDR"}],
  "units": {"A1|S-EDR": 10, "A2|S-EDR": 5}, "ambiguous": [], "writes": []
})";

constexpr const char* kUsage = R"({"as_of": "2026-11-21",
  "workspaces": [{"id": "w-alpha", "name": "Alpha Ltd"}, {"id": "w-beta", "name": "Beta GmbH"}],
  "services": [{"id": "edr", "name": "EDR"}],
  "usage": [{"workspace_id": "w-alpha", "service_id": "edr", "users": 12, "devices": 14},
            {"workspace_id": "w-beta", "service_id": "edr", "users": 3, "devices": 3}]})";

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::install_plugin(testing::build_dir() / "test-plugins" / "ledger",
                            dir_.path() / "plugins");
    dir_.write("ledger.json", kLedger);
    dir_.write("token", kToken, 0600);
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
      "api": {"token": "${file:token}"},
      "connectors": [{"id": "led", "plugin": "ledger", "config": {"ledger": ")" +
                              (dir_ / "ledger.json").string() +
                              R"("}, "policies": {"decreases": "require_approval"}}]})");
    daemon_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::meterbridge_binary(), "--config",
                                 (dir_ / "mb.json").string(), "serve", "--no-schedule", "--listen",
                                 "127.0.0.1:0"},
        std::vector<std::string>{"MB_SECRET_KEY=" + std::string(64, 'd')});
    auto line = daemon_->read_line();
    ASSERT_TRUE(line.has_value()) << "serve did not start";
    ASSERT_NE(line->find("http://127.0.0.1:"), std::string::npos) << *line;
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  struct Reply {
    int status = 0;
    json::value body;
    std::map<std::string, std::string> headers;
  };

  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             bool auth = true, const std::string& content_type = "application/json") {
    RawHttpConnection c(port_);
    sim::testing::Headers headers{{"Content-Type", content_type}};
    if (auth) headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    auto r = c.send(method, target, headers, body, std::chrono::seconds(60));
    Reply out;
    if (!r.response) {
      ADD_FAILURE() << method << " " << target << ": " << r.error;
      return out;
    }
    out.status = r.response->status;
    out.headers = r.response->headers;
    boost::system::error_code ec;
    out.body = json::parse(r.response->body, ec);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<testing::ChildProcess> daemon_;
  uint16_t port_ = 0;
};

TEST_F(AdminApiTest, UnauthenticatedRequestsGet401AndChangeNothing) {
  Reply r = call("POST", "/v1/usage", kUsage, false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.at("error").at("code").as_string(), "unauthenticated");
  EXPECT_NE(r.headers["www-authenticate"].find("Bearer"), std::string::npos);
  RawHttpConnection c(port_);
  auto wrong = c.send("GET", "/v1/connectors", {{"Authorization", "Bearer not-the-token"}});
  ASSERT_TRUE(wrong.response);
  EXPECT_EQ(wrong.response->status, 401);
  EXPECT_EQ(call("POST", "/v1/connectors/led/sync", "{}", false).status, 401);
  // Nothing was imported: a sync now has nothing to plan.
  Reply runs = call("GET", "/v1/runs");
  EXPECT_TRUE(runs.body.at("runs").as_array().empty());
}

TEST_F(AdminApiTest, TheWholeFlowThroughTheApi) {
  EXPECT_EQ(call("GET", "/v1/health").status, 200);
  Reply connectors = call("GET", "/v1/connectors");
  ASSERT_EQ(connectors.status, 200);
  EXPECT_EQ(connectors.body.at("connectors").at(0).at("id").as_string(), "led");

  Reply test = call("POST", "/v1/connectors/led/test");
  ASSERT_EQ(test.status, 200);
  EXPECT_EQ(test.body.at("status").as_string(), "ok");

  Reply usage = call("POST", "/v1/usage", kUsage);
  ASSERT_EQ(usage.status, 201) << json::serialize(usage.body);
  EXPECT_EQ(usage.body.at("counts").as_int64(), 2);

  Reply accounts = call("GET", "/v1/connectors/led/accounts?refresh=true");
  ASSERT_EQ(accounts.status, 200);
  EXPECT_EQ(accounts.body.at("accounts").as_array().size(), 2u);
  EXPECT_EQ(call("GET", "/v1/connectors/led/services").body.at("services").as_array().size(), 1u);

  Reply automap = call("POST", "/v1/connectors/led/mappings/auto");
  ASSERT_EQ(automap.status, 200);
  EXPECT_EQ(automap.body.at("mapped").as_array().size(), 2u);
  EXPECT_EQ(call("DELETE", "/v1/connectors/led/mappings/accounts/w-beta").status, 200);
  Reply remap = call("PUT", "/v1/connectors/led/mappings/accounts/w-beta", R"({"account_id": "A2"})");
  ASSERT_EQ(remap.status, 200);
  EXPECT_EQ(remap.body.at("source").as_string(), "manual");
  Reply svc = call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR", "metric": "devices"})");
  ASSERT_EQ(svc.status, 200) << json::serialize(svc.body);
  Reply mappings = call("GET", "/v1/connectors/led/mappings");
  EXPECT_EQ(mappings.body.at("services").at(0).at("metric").as_string(), "devices");

  Reply dry = call("POST", "/v1/connectors/led/sync", R"({"dry_run": true})");
  ASSERT_EQ(dry.status, 200);
  EXPECT_TRUE(dry.body.at("dry_run").as_bool());

  Reply run = call("POST", "/v1/connectors/led/sync", "{}");
  ASSERT_EQ(run.status, 200);
  EXPECT_EQ(run.body.at("counts").at("updated").as_int64(), 1);  // w-alpha 10 -> 14
  EXPECT_EQ(run.body.at("counts").at("held").as_int64(), 1);     // w-beta 5 -> 3 needs approval
  int64_t run_id = run.body.at("id").as_int64();

  Reply shown = call("GET", "/v1/runs/" + std::to_string(run_id));
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body.at("lines").as_array().size(), 2u);
  Reply approved = call("POST", "/v1/runs/" + std::to_string(run_id) + "/approve");
  ASSERT_EQ(approved.status, 200) << json::serialize(approved.body);
  EXPECT_EQ(approved.body.at("counts").at("updated").as_int64(), 1);
  json::value ledger = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(ledger.at("units").at("A2|S-EDR").as_int64(), 3);
  EXPECT_EQ(call("POST", "/v1/runs/" + std::to_string(run_id) + "/retry").status, 404);  // nothing failed

  Reply runs = call("GET", "/v1/runs?connector=led&limit=10");
  EXPECT_EQ(runs.body.at("runs").as_array().size(), 3u);

  EXPECT_EQ(call("PUT", "/v1/connectors/led/exclusions/workspaces/w-alpha").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/connectors/led/exclusions/workspaces/w-alpha").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/connectors/led/exclusions/workspaces/w-alpha").status, 404);
  Reply disconnect = call("POST", "/v1/connectors/led/disconnect");
  ASSERT_EQ(disconnect.status, 200);
  EXPECT_TRUE(call("GET", "/v1/connectors/led/mappings").body.at("services").as_array().empty());
  EXPECT_EQ(call("POST", "/v1/connectors/led/sync", "{}").status, 409);  // disconnected
}

TEST_F(AdminApiTest, AServiceMappingNeedsAMetricUnlessThePsaServiceNameSaysWhich) {
  ASSERT_EQ(call("POST", "/v1/connectors/led/test").status, 200);
  ASSERT_EQ(call("POST", "/v1/usage", kUsage).status, 201);
  json::value ledger = json::parse(testing::read_file(dir_ / "ledger.json"));
  ledger.as_object()["services"].as_array().push_back(
      json::object{{"id", "S-DEV"}, {"name", "Endpoint protection per device"}});
  dir_.write("ledger.json", json::serialize(ledger));

  // "Coro EDR" says neither: nothing is recorded and the answer names the field.
  Reply unsaid = call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR"})");
  EXPECT_EQ(unsaid.status, 400) << json::serialize(unsaid.body);
  EXPECT_NE(json::serialize(unsaid.body).find("metric"), std::string::npos);
  EXPECT_TRUE(call("GET", "/v1/connectors/led/mappings").body.at("services").as_array().empty());

  Reply named = call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-DEV"})");
  ASSERT_EQ(named.status, 200) << json::serialize(named.body);
  EXPECT_EQ(named.body.at("metric").as_string(), "devices");
  EXPECT_EQ(named.body.at("metric_from_name").as_string(), "Endpoint protection per device");
  Reply given = call("PUT", "/v1/connectors/led/mappings/services/edr",
                     R"({"psa_service_id": "S-EDR", "metric": "users"})");
  ASSERT_EQ(given.status, 200);
  EXPECT_EQ(given.body.at("metric").as_string(), "users");
  EXPECT_FALSE(given.body.as_object().contains("metric_from_name"));
}

TEST_F(AdminApiTest, MappingPathsAndBodiesTakeNamesAndAnswerWithTheIdsTaken) {
  ASSERT_EQ(call("POST", "/v1/connectors/led/test").status, 200);
  ASSERT_EQ(call("POST", "/v1/usage", kUsage).status, 201);
  Reply mapped = call("PUT", "/v1/connectors/led/mappings/accounts/beta%20gmbh",
                      R"({"account_id": "Beta GmbH"})");
  ASSERT_EQ(mapped.status, 200) << json::serialize(mapped.body);
  EXPECT_EQ(mapped.body.at("workspace_id").as_string(), "w-beta");
  EXPECT_EQ(mapped.body.at("account_id").as_string(), "A2");
  Reply service = call("PUT", "/v1/connectors/led/mappings/services/EDR",
                       R"({"psa_service_id": "coro edr", "metric": "devices"})");
  ASSERT_EQ(service.status, 200) << json::serialize(service.body);
  EXPECT_EQ(service.body.at("service_id").as_string(), "edr");
  EXPECT_EQ(service.body.at("psa_service_id").as_string(), "S-EDR");
  Reply excluded = call("PUT", "/v1/connectors/led/exclusions/workspaces/Beta%20GmbH");
  ASSERT_EQ(excluded.status, 200) << json::serialize(excluded.body);
  EXPECT_EQ(excluded.body.at("id").as_string(), "w-beta");
  Reply shown = call("GET", "/v1/connectors/led/mappings");
  for (const auto& w : shown.body.at("workspaces").as_array())
    if (w.at("workspace_id").as_string() == "w-beta") {
      EXPECT_EQ(w.at("state").as_string(), "excluded");
      EXPECT_EQ(w.at("account_id").as_string(), "A2") << "the mapping is kept while excluded";
    }
  Reply missing =
      call("PUT", "/v1/connectors/led/mappings/accounts/w-alpha", R"({"account_id": "Gamma"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(
      std::string(missing.body.at("error").at("message").as_string())
          .find("no PSA account with the id or name 'Gamma' in the accounts of connector 'led'"),
      std::string::npos)
      << json::serialize(missing.body);
}

TEST_F(AdminApiTest, AnUnknownPathIs404AndAKnownPathWithAnotherMethodIs405WithAllow) {
  Reply unknown = call("GET", "/v1/connectors/led/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body.at("error").at("message").as_string(),
            "no such endpoint: GET /v1/connectors/led/nothing-here");
  EXPECT_EQ(call("GET", "/v1/connectors/").status, 404);  // a trailing slash is another path
  EXPECT_EQ(call("GET", "/v1/runs/abc/nothing-here").status, 404);

  Reply wrong = call("DELETE", "/v1/connectors/led/sync");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.body.at("error").at("code").as_string(), "method_not_allowed");
  EXPECT_EQ(wrong.headers["allow"], "POST");
  EXPECT_EQ(call("POST", "/v1/connectors/led/links/w-alpha").headers["allow"], "PUT, DELETE");
  EXPECT_EQ(call("POST", "/v1/health").headers["allow"], "GET, HEAD");
  EXPECT_EQ(call("DELETE", "/v1/runs/abc").status, 405);  // the method is checked before the id
  EXPECT_EQ(call("DELETE", "/v1/runs", "", false).status, 401);  // the token before either
}

TEST_F(AdminApiTest, BadInputGetsAClearErrorAndChangesNothing) {
  Reply bad_json = call("POST", "/v1/usage", "{not json");
  EXPECT_EQ(bad_json.status, 400);
  Reply invalid = call("POST", "/v1/usage", R"({"as_of":"2026-11-21","usage":[{"workspace_id":"w","service_id":"s","users":-1,"devices":0}]})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_FALSE(invalid.body.at("error").at("details").at("errors").as_array().empty());
  EXPECT_EQ(call("POST", "/v1/connectors/nobody/test").status, 404);
  EXPECT_EQ(call("GET", "/v1/runs/12345").status, 404);
  EXPECT_EQ(call("GET", "/v1/runs/abc").status, 400);
  EXPECT_EQ(call("GET", "/v1/runs?limit=0").status, 400);
  ASSERT_EQ(call("POST", "/v1/usage", kUsage).status, 201);
  EXPECT_EQ(call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR", "metric": "seats"})").status, 400);
  EXPECT_EQ(call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"metric": "users"})").status, 400);
  EXPECT_EQ(call("PUT", "/v1/connectors/led/mappings/accounts/w-alpha", R"({"account_id": "NOPE"})").status, 404);
  EXPECT_EQ(call("PUT", "/v1/connectors/led/credentials", R"({"unknown_field": "x"})").status, 400);
  EXPECT_EQ(call("GET", "/v1/nothing-here").status, 404);
  Reply csv = call("POST", "/v1/usage",
                   "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n2026-11-22,w-alpha,Alpha Ltd,edr,EDR,1,1\n",
                   true, "text/csv");
  EXPECT_EQ(csv.status, 201);
}

TEST_F(AdminApiTest, EveryMutatingEndpointRefusesUnknownFieldsAndWrongTypesAndDoesNothing) {
  ASSERT_EQ(call("POST", "/v1/usage", kUsage).status, 201);
  ASSERT_EQ(call("POST", "/v1/connectors/led/mappings/auto").status, 200);
  ASSERT_EQ(call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR", "metric": "devices"})")
                .status,
            200);
  Reply held_run = call("POST", "/v1/connectors/led/sync", "{}");
  ASSERT_EQ(held_run.status, 200);
  std::string run = std::to_string(held_run.body.at("id").as_int64());
  auto writes = [&] { return json::parse(testing::read_file(dir_ / "ledger.json")).at("writes").as_array().size(); };
  size_t writes_before = writes();
  size_t runs_before = call("GET", "/v1/runs").body.at("runs").as_array().size();

  struct Case {
    const char* method;
    std::string target;
    std::string body;
    const char* field;  // named in the message
  };
  std::vector<Case> cases{
      {"POST", "/v1/connectors/led/sync", R"({"dry_run": "true"})", "/dry_run"},  // a string is not a preview
      {"POST", "/v1/connectors/led/sync", R"({"dryRun": true})", "/dryRun"},
      {"POST", "/v1/connectors/led/sync", R"({"force": 1})", "/force"},
      {"POST", "/v1/connectors/led/sync", R"([true])", "JSON object"},
      {"POST", "/v1/connectors/led/test", R"({"now": true})", "/now"},
      {"POST", "/v1/connectors/led/disconnect", R"({"confirm": true})", "/confirm"},
      {"POST", "/v1/connectors/led/mappings/auto", R"({"all": true})", "/all"},
      {"PUT", "/v1/connectors/led/mappings/accounts/w-alpha", R"({"account_id": 2})", "/account_id"},
      {"PUT", "/v1/connectors/led/mappings/accounts/w-alpha", R"({"account_id": "A2", "force": true})", "/force"},
      {"DELETE", "/v1/connectors/led/mappings/accounts/w-alpha", R"({"really": true})", "/really"},
      {"PUT", "/v1/connectors/led/exclusions/workspaces/w-alpha", R"({"reason": "x"})", "/reason"},
      {"DELETE", "/v1/connectors/led/mappings/services/edr", R"({"x": 1})", "/x"},
      {"PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR", "metrics": "users"})",
       "/metrics"},
      {"POST", "/v1/runs/" + run + "/approve", R"({"lines": "1"})", "/lines"},
      {"POST", "/v1/runs/" + run + "/approve", R"({"lines": [0]})", "/lines"},
      {"POST", "/v1/runs/" + run + "/approve", R"({"line": [1]})", "/line"},
      {"POST", "/v1/runs/" + run + "/dismiss", R"({"lines": [1.5]})", "/lines"},
      {"POST", "/v1/runs/" + run + "/retry", R"({"lines": [1]})", "/lines"},
      {"GET", "/v1/connectors/led/accounts?refresh=yes", "", "refresh"},
  };
  for (const auto& c : cases) {
    Reply r = call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.target << " " << c.body;
    if (r.status == 400) {
      std::string message(r.body.at("error").at("message").as_string());
      EXPECT_NE(message.find(c.field), std::string::npos) << message;
    }
  }
  EXPECT_EQ(writes(), writes_before);
  EXPECT_EQ(call("GET", "/v1/runs").body.at("runs").as_array().size(), runs_before);
  Reply mappings = call("GET", "/v1/connectors/led/mappings");
  EXPECT_EQ(mappings.body.at("workspaces").at(0).at("state").as_string(), "mapped");
  EXPECT_EQ(mappings.body.at("services").at(0).at("metric").as_string(), "devices");
  Reply pending = call("GET", "/v1/approvals?connector=led");
  ASSERT_EQ(pending.status, 200);
  EXPECT_EQ(pending.body.at("approvals").as_array().size(), 1u);  // still awaiting a decision
}

TEST_F(AdminApiTest, HeldLinesAreListedApprovedOnceOrDismissed) {
  ASSERT_EQ(call("POST", "/v1/usage", kUsage).status, 201);
  ASSERT_EQ(call("POST", "/v1/connectors/led/mappings/auto").status, 200);
  ASSERT_EQ(call("PUT", "/v1/connectors/led/mappings/services/edr", R"({"psa_service_id": "S-EDR", "metric": "devices"})")
                .status,
            200);
  Reply run = call("POST", "/v1/connectors/led/sync", "{}");
  ASSERT_EQ(run.status, 200);
  std::string id = std::to_string(run.body.at("id").as_int64());
  Reply pending = call("GET", "/v1/approvals");
  ASSERT_EQ(pending.status, 200);
  ASSERT_EQ(pending.body.at("approvals").as_array().size(), 1u);
  const json::value& line = pending.body.at("approvals").at(0);
  EXPECT_EQ(line.at("workspace_id").as_string(), "w-beta");
  EXPECT_EQ(line.at("current").as_int64(), 5);
  EXPECT_EQ(line.at("target").as_int64(), 3);
  int64_t number = line.at("line").as_int64();

  Reply dismissed = call("POST", "/v1/runs/" + id + "/dismiss", R"({"lines": [)" + std::to_string(number) + "]}");
  ASSERT_EQ(dismissed.status, 200) << json::serialize(dismissed.body);
  EXPECT_TRUE(call("GET", "/v1/approvals").body.at("approvals").as_array().empty());
  Reply nothing = call("POST", "/v1/runs/" + id + "/approve");
  EXPECT_EQ(nothing.status, 409);
  EXPECT_NE(std::string(nothing.body.at("error").at("message").as_string()).find("nothing awaiting approval"),
            std::string::npos);
  json::value ledger = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(ledger.at("units").at("A2|S-EDR").as_int64(), 5);

  Reply again = call("POST", "/v1/connectors/led/sync", "{}");  // held again, a new decision
  std::string id2 = std::to_string(again.body.at("id").as_int64());
  Reply approved = call("POST", "/v1/runs/" + id2 + "/approve", R"({"lines": []})");
  ASSERT_EQ(approved.status, 200) << json::serialize(approved.body);
  EXPECT_EQ(approved.body.at("counts").at("updated").as_int64(), 1);
  EXPECT_EQ(call("POST", "/v1/runs/" + id2 + "/approve").status, 409);
  ledger = json::parse(testing::read_file(dir_ / "ledger.json"));
  EXPECT_EQ(ledger.at("units").at("A2|S-EDR").as_int64(), 3);
}

}  // namespace
}  // namespace mb
