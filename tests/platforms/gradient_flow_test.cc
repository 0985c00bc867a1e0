// The Gradient flow end to end, as a vendor's operator runs it: the meterbridge CLI (a separate
// process, with the plugin copied from the build into its plugin folder) against the Gradient
// simulator started in this test, on loopback. The MSP's side (mapping in Synthesize,
// regenerating the key, disconnecting) is played through the simulator's /_sim/gradient/ hooks.
//
// Partner Northwind IT (pk_456) starts inactive with no accounts; its PSA has clients named like
// the workspaces. The vendor's catalog already holds "Coro Email Security"; "EDR" is created.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/gradient_state.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using mb::testing::RunResult;
using mb::testing::TempDir;

constexpr char kOrganization[] = "6650a1c2e4b0a1b2c3d4e5f6";
constexpr char kEmailService[] = "6650a1c2e4b0a1b2c3d4e778";
constexpr char kApiToken[] = "api-token-for-gradient-tests-51c2";

std::string seed() {
  json::object vendor{{"vendorKey", "vk_live_123"},
                      {"id", "6650a1c2e4b0a1b2c3d4e501"},
                      {"name", "Coro"},
                      {"description", "Cybersecurity for SMBs"},
                      {"organizationId", "6650a1c2e4b0a1b2c3d4e500"},
                      {"skus", json::array{json::object{{"id", kEmailService},
                                                        {"name", "Coro Email Security"},
                                                        {"description", "Protected mailboxes"},
                                                        {"category", "security"},
                                                        {"subcategory", "email security"}}}}};
  json::array clients{
      json::object{{"id", "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"}, {"name", "Northwind Dental"}},
      json::object{{"id", "5a1c9d2e-0b3f-4c6a-8d7e-1f2a3b4c5d6e"}, {"name", "Harbor Legal LLP"}},
      json::object{{"id", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"},
                   {"name", "Margie's Travel & Tours"}}};
  json::object partner{{"partnerKey", "pk_456"},
                       {"organizationId", kOrganization},
                       {"name", "Northwind IT"},
                       {"integrationId", "6650a1c2e4b0a1b2c3d4e5d2"},
                       {"status", "inactive"},
                       {"lastSyncedAt", "1900-06-18T17:11:28.553Z"},
                       {"accounts", json::array{}},
                       {"clients", clients},
                       {"accountMappings", json::array{}},
                       {"serviceMappings", json::array{}}};
  return json::serialize(json::object{{"vendor", vendor}, {"partners", json::array{partner}}});
}

std::string usage(const std::string& north_name) {
  json::object doc{
      {"as_of", "2026-11-21"},
      {"workspaces",
       json::array{json::object{{"id", "w-north"}, {"name", north_name}},
                   json::object{{"id", "w-harbor"}, {"name", "Harbor Legal LLP"}},
                   json::object{{"id", "w-margie"}, {"name", "Margie's Travel & Tours"}}}},
      {"services", json::array{json::object{{"id", "edr"}, {"name", "EDR"}},
                               json::object{{"id", "email"}, {"name", "Coro Email Security"}}}},
      {"usage",
       json::array{
           json::object{
               {"workspace_id", "w-north"}, {"service_id", "edr"}, {"users", 10}, {"devices", 12}},
           json::object{
               {"workspace_id", "w-north"}, {"service_id", "email"}, {"users", 9}, {"devices", 0}},
           json::object{
               {"workspace_id", "w-harbor"}, {"service_id", "edr"}, {"users", 3}, {"devices", 4}},
           json::object{
               {"workspace_id", "w-harbor"}, {"service_id", "email"}, {"users", 5}, {"devices", 0}},
           json::object{{"workspace_id", "w-margie"},
                        {"service_id", "edr"},
                        {"users", 1},
                        {"devices", 2}}}}};
  return json::serialize(doc);
}

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

class GradientFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mb::sim::SimOptions options;
    options.seed_json = seed();
    options.settings_json = R"({"rate_limit_requests":0})";  // nothing here depends on speed
    sim_ = mb::sim::Simulator::start("gradient", options);

    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* file : {"libmeterbridge-gradient.so", "gradient.plugin.json"}) {
      fs::copy_file(mb::testing::build_dir() / "plugins" / file, plugins_ / file);
      ::chmod((plugins_ / file).c_str(), 0755);
    }
    write_config();
  }

  // The connector "gr"; `partner_key` puts the Partner API Key in the config itself (no
  // `connectors connect` needed).
  void write_config(const std::string& partner_key = "") {
    json::object plugin_config{
        {"vendor_api_key", "vk_live_123"},
        {"base_url", sim_->base_url()},
        {"services",
         json::object{{"edr", json::object{{"category", "security"},
                                           {"subcategory", "endpoint detection and response (EDR)"},
                                           {"metric", "devices"}}}}}};
    if (!partner_key.empty()) plugin_config["partner_api_key"] = partner_key;
    json::object connector{{"id", "gr"},
                           {"plugin", "gradient"},
                           {"partner", "Northwind IT"},
                           {"config", plugin_config},
                           {"policies", json::object{{"decreases", "auto"}}}};
    dir_.write("mb.json",
               json::serialize(json::object{{"state", json::object{{"path", "state/mb.db"}}},
                                            {"plugins", json::object{{"dir", "plugins"}}},
                                            {"api", json::object{{"token", "${file:token}"}}},
                                            {"connectors", json::array{connector}}}));
    dir_.write("token", kApiToken, 0600);
  }

  RunResult mb(const std::string& args, const std::string& input = "") {
    return mb::testing::run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'c') + " " +
                                mb::testing::meterbridge_binary() + " --config '" +
                                (dir_ / "mb.json").string() + "' " + args,
                            input);
  }

  // Stores the MSP's key (encrypted) and tests it; `verdict` is what authenticate reports.
  void connect(const std::string& partner_key, const std::string& verdict = "pending") {
    RunResult r = mb("connectors connect gr",
                     json::serialize(json::object{{"partner_api_key", partner_key}}));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("gr: " + verdict), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(partner_key), std::string::npos) << "a secret was printed";
  }

  void import_usage(const std::string& north_name = "Northwind Dental") {
    dir_.write("usage.json", usage(north_name));
    RunResult r = mb("usage import " + (dir_ / "usage.json").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  json::object sync(const std::string& extra = "", int expected_exit = 0) {
    RunResult r = mb("sync gr --json " + extra);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    json::value doc = json::parse(r.out.empty() ? "[{}]" : r.out);
    return doc.as_array().empty() ? json::object{} : doc.as_array().at(0).as_object();
  }

  static std::map<std::string, json::object> lines(const json::object& run) {
    std::map<std::string, json::object> out;
    for (const auto& l : run.at("lines").as_array())
      out[str(l.at("workspace_id")) + "/" + str(l.at("service_id"))] = l.as_object();
    return out;
  }
  static std::string outcome(const json::object& run, const std::string& key) {
    auto all = lines(run);
    return all.count(key) ? str(all[key].at("outcome")) : "(no line)";
  }

  json::value control(const std::string& method, const std::string& path,
                      const json::object& body = {}) {
    return mb::sim::testing::control_json(sim_->port(), method, path,
                                          body.empty() ? "" : json::serialize(body));
  }
  void hook(const std::string& name, json::object body) {
    if (!body.contains("partnerKey") && !body.contains("organizationId"))
      body["organizationId"] = kOrganization;
    control("POST", "/_sim/gradient/" + name, body);
  }

  json::object partner() {
    return mb::testing::gradient_partner(control("GET", "/_sim/state"), kOrganization);
  }
  std::map<std::string, std::string> gradient_accounts() {
    std::map<std::string, std::string> out;
    json::value doc = partner();
    for (const auto& a : doc.at("accounts").as_array()) out[str(a.at("id"))] = str(a.at("name"));
    return out;
  }
  std::map<std::string, int64_t> gradient_counts() {
    std::map<std::string, int64_t> out;
    json::value doc = partner();
    for (const auto& c : doc.at("counts").as_array())
      out[str(c.at("accountId")) + "/" + str(c.at("serviceId"))] =
          c.at("unitCount").to_number<int64_t>();
    return out;
  }
  std::string sku(const std::string& name) {
    json::value doc = control("GET", "/_sim/state");
    for (const auto& s : doc.at("vendor").at("skus").as_array())
      if (s.at("name").as_string() == name) return str(s.at("id"));
    return "";
  }
  // Count pushes logged since the last clear, as "account/service" of each.
  std::vector<std::string> count_pushes() {
    std::vector<std::string> out;
    json::value doc = control("GET", "/_sim/requests");
    for (const auto& r : doc.at("requests").as_array()) {
      std::string target = str(r.at("target"));
      if (r.at("method").as_string() != "POST" || target.find("/count") == std::string::npos)
        continue;
      json::value body = json::parse(str(r.at("body")));
      out.push_back(str(body.at("accountId")) + "/" +
                    target.substr(target.find("/service/") + 9, 24));
    }
    return out;
  }
  size_t logged(const std::string& method, const std::string& path_prefix) {
    size_t n = 0;
    json::value doc = control("GET", "/_sim/requests");
    for (const auto& r : doc.at("requests").as_array())
      if (r.at("method").as_string() == method && str(r.at("target")).rfind(path_prefix, 0) == 0)
        ++n;
    return n;
  }

  // "METHOD target" of every logged request since the last clear, in arrival order.
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    json::value doc = control("GET", "/_sim/requests");
    for (const auto& r : doc.at("requests").as_array())
      out.push_back(str(r.at("method")) + " " + str(r.at("target")));
    return out;
  }
  static size_t position(const std::vector<std::string>& calls, const std::string& prefix) {
    for (size_t i = 0; i < calls.size(); ++i)
      if (calls[i].rfind(prefix, 0) == 0) return i;
    return calls.size();
  }
  json::array status_history() { return partner().at("statusHistory").as_array(); }

  // The MSP finishes the mapping wizard, leaving Margie's Travel unmapped.
  void msp_maps_all_but_margie() {
    hook("auto-map", {});
    hook("unmap-account", {{"accountId", "w-margie"}});
  }

  std::unique_ptr<mb::sim::Simulator> sim_;
  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
};

