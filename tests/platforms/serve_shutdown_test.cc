// SIGTERM while `meterbridge serve` is syncing, against the external platform's simulator slowed
// down so the sync is mid-way when the signal arrives. The process exits within its grace period,
// exit code 0, and the run is recorded as ended (stopped at a batch boundary) or interrupted —
// never left "applying" for someone else to find.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/serve_harness.h"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using mb::testing::eventually;
using mb::testing::RawSocket;
using mb::testing::ServeHarness;
using mb::testing::status_of;

constexpr int kCustomers = 12;  // two services each: 24 counts to push, one per batch
constexpr char kKey[] = "ext-shutdown-key-01";

std::string seed() {
  json::array customers;
  for (int i = 1; i <= kCustomers; ++i)
    customers.push_back(json::object{{"id", "c-" + std::to_string(i)},
                                     {"name", "Customer " + std::to_string(i)},
                                     {"active", true}});
  return json::serialize(json::object{
      {"integration", json::object{{"id", "int_test"}, {"name", "Coro for Test"}}},
      {"platform", json::object{{"name", "Test Distribution"}}},
      {"services",
       json::array{
           json::object{{"id", "coro-edr"}, {"name", "EDR"}, {"metrics", json::array{"devices"}}},
           json::object{
               {"id", "coro-email"}, {"name", "Email"}, {"metrics", json::array{"users"}}}}},
      {"customers", customers},
      {"links", json::array{}},
      {"counts", json::array{}}});
}

std::string usage() {
  json::array workspaces, counts;
  for (int i = 1; i <= kCustomers; ++i) {
    std::string id = "w-" + std::to_string(i);
    workspaces.push_back(json::object{{"id", id}, {"name", "Customer " + std::to_string(i)}});
    counts.push_back(json::object{
        {"workspace_id", id}, {"service_id", "edr"}, {"users", i}, {"devices", i + 1}});
    counts.push_back(
        json::object{{"workspace_id", id}, {"service_id", "email"}, {"users", i}, {"devices", 0}});
  }
  return json::serialize(
      json::object{{"as_of", "2026-11-21"},
                   {"workspaces", workspaces},
                   {"services", json::array{json::object{{"id", "edr"}, {"name", "EDR"}},
                                            json::object{{"id", "email"}, {"name", "Email"}}}},
                   {"usage", counts}});
}

class ServeShutdownTest : public ::testing::Test {
 protected:
  // Starts the simulator (every response `latency_ms` late, plus `faults`), prepares the
  // connector through the CLI, then starts serve with `grace_seconds`.
  void start(int latency_ms, const std::string& faults, int grace_seconds) {
    mb::sim::SimOptions options;
    options.seed_json = seed();
    options.settings_json = json::serialize(json::object{{"api_key", kKey}});
    sim_ = mb::sim::Simulator::start("external", options);
    serve_.add_plugin("external");
    json::object connector{
        {"id", "ext"},
        {"plugin", "external"},
        {"config",
         json::object{{"base_url", sim_->base_url()}, {"api_key", kKey}, {"batch_size", 1}}},
        {"policies", json::object{{"decreases", "auto"}}}};
    serve_.write_config({json::serialize(connector)}, R"("serve": {"shutdown_grace_seconds": )" +
                                                          std::to_string(grace_seconds) + "}");
    serve_.dir().write("usage.json", usage());
    for (const std::string& step :
         {"usage import " + (serve_.dir() / "usage.json").string(), std::string("map auto ext"),
          std::string("map service ext edr coro-edr --metric devices"),
          std::string("map service ext email coro-email --metric users")}) {
      auto r = serve_.cli(step);
      ASSERT_EQ(r.exit_code, 0) << step << "\n" << r.out << r.err;
    }
    control("POST", "/_sim/latency", json::serialize(json::object{{"latency_ms", latency_ms}}));
    if (!faults.empty()) control("POST", "/_sim/faults", faults);
    control("DELETE", "/_sim/requests");
    serve_.start();
  }

