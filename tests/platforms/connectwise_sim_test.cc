// The connectwise plugin as production runs it — loaded from build/plugins, its manifest's HTTP
// defaults applied to the host's real engine — against the ConnectWise simulator on loopback.
// The simulator is written from the same reference as the plugin, independently, so these
// tests check the plugin's reading of ConnectWise against another reading of it.
//
// Tenant used by most tests (catalog 55 EPP-DEVICE, 56 EMAIL-USER, 57 LEGACY-AV inactive):
//   250 Northwind Dental         agreement 9001: 55 (40), 56 (25)
//   251 Harbor Legal LLP         agreement 9002: 55 cancelled (10) and 55 (12)   -> 12
//   252 Margie's Travel & Tours  agreements 9003: 55 (5), 56 (7); 9005: 55 (2)  -> 55 ambiguous
//   253 The "Quoted" Company     no agreement                                   -> no contract line
//   254 Old Client Ltd           deleted                                        -> account inactive
//   255 Lapsed Partners          only a cancelled agreement 9006: 55 (9)        -> no contract line
//   256 O'Neil "Best" Partners   agreement 9007: 56 (3)
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
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

constexpr char kClientId[] = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
constexpr char kAdditionsPath[] = "/v2025_1/apis/3.0/finance/agreements/";

std::string tenant_seed(const json::array& forbidden = {}) {
  auto company = [](int64_t id, const char* identifier, const char* name) {
    return json::object{{"id", id}, {"identifier", identifier}, {"name", name}};
  };
  json::array companies{company(250, "NWD", "Northwind Dental"),
                        company(251, "HarborLegal", "Harbor Legal LLP"),
                        company(252, "MargiesTravel", "Margie's Travel & Tours"),
                        company(253, "QuotedCo", "The \"Quoted\" Company"),
                        company(254, "OldClient", "Old Client Ltd"),
                        company(255, "Lapsed", "Lapsed Partners"),
                        company(256, "ONeilBest", "O'Neil \"Best\" Partners")};
  companies[4].as_object()["deletedFlag"] = true;
  auto item = [](int64_t id, const char* identifier, const char* description) {
    return json::object{{"id", id},
                        {"identifier", identifier},
                        {"description", description},
                        {"recurringFlag", true}};
  };
  json::array catalog{item(55, "EPP-DEVICE", "Endpoint protection per device"),
                      item(56, "EMAIL-USER", "Email security per user"),
                      item(57, "LEGACY-AV", "Legacy antivirus")};
  catalog[2].as_object()["inactiveFlag"] = true;
  auto agreement = [](int64_t id, const char* name, int64_t company_id) {
    return json::object{{"id", id}, {"name", name}, {"company", json::object{{"id", company_id}}}};
  };
  json::array agreements{agreement(9001, "Managed Security", 250),
                         agreement(9002, "Managed Security", 251),
                         agreement(9003, "Managed Security", 252),
                         agreement(9005, "Managed Security - Add-on", 252),
                         agreement(9006, "Managed Security (2024)", 255),
                         agreement(9007, "Managed Security", 256)};
  agreements[4].as_object()["agreementStatus"] = "Cancelled";
  agreements[4].as_object()["cancelledFlag"] = true;
  auto addition = [](int64_t id, int64_t agreement_id, int64_t product, int64_t quantity) {
    return json::object{{"id", id},
                        {"agreementId", agreement_id},
                        {"product", json::object{{"id", product}}},
                        {"quantity", quantity}};
  };
  json::array additions{
      addition(77, 9001, 55, 40), addition(78, 9001, 56, 25), addition(79, 9002, 55, 10),
      addition(80, 9002, 55, 12), addition(81, 9003, 55, 5),  addition(82, 9005, 55, 2),
      addition(83, 9006, 55, 9),  addition(84, 9007, 56, 3),  addition(85, 9003, 56, 7)};
  additions[2].as_object()["cancelledDate"] = "2025-06-30T00:00:00Z";
  json::array members{
      json::object{{"publicKey", "Pk7hQ2"}, {"privateKey", "Sx9mR4"}, {"forbidden", forbidden}}};
  return json::serialize(json::object{{"apiMembers", members},
                                      {"companies", companies},
                                      {"catalog", catalog},
                                      {"agreements", agreements},
                                      {"additions", additions}});
}

