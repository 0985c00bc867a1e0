// The external plugin as production runs it — loaded from build/plugins by the host's loader,
// its manifest's HTTP defaults applied to the host's real engine — against the external
// simulator on loopback. The simulator was written from docs/external-protocol.md
// independently of the plugin, so these tests check one reading of the protocol against the
// other.
//
// The simulator's built-in seed: services coro-edr (devices), coro-email-security (users),
// coro-endpoint-security (devices, users), coro-network, coro-user-data-governance; customers
// c-1001 Northwind Dental .. c-1005 Summit Pediatrics (inactive); no links, no counts.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/core/http_types.h"
#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/plugin_harness.h"

namespace {

namespace json = boost::json;
using mb::Operation;

constexpr char kKey[] = "ext-sim-key-0001";

class ExternalSimTest : public ::testing::Test {
 protected:
  void start(const std::string& faults = "", const std::string& generate = "") {
    mb::sim::SimOptions options;
    options.faults = faults;
    options.generate = generate;
    sim_ = mb::sim::Simulator::start("external", options);
  }

  std::unique_ptr<mb::PluginSession> open(const std::string& key = kKey, int batch_size = 100) {
    json::object config{
        {"base_url", sim_->base_url()}, {"api_key", key}, {"batch_size", batch_size}};
    // No backoff worth waiting for in tests; the protocol's Retry-After is still honoured.
    auto session = harness_.open("external", json::serialize(config),
                                 R"({"backoff_base_ms":1,"backoff_max_ms":5})");
    if (!session) throw std::runtime_error(session.status().message());
    return std::move(*session);
  }

  json::value invoke(mb::PluginSession& session, Operation op, const std::string& input) {
    auto r = session.invoke(op, input);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? json::parse(*r) : json::value();
  }

  json::value control(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, target, body);
  }

  // Links through the protocol itself, as an MSP's earlier session would have.
  void link(const std::string& workspace, const std::string& customer) {
    auto r = mb::sim::testing::http_request(
        sim_->port(), "PUT", "/v1/links/" + workspace,
        {{"Authorization", std::string("Bearer ") + kKey}, {"Content-Type", "application/json"}},
        R"({"customer_id":")" + customer + R"("})");
    ASSERT_TRUE(r.response);
    ASSERT_EQ(r.response->status / 100, 2) << r.response->body;
  }

  // The platform's requests with this method and path prefix, from the request log.
  std::vector<json::object> requests(const std::string& method, const std::string& prefix) {
    std::vector<json::object> out;
    json::value log = control("GET", "/_sim/requests");
    for (const auto& r : log.at("requests").as_array()) {
      if (r.at("method").as_string() == method &&
          std::string(r.at("target").as_string()).rfind(prefix, 0) == 0) {
        out.push_back(r.as_object());
      }
    }
    return out;
  }

  std::map<std::string, json::value> counts() {
    std::map<std::string, json::value> out;
    json::value state = control("GET", "/_sim/state");
    for (const auto& c : state.at("counts").as_array()) {
      out[std::string(c.at("customer_id").as_string()) + "|" +
          std::string(c.at("service_id").as_string()) + "|" +
          std::string(c.at("metric").as_string())] = c;
    }
    return out;
  }

  static std::string apply_input(const std::string& key, const std::vector<std::string>& lines) {
    std::string text =
        R"({"idempotency_key":")" + key + R"(","effective_date":"2026-11-21","lines":[)";
    for (size_t i = 0; i < lines.size(); ++i) text += (i ? "," : "") + lines[i];
    return text + R"(],"final":true})";
  }

  static std::string line(const std::string& key, const std::string& customer,
                          const std::string& service, const std::string& metric, int64_t target) {
    return R"({"key":")" + key + R"(","account_id":")" + customer + R"(","service_id":")" +
           service + R"(","metric":")" + metric + R"(","target":)" + std::to_string(target) +
           R"(,"expected_current":null,"line_ref":{}})";
  }

  static std::map<std::string, json::value> by_key(const json::value& result) {
    std::map<std::string, json::value> out;
    for (const auto& l : result.at("lines").as_array())
      out[std::string(l.at("key").as_string())] = l;
    return out;
  }

  mb::testing::PluginHarness harness_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

TEST_F(ExternalSimTest, AuthenticatesWithTheKeyAndRefusesAnotherAsAuthFailed) {
  start();
  auto session = open();
  json::value ok = invoke(*session, Operation::kAuthenticate, "{}");
  EXPECT_EQ(ok.at("status").as_string(), "ok");
  EXPECT_NE(ok.at("message").as_string().find("Coro for Acme IT"), std::string::npos);

  auto wrong = open("not-the-key");
  json::value refused = invoke(*wrong, Operation::kAuthenticate, "{}");
  EXPECT_EQ(refused.at("status").as_string(), "auth_failed");
  EXPECT_EQ(std::string(refused.at("message").as_string()).find("not-the-key"), std::string::npos);
  auto listed = wrong->invoke(Operation::kListAccounts, "{}");
  EXPECT_EQ(listed.status().code(), mb::ErrorClass::kAuthFailed);
}