TEST_F(GradientFlowTest, AFreshPartnerIsProvisionedPushedMappedAndPushedAgain) {
  // The MSP's key is entered: the accounts exist and the integration waits for the mapping wizard.
  import_usage();
  connect("pk_456");
  EXPECT_EQ(partner().at("status").as_string(), "pending");

  // First sync: accounts and services exist on Gradient; nothing is mapped there yet.
  json::object first = sync("", 8);
  EXPECT_EQ(first.at("state").as_string(), "needs_attention") << first;
  for (const char* key : {"w-north/edr", "w-north/email", "w-harbor/edr", "w-harbor/email",
                          "w-margie/edr", "w-margie/email"}) {
    EXPECT_EQ(outcome(first, key), "platform_not_mapped") << key;
  }
  EXPECT_NE(str(lines(first)["w-north/edr"].at("message")).find("not mapped on the platform"),
            std::string::npos);
  EXPECT_EQ(gradient_accounts(),
            (std::map<std::string, std::string>{{"w-north", "Northwind Dental"},
                                                {"w-harbor", "Harbor Legal LLP"},
                                                {"w-margie", "Margie's Travel & Tours"}}));
  std::string edr = sku("EDR");
  ASSERT_EQ(edr.size(), 24u) << "EDR was created in the vendor's catalog";
  EXPECT_EQ(control("GET", "/_sim/state").at("vendor").at("skus").as_array().size(), 2u)
      << "the email service already existed and was matched by name";
  EXPECT_TRUE(gradient_counts().empty());

  // The MSP maps (through the simulator's stand-in for the Synthesize UI); the rerun pushes.
  msp_maps_all_but_margie();
  json::object second = sync();
  EXPECT_EQ(second.at("state").as_string(), "ok") << second;
  EXPECT_EQ(outcome(second, "w-north/edr"), "updated");
  EXPECT_EQ(outcome(second, "w-harbor/email"), "updated");
  EXPECT_EQ(outcome(second, "w-margie/edr"), "platform_not_mapped");
  std::map<std::string, int64_t> counts = gradient_counts();
  EXPECT_EQ(counts["w-north/" + edr], 12) << "EDR counts devices, as configured";
  EXPECT_EQ(counts["w-north/" + std::string(kEmailService)], 9);
  EXPECT_EQ(counts["w-harbor/" + edr], 4);
  EXPECT_EQ(counts["w-harbor/" + std::string(kEmailService)], 5);
  EXPECT_EQ(partner().at("status").as_string(), "active");
  EXPECT_EQ(str(status_history().back().at("by")), "gradient")
      << "Gradient activates the integration itself; meterbridge never sets active";
  EXPECT_EQ(partner().at("billingViewBuilds").as_int64(), 1) << "one rebuild per run";

  // Unchanged usage: only the pairs Gradient never accepted are sent again.
  control("DELETE", "/_sim/requests");
  json::object third = sync();
  EXPECT_EQ(outcome(third, "w-north/edr"), "unchanged");
  std::vector<std::string> pushes = count_pushes();
  std::sort(pushes.begin(), pushes.end());
  std::vector<std::string> margie{"w-margie/" + edr, "w-margie/" + std::string(kEmailService)};
  std::sort(margie.begin(), margie.end());
  EXPECT_EQ(pushes, margie);

  // A forced push sends every line.
  control("DELETE", "/_sim/requests");
  json::object forced = sync("--force");
  EXPECT_EQ(outcome(forced, "w-north/edr"), "updated");
  EXPECT_EQ(count_pushes().size(), 6u);
}