  json::value control(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, target, body);
  }

  size_t pushes() {
    size_t n = 0;
    const json::value log = control("GET", "/_sim/requests");
    for (const auto& r : log.at("requests").as_array())
      if (r.at("method").as_string() == "POST" && r.at("target").as_string() == "/v1/count-batches")
        ++n;
    return n;
  }

  // Starts a sync through the API and returns the connection its answer will come on.
  std::unique_ptr<RawSocket> start_sync() {
    auto socket = std::make_unique<RawSocket>(serve_.port());
    socket->send(std::string("POST /v1/connectors/ext/sync HTTP/1.1\r\nAuthorization: Bearer ") +
                 mb::testing::kServeToken + "\r\nContent-Length: 2\r\n\r\n{}");
    return socket;
  }

  // SIGTERM; returns how long the process took to exit (it must exit 0 within `bound`).
  std::chrono::milliseconds terminate_within(std::chrono::milliseconds bound) {
    auto began = std::chrono::steady_clock::now();
    serve_.process().send_signal(SIGTERM);
    auto status = serve_.process().wait_exit(bound);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    EXPECT_TRUE(status.has_value())
        << "serve still running " << bound.count() << " ms after SIGTERM";
    if (status) {
      EXPECT_EQ(*status, 0) << serve_.log();
    }
    return took;
  }

  json::value latest_run() {
    auto r = serve_.cli("runs list ext --json --limit 1");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out).at(0);
  }

  ServeHarness serve_;
  std::unique_ptr<mb::sim::Simulator> sim_;
};

TEST_F(ServeShutdownTest, SigtermStopsARunningSyncAtItsNextBatchBoundary) {
  start(/*latency_ms=*/250, "", /*grace_seconds=*/20);
  auto sync = start_sync();
  ASSERT_TRUE(eventually([&] { return pushes() >= 1; })) << serve_.log();
  // While the sync runs, health and the run list still answer at once (separate lanes).
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(serve_.call("GET", "/v1/health", "", "").status, 200);
  EXPECT_EQ(serve_.call("GET", "/v1/runs").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);

  auto took = terminate_within(10s);
  std::cout << "SIGTERM during a sync: serve exited after " << took.count() << " ms, " << pushes()
            << " of " << 2 * kCustomers << " counts pushed" << std::endl;
  EXPECT_LT(took, 5s);  // the batch in flight, not the whole sync and not the grace period
  EXPECT_LT(pushes(), size_t{2 * kCustomers});
  // The API caller got the run's report before the process left.
  std::string answer = sync->read_response(1s);
  EXPECT_EQ(status_of(answer), 200) << answer;
  json::value run = latest_run();
  std::string state(run.at("state").as_string());
  EXPECT_TRUE(state == "partial" || state == "failed") << state;
}

TEST_F(ServeShutdownTest, ARunOutlastingTheGracePeriodIsRecordedInterrupted) {
  // Every push is answered after 30 s; the grace period is 1 s.
  start(/*latency_ms=*/0, "delay:delay_ms=30000,method=POST", /*grace_seconds=*/1);
  auto sync = start_sync();
  ASSERT_TRUE(eventually([&] {
    return control("GET", "/_sim/stats").at("in_flight").as_int64() >= 1;
  })) << serve_.log();
  auto took = terminate_within(5s);
  std::cout << "SIGTERM with a push outlasting a 1 s grace period: serve exited after "
            << took.count() << " ms" << std::endl;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(latest_run().at("state").as_string(), "interrupted") << serve_.log();
}

TEST_F(ServeShutdownTest, ASecondSigtermDuringTheGracePeriodExitsAtOnce) {
  start(/*latency_ms=*/0, "delay:delay_ms=30000,method=POST", /*grace_seconds=*/60);
  auto sync = start_sync();
  ASSERT_TRUE(eventually([&] {
    return control("GET", "/_sim/stats").at("in_flight").as_int64() >= 1;
  })) << serve_.log();
  serve_.process().send_signal(SIGTERM);
  EXPECT_FALSE(serve_.process().wait_exit(300ms).has_value()) << "serve did not wait for its run";
  terminate_within(2s);
  EXPECT_EQ(latest_run().at("state").as_string(), "interrupted") << serve_.log();
}

}  // namespace