TEST_F(ExternalSimTest, ListsCustomersPageByPageAndTheAcceptedServices) {
  start("", "customers=250,seed=4");
  auto session = open();
  std::vector<std::string> ids;
  json::value cursor = nullptr;
  for (int page = 0; page < 10; ++page) {
    json::object input{{"cursor", cursor}, {"search", nullptr}, {"limit", 100}};
    json::value r = invoke(*session, Operation::kListAccounts, json::serialize(input));
    for (const auto& item : r.at("items").as_array()) {
      ids.emplace_back(item.at("id").as_string());
      EXPECT_TRUE(item.at("active").as_bool());
    }
    cursor = r.at("next_cursor");
    if (cursor.is_null()) break;
  }
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_EQ(ids.front(), "c-00001");
  EXPECT_EQ(ids.back(), "c-00250");
  EXPECT_EQ(requests("GET", "/v1/customers").size(), 3u);

  json::value services = invoke(*session, Operation::kListServices, "{}");
  ASSERT_EQ(services.at("items").as_array().size(), 5u);
  EXPECT_EQ(services.at("items").at(0).at("id").as_string(), "coro-edr");
  EXPECT_EQ(json::serialize(services.at("items").at(0).at("details").at("metrics")),
            R"(["devices"])");
}

TEST_F(ExternalSimTest, SearchGoesToThePlatformEncoded) {
  start();
  auto session = open();
  json::value r =
      invoke(*session, Operation::kListAccounts, R"({"search":"o'brien & sons","limit":50})");
  ASSERT_EQ(r.at("items").as_array().size(), 1u);
  EXPECT_EQ(r.at("items").at(0).at("id").as_string(), "c-1004");
}

TEST_F(ExternalSimTest, LinksMoveAndUnlinkOnThePlatformAndConflictsAreRefused) {
  start();
  auto session = open();
  invoke(*session, Operation::kLinkAccounts,
         R"({"link":[{"account_id":"ws-88","platform_account_id":"c-1001"},
                     {"account_id":"ws:90","platform_account_id":"c-1002"}],"unlink":[]})");
  json::value state = control("GET", "/_sim/state");
  ASSERT_EQ(state.at("links").as_array().size(), 2u);
  EXPECT_EQ(state.at("links").at(1).at("vendor_customer_id").as_string(), "ws:90");

  auto taken =
      session->invoke(Operation::kLinkAccounts,
                      R"({"link":[{"account_id":"ws-95","platform_account_id":"c-1001"}]})");
  EXPECT_EQ(taken.status().code(), mb::ErrorClass::kConflict);
  EXPECT_NE(taken.status().message().find("already linked to vendor customer ws-88"),
            std::string::npos);
  auto unknown =
      session->invoke(Operation::kLinkAccounts,
                      R"({"link":[{"account_id":"ws-95","platform_account_id":"c-404"}]})");
  EXPECT_EQ(unknown.status().code(), mb::ErrorClass::kNotFound);

  // Moving: unlink one workspace and give its customer to another, in one call.
  invoke(*session, Operation::kLinkAccounts,
         R"({"link":[{"account_id":"ws-95","platform_account_id":"c-1001"}],"unlink":["ws-88"]})");
  state = control("GET", "/_sim/state");
  ASSERT_EQ(state.at("links").as_array().size(), 2u);
  EXPECT_EQ(state.at("links").at(0).at("vendor_customer_id").as_string(), "ws-95");
}

TEST_F(ExternalSimTest, ReadsTheCountsOfLinkedCustomersOnly) {
  start();
  link("ws-88", "c-1001");
  link("ws-90", "c-1002");
  auto session = open();
  invoke(*session, Operation::kApplyQuantities,
         apply_input("seed:run-1:batch-1", {line("x", "c-1001", "coro-edr", "devices", 12)}));
  json::value r =
      invoke(*session, Operation::kReadQuantities, R"({"effective_date":"2026-11-21","lines":[
    {"key":"a","account_id":"c-1001","service_id":"coro-edr","metric":"devices","last_pushed":null},
    {"key":"b","account_id":"c-1002","service_id":"coro-edr","metric":"devices","last_pushed":null},
    {"key":"c","account_id":"c-1003","service_id":"coro-edr","metric":"devices","last_pushed":null},
    {"key":"d","account_id":"c-1001","service_id":"coro-email-security","metric":"devices","last_pushed":null},
    {"key":"e","account_id":"c-1001","service_id":"coro-firewall","metric":"users","last_pushed":null}]})");
  auto lines = by_key(r);
  EXPECT_EQ(lines["a"].at("quantity").as_int64(), 12);
  EXPECT_TRUE(lines["b"].at("quantity").is_null());  // linked, nothing pushed yet
  EXPECT_TRUE(lines["b"].at("reason").is_null());
  EXPECT_EQ(lines["c"].at("reason").as_string(), "platform_not_mapped");
  EXPECT_EQ(lines["d"].at("reason").as_string(), "not_found");
  EXPECT_EQ(lines["e"].at("reason").as_string(), "not_found");
  EXPECT_EQ(requests("GET", "/v1/counts").size(), 1u);
}