TEST_F(GradientFlowTest, ARenamedWorkspaceRenamesItsAccountWithoutADuplicate) {
  connect("pk_456");
  import_usage();
  sync("", 8);  // nothing is mapped on Gradient yet: the run needs attention
  msp_maps_all_but_margie();
  sync();

  import_usage("Northwind Dental Group");
  control("DELETE", "/_sim/requests");
  json::object run = sync();
  EXPECT_EQ(outcome(run, "w-north/edr"), "unchanged")
      << "the mapping and the count survive the rename";
  std::map<std::string, std::string> accounts = gradient_accounts();
  EXPECT_EQ(accounts.size(), 3u);
  EXPECT_EQ(accounts["w-north"], "Northwind Dental Group");
  EXPECT_EQ(logged("PATCH", "/api/vendor-api/organization/accounts/w-north"), 1u);
  EXPECT_EQ(logged("POST", "/api/vendor-api/organization/accounts"), 0u);
}

TEST_F(GradientFlowTest, DisconnectSetsTheIntegrationInactiveAndForgetsMappingsAndCredentials) {
  connect("pk_456");
  import_usage();
  sync("", 8);  // nothing is mapped on Gradient yet: the run needs attention
  msp_maps_all_but_margie();
  sync();

  RunResult d = mb("connectors disconnect gr");
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("platform notified"), std::string::npos) << d.out;
  json::object p = partner();
  EXPECT_EQ(p.at("status").as_string(), "inactive");
  EXPECT_EQ(str(p.at("statusHistory").as_array().back().at("by")), "vendor");
  EXPECT_EQ(p.at("accounts").as_array().size(), 3u)
      << "the vendor API has no delete: accounts stay";

  json::value show = json::parse(mb("map show gr --json").out);
  for (const auto& w : show.at("workspaces").as_array())
    EXPECT_EQ(w.at("state").as_string(), "unmapped");
  EXPECT_TRUE(show.at("services").as_array().empty());
  json::value listed = json::parse(mb("connectors list --json").out);
  EXPECT_FALSE(listed.at(0).at("has_credentials").as_bool());
  EXPECT_EQ(listed.at(0).at("status").as_string(), "disconnected");
  RunResult refused = mb("sync gr");
  EXPECT_NE(refused.exit_code, 0);

  // Reconnecting finds the same accounts and services; the forgotten ledger means every count
  // is pushed again.
  connect("pk_456");
  control("DELETE", "/_sim/requests");
  json::object run = sync();
  EXPECT_EQ(outcome(run, "w-north/edr"), "updated");
  EXPECT_EQ(logged("POST", "/api/vendor-api/organization/accounts"), 0u);
  EXPECT_EQ(control("GET", "/_sim/state").at("vendor").at("skus").as_array().size(), 2u);
}

