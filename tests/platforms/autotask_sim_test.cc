// The autotask plugin as production runs it — loaded from build/plugins, its manifest's HTTP
// defaults applied to the host's real engine — against the Autotask simulator on loopback.
// The simulator is written from the same reference as the plugin, independently, so these
// tests check the plugin's reading of Autotask against another reading of it.
//
// Tenant used by most tests (effective date 2026-02-01):
//   412  Northwind Dental   contract 9001 (2025-05-01..2027-04-30): service 31 (40), 32 (25)
//   977  Harbor Legal LLP   contract 9002 (2025..2027): 31 (60), 32 (48);
//                           contract 9004 (2026..2027): 31 (7)   -> service 31 is ambiguous
//   1203 Blue Ridge Vet     no contract                          -> no contract line
//   1317 Old Mill Bakery    inactive
//   1450 Summit Accounting  contract 9003 (2023..2025-12-31): 31 (15), expired by 2026-02-01
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/plugin_harness.h"

namespace {

namespace json = boost::json;
using mb::Operation;

constexpr char kUser[] = "meterbridge-api@acme-it.example";
constexpr char kSecret[] = "sim-secret";
constexpr char kCode[] = "MBSIMTRACKINGID";
constexpr char kDate[] = "2026-02-01";
constexpr char kAdjustmentsPath[] = "/ATServicesRest/V1.0/ContractServiceAdjustments";

json::object company(int64_t id, std::string name, bool active = true, int64_t type = 1) {
  return json::object{{"id", id},
                      {"companyName", std::move(name)},
                      {"companyNumber", "C" + std::to_string(id)},
                      {"companyType", type},
                      {"isActive", active}};
}

json::object contract(int64_t id, int64_t company_id, std::string name, std::string start,
                      std::string end) {
  return json::object{{"id", id},
                      {"companyID", company_id},
                      {"contractName", std::move(name)},
                      {"contractType", 7},
                      {"contractPeriodType", 1},
                      {"status", 1},
                      {"startDate", start + "T00:00:00Z"},
                      {"endDate", end + "T00:00:00Z"}};
}

json::object contract_service(int64_t id, int64_t contract_id, int64_t service_id, int64_t units) {
  return json::object{
      {"id", id}, {"contractID", contract_id}, {"serviceID", service_id}, {"units", units}};
}

// The tenant above, plus `filler_companies` active customers without contracts (ids from
// 100000) for paging tests.
std::string tenant_seed(int filler_companies = 0) {
  json::array companies{
      company(0, "Acme IT Services"),          company(174, "Example Security Vendor", true, 7),
      company(412, "Northwind Dental"),        company(977, "Harbor Legal LLP"),
      company(1203, "Blue Ridge Veterinary"),  company(1317, "Old Mill Bakery", false),
      company(1450, "Summit Accounting Group")};
  for (int i = 0; i < filler_companies; ++i)
    companies.push_back(company(100000 + i, "Filler & Co " + std::to_string(i)));
  json::array services{
      json::object{{"id", 31},
                   {"name", "Endpoint Protection - per device"},
                   {"unitPrice", 4.5},
                   {"periodType", 1}},
      json::object{
          {"id", 32}, {"name", "Email Security - per user"}, {"unitPrice", 3.0}, {"periodType", 1}},
      json::object{{"id", 33},
                   {"name", "Secure Messages - per user"},
                   {"unitPrice", 1.5},
                   {"periodType", 1}}};
  json::array contracts{
      contract(9001, 412, "Northwind Dental - Managed Security", "2025-05-01", "2027-04-30"),
      contract(9002, 977, "Harbor Legal - Managed Security", "2025-01-01", "2027-12-31"),
      contract(9003, 1450, "Summit Accounting - Managed Security 2023-2025", "2023-01-01",
               "2025-12-31"),
      contract(9004, 977, "Harbor Legal - Remote Office", "2026-01-01", "2027-12-31")};
  json::array lines{contract_service(55120, 9001, 31, 40), contract_service(55121, 9001, 32, 25),
                    contract_service(55130, 9002, 31, 60), contract_service(55131, 9002, 32, 48),
                    contract_service(55140, 9003, 31, 15), contract_service(55150, 9004, 31, 7)};
  json::array users{json::object{{"userName", kUser},
                                 {"secret", kSecret},
                                 {"integrationCode", kCode},
                                 {"zoneName", "America East 3"},
                                 {"ci", 5}}};
  return json::serialize(json::object{{"companies", companies},
                                      {"services", services},
                                      {"contracts", contracts},
                                      {"contractServices", lines},
                                      {"users", users}});
}

json::object read_line(const std::string& key, int64_t company_id, int64_t service_id) {
  return json::object{{"key", key},
                      {"account_id", std::to_string(company_id)},
                      {"service_id", std::to_string(service_id)},
                      {"metric", "devices"},
                      {"last_pushed", nullptr}};
}

json::object apply_line(const std::string& key, int64_t company_id, int64_t service_id,
                        int64_t target) {
  json::object l = read_line(key, company_id, service_id);
  l.erase("last_pushed");
  l["target"] = target;
  l["expected_current"] = nullptr;
  return l;
}

class AutotaskAgainstSimulator : public ::testing::Test {
 protected:
  void start(const std::string& seed, int latency_ms = 0) {
    mb::sim::SimOptions options;
    options.seed_json = seed;
    options.latency_ms = latency_ms;
    sim_ = mb::sim::Simulator::start("autotask", options);
  }

