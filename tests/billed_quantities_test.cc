// Billed quantities under concurrency and crashes, as an operator meets them: real
// `meterbridge` processes syncing one Autotask connector against the Autotask simulator (its
// same-day duplicate rule off, so a second adjustment would land and show), with the run's
// outcome read back from the simulator's own state.
//
// - Two processes, or `serve` and a CLI, syncing the same connector: exactly one runs; the
//   other stops with the lease message; every changed contract service gets one adjustment.
// - A process killed while its adjustment POSTs are still being processed, then a rerun at
//   once: nothing is posted again; after the grace period a rerun completes the lines, and no
//   contract service is adjusted twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "host/store/store.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::ChildProcess;
using testing::RunResult;
using testing::TempDir;

constexpr char kSecretKey[] = "5151515151515151515151515151515151515151515151515151515151515151";
constexpr char kAdjustments[] = "/ATServicesRest/V1.0/ContractServiceAdjustments";

std::string sim_binary() { return (testing::build_dir() / "bin" / "meterbridge-sim").string(); }

class BilledQuantitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        sim_binary(), "autotask", "--generate", "companies=40,services=3,seed=7", "--latency-ms",
        "20", "--settings", R"({"reject_duplicate_adjustments":false})"});
    auto url = sim_->read_line();
    ASSERT_TRUE(url) << "meterbridge-sim autotask did not start";
    base_url_ = *url;
    port_ = static_cast<uint16_t>(std::stoi(base_url_.substr(base_url_.rfind(':') + 1)));
    write_usage_from_tenant();
    write_config(60);
    ASSERT_EQ(mb("usage import " + (dir_ / "usage.json").string()).exit_code, 0);
    RunResult mapped = mb("map auto at");
    ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
    for (int s = 31; s <= 33; ++s)
      ASSERT_EQ(
          mb("map service at s" + std::to_string(s) + " " + std::to_string(s) + " --metric devices")
              .exit_code,
          0);
    adjustments_before_ = adjustment_ids();
  }

  // Workspaces named exactly like the simulator's clients, each using 3 more devices of every
  // service than its contract holds: every contract line found is an increase of 3.
  void write_usage_from_tenant() {
    json::value state = sim::testing::control_json(port_, "GET", "/_sim/state");
    std::map<int64_t, int64_t> company_of_contract;
    for (const auto& c : state.at("contracts").as_array())
      company_of_contract[c.at("id").as_int64()] = c.at("companyID").as_int64();
    json::array workspaces, usage;
    std::set<int64_t> clients;
    for (const auto& c : state.at("companies").as_array()) {
      int64_t id = c.at("id").as_int64();
      if (id == 0 || id == 174) continue;
      clients.insert(id);
      workspaces.push_back(
          json::object{{"id", "ws-" + std::to_string(id)}, {"name", c.at("companyName")}});
    }
    std::map<std::pair<int64_t, int64_t>, int64_t> units;  // (company, service) -> units
    for (const auto& cs : state.at("contractServices").as_array()) {
      int64_t company = company_of_contract[cs.at("contractID").as_int64()];
      units[{company, cs.at("serviceID").as_int64()}] = cs.at("currentUnits").as_int64();
    }
    for (int64_t company : clients)
      for (int64_t service = 31; service <= 33; ++service) {
        auto it = units.find({company, service});
        int64_t n = (it == units.end() ? 5 : it->second) + 3;
        usage.push_back(json::object{{"workspace_id", "ws-" + std::to_string(company)},
                                     {"service_id", "s" + std::to_string(service)},
                                     {"users", n},
                                     {"devices", n}});
      }
    json::array services;
    for (int64_t service = 31; service <= 33; ++service)
      services.push_back(json::object{{"id", "s" + std::to_string(service)},
                                      {"name", "Service " + std::to_string(service)}});
    dir_.write("usage.json", json::serialize(json::object{{"as_of", "2026-11-30"},
                                                          {"workspaces", workspaces},
                                                          {"services", services},
                                                          {"usage", usage}}));
  }

  void write_config(int grace_seconds) {
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": ")" +
                              (testing::build_dir() / "plugins").string() + R"("},
      "api": {"listen": "127.0.0.1:8470", "token": "${env:MB_TEST_API_TOKEN}"},
      "connectors": [{"id": "at", "plugin": "autotask", "partner": "Acme IT", "config": {
        "username": "meterbridge-api@acme-it.example", "secret": "${env:MB_TEST_AT_SECRET}",
        "integration_code": "MBSIMINTEGRATIONCODE", "discovery_url": ")" +
                              base_url_ + R"(/atservicesrest/"},
        "policies": {"unconfirmed_write_grace_seconds": )" +
                              std::to_string(grace_seconds) + "}}]}");
  }

  std::string env() const {
    return std::string("env -u MB_CONFIG MB_SECRET_KEY=") + kSecretKey +
           " MB_TEST_AT_SECRET=sim-secret MB_TEST_API_TOKEN=test-api-token ";
  }

  std::string command(const std::string& args) const {
    return env() + testing::meterbridge_binary() + " --config '" + (dir_ / "mb.json").string() +
           "' " + args;
  }

  RunResult mb(const std::string& args) { return testing::run(command(args)); }

  // A sync in its own process, stdout and stderr to files, so the test can kill it.
  pid_t start_sync(const std::string& name) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string cmd = "exec " + command("sync at --json") + " > '" +
                        (dir_ / (name + ".out")).string() + "' 2> '" +
                        (dir_ / (name + ".err")).string() + "'";
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }

  static int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  // Waits until some process holds the connector's lease (read from the state database).
  void wait_for_lease() {
    auto store = open_sqlite_store(
        {.path = dir_ / "state" / "mb.db", .key_file = dir_ / "state" / "unused.key"});
    ASSERT_TRUE(store) << store.status().message();
    for (int i = 0; i < 400; ++i) {
      auto lease = (*store)->get_lease("at");
      if (lease && *lease) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "no process took the connector's lease";
  }

  std::set<int64_t> adjustment_ids() {
    std::set<int64_t> ids;
    json::value state = sim::testing::control_json(port_, "GET", "/_sim/state");
    for (const auto& a : state.at("adjustments").as_array()) ids.insert(a.at("id").as_int64());
    return ids;
  }

  // Adjustments made since the test's set-up, per contract service.
  std::map<int64_t, int> new_adjustments() {
    std::map<int64_t, int> per_line;
    json::value state = sim::testing::control_json(port_, "GET", "/_sim/state");
    for (const auto& a : state.at("adjustments").as_array())
      if (adjustments_before_.count(a.at("id").as_int64()) == 0)
        ++per_line[a.at("contractServiceID").as_int64()];
    return per_line;
  }

  // The first run report of a `sync --json` output, or null (with a test failure) when there is
  // none.
  static json::value first_report(const std::string& text) {
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec || !doc.is_array() || doc.as_array().empty() || !doc.as_array()[0].is_object()) {
      ADD_FAILURE() << "not a sync report: " << text;
      return nullptr;
    }
    return doc.as_array()[0];
  }

  static int64_t count_of(const json::value& run, const char* outcome) {
    if (!run.is_object()) return -1;
    const auto& counts = run.at("counts").as_object();
    return counts.contains(outcome) ? counts.at(outcome).as_int64() : 0;
  }

  std::string read(const std::string& name) { return testing::read_file(dir_ / name); }

  // Holds the next run's first company query for `ms`, so the run keeps its lease long enough
  // for a second one to meet it.
  void slow_next_run(int ms) {
    sim::testing::control_json(
        port_, "POST", "/_sim/faults",
        "delay:delay_ms=" + std::to_string(ms) + ",count=1,path=/ATServicesRest/V1.0/Companies");
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> sim_;
  std::string base_url_;
  uint16_t port_ = 0;
  std::set<int64_t> adjustments_before_;
};

