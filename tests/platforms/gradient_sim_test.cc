// The gradient plugin as production runs it — loaded from build/plugins, its manifest's HTTP
// defaults applied to the host's real engine — against the Gradient simulator on loopback. The
// simulator is written from the same reference as the plugin, independently, so these tests
// check the plugin's reading of Gradient against another reading of it.
//
// Vendor "Coro" (vendor key vk_live_123) has one service, "Coro Email Security" (…e778).
// Partner Northwind IT (pk_456) starts inactive, with no accounts and three PSA clients named
// like the workspaces w-north, w-harbor and w-margie.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/gradient_state.h"
#include "tests/testing/plugin_harness.h"

namespace {

namespace json = boost::json;
using mb::Operation;

constexpr char kEmailService[] = "6650a1c2e4b0a1b2c3d4e778";

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
                       {"organizationId", "6650a1c2e4b0a1b2c3d4e5f6"},
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

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

class GradientAgainstSimulator : public ::testing::Test {
 protected:
  // A long rate window: nothing in these tests depends on speed.
  void SetUp() override { start(R"({"rate_limit_requests":0})"); }

  void start(const std::string& settings) {
    mb::sim::SimOptions options;
    options.seed_json = seed();
    options.settings_json = settings;
    sim_ = mb::sim::Simulator::start("gradient", options);
  }

  std::unique_ptr<mb::PluginSession> open(const std::string& partner_key = "pk_456",
                                          const std::string& http = "") {
    json::object config{
        {"vendor_api_key", "vk_live_123"},
        {"partner_api_key", partner_key},
        {"base_url", sim_->base_url()},
        {"services",
         json::object{{"edr", json::object{{"name", "Coro EDR - protected devices"},
                                           {"category", "security"},
                                           {"subcategory", "endpoint detection and response (EDR)"},
                                           {"metric", "devices"}}},
                      {"awareness",
                       json::object{{"category", "security"},
                                    {"subcategory", "privacy and security awareness training"}}}}}};
    // Short engine backoffs keep fault tests quick; the limits stay the manifest's.
    auto session =
        harness_.open("gradient", json::serialize(config),
                      http.empty() ? R"({"backoff_base_ms":20,"backoff_max_ms":200})" : http);
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

  static std::map<std::string, json::object> by(const json::object& result, const char* list,
                                                const char* key) {
    std::map<std::string, json::object> out;
    for (const auto& l : result.at(list).as_array()) out[str(l.at(key))] = l.as_object();
    return out;
  }

  json::object provision_accounts(mb::PluginSession& session, json::array accounts) {
    return invoke(session, Operation::kProvisionAccounts, {{"accounts", std::move(accounts)}});
  }

  static json::object count_line(const std::string& key, const std::string& account,
                                 const std::string& service, int64_t target,
                                 json::value expected = nullptr) {
    return json::object{{"key", key},
                        {"account_id", account},
                        {"service_id", service},
                        {"target", target},
                        {"expected_current", expected},
                        {"metric", "users"},
                        {"line_ref", json::object{}}};
  }

  json::object apply(mb::PluginSession& session, json::array lines, bool final = true,
                     const std::string& key = "gr:run-1:batch-1") {
    return invoke(session, Operation::kApplyQuantities,
                  {{"idempotency_key", key},
                   {"effective_date", "2026-01-01"},
                   {"lines", std::move(lines)},
                   {"final", final}});
  }

  json::value control(const std::string& method, const std::string& path,
                      const json::object& body = {}) {
    return mb::sim::testing::control_json(sim_->port(), method, path,
                                          body.empty() ? "" : json::serialize(body));
  }

  void hook(const std::string& name, json::object body) {
    if (!body.contains("partnerKey") && !body.contains("organizationId"))
      body["partnerKey"] = "pk_456";
    control("POST", "/_sim/gradient/" + name, body);
  }

  json::object partner() {
    return mb::testing::gradient_partner(control("GET", "/_sim/state"), "6650a1c2e4b0a1b2c3d4e5f6");
  }

  std::map<std::string, json::object> counts() {
    std::map<std::string, json::object> out;
    json::value doc = partner();
    for (const auto& c : doc.at("counts").as_array())
      out[str(c.at("accountId")) + "|" + str(c.at("serviceId"))] = c.as_object();
    return out;
  }

  std::vector<json::object> logged(const std::string& method, const std::string& path_prefix) {
    std::vector<json::object> out;
    json::value log = control("GET", "/_sim/requests");
    for (const auto& r : log.at("requests").as_array())
      if (r.at("method").as_string() == method && str(r.at("target")).rfind(path_prefix, 0) == 0)
        out.push_back(r.as_object());
    return out;
  }

  mb::testing::PluginHarness harness_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

TEST_F(GradientAgainstSimulator, AuthenticateReadsTheStatusAndSetStatusIsWhatChangesIt) {
  auto session = open();
  json::object test = invoke(*session, Operation::kAuthenticate, {{"purpose", "test"}});
  EXPECT_EQ(test.at("status").as_string(), "conflict") << test;
  json::object connect = invoke(*session, Operation::kAuthenticate, {{"purpose", "connect"}});
  EXPECT_EQ(connect.at("status").as_string(), "pending") << connect;
  EXPECT_EQ(connect.at("status_after_connect").as_string(), "pending");
  EXPECT_EQ(partner().at("status").as_string(), "inactive") << "authenticate changes nothing";

  json::object set = invoke(*session, Operation::kSetStatus, {{"status", "pending"}});
  EXPECT_EQ(set.at("status").as_string(), "pending");
  EXPECT_NE(str(set.at("message")).find("'Northwind IT'"), std::string::npos) << set;
  json::array history = partner().at("statusHistory").as_array();
  ASSERT_EQ(history.size(), 1u) << history;
  EXPECT_EQ(history[0].at("to").as_string(), "pending");
  EXPECT_EQ(history[0].at("by").as_string(), "vendor");
}

TEST_F(GradientAgainstSimulator, AWrongPartnerKeyIsAnAuthFailureVerdict) {
  auto session = open("pk_wrong");
  json::object verdict = invoke(*session, Operation::kAuthenticate, {});
  EXPECT_EQ(verdict.at("status").as_string(), "auth_failed") << verdict;
  EXPECT_NE(str(verdict.at("message")).find("Partner API Key"), std::string::npos);
  EXPECT_EQ(str(verdict.at("message")).find("pk_wrong"), std::string::npos);
}

TEST_F(GradientAgainstSimulator, ProvisioningCreatesAccountsOnceAndRenamesWithoutADuplicate) {
  auto session = open();
  json::array accounts{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}},
                       json::object{{"id", "w-harbor"}, {"name", "Harbor Legal LLP"}}};
  auto first = by(provision_accounts(*session, accounts), "items", "id");
  EXPECT_EQ(first["w-north"].at("outcome").as_string(), "created");
  EXPECT_EQ(first["w-harbor"].at("account_id").as_string(), "w-harbor");