  // A session that discovers its zone through the simulator's zoneInformation.
  std::unique_ptr<mb::PluginSession> open(const std::string& user = kUser,
                                          const std::string& secret = kSecret,
                                          const std::string& code = kCode) {
    json::object config{{"username", user},
                        {"secret", secret},
                        {"integration_code", code},
                        {"discovery_url", sim_->base_url()}};
    // Short engine backoffs keep fault tests quick; the limits stay the manifest's.
    auto session =
        harness_.open("autotask", json::serialize(config),
                      R"({"backoff_base_ms":20,"backoff_max_ms":200,"timeout_ms":10000})");
    if (!session) throw std::runtime_error(session.status().message());
    return std::move(*session);
  }

  static json::object invoke(mb::PluginSession& session, Operation op, const json::object& input) {
    // The host's write journal, as the sync engine offers it (the engine's own tests check
    // what it records): every intent is accepted, so the plugin may send its writes.
    mb::InvokeHooks hooks;
    hooks.journal_intents = [](std::string_view) { return mb::Status::Ok(); };
    auto result = session.invoke(op, json::serialize(input), hooks);
    if (!result) {
      ADD_FAILURE() << mb::operation_name(op) << " failed: " << result.status().message();
      return {};
    }
    return json::parse(*result).as_object();
  }

  static std::map<std::string, json::object> by_key(const json::object& result) {
    std::map<std::string, json::object> out;
    for (const auto& l : result.at("lines").as_array())
      out[json::value_to<std::string>(l.at("key"))] = l.as_object();
    return out;
  }

  json::object read(mb::PluginSession& session, json::array lines,
                    const std::string& date = kDate) {
    return invoke(session, Operation::kReadQuantities,
                  {{"effective_date", date}, {"lines", std::move(lines)}});
  }

  json::object apply(mb::PluginSession& session, json::array lines,
                     const std::string& date = kDate) {
    return invoke(session, Operation::kApplyQuantities,
                  {{"idempotency_key", "test:run-1:batch-1"},
                   {"effective_date", date},
                   {"lines", std::move(lines)},
                   {"final", true}});
  }

  // Units of one line as the plugin reads them.
  int64_t units_of(mb::PluginSession& session, int64_t company_id, int64_t service_id,
                   const std::string& date = kDate) {
    json::object r = read(session, {read_line("probe", company_id, service_id)}, date);
    return r.at("lines").at(0).at("quantity").as_int64();
  }

  json::value control(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, path, body);
  }

  void set_faults(const std::string& spec) {
    control("POST", "/_sim/faults", json::serialize(json::object{{"spec", spec}}));
  }

  // How often each fault rule fired, in rule order.
  std::vector<int64_t> faults_fired() {
    std::vector<int64_t> fired;
    json::value plan = control("GET", "/_sim/faults");
    for (const auto& rule : plan.at("rules").as_array())
      fired.push_back(rule.at("fired").as_int64());
    return fired;
  }