TEST_F(GradientFlowTest,
       AfterTheMspDisconnectsAndReconnectsAccountsAreCreatedAndCountsPushedAgain) {
  connect("pk_456");
  import_usage();
  sync("", 8);  // nothing is mapped on Gradient yet: the run needs attention
  msp_maps_all_but_margie();
  sync();

  // The MSP disconnects in Synthesize: the key stops working and the accounts are deleted.
  hook("disconnect", {});
  json::object refused = sync("", 1);
  EXPECT_EQ(refused.at("state").as_string(), "failed") << refused;
  EXPECT_NE(str(refused.at("message")).find("Partner API Key"), std::string::npos) << refused;

  // It reconnects with a new key and maps again.
  hook("connect", {{"organizationId", kOrganization}, {"partnerKey", "pk_789"}});
  connect("pk_789");
  json::object recreated = sync("", 8);
  EXPECT_EQ(gradient_accounts().size(), 3u);
  EXPECT_EQ(outcome(recreated, "w-north/edr"), "platform_not_mapped")
      << "the ledger's old count must not hide that Gradient has none";
  msp_maps_all_but_margie();
  json::object pushed = sync();
  EXPECT_EQ(outcome(pushed, "w-north/edr"), "updated");
  EXPECT_EQ(gradient_counts()["w-north/" + sku("EDR")], 12);
}