json::object read_line(const std::string& key, int64_t company_id, int64_t product_id) {
  return json::object{{"key", key},
                      {"account_id", std::to_string(company_id)},
                      {"service_id", std::to_string(product_id)},
                      {"metric", "devices"},
                      {"last_pushed", nullptr}};
}

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

class ConnectWiseAgainstSimulator : public ::testing::Test {
 protected:
  void start(const std::string& seed, const std::string& generate = "") {
    mb::sim::SimOptions options;
    options.seed_json = seed;
    options.generate = generate;
    sim_ = mb::sim::Simulator::start("connectwise", options);
  }

  std::unique_ptr<mb::PluginSession> open(json::object overrides = {},
                                          const std::string& http = "") {
    json::object config{{"company_id", "northwind"}, {"site", "na.myconnectwise.net"},
                        {"public_key", "Pk7hQ2"},    {"private_key", "Sx9mR4"},
                        {"client_id", kClientId},    {"base_url", sim_->base_url()}};
    for (auto& [k, v] : overrides) config[k] = v;
    // Short engine backoffs keep fault tests quick; the limits stay the manifest's.
    auto session = harness_.open(
        "connectwise", json::serialize(config),
        http.empty() ? R"({"backoff_base_ms":20,"backoff_max_ms":200,"timeout_ms":10000})" : http);
    if (!session) throw std::runtime_error(session.status().message());
    return std::move(*session);
  }

  static json::object invoke(mb::PluginSession& session, Operation op, const json::object& input) {
    auto result = session.invoke(op, json::serialize(input));
    if (!result) {
      ADD_FAILURE() << mb::operation_name(op) << " failed: " << result.status().message();
      return {};
    }
    return json::parse(*result).as_object();
  }

  static std::map<std::string, json::object> by_key(const json::object& result) {
    std::map<std::string, json::object> out;
    for (const auto& l : result.at("lines").as_array()) out[str(l.at("key"))] = l.as_object();
    return out;
  }

  json::object read(mb::PluginSession& session, json::array lines) {
    return invoke(session, Operation::kReadQuantities,
                  {{"effective_date", "2026-01-01"}, {"lines", std::move(lines)}});
  }

  json::object apply(mb::PluginSession& session, json::array lines) {
    return invoke(session, Operation::kApplyQuantities,
                  {{"idempotency_key", "test:run-1:batch-1"},
                   {"effective_date", "2026-01-01"},
                   {"lines", std::move(lines)},
                   {"final", true}});
  }

  // What the host's sync does with absolute targets: read, then apply only the lines whose
  // current quantity differs, carrying the read's line_ref. Returns the apply result (or an
  // empty object when nothing changed).
  json::object sync(mb::PluginSession& session,
                    const std::map<std::string, std::pair<json::object, int64_t>>& targets) {
    json::array lines;
    for (const auto& [key, line] : targets) lines.push_back(line.first);
    auto current = by_key(read(session, lines));
    json::array changes;
    for (const auto& [key, line] : targets) {
      const json::object& c = current.at(key);
      if (!c.at("reason").is_null()) continue;
      if (c.at("quantity").is_int64() && c.at("quantity").as_int64() == line.second) continue;
      json::object change = line.first;
      change.erase("last_pushed");
      change["target"] = line.second;
      change["expected_current"] = c.at("quantity");
      change["line_ref"] = c.at("line_ref");
      changes.push_back(std::move(change));
    }
    if (changes.empty()) return {};
    return apply(session, std::move(changes));
  }