  // Logged requests whose target starts with `path` (any case), with `method`.
  std::vector<json::object> logged(const std::string& method, const std::string& path) {
    std::vector<json::object> out;
    json::value log = control("GET", "/_sim/requests");
    auto lower = [](std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (const auto& entry : log.at("requests").as_array()) {
      std::string target = lower(json::value_to<std::string>(entry.at("target")));
      if (json::value_to<std::string>(entry.at("method")) == method &&
          target.rfind(lower(path), 0) == 0)
        out.push_back(entry.as_object());
    }
    return out;
  }

  mb::testing::PluginHarness harness_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

// ---- authenticate ----

TEST_F(AutotaskAgainstSimulator, AuthenticatesThroughZoneDiscovery) {
  start(tenant_seed());
  auto session = open();
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "ok") << verdict;
  EXPECT_NE(json::value_to<std::string>(verdict.at("message")).find("America East 3"),
            std::string::npos)
      << verdict;
}

TEST_F(AutotaskAgainstSimulator, ReportsAWrongSecretAsAuthFailed) {
  start(tenant_seed());
  auto session = open(kUser, "not-the-secret");
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "auth_failed") << verdict;
  EXPECT_EQ(json::value_to<std::string>(verdict.at("message")).find("not-the-secret"),
            std::string::npos);
}

TEST_F(AutotaskAgainstSimulator, ReportsARejectedIntegrationCodeWithAutotasksReason) {
  start(tenant_seed());
  auto session = open(kUser, kSecret, "NOT-A-CODE");
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "auth_failed") << verdict;
  EXPECT_NE(json::value_to<std::string>(verdict.at("message")).find("IntegrationCode is invalid"),
            std::string::npos)
      << verdict;
}

TEST_F(AutotaskAgainstSimulator, CallsAnUnknownUserAConfigProblem) {
  start(tenant_seed());
  auto session = open("nobody@acme-it.example");
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "config_invalid") << verdict;
}

// ---- listings ----

TEST_F(AutotaskAgainstSimulator, ListsMoreThanAThousandCompaniesAcrossPages) {
  start(tenant_seed(1200));
  auto session = open();
  std::set<std::string> ids;
  json::value cursor = nullptr;
  int pages = 0;
  for (; pages < 10; ++pages) {
    json::object page = invoke(*session, Operation::kListAccounts,
                               {{"cursor", cursor}, {"search", nullptr}, {"limit", 500}});
    for (const auto& item : page.at("items").as_array())
      ids.insert(json::value_to<std::string>(item.at("id")));
    cursor = page.at("next_cursor");
    if (cursor.is_null()) break;
  }
  // 1,200 fillers + Acme (0), Northwind, Harbor, Blue Ridge, Summit; not the vendor (type 7)
  // nor the inactive bakery.
  EXPECT_EQ(ids.size(), 1205u);
  EXPECT_EQ(pages + 1, 3);
  EXPECT_EQ(ids.count("1317"), 0u);
  EXPECT_EQ(ids.count("174"), 0u);
  auto next_pages = logged("POST", "/ATServicesRest/V1.0/Companies/query/next");
  EXPECT_EQ(next_pages.size(), 2u);
  EXPECT_TRUE(logged("GET", "/ATServicesRest/V1.0/Companies/query").empty());
}

TEST_F(AutotaskAgainstSimulator, ListsActiveServices) {
  start(tenant_seed());
  auto session = open();
  json::object page = invoke(*session, Operation::kListServices,
                             {{"cursor", nullptr}, {"search", "Email"}, {"limit", 500}});
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").at(0).at("id"), "32");
}

// ---- read / apply ----

TEST_F(AutotaskAgainstSimulator, ReadsAMixOfLinesWithTheirReasons) {
  start(tenant_seed());
  auto session = open();
  auto lines = by_key(
      read(*session, {read_line("nw-endpoint", 412, 31), read_line("nw-messages", 412, 33),
                      read_line("harbor-endpoint", 977, 31), read_line("harbor-email", 977, 32),
                      read_line("blue-ridge", 1203, 31), read_line("bakery", 1317, 31),
                      read_line("summit-expired", 1450, 31), read_line("ghost", 424242, 31)}));
  EXPECT_EQ(lines["nw-endpoint"].at("quantity"), 40);
  EXPECT_EQ(lines["nw-messages"].at("reason"), "no_contract_line");
  EXPECT_EQ(lines["harbor-endpoint"].at("reason"), "ambiguous_contract_line");
  std::string ambiguity = json::value_to<std::string>(lines["harbor-endpoint"].at("message"));
  EXPECT_NE(ambiguity.find("9002"), std::string::npos) << ambiguity;
  EXPECT_NE(ambiguity.find("9004"), std::string::npos) << ambiguity;
  EXPECT_EQ(lines["harbor-email"].at("quantity"), 48)
      << "one line among two contracts is not ambiguous";
  EXPECT_EQ(lines["blue-ridge"].at("reason"), "no_contract_line");
  EXPECT_EQ(lines["bakery"].at("reason"), "account_inactive");
  EXPECT_EQ(lines["summit-expired"].at("reason"), "no_contract_line");
  EXPECT_EQ(lines["ghost"].at("reason"), "not_found");
  for (const char* entity : {"Companies", "Contracts", "ContractServices", "ContractServiceUnits"})
    EXPECT_EQ(logged("POST", std::string("/ATServicesRest/V1.0/") + entity + "/query").size(), 1u)
        << entity;
}

