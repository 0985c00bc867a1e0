// Several `meterbridge serve` processes against one PostgreSQL database (docs/scale-out.md):
// due syncs are jobs in the database, claimed by whichever worker is free; one worker is
// SIGKILLed in the middle of its syncs, and another takes its connectors over once its claims
// expire. Every connector syncs exactly once per window, no write reaches a platform twice,
// and a second window reads back exactly what the first wrote.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host/store/postgres_store.h"
#include "host/store/testing/postgres_cluster.h"
#include "host/store/testing/store_under_test.h"
#include "sim/core/simulator.h"
#include "tests/testing/child_process.h"
#include "tests/testing/demo_config.h"
#include "tests/testing/raw_socket.h"
#include "tests/testing/run.h"
#include "tests/testing/serve_harness.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::RunResult;
using testing::TempDir;
using testing::TestDatabase;

constexpr int kConnectors = 4;
constexpr int kWorkers = 3;
const std::string kSecretKey(64, 'e');

// The demo's ConnectWise partner, pointed at `base_url`, under another id.
json::object demo_connector(const std::string& id, const std::string& base_url) {
  json::object connector = testing::demo_connector("contoso-connectwise", base_url);
  connector["id"] = id;
  connector["schedule"] = json::object{{"enabled", false}};  // jobs come from the test
  return connector;
}

// The requests that change something on a simulator: (method, target, body).
std::vector<std::string> writes_of(uint16_t port) {
  auto reply = testing::http_call(port, "GET", "/_sim/requests?limit=100000", "", "");
  std::vector<std::string> writes;
  for (const auto& r : reply.body.at("requests").as_array()) {
    std::string method(r.at("method").as_string());
    if (method == "GET") continue;
    writes.push_back(method + " " + std::string(r.at("target").as_string()) + " " +
                     std::string(r.at("body").as_string()));
  }
  return writes;
}

size_t requests_of(uint16_t port) {
  auto reply = testing::http_call(port, "GET", "/_sim/requests?limit=100000", "", "");
  return reply.body.at("requests").as_array().size();
}

class MultiWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(database_.error(), "");
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* name : {"libmeterbridge-connectwise.so", "connectwise.plugin.json"}) {
      fs::copy_file(testing::build_dir() / "plugins" / name, plugins_ / name);
      ::chmod((plugins_ / name).c_str(), 0755);
    }
    json::array connectors;
    for (int i = 0; i < kConnectors; ++i) {
      sim::SimOptions options;
      options.seed_json =
          testing::read_file(testing::source_dir() / "examples/demo/connectwise.seed.json");
      sims_.push_back(sim::Simulator::start("connectwise", options));
      json::object connector = demo_connector(id(i), sims_.back()->base_url());
      adjust(connector);
      connectors.push_back(std::move(connector));
    }
    dir_.write("mb.json",
               json::serialize(json::object{{"state", state()},
                                            {"plugins", json::object{{"dir", "plugins"}}},
                                            {"workers", json::object{{"concurrency", 2},
                                                                     {"claim_ttl_seconds", 3},
                                                                     {"poll_seconds", 1}}},
                                            {"serve", json::object{{"shutdown_grace_seconds", 5}}},
                                            {"api", json::object{{"token", "${file:token}"}}},
                                            {"connectors", connectors}}));
    dir_.write("token", testing::kServeToken, 0600);
    ok("usage import " + (testing::source_dir() / "examples/demo/usage.json").string());
    for (int i = 0; i < kConnectors; ++i) {
      ok("connectors test " + id(i));
      ok("map auto " + id(i));
    }
    ok("map apply");
    auto store = open_store();
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
  }

  // Changes the connectors' settings, for a test of its own.
  virtual void adjust(json::object& connector) const { (void)connector; }
  // The config's state, and the test's own connection to it.
  virtual json::value state() const { return json::value(database_.url()); }
  virtual Result<std::unique_ptr<Store>> open_store() {
    return testing::open_existing_store(database_, dir_ / "unused.key");
  }

  static std::string id(int i) { return "cw-" + std::to_string(i); }

  std::string env() const {
    return "env -u MB_CONFIG -u PGPASSWORD MB_SECRET_KEY=" + kSecretKey +
           " MB_DEMO_CONNECTWISE_PRIVATE_KEY=demo-cw-private-key"
           " MB_DEMO_CONNECTWISE_CLIENT_ID=5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b ";
  }

  void ok(const std::string& args) {
    RunResult r = testing::run(env() + testing::meterbridge_binary() + " --config '" +
                               (dir_ / "mb.json").string() + "' " + args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  }

  std::unique_ptr<ChildProcess> start_worker(int n) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{testing::meterbridge_binary(), "--config",
                                 (dir_ / "mb.json").string(), "serve", "--listen", "127.0.0.1:0"},
        std::vector<std::string>{
            "MB_SECRET_KEY=" + kSecretKey, "MB_DEMO_CONNECTWISE_PRIVATE_KEY=demo-cw-private-key",
            "MB_DEMO_CONNECTWISE_CLIENT_ID=5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"},
        (dir_ / ("worker-" + std::to_string(n) + ".log")).string());
  }

  void enqueue_window(const std::string& window) {
    for (int i = 0; i < kConnectors; ++i) {
      SyncJob job;
      job.connector_id = id(i);
      job.window_key = window;
      job.trigger = "schedule";
      job.due_at_ms = SystemClock::instance().now_ms();
      ASSERT_TRUE(*store_->enqueue_job(job));
    }
  }

  // The jobs of `window` (or whose window starts with it), by connector.
  std::map<std::string, SyncJob> jobs_of(const std::string& window) {
    std::map<std::string, SyncJob> out;
    auto jobs = store_->list_jobs("", 1000);
    if (!jobs) return out;
    for (const auto& job : *jobs)
      if (job.window_key.starts_with(window)) out[job.connector_id] = job;
    return out;
  }

  bool window_done(const std::string& window) {
    auto jobs = jobs_of(window);
    if (jobs.size() != static_cast<size_t>(kConnectors)) return false;
    for (const auto& [connector, job] : jobs)
      if (job.state != JobState::kDone && job.state != JobState::kFailed) return false;
    return true;
  }

  // The worker of a running job of `window` whose platform has received `min_requests` of its
  // requests, waited for up to `wait`; empty when none.
  std::string worker_talking_to_its_platform(const std::string& window, size_t min_requests,
                                             std::chrono::milliseconds wait) {
    std::string worker;
    bool found = testing::eventually(
        [&] {
          for (const auto& [connector, job] : jobs_of(window)) {
            if (job.state != JobState::kRunning) continue;
            int i = std::stoi(connector.substr(3));
            if (requests_of(sims_[i]->port()) < min_requests) continue;
            worker = job.worker_id;
            return true;
          }
          return false;
        },
        wait);
    return found ? worker : "";
  }

  // worker_id is "host:pid:random".
  static pid_t pid_of_worker(const std::string& worker_id) {
    size_t first = worker_id.find(':');
    size_t second = worker_id.find(':', first + 1);
    return static_cast<pid_t>(std::stol(worker_id.substr(first + 1, second - first - 1)));
  }

  // SIGKILLs (and forgets) the node of worker_talking_to_its_platform(...); returns its worker
  // id, or empty when there was none or it is none of `workers`.
  std::string kill_worker_talking_to_its_platform(
      std::vector<std::unique_ptr<ChildProcess>>& workers, const std::string& window,
      size_t min_requests, std::chrono::milliseconds wait) {
    const std::string worker = worker_talking_to_its_platform(window, min_requests, wait);
    if (worker.empty()) return "";
    const pid_t pid = pid_of_worker(worker);
    auto victim = std::find_if(workers.begin(), workers.end(),
                               [&](const auto& w) { return w && w->pid() == pid; });
    if (victim == workers.end()) return "";
    (*victim)->send_signal(SIGKILL);
    (*victim)->wait_exit(5s);
    victim->reset();
    return worker;
  }

  std::string logs() const {
    std::string all;
    for (int n = 0; n < 2 * kWorkers; ++n) {
      auto path = dir_ / ("worker-" + std::to_string(n) + ".log");
      if (fs::exists(path))
        all += "--- worker " + std::to_string(n) + "\n" + testing::read_file(path);
    }
    return all;
  }

  TestDatabase database_;
  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
  std::vector<std::unique_ptr<sim::Simulator>> sims_;
  std::unique_ptr<Store> store_;
};