  json::value control(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, path, body);
  }

  void set_faults(const std::string& spec) {
    control("POST", "/_sim/faults", json::serialize(json::object{{"spec", spec}}));
  }

  std::vector<int64_t> faults_fired() {
    std::vector<int64_t> fired;
    json::value plan = control("GET", "/_sim/faults");
    for (const auto& rule : plan.at("rules").as_array())
      fired.push_back(rule.at("fired").as_int64());
    return fired;
  }

  // Logged requests with `method` whose target starts with `path` (any case).
  std::vector<json::object> logged(const std::string& method, const std::string& path = "/") {
    auto lower = [](std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    std::vector<json::object> out;
    json::value log = control("GET", "/_sim/requests?limit=100000");
    for (const auto& entry : log.at("requests").as_array()) {
      if (str(entry.at("method")) == method &&
          lower(str(entry.at("target"))).rfind(lower(path), 0) == 0)
        out.push_back(entry.as_object());
    }
    return out;
  }

  // The quantity the simulator holds for an addition.
  double quantity_of(int64_t addition_id) {
    json::value state = control("GET", "/_sim/state");
    for (const auto& a : state.at("additions").as_array())
      if (a.at("id").to_number<int64_t>() == addition_id)
        return a.at("quantity").to_number<double>();
    ADD_FAILURE() << "no addition " << addition_id;
    return -1;
  }

  mb::testing::PluginHarness harness_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

// ---- authenticate -------------------------------------------------------------------------------

TEST_F(ConnectWiseAgainstSimulator, AuthenticatesAndSendsClientIdAndCredentialsOnEveryCall) {
  start(tenant_seed());
  auto session = open();
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "ok") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("v2025_1/"), std::string::npos) << verdict;

  std::vector<json::object> all = logged("GET");
  ASSERT_EQ(all.size(), 4u) << "companyinfo and three permission probes";
  for (const json::object& entry : all) {
    const json::object& headers = entry.at("headers").as_object();
    ASSERT_TRUE(headers.contains("clientid")) << entry;
    EXPECT_EQ(headers.at("clientid"), kClientId);
    if (str(entry.at("target")).rfind("/login/companyinfo/", 0) == 0) continue;
    EXPECT_EQ(headers.at("authorization"), "Basic bm9ydGh3aW5kK1BrN2hRMjpTeDltUjQ=");
    EXPECT_EQ(
        str(headers.at("accept")).rfind("application/vnd.connectwise.com+json; version=2025.16", 0),
        0u);
    EXPECT_EQ(entry.at("status"), 200) << entry;
  }
}

TEST_F(ConnectWiseAgainstSimulator, ReportsABadPrivateKeyAsAuthFailedWithTheReason) {
  start(tenant_seed());
  auto session = open({{"private_key", "WrongKey9"}});
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "auth_failed") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("HTTP 401"), std::string::npos) << verdict;
  EXPECT_EQ(str(verdict.at("message")).find("WrongKey9"), std::string::npos);
}

TEST_F(ConnectWiseAgainstSimulator, CallsAnUnknownCompanyAConfigProblem) {
  start(tenant_seed());
  auto session = open({{"company_id", "southwind"}});
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "config_invalid") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("'southwind'"), std::string::npos) << verdict;
  EXPECT_TRUE(logged("GET", "/v2025_1/").empty()) << "no API call without a codebase";
}

TEST_F(ConnectWiseAgainstSimulator, NamesTheRolePermissionTheApiMemberLacks) {
  start(tenant_seed(json::array{"finance/agreements"}));
  auto session = open();
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "auth_failed") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("Finance > Agreements"), std::string::npos) << verdict;
}

TEST_F(ConnectWiseAgainstSimulator, CallsAnUnsupportedApiVersionAConfigProblem) {
  start(tenant_seed());
  auto session = open({{"api_version", "2014.1"}});
  json::object verdict = invoke(*session, Operation::kAuthenticate, json::object{});
  EXPECT_EQ(verdict.at("status"), "config_invalid") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("does not support the API version"), std::string::npos)
      << verdict;
}

// ---- listings -----------------------------------------------------------------------------------

TEST_F(ConnectWiseAgainstSimulator, ListsMoreThanTwoThousandCompaniesInPagesOfAThousand) {
  start("", "companies=2100,seed=7");
  std::set<std::string> expected;
  json::value state = control("GET", "/_sim/state");
  for (const auto& c : state.at("companies").as_array())
    if (!c.as_object().contains("deletedFlag") || !c.at("deletedFlag").as_bool())
      expected.insert(std::to_string(c.at("id").to_number<int64_t>()));
  ASSERT_GT(expected.size(), 2000u);

  auto session = open();
  std::set<std::string> listed;
  size_t items = 0;
  json::value cursor = nullptr;
  for (int page = 0; page < 10; ++page) {  // the host's loop, bounded
    json::object r = invoke(*session, Operation::kListAccounts,
                            {{"cursor", cursor}, {"search", nullptr}, {"limit", 500}});
    for (const auto& item : r.at("items").as_array()) {
      listed.insert(str(item.at("id")));
      ++items;
    }
    cursor = r.at("next_cursor");
    if (cursor.is_null()) break;
  }
  EXPECT_TRUE(cursor.is_null());
  EXPECT_EQ(items, listed.size()) << "no company twice";
  EXPECT_EQ(listed, expected);
  std::vector<json::object> pages = logged("GET", "/v2025_1/apis/3.0/company/companies");
  EXPECT_EQ(pages.size(), (expected.size() + 999) / 1000);
  for (const json::object& p : pages)
    EXPECT_NE(str(p.at("target")).find("pageSize=1000"), std::string::npos);
}