TEST_F(AutotaskAgainstSimulator, AppliesTargetsAndARerunWritesNothing) {
  start(tenant_seed());
  auto session = open();
  json::array lines{
      apply_line("nw-endpoint", 412, 31, 52),  apply_line("nw-email", 412, 32, 20),
      apply_line("harbor-email", 977, 32, 48), apply_line("harbor-endpoint", 977, 31, 70),
      apply_line("blue-ridge", 1203, 31, 5),   apply_line("bakery", 1317, 31, 5)};
  auto first = by_key(apply(*session, lines));
  EXPECT_EQ(first["nw-endpoint"].at("outcome"), "updated") << first["nw-endpoint"];
  EXPECT_EQ(first["nw-endpoint"].at("quantity"), 52);
  EXPECT_EQ(first["nw-email"].at("outcome"), "updated") << first["nw-email"];
  EXPECT_EQ(first["harbor-email"].at("outcome"), "unchanged");
  EXPECT_EQ(first["harbor-endpoint"].at("outcome"), "ambiguous_contract_line");
  EXPECT_EQ(first["blue-ridge"].at("outcome"), "no_contract_line");
  EXPECT_EQ(first["bakery"].at("outcome"), "account_inactive");
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 2u);

  EXPECT_EQ(units_of(*session, 412, 31), 52);
  EXPECT_EQ(units_of(*session, 412, 32), 20);
  // The adjustment carries into later periods and leaves earlier ones alone.
  EXPECT_EQ(units_of(*session, 412, 31, "2026-03-15"), 52);
  EXPECT_EQ(units_of(*session, 412, 31, "2026-01-15"), 40);

  // A fresh session, as the next sync opens, with the same usage: zero adjustments.
  auto rerun_session = open();
  auto rerun = by_key(apply(*rerun_session, lines));
  EXPECT_EQ(rerun["nw-endpoint"].at("outcome"), "unchanged");
  EXPECT_EQ(rerun["nw-email"].at("outcome"), "unchanged");
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 2u);
}

TEST_F(AutotaskAgainstSimulator, CarriesTheLineRefFromReadToApply) {
  start(tenant_seed());
  auto session = open();
  json::object read_result = read(*session, {read_line("nw-endpoint", 412, 31)});
  json::object line = apply_line("nw-endpoint", 412, 31, 45);
  line["line_ref"] = read_result.at("lines").at(0).at("line_ref");
  control("DELETE", "/_sim/requests");
  auto result = by_key(apply(*session, {line}));
  EXPECT_EQ(result["nw-endpoint"].at("outcome"), "updated");
  EXPECT_TRUE(logged("POST", "/ATServicesRest/V1.0/Contracts/query").empty())
      << "no second resolution";
  EXPECT_EQ(logged("POST", "/ATServicesRest/V1.0/ContractServiceUnits/query").size(), 1u)
      << "one fresh read";
}

TEST_F(AutotaskAgainstSimulator, ReportsAnEffectiveDateOutsideTheContractWithAutotasksMessage) {
  start(tenant_seed());
  auto session = open();
  // Summit's contract still runs on 2025-12-01; its line_ref is then used past the end date.
  json::object read_result = read(*session, {read_line("summit", 1450, 31)}, "2025-12-01");
  ASSERT_EQ(read_result.at("lines").at(0).at("quantity"), 15);
  json::object line = apply_line("summit", 1450, 31, 20);
  line["line_ref"] = read_result.at("lines").at(0).at("line_ref");
  auto result = by_key(apply(*session, {line}));
  EXPECT_EQ(result["summit"].at("outcome"), "failed") << result["summit"];
  EXPECT_EQ(result["summit"].at("error_class"), "conflict") << result["summit"];
  EXPECT_NE(json::value_to<std::string>(result["summit"].at("message"))
                .find("effectiveDate must be between"),
            std::string::npos)
      << result["summit"];
  EXPECT_EQ(units_of(*session, 1450, 31, "2025-12-01"), 15);
}