  accounts[0].as_object()["name"] = "Northwind Dental Group";
  auto second = by(provision_accounts(*session, accounts), "items", "id");
  EXPECT_EQ(second["w-north"].at("outcome").as_string(), "renamed");
  EXPECT_EQ(second["w-harbor"].at("outcome").as_string(), "unchanged");

  json::array on_gradient = partner().at("accounts").as_array();
  ASSERT_EQ(on_gradient.size(), 2u) << on_gradient;
  std::map<std::string, std::string> names;
  for (const auto& a : on_gradient) names[str(a.at("id"))] = str(a.at("name"));
  EXPECT_EQ(names["w-north"], "Northwind Dental Group");
  EXPECT_EQ(logged("POST", "/api/vendor-api/organization/accounts").size(), 1u);
}

TEST_F(GradientAgainstSimulator,
       ServicesAreMatchedByNameCreatedWithValidCategoriesAndKeptAcrossARename) {
  auto session = open();
  json::array services{
      json::object{{"id", "email"}, {"name", "Coro Email Security"}, {"platform_id", nullptr}},
      json::object{{"id", "edr"}, {"name", "EDR"}, {"platform_id", nullptr}},
      json::object{{"id", "awareness"}, {"name", "Security Awareness"}, {"platform_id", nullptr}}};
  auto items =
      by(invoke(*session, Operation::kProvisionServices, {{"services", services}}), "items", "id");
  EXPECT_EQ(items["email"].at("outcome").as_string(), "matched");
  EXPECT_EQ(items["email"].at("platform_id").as_string(), kEmailService);
  EXPECT_EQ(items["edr"].at("outcome").as_string(), "created") << items["edr"];
  EXPECT_EQ(items["edr"].at("metric").as_string(), "devices");
  EXPECT_EQ(items["awareness"].at("outcome").as_string(), "created") << items["awareness"];
  std::string edr = str(items["edr"].at("platform_id"));
  EXPECT_EQ(edr.size(), 24u);

  json::array skus = control("GET", "/_sim/state").at("vendor").at("skus").as_array();
  ASSERT_EQ(skus.size(), 3u);
  for (const auto& s : skus)
    if (s.at("id").as_string() == edr) {
      EXPECT_EQ(s.at("name").as_string(), "Coro EDR - protected devices");
      EXPECT_EQ(s.at("subcategory").as_string(), "endpoint detection and response (EDR)");
    }

  // The module is renamed; the recorded id keeps its Gradient service.
  auto again = open();
  json::array renamed{json::object{{"id", "edr"}, {"name", "EDR & XDR"}, {"platform_id", edr}}};
  auto kept =
      by(invoke(*again, Operation::kProvisionServices, {{"services", renamed}}), "items", "id");
  EXPECT_EQ(kept["edr"].at("outcome").as_string(), "unchanged");
  EXPECT_EQ(control("GET", "/_sim/state").at("vendor").at("skus").as_array().size(), 3u);
}

TEST_F(GradientAgainstSimulator,
       CountsGoWithNoBuildButTheLastAndUnmappedPairsAreNotMappedOnThePlatform) {
  auto session = open();
  provision_accounts(
      *session, json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}},
                            json::object{{"id", "w-harbor"}, {"name", "Harbor Legal LLP"}},
                            json::object{{"id", "w-margie"}, {"name", "Margie's Travel & Tours"}}});
  hook("map-account", {{"accountId", "w-north"}});
  hook("map-account", {{"accountId", "w-harbor"}});
  hook("map-service", {{"serviceId", kEmailService}});

  auto lines = by(apply(*session, json::array{count_line("n", "w-north", kEmailService, 12),
                                              count_line("h", "w-harbor", kEmailService, 0),
                                              count_line("m", "w-margie", kEmailService, 4)}),
                  "lines", "key");
  EXPECT_EQ(lines["n"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["h"].at("outcome").as_string(), "updated");
  EXPECT_EQ(lines["m"].at("outcome").as_string(), "platform_not_mapped") << lines["m"];
  EXPECT_NE(str(lines["m"].at("message")).find("No account map found with id: w-margie"),
            std::string::npos);

  auto stored = counts();
  EXPECT_EQ(stored["w-north|" + std::string(kEmailService)].at("unitCount").as_int64(), 12);
  EXPECT_EQ(stored["w-harbor|" + std::string(kEmailService)].at("unitCount").as_int64(), 0);
  EXPECT_EQ(stored.count("w-margie|" + std::string(kEmailService)), 0u);
  // w-margie went last (nothing was pushed before) and was refused, so one accepted count was
  // sent again without no_build: the Billing view is rebuilt exactly once.
  json::object p = partner();
  EXPECT_EQ(p.at("billingViewBuilds").as_int64(), 1) << p;
  EXPECT_EQ(p.at("status").as_string(), "active");
}