TEST_F(MultiWorkerTest, AKilledWorkersConnectorsAreTakenOverAndEachSyncsOncePerWindow) {
  // Slow platforms, so the syncs are still writing when a worker is killed.
  for (auto& sim : sims_)
    testing::http_call(sim->port(), "POST", "/_sim/latency", R"({"latency_ms": 150})", "");
  std::vector<std::unique_ptr<ChildProcess>> workers;
  std::map<pid_t, uint16_t> api_ports;
  for (int n = 0; n < kWorkers; ++n) {
    workers.push_back(start_worker(n));
    auto line = workers.back()->read_line();
    ASSERT_TRUE(line) << logs();
    api_ports[workers.back()->pid()] =
        static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  enqueue_window("window-1");

  // Kill the worker of the first job that has reached its platform.
  const std::string killed_worker =
      kill_worker_talking_to_its_platform(workers, "window-1", 3, 20s);
  ASSERT_FALSE(killed_worker.empty()) << logs();
  const pid_t killed = pid_of_worker(killed_worker);
  std::set<std::string> taken_over;
  for (const auto& [connector, job] : jobs_of("window-1"))
    if (job.worker_id == killed_worker && job.state == JobState::kRunning)
      taken_over.insert(connector);
  ASSERT_FALSE(taken_over.empty());

  ASSERT_TRUE(testing::eventually([&] { return window_done("window-1"); }, 40s)) << logs();
  for (const auto& [connector, job] : jobs_of("window-1")) {
    EXPECT_EQ(job.state, JobState::kDone) << connector << ": " << job.message << "\n" << logs();
    EXPECT_NE(job.worker_id, killed_worker) << connector;
    if (taken_over.count(connector)) {
      EXPECT_GE(job.attempts, 2) << connector;
    }
  }

  // No platform received the same write twice.
  for (int i = 0; i < kConnectors; ++i) {
    auto writes = writes_of(sims_[i]->port());
    std::set<std::string> distinct(writes.begin(), writes.end());
    EXPECT_EQ(distinct.size(), writes.size()) << id(i) << " got a write twice";
    EXPECT_FALSE(writes.empty()) << id(i) << " was never written";
  }

  // "Sync now" through the API of a node that survived, for any node's workers: the next syncs
  // read back exactly what the first wrote, and have nothing left to write.
  api_ports.erase(killed);
  for (int i = 0; i < kConnectors; ++i) {
    auto reply = testing::http_call(api_ports.begin()->second, "POST",
                                    "/v1/connectors/" + id(i) + "/sync", R"({"queue": true})");
    ASSERT_EQ(reply.status, 202) << reply.raw;
    EXPECT_EQ(reply.body.at("state").as_string(), "queued");
  }
  ASSERT_TRUE(testing::eventually([&] { return window_done("api:"); }, 30s)) << logs();
  for (int i = 0; i < kConnectors; ++i) {
    auto runs = store_->list_runs(id(i), 20);
    ASSERT_TRUE(runs) << runs.status().message();
    int finished = 0;
    for (const auto& run : *runs) finished += run.state != RunState::kInterrupted ? 1 : 0;
    EXPECT_EQ(finished, 2) << id(i) << ": one finished run per window";
    json::value counts = json::parse(runs->front().counts_json);
    EXPECT_FALSE(counts.as_object().contains("updated"))
        << id(i) << ": the second window wrote again: " << runs->front().counts_json;
  }

  // A graceful stop releases every lease.
  for (auto& w : workers)
    if (w) w->send_signal(SIGTERM);
  for (auto& w : workers)
    if (w) {
      EXPECT_EQ(w->wait_exit(15s), 0);
    }
  for (int i = 0; i < kConnectors; ++i) EXPECT_FALSE(store_->get_lease(id(i))->has_value());
}

// ---- Shared platform budgets (docs/scale-out.md, "Budgets") ----

constexpr int64_t kHourMs = 3'600'000;
constexpr const char* kTenant = "contoso-tenant";

// The four connectors work on one platform tenant (one budget_key), whose hourly budget is too
// small for the window's syncs: the nodes' syncs share one count in the database.
class SharedBudgetTest : public MultiWorkerTest {
 protected:
  // The set-up (credential tests, auto-mapping) takes 8 requests a connector and a window's
  // sync about 17: the budget lets the set-up and one or two of the four syncs through.
  static constexpr int64_t kBudget = 60;

  void adjust(json::object& connector) const override {
    connector["http"] = json::object{{"hourly_budget", kBudget}, {"budget_key", kTenant}};
    // Every decrease applied, none held, so that every quantity is written and reads back exact.
    connector["policies"].as_object()["decreases"] = "auto";
    connector["policies"].as_object()["max_decrease_share"] = 1;
    connector["policies"].as_object()["hold_drops_to_zero"] = false;
  }

  size_t platform_requests() {
    size_t total = 0;
    for (auto& sim : sims_) total += requests_of(sim->port());
    return total;
  }

  int64_t budget_used() {
    auto used = store_->budget_used(kTenant, kHourMs, SystemClock::instance().now_ms());
    return used ? *used : -1;
  }

  // Every job of `window` has ended, or waits for the budget (not due yet).
  bool window_settled(const std::string& window) {
    auto jobs = jobs_of(window);
    if (jobs.empty()) return false;
    const int64_t now = SystemClock::instance().now_ms();
    for (const auto& [connector, job] : jobs) {
      bool waits = job.state == JobState::kQueued && job.due_at_ms > now &&
                   job.message.find("request budget exhausted") != std::string::npos;
      if (job.state == JobState::kRunning || (job.state == JobState::kQueued && !waits))
        return false;
    }
    return true;
  }

  Status sql(const std::string& statement) {
    auto r = database_.cluster()->query(database_.name(), statement);
    return r ? Status::Ok() : r.status();
  }
};

TEST_F(SharedBudgetTest, SyncsStopAtTheTenantsBudgetAcrossNodesWaitAndFinishExactlyLater) {
  // Every request so far (credential tests, auto-mapping) counted under the tenant.
  ASSERT_GT(platform_requests(), 0u);
  EXPECT_EQ(budget_used(), static_cast<int64_t>(platform_requests()));
  ASSERT_LT(budget_used(), kBudget);

  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int n = 0; n < 2; ++n) {
    workers.push_back(start_worker(n));
    ASSERT_TRUE(workers.back()->read_line()) << logs();
  }
  const int64_t enqueued_ms = SystemClock::instance().now_ms();
  enqueue_window("window-1");
  ASSERT_TRUE(testing::eventually([&] { return window_settled("window-1"); }, 60s)) << logs();

  // Two nodes together never sent more than the tenant's budget, and counted every request.
  EXPECT_LE(platform_requests(), static_cast<size_t>(kBudget));
  EXPECT_EQ(budget_used(), static_cast<int64_t>(platform_requests()));
  std::set<std::string> waiting;
  for (const auto& [connector, job] : jobs_of("window-1")) {
    if (job.state != JobState::kQueued) {
      EXPECT_EQ(job.state, JobState::kDone) << connector << ": " << job.message;
      continue;
    }
    waiting.insert(connector);
    // It waits in the queue until the budget has room (an hour after the first requests),
    // not retried meanwhile, saying why.
    EXPECT_GE(job.due_at_ms, enqueued_ms + kHourMs - 120'000) << connector;
    EXPECT_NE(job.message.find("resumes at"), std::string::npos) << job.message;
    auto run = store_->get_run(job.run_id);
    if (job.run_id != 0) {
      ASSERT_TRUE(run && run->has_value()) << connector;
      EXPECT_NE((*run)->message.find("request budget exhausted"), std::string::npos)
          << connector << ": " << (*run)->message;
      EXPECT_NE((*run)->message.find("resumes at"), std::string::npos) << (*run)->message;
    }
  }
  ASSERT_FALSE(waiting.empty()) << "the budget stopped no sync (" << platform_requests()
                                << " requests): lower it";

  // The count survives the nodes' restart: new nodes leave the waiting jobs waiting, and a
  // sync asked for now stops at once on the same budget.
  for (auto& w : workers) w->send_signal(SIGTERM);
  for (auto& w : workers) EXPECT_EQ(w->wait_exit(15s), 0) << logs();
  workers.clear();
  const size_t before_restart = platform_requests();
  for (int n = 2; n < 4; ++n) {
    workers.push_back(start_worker(n));
    ASSERT_TRUE(workers.back()->read_line()) << logs();
  }
  SyncJob now_job;
  now_job.connector_id = *waiting.begin() == id(0) ? id(1) : id(0);
  now_job.window_key = "api:after-restart";
  now_job.trigger = "api";
  now_job.due_at_ms = SystemClock::instance().now_ms();
  ASSERT_TRUE(*store_->enqueue_job(now_job));
  ASSERT_TRUE(testing::eventually([&] { return window_settled("api:after-restart"); }, 30s))
      << logs();
  EXPECT_EQ(jobs_of("api:after-restart").begin()->second.state, JobState::kQueued);
  EXPECT_LE(platform_requests(), static_cast<size_t>(kBudget));
  EXPECT_EQ(budget_used(), static_cast<int64_t>(platform_requests()));
  for (const auto& connector : waiting)
    EXPECT_EQ(jobs_of("window-1").at(connector).state, JobState::kQueued) << connector;
  EXPECT_GE(platform_requests(), before_restart);

  // An hour passes (the test moves the tenant's counts and the jobs' wait an hour back), as
  // often as the budget needs to let every waiting sync finish.
  for (int hour = 0; hour < 4 && !window_done("window-1"); ++hour) {
    ASSERT_TRUE(sql("UPDATE budget_buckets SET second = second - 3600").ok());
    ASSERT_TRUE(
        sql("UPDATE sync_jobs SET due_at_ms = due_at_ms - 3600000 WHERE state = 'queued'").ok());
    ASSERT_TRUE(testing::eventually(
        [&] { return window_settled("window-1") && window_settled("api:after-restart"); }, 60s))
        << logs();
    EXPECT_LE(budget_used(), kBudget);
  }
  ASSERT_TRUE(window_done("window-1")) << logs();
  for (const auto& [connector, job] : jobs_of("window-1"))
    EXPECT_EQ(job.state, JobState::kDone) << connector << ": " << job.message << "\n" << logs();
  for (const auto& connector : waiting)
    EXPECT_GE(jobs_of("window-1").at(connector).attempts, 2) << connector;

  // No platform received the same write twice, and every quantity reads back exactly.
  for (int i = 0; i < kConnectors; ++i) {
    auto writes = writes_of(sims_[i]->port());
    std::set<std::string> distinct(writes.begin(), writes.end());
    EXPECT_EQ(distinct.size(), writes.size()) << id(i) << " got a write twice";
    EXPECT_FALSE(writes.empty()) << id(i) << " was never written";
  }
  for (auto& w : workers) w->send_signal(SIGTERM);
  for (auto& w : workers) EXPECT_EQ(w->wait_exit(15s), 0);
  ASSERT_TRUE(sql("UPDATE budget_buckets SET second = second - 3600").ok());  // another hour
  for (int i = 0; i < kConnectors; ++i) ok("reconcile --no-progress " + id(i));
}

// ---- Tenant slots (docs/scale-out.md, "Tenant slots") ----

constexpr int kTenantLimit = 2;

// The four connectors work on one platform tenant that allows two syncs at once, and the
// nodes have four worker slots between them: the tenant, not the workers, bounds the syncs.
class TenantSlotsTest : public MultiWorkerTest {
 protected:
  void adjust(json::object& connector) const override {
    connector["http"] = json::object{{"budget_key", kTenant}, {"tenant_concurrency", kTenantLimit}};
  }

  // Slow platforms, so that syncs last long enough to overlap; the set-up's requests forgotten.
  void slow_platforms() {
    for (auto& sim : sims_) {
      testing::http_call(sim->port(), "POST", "/_sim/latency", R"({"latency_ms": 150})", "");
      testing::http_call(sim->port(), "DELETE", "/_sim/requests", "", "");
    }
  }

  // The most connectors whose platforms were being talked to at one moment, measured on the
  // simulators: each connector's sync spans its simulator's first request to its last (each
  // simulator serves one connector, and a window one sync of it).
  int most_syncs_at_once() {
    std::vector<std::pair<int64_t, int>> edges;  // (time, +1 at a start / -1 at an end)
    for (auto& sim : sims_) {
      auto reply = testing::http_call(sim->port(), "GET", "/_sim/requests?limit=100000", "", "");
      int64_t first = 0, last = 0;
      for (const auto& r : reply.body.at("requests").as_array()) {
        int64_t start = r.at("start_us").as_int64(), end = r.at("end_us").as_int64();
        if (first == 0 || start < first) first = start;
        last = std::max(last, end);
      }
      if (first == 0) continue;
      edges.push_back({first, +1});
      edges.push_back({last, -1});
    }
    std::sort(edges.begin(), edges.end());  // an end before a start at the same microsecond
    int now = 0, most = 0;
    for (const auto& [at, step] : edges) most = std::max(most, now += step);
    return most;
  }

  // Runs `window` to its end on the running nodes, noting the tenant-full messages its queued
  // jobs showed meanwhile.
  void run_window(const std::string& window, std::set<std::string>* full_messages) {
    enqueue_window(window);
    ASSERT_TRUE(testing::eventually(
        [&] {
          for (const auto& [connector, job] : jobs_of(window))
            if (job.state == JobState::kQueued && job.message.find("tenant") != std::string::npos)
              full_messages->insert(job.message);
          return window_done(window);
        },
        90s))
        << logs();
  }

  // Every job of `window` done at its first attempt, one finished run per connector per window
  // so far, no write twice on any platform, and no slot left held.
  void expect_each_synced_once(const std::string& window, int windows_so_far) {
    for (const auto& [connector, job] : jobs_of(window)) {
      EXPECT_EQ(job.state, JobState::kDone) << connector << ": " << job.message << "\n" << logs();
      EXPECT_EQ(job.attempts, 1) << connector << ": waiting for the tenant spent attempts";
    }
    for (int i = 0; i < kConnectors; ++i) {
      auto runs = store_->list_runs(id(i), 20);
      ASSERT_TRUE(runs) << runs.status().message();
      EXPECT_EQ(runs->size(), static_cast<size_t>(windows_so_far)) << id(i);
      for (const auto& run : *runs)
        EXPECT_NE(run.state, RunState::kInterrupted) << id(i) << " run " << run.id;
      auto writes = writes_of(sims_[i]->port());
      std::set<std::string> distinct(writes.begin(), writes.end());
      EXPECT_EQ(distinct.size(), writes.size()) << id(i) << " got a write twice";
    }
    auto holders = store_->tenant_slot_holders(kTenant, SystemClock::instance().now_ms());
    ASSERT_TRUE(holders) << holders.status().message();
    EXPECT_TRUE(holders->empty()) << holders->front() << " still holds a slot";
  }
};

TEST_F(TenantSlotsTest, NodesRunNoMoreOfATenantsSyncsAtOnceThanItAllowsAndEachRunsOnce) {
  slow_platforms();
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int n = 0; n < 2; ++n) {
    workers.push_back(start_worker(n));
    ASSERT_TRUE(workers.back()->read_line()) << logs();
  }
  std::set<std::string> full_messages;
  run_window("window-1", &full_messages);
  const int most = most_syncs_at_once();
  EXPECT_LE(most, kTenantLimit) << logs();
  EXPECT_EQ(most, kTenantLimit) << "the syncs never filled the tenant: the test proves nothing";
  expect_each_synced_once("window-1", 1);
  // A job that found the tenant full said so, naming the connectors that filled it.
  // (Each waits in the queue for seconds, so the polling above sees it.)
  EXPECT_FALSE(full_messages.empty()) << "no job waited for the tenant: the test proves nothing";
  for (const auto& message : full_messages) {
    EXPECT_NE(message.find("its platform tenant is full: 2 syncs at once "
                           "(http.tenant_concurrency), run by connectors cw-"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find(kTenant), std::string::npos) << "the key in a status: " << message;
  }

  // A node killed while its syncs hold slots: its jobs are taken over once their claims
  // expire, and its slots expire with them, so the tenant is not left short.
  for (auto& sim : sims_) testing::http_call(sim->port(), "DELETE", "/_sim/requests", "", "");
  enqueue_window("window-2");
  const std::string killed_worker =
      kill_worker_talking_to_its_platform(workers, "window-2", 2, 30s);
  ASSERT_FALSE(killed_worker.empty()) << logs();
  ASSERT_TRUE(testing::eventually([&] { return window_done("window-2"); }, 90s)) << logs();
  for (const auto& [connector, job] : jobs_of("window-2")) {
    EXPECT_EQ(job.state, JobState::kDone) << connector << ": " << job.message << "\n" << logs();
    EXPECT_NE(job.worker_id, killed_worker) << connector;
  }
  auto holders = store_->tenant_slot_holders(kTenant, SystemClock::instance().now_ms());
  ASSERT_TRUE(holders);
  EXPECT_TRUE(holders->empty()) << holders->front() << " still holds a slot";
  for (auto& w : workers)
    if (w) w->send_signal(SIGTERM);
  for (auto& w : workers)
    if (w) {
      EXPECT_EQ(w->wait_exit(15s), 0);
    }
}

// The same limit within one node on the embedded SQLite store: four workers, two slots.
class SqliteTenantSlotsTest : public TenantSlotsTest {
 protected:
  json::value state() const override { return json::object{{"path", "state.db"}}; }
  Result<std::unique_ptr<Store>> open_store() override {
    return open_sqlite_store({.path = dir_ / "state.db", .key_file = dir_ / "unused.key"});
  }
};

TEST_F(SqliteTenantSlotsTest, ANodesWorkersRunNoMoreOfATenantsSyncsAtOnceThanItAllows) {
  slow_platforms();
  // One node with four workers.
  std::string config = testing::read_file(dir_ / "mb.json");
  json::value doc = json::parse(config);
  doc.at("workers").as_object()["concurrency"] = 4;
  dir_.write("mb.json", json::serialize(doc));
  auto worker = start_worker(0);
  ASSERT_TRUE(worker->read_line()) << logs();
  std::set<std::string> full_messages;
  run_window("window-1", &full_messages);
  const int most = most_syncs_at_once();
  EXPECT_LE(most, kTenantLimit) << logs();
  EXPECT_EQ(most, kTenantLimit) << "the syncs never filled the tenant: the test proves nothing";
  expect_each_synced_once("window-1", 1);
  worker->send_signal(SIGTERM);
  EXPECT_EQ(worker->wait_exit(15s), 0);
}

// A sync run directly — the CLI's `sync`, the admin API's without "queue": true (the console's
// "Sync now") — counts toward its tenant as a job does: it holds a slot for its run, and while
// the tenant is full it is refused, naming who fills it, and sends nothing.
TEST_F(SqliteTenantSlotsTest, ASyncRunDirectlyHoldsATenantSlotAndIsRefusedWhileTheTenantIsFull) {
  auto refused = [&](const std::string& args, const std::string& holders) {
    RunResult r = testing::run(env() + testing::meterbridge_binary() + " --config '" +
                               (dir_ / "mb.json").string() + "' " + args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("is busy: its platform tenant is full: 2 syncs at once "
                         "(http.tenant_concurrency), run by connectors " +
                         holders),
              std::string::npos)
        << args << "\n" << r.err;
    EXPECT_EQ(r.err.find(kTenant), std::string::npos) << "the key in a message: " << r.err;
  };
  for (auto& sim : sims_) testing::http_call(sim->port(), "DELETE", "/_sim/requests", "", "");

  // Another node's jobs fill the tenant: a sync and a dry run of a third connector are refused
  // before they open a session, and record no run.
  const int64_t now = SystemClock::instance().now_ms();
  for (int i : {0, 1})
    ASSERT_TRUE(*store_->acquire_tenant_slot(kTenant, "another-node", id(i), kTenantLimit, now,
                                             120'000));
  refused("sync --no-progress " + id(2), "cw-0, cw-1");
  refused("sync --dry-run --no-progress " + id(2), "cw-0, cw-1");
  EXPECT_EQ(requests_of(sims_[2]->port()), 0u) << "a refused sync talked to its platform";
  auto runs = store_->list_runs(id(2), 20);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty()) << "a refused sync recorded run " << runs->front().id;

  // One slot free: a slow sync of cw-2 takes it for its run, so a sync of cw-3 meanwhile is
  // refused, naming cw-2; the slot goes back when cw-2's run ends.
  ASSERT_TRUE(store_->release_tenant_slot(kTenant, "another-node", id(1)).ok());
  testing::http_call(sims_[2]->port(), "POST", "/_sim/latency", R"({"latency_ms": 700})", "");
  ChildProcess slow_sync(
      {testing::meterbridge_binary(), "--config", (dir_ / "mb.json").string(), "sync",
       "--no-progress", id(2)},
      {"MB_SECRET_KEY=" + kSecretKey, "MB_DEMO_CONNECTWISE_PRIVATE_KEY=demo-cw-private-key",
       "MB_DEMO_CONNECTWISE_CLIENT_ID=5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"},
      (dir_ / "slow-sync.log").string());
  ASSERT_TRUE(testing::eventually([&] { return requests_of(sims_[2]->port()) >= 1; }, 30s))
      << testing::read_file(dir_ / "slow-sync.log");
  auto holders = store_->tenant_slot_holders(kTenant, SystemClock::instance().now_ms());
  ASSERT_TRUE(holders);
  EXPECT_EQ(*holders, (std::vector<std::string>{"cw-0", "cw-2"}));
  refused("sync --no-progress " + id(3), "cw-0, cw-2");
  EXPECT_EQ(slow_sync.wait_exit(60s), 0) << testing::read_file(dir_ / "slow-sync.log");
  holders = store_->tenant_slot_holders(kTenant, SystemClock::instance().now_ms());
  ASSERT_TRUE(holders);
  EXPECT_EQ(*holders, (std::vector<std::string>{"cw-0"}));
  runs = store_->list_runs(id(2), 20);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().state, RunState::kOk);
  EXPECT_TRUE(store_->list_runs(id(3), 20)->empty());

  // A direct run that died left its slot — held for its connector ("run:<connector>",
  // run_slot_holder) — without its lease: the next run on the tenant frees it at once rather
  // than wait out its TTL, while the job's slot (its worker's) stays.
  ASSERT_TRUE(*store_->acquire_tenant_slot(kTenant, "run:" + id(1), id(1), kTenantLimit,
                                           SystemClock::instance().now_ms(), 120'000));
  ok("sync --no-progress " + id(3));
  holders = store_->tenant_slot_holders(kTenant, SystemClock::instance().now_ms());
  ASSERT_TRUE(holders);
  EXPECT_EQ(*holders, (std::vector<std::string>{"cw-0"}));
}

}  // namespace
}  // namespace mb