TEST_F(AutotaskAgainstSimulator,
       NeverPostsASecondAdjustmentForOneDateAndReportsAutotasksRefusalOfOne) {
  start(tenant_seed());
  auto session = open();
  auto first = by_key(apply(*session, {apply_line("nw-endpoint", 412, 31, 50)}));
  ASSERT_EQ(first["nw-endpoint"].at("outcome"), "updated");

  // Same session (one run), same date, another target: the plugin refuses without posting.
  auto same_run = by_key(apply(*session, {apply_line("nw-endpoint", 412, 31, 55)}));
  EXPECT_EQ(same_run["nw-endpoint"].at("outcome"), "failed");
  EXPECT_EQ(same_run["nw-endpoint"].at("error_class"), "conflict");
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 1u);

  // A later run posts it, and Autotask's own rule refuses a second adjustment for the date.
  auto next_run = by_key(apply(*open(), {apply_line("nw-endpoint", 412, 31, 55)}));
  EXPECT_EQ(next_run["nw-endpoint"].at("outcome"), "failed") << next_run["nw-endpoint"];
  EXPECT_EQ(next_run["nw-endpoint"].at("error_class"), "conflict") << next_run["nw-endpoint"];
  EXPECT_NE(json::value_to<std::string>(next_run["nw-endpoint"].at("message")).find("duplicate"),
            std::string::npos)
      << next_run["nw-endpoint"];
  EXPECT_EQ(units_of(*session, 412, 31), 50);
}

// ---- faults ----

TEST_F(AutotaskAgainstSimulator, SurvivesTheThreadLimitAndTheHourlyThresholdWithExactUnits) {
  start(tenant_seed());
  auto session = open();
  // The thread-limit refusal arrives as a 500 (detected by its text), twice on the write and
  // once on a read; the hourly threshold answers 429 twice.
  set_faults(std::string("throttle:status=500,count=2,method=POST,path=") + kAdjustmentsPath +
             ";throttle:status=500,count=1,path=/ATServicesRest/V1.0/ContractServiceUnits" +
             ";429:count=2,retry_after=1,path=/ATServicesRest/V1.0/Contracts");
  auto result = by_key(apply(
      *session, {apply_line("nw-endpoint", 412, 31, 47), apply_line("nw-email", 412, 32, 30)}));
  EXPECT_EQ(result["nw-endpoint"].at("outcome"), "updated") << result["nw-endpoint"];
  EXPECT_EQ(result["nw-email"].at("outcome"), "updated") << result["nw-email"];
  EXPECT_EQ(faults_fired(), (std::vector<int64_t>{2, 1, 2})) << "every fault was met and outlasted";
  control("DELETE", "/_sim/faults");
  EXPECT_EQ(units_of(*session, 412, 31), 47);
  EXPECT_EQ(units_of(*session, 412, 32), 30);
}

TEST_F(AutotaskAgainstSimulator, AResetAfterTheAdjustmentWasAcceptedDoesNotApplyItTwice) {
  start(tenant_seed());
  auto session = open();
  set_faults(std::string("reset:count=1,method=POST,path=") + kAdjustmentsPath);
  auto result = by_key(apply(*session, {apply_line("nw-endpoint", 412, 31, 50)}));
  EXPECT_EQ(result["nw-endpoint"].at("outcome"), "updated") << result["nw-endpoint"];
  EXPECT_EQ(result["nw-endpoint"].at("quantity"), 50);
  EXPECT_EQ(faults_fired(), std::vector<int64_t>{1});
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 1u)
      << "settled by re-reading, not by resending";
  EXPECT_EQ(units_of(*session, 412, 31), 50);
}