TEST_F(BilledQuantitiesTest, TwoProcessesSyncingOneConnectorApplyEachChangeOnce) {
  slow_next_run(2000);
  pid_t first = start_sync("first");
  wait_for_lease();
  pid_t second = start_sync("second");
  int second_exit = wait_exit(second);
  int first_exit = wait_exit(first);

  EXPECT_EQ(first_exit, 0) << read("first.err");
  EXPECT_NE(second_exit, 0);
  EXPECT_NE(read("second.err").find("is busy"), std::string::npos) << read("second.err");
  EXPECT_NE(read("second.err").find("pid " + std::to_string(first)), std::string::npos)
      << read("second.err");
  json::value run = first_report(read("first.out"));
  int64_t updated = count_of(run, "updated");
  EXPECT_GT(updated, 50);
  auto adjusted = new_adjustments();
  EXPECT_EQ(static_cast<int64_t>(adjusted.size()), updated);
  for (const auto& [line, n] : adjusted)
    EXPECT_EQ(n, 1) << "contract service " << line << " adjusted " << n << " times";

  // The first run was never closed as interrupted by the second.
  RunResult runs = mb("runs list at --json");
  ASSERT_EQ(runs.exit_code, 0);
  json::value history = json::parse(runs.out);
  for (const auto& r : history.as_array()) EXPECT_NE(r.at("state").as_string(), "interrupted");
}