TEST_F(ConnectWiseAgainstSimulator, ListsAndSearchesNamesWithQuotesAndAmpersands) {
  start(tenant_seed());
  auto session = open();
  json::object all = invoke(*session, Operation::kListAccounts,
                            {{"cursor", nullptr}, {"search", nullptr}, {"limit", 500}});
  std::map<std::string, std::string> names;
  for (const auto& item : all.at("items").as_array())
    names[str(item.at("id"))] = str(item.at("name"));
  EXPECT_EQ(names.at("252"), "Margie's Travel & Tours");
  EXPECT_EQ(names.at("253"), "The \"Quoted\" Company");
  EXPECT_EQ(names.count("254"), 0u) << "deleted companies are not listed";

  auto search = [&](const std::string& text) {
    json::object r = invoke(*session, Operation::kListAccounts,
                            {{"cursor", nullptr}, {"search", text}, {"limit", 500}});
    std::vector<std::string> ids;
    for (const auto& item : r.at("items").as_array()) ids.push_back(str(item.at("id")));
    return ids;
  };
  EXPECT_EQ(search("Margie's Travel & Tours"), std::vector<std::string>{"252"});
  EXPECT_EQ(search("\"Quoted\""), std::vector<std::string>{"253"});
  EXPECT_EQ(search("O'Neil \"Best\""), std::vector<std::string>{"256"});
  EXPECT_EQ(search("harbor legal"), std::vector<std::string>{"251"});
  for (const json::object& entry : logged("GET", "/v2025_1/apis/3.0/company/companies"))
    EXPECT_EQ(entry.at("status"), 200) << entry;
}

TEST_F(ConnectWiseAgainstSimulator, ListsActiveCatalogItems) {
  start(tenant_seed());
  auto session = open();
  json::object r = invoke(*session, Operation::kListServices,
                          {{"cursor", nullptr}, {"search", nullptr}, {"limit", 500}});
  std::vector<std::string> ids;
  for (const auto& item : r.at("items").as_array()) ids.push_back(str(item.at("id")));
  EXPECT_EQ(ids, (std::vector<std::string>{"55", "56"}));
  EXPECT_EQ(r.at("items").at(0).at("details").at("identifier"), "EPP-DEVICE");
}

// ---- read_quantities ----------------------------------------------------------------------------

TEST_F(ConnectWiseAgainstSimulator, ReadsEveryKindOfContractLineInBulk) {
  start(tenant_seed());
  auto session = open();
  json::object r =
      read(*session, {read_line("nwd-ep", 250, 55), read_line("nwd-mail", 250, 56),
                      read_line("harbor-ep", 251, 55), read_line("harbor-mail", 251, 56),
                      read_line("margie-ep", 252, 55), read_line("margie-mail", 252, 56),
                      read_line("quoted-ep", 253, 55), read_line("old-ep", 254, 55),
                      read_line("lapsed-ep", 255, 55), read_line("nobody-ep", 999, 55),
                      read_line("oneil-mail", 256, 56)});
  auto lines = by_key(r);
  EXPECT_EQ(lines.at("nwd-ep").at("quantity"), 40);
  EXPECT_EQ(lines.at("nwd-ep").at("line_ref"),
            (json::value{{"agreement_id", 9001}, {"addition_id", 77}}));
  EXPECT_EQ(lines.at("nwd-mail").at("quantity"), 25);
  EXPECT_EQ(lines.at("harbor-ep").at("quantity"), 12) << "the cancelled addition is ignored";
  EXPECT_EQ(lines.at("harbor-mail").at("reason"), "no_contract_line");
  EXPECT_NE(str(lines.at("harbor-mail").at("message")).find("9002 \"Managed Security\""),
            std::string::npos);
  EXPECT_EQ(lines.at("margie-ep").at("reason"), "ambiguous_contract_line");
  std::string ambiguous = str(lines.at("margie-ep").at("message"));
  EXPECT_NE(ambiguous.find("agreement 9003"), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find("agreement 9005"), std::string::npos) << ambiguous;
  EXPECT_EQ(lines.at("margie-mail").at("quantity"), 7);
  EXPECT_EQ(lines.at("quoted-ep").at("reason"), "no_contract_line");
  EXPECT_EQ(lines.at("old-ep").at("reason"), "account_inactive");
  EXPECT_EQ(lines.at("lapsed-ep").at("reason"), "no_contract_line")
      << "a cancelled agreement does not count";
  EXPECT_EQ(lines.at("nobody-ep").at("reason"), "not_found");
  EXPECT_EQ(lines.at("oneil-mail").at("quantity"), 3);

  // One agreements query for all seven companies, one additions read per active agreement,
  // and one look-up for the companies without an active agreement.
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/finance/agreements?").size(), 1u);
  EXPECT_EQ(logged("GET", kAdditionsPath).size(), 5u);
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/company/companies").size(), 1u);
}

