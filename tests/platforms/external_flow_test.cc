// The "external integration" story end to end through the meterbridge CLI, against the external
// simulator: the MSP pastes the platform's API key, links the customers it wants billed
// ("Link Selected Customers"), and syncs ("Update Counts"). Unlinked workspaces are reported as
// not linked in every run, a new customer appears that way until it is linked, and the next run
// after linking pushes it. A rerun with unchanged usage pushes nothing; a push whose response is
// lost is retried under the same key and applied once; a wrong key is reported as such.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using mb::testing::run;
using mb::testing::RunResult;
using mb::testing::TempDir;

constexpr char kKey[] = "ext-sim-key-0001";

// Three workspaces at first; the MSP links two. The simulator's customers are c-1001 Northwind
// Dental, c-1002 Harbor Legal LLP, c-1003 Bluebird Bakery, c-1004 O'Brien & Sons Plumbing.
constexpr char kUsage[] = R"({
  "as_of": "2026-11-21",
  "workspaces": [{"id": "w-north", "name": "Northwind Dental"},
                 {"id": "w-harbor", "name": "Harbor Legal"},
                 {"id": "w-blue", "name": "Bluebird Bakery"}],
  "services": [{"id": "edr", "name": "EDR"}, {"id": "email", "name": "Email Security"}],
  "usage": [
    {"workspace_id": "w-north", "service_id": "edr", "users": 11, "devices": 14},
    {"workspace_id": "w-north", "service_id": "email", "users": 12, "devices": 0},
    {"workspace_id": "w-harbor", "service_id": "edr", "users": 5, "devices": 6},
    {"workspace_id": "w-harbor", "service_id": "email", "users": 5, "devices": 0},
    {"workspace_id": "w-blue", "service_id": "edr", "users": 2, "devices": 2}
  ]
})";

// The next day: a new customer, O'Brien & Sons, shows up at the vendor.
constexpr char kUsageWithNewcomer[] = R"({
  "as_of": "2026-11-22",
  "workspaces": [{"id": "w-obrien", "name": "O'Brien & Sons"}],
  "usage": [
    {"workspace_id": "w-north", "service_id": "edr", "users": 11, "devices": 14},
    {"workspace_id": "w-north", "service_id": "email", "users": 12, "devices": 0},
    {"workspace_id": "w-harbor", "service_id": "edr", "users": 5, "devices": 6},
    {"workspace_id": "w-harbor", "service_id": "email", "users": 5, "devices": 0},
    {"workspace_id": "w-blue", "service_id": "edr", "users": 2, "devices": 2},
    {"workspace_id": "w-obrien", "service_id": "edr", "users": 3, "devices": 4},
    {"workspace_id": "w-obrien", "service_id": "email", "users": 3, "devices": 0}
  ]
})";

class ExternalFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = mb::sim::Simulator::start("external", {});
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* name : {"libmeterbridge-external.so", "external.plugin.json"}) {
      fs::copy_file(mb::testing::build_dir() / "plugins" / name, plugins_ / name);
      ::chmod((plugins_ / name).c_str(), 0755);
    }
    dir_.write("usage.json", kUsage);
    dir_.write("usage2.json", kUsageWithNewcomer);
    write_config(100);
  }

  void write_config(int batch_size) {
    json::object config{{"base_url", sim_->base_url()},
                        {"api_key", "${env:EXT_API_KEY}"},
                        {"batch_size", batch_size}};
    json::object connector{{"id", "ext"},
                           {"plugin", "external"},
                           {"partner", "Acme IT"},
                           {"config", std::move(config)},
                           {"policies", json::object{{"decreases", "auto"}}},
                           {"http", json::object{{"backoff_base_ms", 10}, {"backoff_max_ms", 50}}}};
    dir_.write("mb.json",
               json::serialize(json::object{{"state", json::object{{"path", "state/mb.db"}}},
                                            {"plugins", json::object{{"dir", "plugins"}}},
                                            {"connectors", json::array{std::move(connector)}}}));
  }

  RunResult mb(const std::string& args, const std::string& key = kKey) {
    return run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'e') + " EXT_API_KEY='" + key +
               "' " + mb::testing::meterbridge_binary() + " --config '" +
               (dir_ / "mb.json").string() + "' " + args);
  }

  void ok(const std::string& args) {
    RunResult r = mb(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  }

  // Imports the first usage file and maps both services, as the MSP does once.
  void prepare() {
    ok("usage import " + (dir_ / "usage.json").string());
    ok("map service ext edr coro-edr --metric devices");
    ok("map service ext email coro-email-security --metric users");
  }

  json::value sync() {
    RunResult r = mb("sync ext --json");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return json::parse(r.out).at(0);
  }

  static std::string outcome(const json::value& run, const std::string& workspace,
                             const std::string& service) {
    for (const auto& l : run.at("lines").as_array()) {
      if (l.at("workspace_id").as_string() == workspace &&
          l.at("service_id").as_string() == service) {
        return std::string(l.at("outcome").as_string());
      }
    }
    return "(no line)";
  }

  json::value control(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, target, body);
  }

  // The requests with this method whose target starts with `prefix` that the platform received
  // since the request log was last cleared.
  std::vector<json::value> requests(const std::string& method, const std::string& prefix) {
    std::vector<json::value> out;
    const json::value log = control("GET", "/_sim/requests");
    for (const auto& r : log.at("requests").as_array()) {
      if (r.at("method").as_string() == method &&
          std::string(r.at("target").as_string()).starts_with(prefix)) {
        out.push_back(r);
      }
    }
    return out;
  }

  // The pushes the platform received since the request log was last cleared.
  std::vector<json::value> pushes() { return requests("POST", "/v1/count-batches"); }

  // customer|service|metric -> the simulator's count record.
  std::map<std::string, json::value> counts() {
    std::map<std::string, json::value> out;
    const json::value state = control("GET", "/_sim/state");
    for (const auto& c : state.at("counts").as_array()) {
      out[std::string(c.at("customer_id").as_string()) + "|" +
          std::string(c.at("service_id").as_string()) + "|" +
          std::string(c.at("metric").as_string())] = c;
    }
    return out;
  }

  std::map<std::string, std::string> links() {
    std::map<std::string, std::string> out;
    const json::value state = control("GET", "/_sim/state");
    for (const auto& l : state.at("links").as_array()) {
      out[std::string(l.at("vendor_customer_id").as_string())] =
          std::string(l.at("customer_id").as_string());
    }
    return out;
  }

  std::unique_ptr<mb::sim::Simulator> sim_;
  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
};