TEST_F(ExternalSimTest, PushesInBatchesThenTheSameTargetsAreUnchanged) {
  start();
  for (const char* c : {"c-1001", "c-1002", "c-1003"}) link(std::string("ws-") + c, c);
  auto session = open(kKey, 2);
  const std::vector<std::string> lines{line("a", "c-1001", "coro-edr", "devices", 12),
                                       line("b", "c-1002", "coro-edr", "devices", 3),
                                       line("c", "c-1003", "coro-email-security", "users", 40),
                                       line("d", "c-1004", "coro-edr", "devices", 1),
                                       line("e", "c-1001", "coro-network", "users", 0)};
  auto first = by_key(
      invoke(*session, Operation::kApplyQuantities, apply_input("ext:run-1:batch-1", lines)));
  EXPECT_EQ(first["a"].at("outcome").as_string(), "updated");
  EXPECT_EQ(first["c"].at("quantity").as_int64(), 40);
  EXPECT_EQ(first["d"].at("outcome").as_string(), "platform_not_mapped");  // not linked
  EXPECT_EQ(first["e"].at("outcome").as_string(), "updated");              // a first 0 is a value
  auto posts = requests("POST", "/v1/count-batches");
  ASSERT_EQ(posts.size(), 3u);
  std::set<std::string> keys;  // the parts go out together, so they may arrive in any order
  for (const auto& post : posts)
    keys.insert(std::string(post.at("headers").at("idempotency-key").as_string()));
  EXPECT_EQ(keys, (std::set<std::string>{"ext:run-1:batch-1:part-1", "ext:run-1:batch-1:part-2",
                                         "ext:run-1:batch-1:part-3"}));
  EXPECT_EQ(counts()["c-1003|coro-email-security|users"].at("effective_date").as_string(),
            "2026-11-21");

  auto second = by_key(
      invoke(*session, Operation::kApplyQuantities, apply_input("ext:run-2:batch-1", lines)));
  EXPECT_EQ(second["a"].at("outcome").as_string(), "unchanged");
  EXPECT_EQ(counts()["c-1001|coro-edr|devices"].at("changes").as_int64(), 1);
}

TEST_F(ExternalSimTest, ThePlatformsBatchLimitCapsTheConnectorsBatchSize) {
  start();
  control("POST", "/_sim/settings", R"({"max_batch_items":2})");
  for (const char* c : {"c-1001", "c-1002", "c-1003"}) link(std::string("ws-") + c, c);
  auto session = open(kKey, 500);
  invoke(*session, Operation::kApplyQuantities,
         apply_input("ext:run-1:batch-1", {line("a", "c-1001", "coro-edr", "devices", 1),
                                           line("b", "c-1002", "coro-edr", "devices", 2),
                                           line("c", "c-1003", "coro-edr", "devices", 3)}));
  EXPECT_EQ(requests("POST", "/v1/count-batches").size(), 2u);
  EXPECT_EQ(counts().size(), 3u);
}

TEST_F(ExternalSimTest, AResetMidResponseIsRetriedUnderTheSameKeyAndAppliedOnce) {
  start("reset:path=/v1/count-batches,count=1");
  link("ws-88", "c-1001");
  auto session = open();
  auto lines = by_key(
      invoke(*session, Operation::kApplyQuantities,
             apply_input("ext:run-7:batch-1", {line("a", "c-1001", "coro-edr", "devices", 21)})));
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
  auto posts = requests("POST", "/v1/count-batches");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].at("outcome").as_string(), "reset");
  EXPECT_EQ(posts[0].at("headers").at("idempotency-key"),
            posts[1].at("headers").at("idempotency-key"));
  EXPECT_EQ(posts[0].at("body"), posts[1].at("body"));
  json::value state = control("GET", "/_sim/state");
  EXPECT_EQ(state.at("counts").at(0).at("changes").as_int64(), 1);
  EXPECT_EQ(state.at("batches").as_array().size(), 1u);
  EXPECT_EQ(state.at("batches").at(0).at("replays").as_int64(), 1);
}