TEST_F(ConnectWiseAgainstSimulator, ReadsAGeneratedTenantExactlyAsItsStateSays) {
  start("", "companies=300,products=4,seed=11");
  // Work out the expected answer from the simulator's state, independently of the plugin.
  json::value state = control("GET", "/_sim/state");
  std::map<int64_t, std::vector<int64_t>> active_agreements;  // company -> agreements
  std::map<int64_t, int64_t> agreement_company;
  for (const auto& a : state.at("agreements").as_array()) {
    if (str(a.at("agreementStatus")) != "Active") continue;
    int64_t company = a.at("company").at("id").to_number<int64_t>();
    active_agreements[company].push_back(a.at("id").to_number<int64_t>());
    agreement_company[a.at("id").to_number<int64_t>()] = company;
  }
  std::map<std::pair<int64_t, int64_t>, std::vector<double>>
      live;  // (company, product) -> quantities
  for (const auto& a : state.at("additions").as_array()) {
    const json::object& o = a.as_object();
    if (o.contains("cancelledDate") && !o.at("cancelledDate").is_null()) continue;
    auto it = agreement_company.find(o.at("agreementId").to_number<int64_t>());
    if (it == agreement_company.end()) continue;
    live[{it->second, o.at("product").at("id").to_number<int64_t>()}].push_back(
        o.at("quantity").to_number<double>());
  }
  json::array lines;
  for (int64_t company = 250; company < 550; ++company)
    for (int64_t product = 55; product < 59; ++product)
      lines.push_back(
          read_line(std::to_string(company) + "/" + std::to_string(product), company, product));

  // Unthrottled engine: this test is about answers and request counts, not pacing.
  auto session = open({}, R"({"requests_per_second":0})");
  auto got = by_key(read(*session, lines));
  size_t found = 0, ambiguous = 0, missing = 0;
  for (int64_t company = 250; company < 550; ++company) {
    for (int64_t product = 55; product < 59; ++product) {
      const json::object& line = got.at(std::to_string(company) + "/" + std::to_string(product));
      auto it = live.find({company, product});
      size_t n = it == live.end() ? 0 : it->second.size();
      if (n == 1) {
        ++found;
        EXPECT_EQ(line.at("quantity").to_number<double>(), it->second[0])
            << company << "/" << product;
      } else if (n > 1) {
        ++ambiguous;
        EXPECT_EQ(line.at("reason"), "ambiguous_contract_line") << company << "/" << product;
      } else {
        ++missing;
        EXPECT_TRUE(line.at("reason") == "no_contract_line" ||
                    line.at("reason") == "account_inactive")
            << company << "/" << product << " " << line;
      }
    }
  }
  EXPECT_GT(found, 1000u);
  EXPECT_GT(ambiguous, 0u);
  EXPECT_GT(missing, 0u);

  // The documented minimum: agreements in two URL-sized queries, one read per active agreement,
  // one look-up for the companies without an agreement; nothing per line.
  size_t agreements = 0;
  for (const auto& [company, ids] : active_agreements)
    if (company >= 250 && company < 550) agreements += ids.size();
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/finance/agreements?").size(), 2u);
  EXPECT_EQ(logged("GET", kAdditionsPath).size(), agreements);
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/company/companies").size(), 1u);
}