TEST_F(BilledQuantitiesTest, AServeSyncAndACliSyncNeverRunTogether) {
  ChildProcess serve({testing::meterbridge_binary(), "--config", (dir_ / "mb.json").string(),
                      "serve", "--no-schedule", "--listen", "127.0.0.1:0"},
                     {std::string("MB_SECRET_KEY=") + kSecretKey, "MB_TEST_AT_SECRET=sim-secret",
                      "MB_TEST_API_TOKEN=test-api-token"});
  auto line = serve.read_line();
  ASSERT_TRUE(line) << "serve did not start";
  uint16_t api_port = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  sim::testing::Headers auth{{"Authorization", "Bearer test-api-token"},
                             {"Content-Type", "application/json"}};

  // The CLI holds the connector: the API says 409 and does nothing.
  slow_next_run(2000);
  pid_t cli = start_sync("cli");
  wait_for_lease();
  auto busy = sim::testing::http_request(api_port, "POST", "/v1/connectors/at/sync", auth, "{}");
  ASSERT_TRUE(busy.response) << busy.error;
  EXPECT_EQ(busy.response->status, 409) << busy.response->body;
  EXPECT_NE(busy.response->body.find("is busy"), std::string::npos) << busy.response->body;
  EXPECT_EQ(wait_exit(cli), 0) << read("cli.err");

  // The API holds it: the CLI stops with the lease message.
  slow_next_run(2000);
  auto api_sync = std::async(std::launch::async, [&] {
    return sim::testing::http_request(api_port, "POST", "/v1/connectors/at/sync", auth,
                                      R"({"force":true})");
  });
  wait_for_lease();
  RunResult refused = mb("sync at");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("is busy"), std::string::npos) << refused.err;
  auto api_result = api_sync.get();
  ASSERT_TRUE(api_result.response) << api_result.error;
  EXPECT_EQ(api_result.response->status, 200) << api_result.response->body;

  // A forced push re-posts nothing to Autotask: its adjustments are deltas, so an unchanged
  // line has nothing to add. Every changed contract service still has exactly one adjustment.
  for (const auto& [cs, n] : new_adjustments()) EXPECT_EQ(n, 1) << "contract service " << cs;
}

TEST_F(BilledQuantitiesTest, AKilledRunsUnansweredPostsAreNeverPostedTwice) {
  write_config(8);
  // The first three adjustment POSTs are processed 5 s after they arrive.
  sim::testing::control_json(
      port_, "POST", "/_sim/faults",
      std::string("delay:delay_ms=5000,count=3,method=POST,path=") + kAdjustments);
  pid_t victim = start_sync("victim");
  bool in_flight = false;
  for (int i = 0; i < 600 && !in_flight; ++i) {
    json::value faults = sim::testing::control_json(port_, "GET", "/_sim/faults");
    for (const auto& rule : faults.at("rules").as_array())
      if (rule.at("fired").as_int64() >= 3) in_flight = true;
    if (!in_flight) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(in_flight) << "the delayed POSTs never arrived";
  ::kill(victim, SIGKILL);  // an OOM kill, a deploy, systemd restarting the unit
  wait_exit(victim);

  // A rerun at once: the writes may still land, so nothing is posted again.
  RunResult at_once = mb("sync at --json");
  json::value rerun = first_report(at_once.out);
  EXPECT_GT(count_of(rerun, "pending_confirmation"), 0) << at_once.out;
  EXPECT_EQ(count_of(rerun, "updated"), 0);

  // The delayed POSTs land; after the grace period a rerun completes the rest.
  std::this_thread::sleep_for(std::chrono::milliseconds(8500));
  RunResult later = mb("sync at --json");
  json::value completed = first_report(later.out);
  EXPECT_EQ(count_of(completed, "pending_confirmation"), 0) << later.out;
  EXPECT_EQ(count_of(completed, "failed"), 0) << later.out;
  auto adjusted = new_adjustments();
  EXPECT_GT(adjusted.size(), 50u);
  for (const auto& [cs, n] : adjusted)
    EXPECT_EQ(n, 1) << "contract service " << cs << " adjusted " << n << " times";

  // And the platform now holds every target: a last run writes nothing.
  RunResult settled = mb("sync at --json");
  json::value last = first_report(settled.out);
  EXPECT_EQ(count_of(last, "updated"), 0) << settled.out;
}

}  // namespace
}  // namespace mb