TEST_F(ExternalSimTest, AThrottledPushWaitsOutRetryAfterAndSucceeds) {
  start("429:path=/v1/count-batches,count=1,retry_after=1");
  link("ws-88", "c-1001");
  auto session = open();
  auto lines = by_key(
      invoke(*session, Operation::kApplyQuantities,
             apply_input("ext:run-8:batch-1", {line("a", "c-1001", "coro-edr", "devices", 4)})));
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
  auto posts = requests("POST", "/v1/count-batches");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].at("status").as_int64(), 429);
  // The retry came after the Retry-After second, by the simulator's own clock.
  EXPECT_GE(posts[1].at("start_us").as_int64() - posts[0].at("end_us").as_int64(), 900000);
}

TEST_F(ExternalSimTest, AKeyRememberedForAnotherBodyIsPushedUnderAFingerprint) {
  start();
  link("ws-88", "c-1001");
  auto first = open();
  invoke(*first, Operation::kApplyQuantities,
         apply_input("ext:run-1:batch-1", {line("a", "c-1001", "coro-edr", "devices", 5)}));
  // A recreated state database numbers its runs from 1 again.
  auto fresh = open();
  auto lines = by_key(
      invoke(*fresh, Operation::kApplyQuantities,
             apply_input("ext:run-1:batch-1", {line("a", "c-1001", "coro-edr", "devices", 9)})));
  EXPECT_EQ(lines["a"].at("outcome").as_string(), "updated");
  EXPECT_EQ(counts()["c-1001|coro-edr|devices"].at("quantity").as_int64(), 9);
}

// {"link":[...]} linking ws-<i> to the generated customer c-<i>, i from 1 to n.
std::string links_to_generated_customers(int n) {
  json::array links;
  for (int i = 1; i <= n; ++i) {
    char customer[16];
    std::snprintf(customer, sizeof(customer), "c-%05d", i);
    links.push_back(
        json::object{{"account_id", "ws-" + std::to_string(i)}, {"platform_account_id", customer}});
  }
  return json::serialize(json::object{{"link", std::move(links)}});
}

TEST_F(ExternalSimTest, LinkingManyWorkspacesCostsOneCallPerLinkBatch) {
  start("", "customers=250");
  control("POST", "/_sim/settings", R"({"max_link_batch_items":100})");
  auto session = open();
  json::value r = invoke(*session, Operation::kLinkAccounts, links_to_generated_customers(250));
  ASSERT_EQ(r.at("items").as_array().size(), 250u);
  EXPECT_EQ(r.at("items").at(249).at("outcome").as_string(), "linked");
  EXPECT_EQ(requests("POST", "/v1/link-batches").size(), 3u);  // ceil(250 / 100)
  EXPECT_TRUE(requests("PUT", "/v1/links/").empty());
  EXPECT_EQ(requests("GET", "/v1/integration").size(), 1u);
  EXPECT_EQ(control("GET", "/_sim/state").at("links").as_array().size(), 250u);

  // Linking the same workspaces to the same customers again changes nothing.
  control("DELETE", "/_sim/requests");
  r = invoke(*session, Operation::kLinkAccounts, links_to_generated_customers(250));
  EXPECT_EQ(r.at("items").at(0).at("outcome").as_string(), "updated");
  EXPECT_EQ(requests("POST", "/v1/link-batches").size(), 3u);
  EXPECT_EQ(control("GET", "/_sim/state").at("links").as_array().size(), 250u);
}

TEST_F(ExternalSimTest, AnOldPlatformWithoutLinkBatchesIsLinkedOneWorkspaceAtATime) {
  start("", "customers=30");
  control("POST", "/_sim/settings", R"({"link_batches":false})");
  auto session = open();
  json::value r = invoke(*session, Operation::kLinkAccounts, links_to_generated_customers(30));
  EXPECT_EQ(r.at("items").at(29).at("outcome").as_string(), "linked");
  EXPECT_TRUE(requests("POST", "/v1/link-batches").empty());
  EXPECT_EQ(requests("PUT", "/v1/links/").size(), 30u);
  EXPECT_EQ(control("GET", "/_sim/state").at("links").as_array().size(), 30u);
  auto taken =
      session->invoke(Operation::kLinkAccounts,
                      R"({"link":[{"account_id":"ws-95","platform_account_id":"c-00001"}]})");
  EXPECT_EQ(taken.status().code(), mb::ErrorClass::kConflict);
}

TEST_F(ExternalSimTest, DisconnectUnlinksEveryWorkspace) {
  start("", "customers=30,links=25");
  auto session = open();
  json::value r = invoke(*session, Operation::kDisconnect, "{}");
  EXPECT_EQ(r.at("unlinked").as_int64(), 25);
  EXPECT_TRUE(control("GET", "/_sim/state").at("links").as_array().empty());
}

}  // namespace