TEST_F(ExternalFlowTest, OnlyLinkedWorkspacesArePushedAndANewCustomerIsSyncedOnceLinked) {
  prepare();
  // Link Selected Customers.
  ok("link ext w-north c-1001");
  ok("link ext w-harbor c-1002");
  EXPECT_EQ(links(),
            (std::map<std::string, std::string>{{"w-harbor", "c-1002"}, {"w-north", "c-1001"}}));

  // Update Counts.
  json::value first = sync();
  EXPECT_EQ(first.at("state").as_string(), "ok");
  EXPECT_EQ(outcome(first, "w-north", "edr"), "updated");
  EXPECT_EQ(outcome(first, "w-north", "email"), "updated");
  EXPECT_EQ(outcome(first, "w-harbor", "edr"), "updated");
  EXPECT_EQ(outcome(first, "w-blue", "edr"), "not_linked");
  EXPECT_EQ(outcome(first, "w-blue", "email"), "not_linked");
  auto c = counts();
  EXPECT_EQ(c["c-1001|coro-edr|devices"].at("quantity").as_int64(), 14);
  EXPECT_EQ(c["c-1001|coro-email-security|users"].at("quantity").as_int64(), 12);
  EXPECT_EQ(c["c-1002|coro-edr|devices"].at("quantity").as_int64(), 6);
  EXPECT_EQ(c.count("c-1003|coro-edr|devices"), 0u);
  ASSERT_EQ(pushes().size(), 1u);  // four counts, one batch
  EXPECT_EQ(pushes()[0].at("headers").at("idempotency-key").as_string(), "ext:run-1:batch-1");

  // A new customer at the vendor: listed as not linked, nothing pushed for it.
  ok("usage import " + (dir_ / "usage2.json").string());
  control("DELETE", "/_sim/requests");
  RunResult report = mb("sync ext");
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_NE(report.out.find("O'Brien & Sons"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("not_linked"), std::string::npos) << report.out;
  EXPECT_TRUE(pushes().empty());

  // Linking it brings it in on the next run, and only it is pushed.
  ok("link ext w-obrien c-1004");
  control("DELETE", "/_sim/requests");
  json::value after = sync();
  EXPECT_EQ(outcome(after, "w-obrien", "edr"), "updated");
  EXPECT_EQ(outcome(after, "w-obrien", "email"), "updated");
  EXPECT_EQ(outcome(after, "w-north", "edr"), "unchanged");
  EXPECT_EQ(outcome(after, "w-blue", "edr"), "not_linked");
  ASSERT_EQ(pushes().size(), 1u);
  EXPECT_EQ(json::parse(pushes()[0].at("body").as_string()).at("items").as_array().size(), 2u);
  EXPECT_EQ(counts()["c-1004|coro-edr|devices"].at("quantity").as_int64(), 4);

  // Nothing changed: the rerun reads and pushes nothing.
  control("DELETE", "/_sim/requests");
  json::value rerun = sync();
  EXPECT_EQ(rerun.at("counts").at("unchanged").as_int64(), 6);
  EXPECT_FALSE(rerun.at("counts").as_object().contains("updated"));
  EXPECT_TRUE(pushes().empty());
}

TEST_F(ExternalFlowTest, UnlinkingStopsTheWorkspaceOnBothSides) {
  prepare();
  ok("link ext w-north c-1001");
  ok("link ext w-harbor c-1002");
  sync();
  ok("unlink ext w-harbor");
  EXPECT_EQ(links(), (std::map<std::string, std::string>{{"w-north", "c-1001"}}));
  json::value after = sync();
  EXPECT_EQ(outcome(after, "w-harbor", "edr"), "not_linked");
  EXPECT_EQ(counts()["c-1002|coro-edr|devices"].at("quantity").as_int64(), 6);  // kept, not zeroed
}

TEST_F(ExternalFlowTest, ALinkThePlatformRefusesIsNotKept) {
  prepare();
  // Someone linked Bluebird Bakery to another vendor customer on the platform directly.
  auto direct = mb::sim::testing::http_request(
      sim_->port(), "PUT", "/v1/links/ws-elsewhere",
      {{"Authorization", std::string("Bearer ") + kKey}, {"Content-Type", "application/json"}},
      R"({"customer_id":"c-1003"})");
  ASSERT_TRUE(direct.response);
  ASSERT_EQ(direct.response->status, 201);

  RunResult refused = mb("link ext w-blue c-1003");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("already linked to vendor customer ws-elsewhere"), std::string::npos)
      << refused.out << refused.err;
  EXPECT_EQ(links(), (std::map<std::string, std::string>{{"ws-elsewhere", "c-1003"}}));
  RunResult show = mb("map show ext --json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json::value mappings = json::parse(show.out);
  for (const auto& w : mappings.at("workspaces").as_array()) {
    EXPECT_EQ(w.at("state").as_string(), "unmapped") << w;
  }
  // A customer the platform does not have is refused before anything is linked.
  EXPECT_NE(mb("link ext w-blue c-9999").exit_code, 0);
  EXPECT_EQ(links().count("w-blue"), 0u);
}

TEST_F(ExternalFlowTest, MapAutoLinksEveryMatchedWorkspaceInOneLinkBatch) {
  prepare();
  control("DELETE", "/_sim/requests");
  ok("map auto ext");
  const std::map<std::string, std::string> linked = links();
  EXPECT_EQ(linked.at("w-north"), "c-1001");
  EXPECT_EQ(linked.at("w-blue"), "c-1003");
  EXPECT_EQ(requests("POST", "/v1/link-batches").size(), 1u);
  EXPECT_TRUE(requests("PUT", "/v1/links/").empty());
  // What map auto linked is synced: nothing reports platform_not_mapped.
  json::value run = sync();
  EXPECT_EQ(outcome(run, "w-north", "edr"), "updated");
  EXPECT_EQ(outcome(run, "w-blue", "edr"), "updated");
}

// map auto hands the plugin its links 10,000 at a time, so no call holds every request and
// response of a large MSP at once; the platform still sees full link batches (1,000 a batch
// here: 11 for 10,050 links, the minimum). When a later call fails, the links of the calls
// before it stand with their mappings, and the rest are neither mapped nor linked.
TEST_F(ExternalFlowTest, MapAutoLinksALargeMspInBoundedCallsAndKeepsWhatWasLinkedBeforeAFailure) {
  constexpr int kCustomers = 10050;
  sim_.reset();
  mb::sim::SimOptions options;
  options.generate = "customers=" + std::to_string(kCustomers);
  sim_ = mb::sim::Simulator::start("external", options);
  write_config(100);
  RunResult listed = mb("accounts list ext --refresh --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json::array workspaces, usage;
  int i = 0;
  const json::value accounts = json::parse(listed.out);
  for (const auto& account : accounts.as_array()) {
    const std::string id = "ws-" + std::to_string(i++);
    workspaces.push_back(json::object{{"id", id}, {"name", account.at("name")}});
    usage.push_back(
        json::object{{"workspace_id", id}, {"service_id", "edr"}, {"users", 1}, {"devices", 2}});
  }
  ASSERT_EQ(i, kCustomers);
  dir_.write("large.json",
             json::serialize(json::object{
                 {"as_of", "2026-11-21"},
                 {"workspaces", std::move(workspaces)},
                 {"services", json::array{json::object{{"id", "edr"}, {"name", "EDR"}}}},
                 {"usage", std::move(usage)}}));
  ok("usage import " + (dir_ / "large.json").string());
  // The first call's 10 batches go through; the 11th batch (the second call) fails.
  control("POST", "/_sim/faults", R"({"spec":"500:path=/v1/link-batches,after=10"})");
  RunResult failed = mb("map auto ext");
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.err.find("10000 new mappings linked and kept, the rest not mapped"),
            std::string::npos)
      << failed.err;
  EXPECT_EQ(links().size(), 10000u);
  auto mapped = [&] {
    RunResult show = mb("map show ext --json");
    EXPECT_EQ(show.exit_code, 0) << show.err;
    size_t n = 0;
    const json::value shown = json::parse(show.out);
    for (const auto& w : shown.at("workspaces").as_array())
      n += w.at("state").as_string() == "mapped";
    return n;
  };
  EXPECT_EQ(mapped(), 10000u);

  // Once the platform answers again, the rest are matched and linked in one more batch.
  control("DELETE", "/_sim/faults");
  control("DELETE", "/_sim/requests");
  ok("map auto ext");
  EXPECT_EQ(links().size(), size_t{kCustomers});
  EXPECT_EQ(mapped(), size_t{kCustomers});
  EXPECT_EQ(requests("POST", "/v1/link-batches").size(), 1u);
}

TEST_F(ExternalFlowTest, MapAutoAgainstAnOldPlatformLinksOneWorkspaceAtATime) {
  control("POST", "/_sim/settings", R"({"link_batches":false})");
  prepare();
  control("DELETE", "/_sim/requests");
  ok("map auto ext");
  const std::map<std::string, std::string> linked = links();
  EXPECT_EQ(linked.at("w-north"), "c-1001");
  EXPECT_TRUE(requests("POST", "/v1/link-batches").empty());
  EXPECT_EQ(requests("PUT", "/v1/links/").size(), linked.size());
  EXPECT_EQ(outcome(sync(), "w-north", "edr"), "updated");
}

TEST_F(ExternalFlowTest, ManyCountsArePushedInBatchesUnderDeterministicKeys) {
  write_config(2);
  prepare();
  ok("link ext w-north c-1001");
  ok("link ext w-harbor c-1002");
  ok("link ext w-blue c-1003");
  json::value first = sync();
  EXPECT_EQ(first.at("counts").at("updated").as_int64(), 6);
  auto posts = pushes();
  ASSERT_EQ(posts.size(), 3u);
  std::set<std::string> keys;  // the parts go out together, so they may arrive in any order
  for (const auto& post : posts)
    keys.insert(std::string(post.at("headers").at("idempotency-key").as_string()));
  EXPECT_EQ(keys, (std::set<std::string>{"ext:run-1:batch-1:part-1", "ext:run-1:batch-1:part-2",
                                         "ext:run-1:batch-1:part-3"}));
  for (const auto& p : posts) {
    EXPECT_EQ(json::parse(p.at("body").as_string()).at("items").as_array().size(), 2u);
  }
}

TEST_F(ExternalFlowTest, APushWhoseResponseIsLostIsRetriedWithTheSameKeyAndAppliedOnce) {
  prepare();
  ok("link ext w-north c-1001");
  control("POST", "/_sim/faults", R"({"spec":"reset:path=/v1/count-batches,count=1"})");
  json::value first = sync();
  EXPECT_EQ(first.at("state").as_string(), "ok");
  EXPECT_EQ(outcome(first, "w-north", "edr"), "updated");
  auto posts = pushes();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].at("outcome").as_string(), "reset");
  EXPECT_EQ(posts[0].at("headers").at("idempotency-key"),
            posts[1].at("headers").at("idempotency-key"));
  json::value state = control("GET", "/_sim/state");
  ASSERT_EQ(state.at("batches").as_array().size(), 1u);
  EXPECT_EQ(state.at("batches").at(0).at("replays").as_int64(), 1);
  for (const auto& [key, count] : counts()) EXPECT_EQ(count.at("changes").as_int64(), 1) << key;

  control("DELETE", "/_sim/requests");
  sync();
  EXPECT_TRUE(pushes().empty());
}

TEST_F(ExternalFlowTest, AWrongApiKeyIsReportedAsAuthFailed) {
  RunResult good = mb("connectors test ext");
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("ext: ok"), std::string::npos) << good.out;

  RunResult bad = mb("connectors test ext", "wrong-key-123");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("auth_failed"), std::string::npos) << bad.out << bad.err;
  EXPECT_EQ((bad.out + bad.err).find("wrong-key-123"), std::string::npos);
  RunResult listed = mb("connectors list --json", "wrong-key-123");
  EXPECT_NE(listed.out.find("\"error\""), std::string::npos) << listed.out;
}

}  // namespace