TEST_F(GradientAgainstSimulator, AccountBatchesTooLargeForGradientsBodyParserAreHalved) {
  // Gradient's body parser refuses a JSON body above its limit with 413.
  control("POST", "/_sim/settings", {{"body_limit_bytes", 200}});
  auto session = open();
  json::array accounts;
  for (int i = 1; i <= 6; ++i)
    accounts.push_back(json::object{{"id", "w-" + std::to_string(i)},
                                    {"name", "Customer number " + std::to_string(i)}});
  auto items = by(provision_accounts(*session, accounts), "items", "id");
  for (int i = 1; i <= 6; ++i)
    EXPECT_EQ(items["w-" + std::to_string(i)].at("outcome").as_string(), "created") << i;
  EXPECT_EQ(partner().at("accounts").as_array().size(), 6u);
  size_t refused = 0;
  for (const auto& post : logged("POST", "/api/vendor-api/organization/accounts"))
    if (post.at("status").as_int64() == 413) ++refused;
  EXPECT_GE(refused, 1u) << "the first batch of six was too large";
}

TEST_F(GradientAgainstSimulator, AnAnomalyBlockFailsTheLinesAndStopsTheRun) {
  auto session = open();
  provision_accounts(*session,
                     json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}}});
  control("POST", "/_sim/settings", {{"anomaly_block", true}});
  auto lines = by(apply(*session, json::array{count_line("a", "w-north", kEmailService, 1)}, false,
                        "gr:run-5:batch-1"),
                  "lines", "key");
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "rate_limited");
  EXPECT_NE(str(lines["a"].at("message")).find("anomaly"), std::string::npos) << lines["a"];
  size_t pushes = logged("POST", "/api/vendor-api/service/").size();
  auto next =
      session->invoke(Operation::kApplyQuantities,
                      json::serialize(json::object{
                          {"idempotency_key", "gr:run-5:batch-2"},
                          {"lines", json::array{count_line("b", "w-north", kEmailService, 2)}},
                          {"final", true}}));
  ASSERT_FALSE(next);
  EXPECT_EQ(next.status().code(), mb::ErrorClass::kRateLimited);
  EXPECT_EQ(logged("POST", "/api/vendor-api/service/").size(), pushes);
}