// ---- apply_quantities ---------------------------------------------------------------------------

std::map<std::string, std::pair<json::object, int64_t>> tenant_targets() {
  return {{"nwd-ep", {read_line("nwd-ep", 250, 55), 43}},
          {"nwd-mail", {read_line("nwd-mail", 250, 56), 25}},
          {"harbor-ep", {read_line("harbor-ep", 251, 55), 15}},
          {"margie-mail", {read_line("margie-mail", 252, 56), 9}},
          {"oneil-mail", {read_line("oneil-mail", 256, 56), 3}}};
}

TEST_F(ConnectWiseAgainstSimulator, AppliesChangedLinesWithJsonPatchAndARerunPatchesNothing) {
  start(tenant_seed());
  auto session = open();
  json::object first = sync(*session, tenant_targets());
  auto outcomes = by_key(first);
  ASSERT_EQ(outcomes.size(), 3u) << first;
  for (const auto& [key, line] : outcomes)
    EXPECT_EQ(line.at("outcome"), "updated") << key << " " << line;
  EXPECT_EQ(outcomes.at("nwd-ep").at("quantity"), 43);
  EXPECT_EQ(quantity_of(77), 43);
  EXPECT_EQ(quantity_of(78), 25);
  EXPECT_EQ(quantity_of(80), 15);
  EXPECT_EQ(quantity_of(79), 10) << "the cancelled addition is untouched";
  EXPECT_EQ(quantity_of(85), 9);

  std::vector<json::object> patches = logged("PATCH");
  ASSERT_EQ(patches.size(), 3u);
  for (const json::object& p : patches) {
    json::value body = json::parse(str(p.at("body")));
    ASSERT_TRUE(body.is_array()) << p;
    EXPECT_EQ(body.at(0).at("op"), "replace");
    EXPECT_EQ(body.at(0).at("path"), "quantity");
    EXPECT_EQ(p.at("status"), 200);
  }
  EXPECT_TRUE(logged("PUT").empty());
  EXPECT_TRUE(logged("POST").empty());

  EXPECT_TRUE(sync(*session, tenant_targets()).empty())
      << "the rerun finds every line at its target";
  EXPECT_EQ(logged("PATCH").size(), 3u);
}

TEST_F(ConnectWiseAgainstSimulator, ApplyWithoutLineRefResolvesAndLeavesLinesAtTargetAlone) {
  start(tenant_seed());
  auto session = open();
  json::array lines;
  for (const auto& [key, line] : tenant_targets()) {
    json::object l = line.first;
    l.erase("last_pushed");
    l["target"] = line.second;
    l["expected_current"] = nullptr;
    lines.push_back(std::move(l));
  }
  json::object quoted = read_line("quoted-ep", 253, 55);
  quoted.erase("last_pushed");
  quoted["target"] = 4;
  lines.push_back(quoted);
  auto outcomes = by_key(apply(*session, lines));
  EXPECT_EQ(outcomes.at("nwd-ep").at("outcome"), "updated");
  EXPECT_EQ(outcomes.at("nwd-mail").at("outcome"), "unchanged");
  EXPECT_EQ(outcomes.at("oneil-mail").at("outcome"), "unchanged");
  EXPECT_EQ(outcomes.at("quoted-ep").at("outcome"), "no_contract_line");
  EXPECT_EQ(logged("PATCH").size(), 3u);
  EXPECT_EQ(quantity_of(80), 15);
}

TEST_F(ConnectWiseAgainstSimulator, ReportsAmbiguousAndMissingLinesWhenApplying) {
  start(tenant_seed());
  auto session = open();
  json::object margie = read_line("margie-ep", 252, 55);
  margie["target"] = 6;
  json::object harbor = read_line("harbor-mail", 251, 56);
  harbor["target"] = 6;
  auto outcomes = by_key(apply(*session, {margie, harbor}));
  EXPECT_EQ(outcomes.at("margie-ep").at("outcome"), "ambiguous_contract_line");
  EXPECT_EQ(outcomes.at("harbor-mail").at("outcome"), "no_contract_line");
  EXPECT_TRUE(logged("PATCH").empty());
}