TEST_F(GradientFlowTest, ARegeneratedPartnerKeyKeepsEverythingOnceStored) {
  connect("pk_456");
  import_usage();
  sync("", 8);  // nothing is mapped on Gradient yet: the run needs attention
  msp_maps_all_but_margie();
  sync();

  hook("regenerate-key", {{"partnerKey", "pk_456"}, {"newPartnerKey", "pk_457"}});
  RunResult stale = mb("connectors test gr");
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_NE(stale.out.find("auth_failed"), std::string::npos) << stale.out;
  connect("pk_457", "ok");  // the integration stayed active
  control("DELETE", "/_sim/requests");
  json::object run = sync();
  EXPECT_EQ(outcome(run, "w-north/edr"), "unchanged");
  EXPECT_EQ(logged("POST", "/api/vendor-api/organization/accounts"), 0u);
}

// ---- Connecting provisions first ---------------------------------------------------------------

TEST_F(GradientFlowTest, ConnectingCreatesTheAccountsAndServicesThenSetsPending) {
  import_usage();
  control("DELETE", "/_sim/requests");
  RunResult r = mb("connectors connect gr", R"({"partner_api_key":"pk_456"})");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("gr: pending"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the MSP can now map the accounts and services in Synthesize"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("accounts provisioned on the platform: 3 created"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("services provisioned on the platform: 1 created, 1 matched"),
            std::string::npos)
      << r.out;

  // Gradient's order: the accounts and services exist before the status says "map them".
  std::vector<std::string> order = calls();
  size_t pending = position(order, "PATCH /api/vendor-api/organization/status/pending");
  ASSERT_LT(pending, order.size()) << "pending was set";
  EXPECT_LT(position(order, "POST /api/vendor-api/organization/accounts"), pending);
  EXPECT_LT(position(order, "POST /api/vendor-api/service"), pending);
  EXPECT_EQ(gradient_accounts().size(), 3u);
  EXPECT_EQ(sku("EDR").size(), 24u);
  EXPECT_EQ(json::serialize(status_history()),
            json::serialize(json::parse(R"([{"from":"inactive","to":"pending","by":"vendor"}])")));

  // meterbridge's side is mapped by identity already, and says what it is waiting for.
  json::value show = json::parse(mb("map show gr --json").out);
  for (const auto& w : show.at("workspaces").as_array())
    EXPECT_EQ(w.at("state").as_string(), "mapped") << w;
  json::value listed = json::parse(mb("connectors list --json").out);
  EXPECT_EQ(listed.at(0).at("status").as_string(), "pending");
  EXPECT_NE(str(listed.at(0).at("status_message")).find("can now map"), std::string::npos);

  // The MSP maps straight away; the first sync pushes every count.
  msp_maps_all_but_margie();
  json::object first = sync();
  EXPECT_EQ(outcome(first, "w-north/edr"), "updated");
  EXPECT_EQ(gradient_counts()["w-north/" + sku("EDR")], 12);
}