TEST_F(GradientAgainstSimulator, ThrottlingThatOutlastsTheRetriesIsARateLimitedLine) {
  start(R"({"rate_limit_requests":3,"rate_limit_window_ms":600000})");  // provisioning uses 3
  auto session = open("pk_456", R"({"max_retries":1,"backoff_base_ms":10,"backoff_max_ms":20})");
  provision_accounts(*session,
                     json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}}});
  auto lines = by(apply(*session, json::array{count_line("a", "w-north", kEmailService, 1)}),
                  "lines", "key");
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["a"].at("error_class").as_string(), "rate_limited") << lines["a"];
  EXPECT_NE(str(lines["a"].at("message")).find("Request limit reached"), std::string::npos);
}

TEST_F(GradientAgainstSimulator, AServiceIdThatIsNotGradientsIsALineErrorWithItsMessage) {
  auto session = open();
  provision_accounts(*session,
                     json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}}});
  auto lines =
      by(apply(*session, json::array{count_line("bad", "w-north", "not-a-service", 1),
                                     count_line("gone", "w-north", "6650a1c2e4b0a1b2c3d4e000", 1)}),
         "lines", "key");
  EXPECT_EQ(lines["bad"].at("outcome").as_string(), "failed");
  EXPECT_NE(str(lines["bad"].at("message")).find("invalid Id type"), std::string::npos)
      << lines["bad"];
  EXPECT_EQ(lines["gone"].at("outcome").as_string(), "failed");
  EXPECT_EQ(lines["gone"].at("error_class").as_string(), "not_found") << lines["gone"];
}

TEST_F(GradientAgainstSimulator, ReadingAfterAnMspDisconnectSeesTheAccountsGone) {
  auto session = open();
  provision_accounts(*session,
                     json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}}});
  hook("disconnect", {});
  hook("connect", {{"organizationId", "6650a1c2e4b0a1b2c3d4e5f6"}, {"partnerKey", "pk_new"}});
  auto fresh = open("pk_new");
  EXPECT_EQ(
      invoke(*fresh, Operation::kAuthenticate, {{"purpose", "connect"}}).at("status").as_string(),
      "pending");
  json::array line{json::object{
      {"key", "a"}, {"account_id", "w-north"}, {"service_id", kEmailService}, {"last_pushed", 12}}};
  auto read = by(invoke(*fresh, Operation::kReadQuantities, {{"lines", line}}), "lines", "key");
  EXPECT_EQ(read["a"].at("reason").as_string(), "not_found");
  auto again =
      by(provision_accounts(
             *fresh, json::array{json::object{{"id", "w-north"}, {"name", "Northwind Dental"}}}),
         "items", "id");
  EXPECT_EQ(again["w-north"].at("outcome").as_string(), "created");
  read = by(invoke(*fresh, Operation::kReadQuantities, {{"lines", line}}), "lines", "key");
  EXPECT_TRUE(read["a"].at("quantity").is_null())
      << "a re-created account has no count, whatever was pushed before";
  EXPECT_TRUE(read["a"].at("reason").is_null());
}

TEST_F(GradientAgainstSimulator, PsaClientsArePagedWithThePreviousIdCursor) {
  control("POST", "/_sim/settings", {{"clients_page_size", 2}});
  auto session = open();
  std::vector<std::string> names;
  json::value cursor = nullptr;
  for (int page = 0; page < 10; ++page) {
    json::object p = invoke(*session, Operation::kListAccounts,
                            {{"search", "psa:"}, {"cursor", cursor}, {"limit", 500}});
    for (const auto& item : p.at("items").as_array()) names.push_back(str(item.at("name")));
    cursor = p.at("next_cursor");
    if (cursor.is_null()) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Northwind Dental", "Harbor Legal LLP",
                                             "Margie's Travel & Tours"}))
      << "clients come ordered by id";
  json::object found =
      invoke(*session, Operation::kListAccounts, {{"search", "psa:margie's"}, {"cursor", nullptr}});
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_EQ(found.at("items").at(0).at("name").as_string(), "Margie's Travel & Tours");
}

TEST_F(GradientAgainstSimulator, SetStatusAndDisconnectUseTheDocumentedValues) {
  auto session = open();
  EXPECT_EQ(
      invoke(*session, Operation::kSetStatus, {{"status", "active"}}).at("status").as_string(),
      "active");
  invoke(*session, Operation::kDisconnect, {});
  EXPECT_EQ(partner().at("status").as_string(), "inactive");
  EXPECT_EQ(partner().at("accounts").as_array().size(), 0u);
}

}  // namespace