TEST_F(AutotaskAgainstSimulator, AnAdjustmentLostBeforeAutotaskAppliedItIsReportedNotGuessed) {
  start(tenant_seed());
  auto session = open();
  set_faults(std::string("503:count=1,method=POST,path=") + kAdjustmentsPath);
  auto result = by_key(apply(*session, {apply_line("nw-endpoint", 412, 31, 50)}));
  EXPECT_EQ(result["nw-endpoint"].at("outcome"), "failed") << result["nw-endpoint"];
  EXPECT_EQ(result["nw-endpoint"].at("error_class"), "retry");
  EXPECT_EQ(result["nw-endpoint"].at("quantity"), 40) << "the re-read shows the write did not land";
  EXPECT_EQ(faults_fired(), std::vector<int64_t>{1});
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 1u);

  // The next run re-reads and writes it once.
  auto retry = by_key(apply(*open(), {apply_line("nw-endpoint", 412, 31, 50)}));
  EXPECT_EQ(retry["nw-endpoint"].at("outcome"), "updated");
  EXPECT_EQ(units_of(*session, 412, 31), 50);
}

// docs/platforms/autotask.md promises a sync of N lines with M changes costs
// 1 + 4·⌈N/500⌉ + ⌈M/500⌉ + M calls; the benchmark relies on it.
TEST_F(AutotaskAgainstSimulator, ASyncCostsWhatTheDocumentedFormulaSays) {
  // 600 companies, each with a contract carrying service 31 at `i % 50` units.
  json::object seed = json::parse(tenant_seed()).as_object();
  json::array lines_to_read;
  for (int64_t i = 0; i < 600; ++i) {
    int64_t company_id = 200000 + i;
    seed.at("companies").as_array().push_back(company(company_id, "Bulk " + std::to_string(i)));
    seed.at("contracts")
        .as_array()
        .push_back(contract(300000 + i, company_id, "Bulk contract " + std::to_string(i),
                            "2025-01-01", "2027-12-31"));
    seed.at("contractServices")
        .as_array()
        .push_back(contract_service(400000 + i, 300000 + i, 31, i % 50));
    lines_to_read.push_back(read_line("bulk-" + std::to_string(i), company_id, 31));
  }
  start(json::serialize(seed));
  auto session = open();

  json::object read_result = read(*session, lines_to_read);
  auto current = by_key(read_result);
  for (int64_t i = 0; i < 600; ++i)
    EXPECT_EQ(current["bulk-" + std::to_string(i)].at("quantity"), i % 50);
  for (const char* entity : {"Companies", "Contracts", "ContractServices", "ContractServiceUnits"})
    EXPECT_EQ(logged("POST", std::string("/ATServicesRest/V1.0/") + entity + "/query").size(), 2u)
        << entity << ": two in-filters of at most 500";

  // As the host does: only the changed lines go to apply, each with the line_ref it read.
  json::array changed;
  for (int64_t i = 0; i < 10; ++i) {
    std::string key = "bulk-" + std::to_string(i);
    json::object line = apply_line(key, 200000 + i, 31, 99);
    line["line_ref"] = current[key].at("line_ref");
    changed.push_back(std::move(line));
  }
  auto applied = by_key(apply(*session, changed));
  for (const auto& [key, line] : applied) EXPECT_EQ(line.at("outcome"), "updated") << key;
  EXPECT_EQ(logged("POST", kAdjustmentsPath).size(), 10u) << "one adjustment per changed line";

  size_t calls = control("GET", "/_sim/requests").at("requests").as_array().size();
  EXPECT_EQ(calls, 1u + 4 * 2 + 1 + 10);
}

TEST_F(AutotaskAgainstSimulator, KeepsToThreeConcurrentRequestsPerEntity) {
  start(tenant_seed(1500), 30);
  auto session = open();
  json::array lines;
  for (int i = 0; i < 1500; ++i)
    lines.push_back(read_line("filler-" + std::to_string(i), 100000 + i, 31));
  json::object result = read(*session, std::move(lines));
  EXPECT_EQ(result.at("lines").as_array().size(), 1500u);
  EXPECT_EQ(logged("POST", "/ATServicesRest/V1.0/Companies/query").size(), 3u)
      << "in-filters of 500";
  json::value stats = control("GET", "/_sim/stats");
  for (const auto& [endpoint, counters] : stats.at("endpoints").as_object()) {
    EXPECT_LE(counters.at("max_in_flight").as_int64(), 3) << endpoint;
    EXPECT_EQ(counters.at("throttled").as_int64(), 0) << endpoint;
  }
}

}  // namespace