TEST_F(ConnectWiseAgainstSimulator, SurvivesA429StormWithExactFinalQuantities) {
  start(tenant_seed());
  auto session = open();
  // The additions reads and the PATCHes, running concurrently, are refused twelve times in all;
  // no single request more often than the manifest's six retries allow.
  set_faults("429:after=2,count=6,retry_after=1,method=GET;429:count=6,retry_after=1,method=PATCH");
  json::object first = sync(*session, tenant_targets());
  for (const auto& [key, line] : by_key(first))
    EXPECT_EQ(line.at("outcome"), "updated") << key << " " << line;
  EXPECT_EQ(faults_fired(), (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(quantity_of(77), 43);
  EXPECT_EQ(quantity_of(78), 25);
  EXPECT_EQ(quantity_of(80), 15);
  EXPECT_EQ(quantity_of(85), 9);
  EXPECT_EQ(quantity_of(84), 3);

  std::vector<json::object> patches = logged("PATCH");
  size_t accepted = std::count_if(patches.begin(), patches.end(),
                                  [](const json::object& p) { return p.at("status") == 200; });
  EXPECT_EQ(accepted, 3u) << "each changed line written exactly once";
  EXPECT_TRUE(sync(*session, tenant_targets()).empty());
}

TEST_F(ConnectWiseAgainstSimulator,
       APatchAppliedButNeverAnsweredIsConfirmedByReReadingNotReplayed) {
  start(tenant_seed());
  auto session = open();
  set_faults("drop:handled=true,method=PATCH,count=1");
  auto targets = tenant_targets();
  std::map<std::string, std::pair<json::object, int64_t>> one{{"nwd-ep", targets.at("nwd-ep")}};
  auto outcomes = by_key(sync(*session, one));
  EXPECT_EQ(outcomes.at("nwd-ep").at("outcome"), "updated") << outcomes.at("nwd-ep");
  EXPECT_EQ(quantity_of(77), 43);
  EXPECT_EQ(logged("PATCH").size(), 1u) << "never sent twice";
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/finance/agreements/9001/additions/77").size(), 1u);
}

TEST_F(ConnectWiseAgainstSimulator, APatchLostBeforeItLandedIsSentAgainAfterTheReRead) {
  start(tenant_seed());
  auto session = open();
  set_faults("503:method=PATCH,count=1");
  auto targets = tenant_targets();
  std::map<std::string, std::pair<json::object, int64_t>> one{
      {"harbor-ep", targets.at("harbor-ep")}};
  auto outcomes = by_key(sync(*session, one));
  EXPECT_EQ(outcomes.at("harbor-ep").at("outcome"), "updated") << outcomes.at("harbor-ep");
  EXPECT_EQ(quantity_of(80), 15);
  EXPECT_EQ(logged("PATCH").size(), 2u) << "a 5xx PATCH is not retried by the engine";
  EXPECT_EQ(logged("GET", "/v2025_1/apis/3.0/finance/agreements/9002/additions/80").size(), 1u);
}

TEST_F(ConnectWiseAgainstSimulator, ServerErrorsOnReadsAreRetriedByTheEngine) {
  start(tenant_seed());
  auto session = open();
  set_faults("500:method=GET,path=/v2025_1/apis/3.0/finance,count=2");
  auto lines = by_key(read(*session, {read_line("nwd-ep", 250, 55)}));
  EXPECT_EQ(lines.at("nwd-ep").at("quantity"), 40);
  EXPECT_EQ(faults_fired(), (std::vector<int64_t>{2}));
}

// ---- codebase -----------------------------------------------------------------------------------

TEST_F(ConnectWiseAgainstSimulator, FollowsACodebaseChangeAfterAnUpgrade) {
  start(tenant_seed());
  auto session = open();
  auto before = by_key(read(*session, {read_line("nwd-ep", 250, 55)}));
  EXPECT_EQ(before.at("nwd-ep").at("quantity"), 40);
  control("POST", "/_sim/settings", R"({"codebase":"v2025_2/"})");

  auto after = by_key(read(*session, {read_line("nwd-ep", 250, 55)}));
  EXPECT_EQ(after.at("nwd-ep").at("quantity"), 40);
  EXPECT_EQ(logged("GET", "/login/companyinfo/").size(), 2u)
      << "discovered once more, after the 404";
  EXPECT_FALSE(logged("GET", "/v2025_2/apis/3.0/finance/agreements").empty());
}

}  // namespace