TEST_F(GradientFlowTest, WhenTheAccountsCannotBeCreatedTheKeyIsKeptAndPendingIsNotSet) {
  import_usage();
  control(
      "POST", "/_sim/faults",
      {{"rules", json::array{json::object{{"kind", 403},
                                          {"method", "GET"},
                                          {"path", "/api/vendor-api/organization/accounts"}}}}});
  RunResult failed = mb("connectors connect gr", R"({"partner_api_key":"pk_456"})");
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.err.find("the platform accepted the credentials (stored), but creating the "
                            "accounts and services on the platform failed"),
            std::string::npos)
      << failed.err;
  EXPECT_NE(failed.err.find("run `meterbridge connectors connect gr` again"), std::string::npos);
  EXPECT_EQ(partner().at("status").as_string(), "inactive") << "no empty mapping wizard";
  json::value listed = json::parse(mb("connectors list --json").out);
  EXPECT_EQ(listed.at(0).at("status").as_string(), "error");
  EXPECT_TRUE(listed.at(0).at("has_credentials").as_bool());

  // Once Gradient answers again, connecting with the stored key completes it.
  control("DELETE", "/_sim/faults");
  RunResult again = mb("connectors connect gr");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("accounts provisioned on the platform: 3 created"), std::string::npos)
      << again.out;
  EXPECT_EQ(partner().at("status").as_string(), "pending");
}

TEST_F(GradientFlowTest, TheFirstTestOfAConnectorWhoseKeysLiveInTheConfigConnectsIt) {
  write_config("pk_456");
  import_usage();
  RunResult first = mb("connectors test gr");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("gr: pending"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("accounts provisioned on the platform: 3 created"), std::string::npos)
      << first.out;
  EXPECT_EQ(partner().at("status").as_string(), "pending");
  EXPECT_EQ(gradient_accounts().size(), 3u);

  // Later tests only check: nothing is created or set.
  control("DELETE", "/_sim/requests");
  RunResult again = mb("connectors test gr");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("gr: pending"), std::string::npos) << again.out;
  EXPECT_EQ(calls(), std::vector<std::string>{"GET /api/vendor-api/organization"});
}

TEST_F(GradientFlowTest, TheCredentialsApiConnectsTheSameWay) {
  import_usage();
  mb::testing::ChildProcess daemon(
      {mb::testing::meterbridge_binary(), "--config", (dir_ / "mb.json").string(), "serve",
       "--no-schedule", "--listen", "127.0.0.1:0"},
      {"MB_SECRET_KEY=" + std::string(64, 'c')});
  std::optional<std::string> line = daemon.read_line();
  ASSERT_TRUE(line.has_value()) << "serve did not start";
  auto port = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  mb::sim::testing::RawHttpConnection api(port);
  auto reply = api.send(
      "PUT", "/v1/connectors/gr/credentials",
      {{"Content-Type", "application/json"}, {"Authorization", std::string("Bearer ") + kApiToken}},
      R"({"partner_api_key":"pk_456"})", std::chrono::seconds(60));
  ASSERT_TRUE(reply.response) << reply.error;
  ASSERT_EQ(reply.response->status, 200) << reply.response->body;
  json::value verdict = json::parse(reply.response->body);
  EXPECT_EQ(verdict.at("status").as_string(), "pending") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("can now map"), std::string::npos) << verdict;
  json::array provisioned = verdict.at("provisioned").as_array();
  ASSERT_EQ(provisioned.size(), 2u) << verdict;
  EXPECT_EQ(str(provisioned[0]), "accounts provisioned on the platform: 3 created");
  EXPECT_EQ(reply.response->body.find("pk_456"), std::string::npos) << "a secret was echoed";
  EXPECT_EQ(partner().at("status").as_string(), "pending");
  EXPECT_EQ(gradient_accounts().size(), 3u);
}

// ---- Statuses the MSP or Gradient set ----------------------------------------------------------

TEST_F(GradientFlowTest, AStatusTheMspOrGradientSetIsReportedAndNeverOverridden) {
  import_usage();
  connect("pk_456");
  msp_maps_all_but_margie();
  sync();
  ASSERT_EQ(partner().at("status").as_string(), "active");

  hook("set-status", {{"status", "disabled"}, {"by", "partner"}});
  RunResult test = mb("connectors test gr");
  EXPECT_NE(test.exit_code, 0);
  EXPECT_NE(test.out.find("gr: error — conflict: Gradient integration with 'Northwind IT' is "
                          "'disabled'"),
            std::string::npos)
      << test.out;
  EXPECT_NE(test.out.find("Ask the MSP to enable it again in Synthesize"), std::string::npos)
      << test.out;
  json::value listed = json::parse(mb("connectors list --json").out);
  EXPECT_EQ(listed.at(0).at("status").as_string(), "error");
  EXPECT_NE(str(listed.at(0).at("status_message")).find("'disabled'"), std::string::npos);

  // Storing the keys again is no reason to override it either.
  RunResult connect_again = mb("connectors connect gr", R"({"partner_api_key":"pk_456"})");
  EXPECT_NE(connect_again.exit_code, 0);
  EXPECT_NE(connect_again.err.find("store them anyway with --force"), std::string::npos)
      << connect_again.err;

  // A sync goes on (Gradient decides what it accepts) and touches no status.
  control("DELETE", "/_sim/requests");
  sync("--force");
  EXPECT_EQ(logged("PATCH", "/api/vendor-api/organization/status/"), 0u);
  EXPECT_EQ(partner().at("status").as_string(), "disabled");

  hook("set-status", {{"status", "error"}, {"by", "gradient"}});
  RunResult error = mb("connectors test gr");
  EXPECT_NE(error.out.find("'error': Gradient marked it as failing"), std::string::npos)
      << error.out;
  EXPECT_EQ(partner().at("status").as_string(), "error");
  EXPECT_EQ(str(status_history().back().at("by")), "gradient");

  // Inactive outside a connect: reported with the way back, which is an explicit reconnect.
  hook("set-status", {{"status", "inactive"}, {"by", "gradient"}});
  RunResult inactive = mb("connectors test gr");
  EXPECT_NE(inactive.exit_code, 0);
  EXPECT_NE(inactive.out.find("run `meterbridge connectors connect`"), std::string::npos)
      << inactive.out;
  EXPECT_EQ(partner().at("status").as_string(), "inactive");
  connect("pk_456");
  EXPECT_EQ(partner().at("status").as_string(), "pending");
  EXPECT_EQ(str(status_history().back().at("by")), "vendor");
}

// ---- Resending unchanged counts ----------------------------------------------------------------

TEST_F(GradientFlowTest, TheScheduledRunResendsEveryAcceptedCountAndOnDemandRunsOnlyChanges) {
  import_usage();
  connect("pk_456");
  msp_maps_all_but_margie();
  sync();
  std::map<std::string, int64_t> accepted = gradient_counts();
  ASSERT_EQ(accepted.size(), 4u);

  // Gradient loses the counts (an MSP remapped, support reset them); nobody tells the vendor.
  hook("drop-counts", {});
  ASSERT_TRUE(gradient_counts().empty());

  // An on-demand run pushes only what changed, and nothing did.
  control("DELETE", "/_sim/requests");
  json::object manual = sync();
  EXPECT_EQ(outcome(manual, "w-north/edr"), "unchanged");
  EXPECT_EQ(count_pushes().size(), 2u) << "only Margie's pairs, never accepted";
  EXPECT_TRUE(gradient_counts().empty());

  // The scheduled daily run sends every count again, as the plugin declares.
  control("DELETE", "/_sim/requests");
  json::object daily = sync("--scheduled");
  EXPECT_EQ(daily.at("trigger").as_string(), "schedule");
  EXPECT_EQ(outcome(daily, "w-north/edr"), "updated");
  EXPECT_EQ(outcome(daily, "w-harbor/email"), "updated");
  EXPECT_EQ(count_pushes().size(), 6u);
  EXPECT_EQ(gradient_counts(), accepted);
  bool noted = false;
  for (const auto& note : daily.at("notes").as_array())
    noted |= str(note).find("unchanged lines are sent again") != std::string::npos;
  EXPECT_TRUE(noted) << daily.at("notes");

  // And the next on-demand run is back to changes only.
  control("DELETE", "/_sim/requests");
  sync();
  EXPECT_EQ(count_pushes().size(), 2u);
}

}  // namespace
