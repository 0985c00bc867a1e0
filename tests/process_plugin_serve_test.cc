// Plugins failing inside one `meterbridge serve`, beside an ordinary in-process connector whose
// sync must still finish in the same daemon:
// - a library plugin that dies in read_quantities under "isolation": "process", and a Python
//   process plugin that segfaults in apply_quantities right after its first write (the journal
//   keeps that write from being sent twice);
// - Python children that hang, print garbage, flood their output or outgrow their memory limit:
//   each run records its failure class, and a rerun writes each change once;
// - an isolated library that segfaults while it is loaded: serve starts all the same, and only
//   its connector fails, naming why;
// - a sync cancelled by shutdown reaches an isolated plugin inside a long call: at once when
//   the plugin polls for cancellation, within the grace when it is stuck where it cannot.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace json = boost::json;
using testing::ServeHarness;

// How long the host lets a cancelled call's child answer before killing it
// (plugin_internal::kCancelGrace; the test does not link the host).
std::chrono::milliseconds plugin_cancel_grace() { return std::chrono::milliseconds(2000); }

constexpr const char* kLedger = R"({"accounts": [{"id": "A1", "name": "Alpha Ltd", "active": true},
    {"id": "A2", "name": "Beta GmbH", "active": true}],
  "services": [{"id": "S-EDR", "name": "EDR"}],
  "units": {"A1|S-EDR": 1, "A2|S-EDR": 1}, "ambiguous": [], "writes": []})";

constexpr const char* kUsage = R"({"as_of": "2026-11-21",
  "workspaces": [{"id": "w-alpha", "name": "Alpha Ltd"}, {"id": "w-beta", "name": "Beta GmbH"}],
  "services": [{"id": "edr", "name": "EDR"}],
  "usage": [{"workspace_id": "w-alpha", "service_id": "edr", "users": 5, "devices": 7},
            {"workspace_id": "w-beta", "service_id": "edr", "users": 2, "devices": 3}]})";

// A serve on ledger platforms: each connector named in `connectors` gets its own ledger file
// (kLedger) with both workspaces and the service mapped.
// What stopping serve did to a sync that was inside a plugin call.
struct StoppedSync {
  std::chrono::milliseconds took;  // from TERM to serve's exit
  testing::HttpReply reply;        // the sync's answer
};

class LedgerServeTest : public ::testing::Test {
 protected:
  // The Python ledger as process plugin `id`, with this call timeout and memory limit.
  void add_python_ledger(const std::string& id, int call_timeout_ms, int memory_mb) {
    if (!std::filesystem::exists(serve_.dir() / "plugins/ledger_process.py"))
      serve_.dir().write(
          "plugins/ledger_process.py",
          testing::read_file(testing::source_dir() / "tests/plugins/process/ledger_process.py"),
          0755);
    serve_.dir().write("plugins/" + id + ".plugin.json",
                       R"({"id": ")" + id + R"(", "version": "1.0.0", "abi": "1.1",
      "runtime": "process", "process": {"command": "ledger_process.py", "call_timeout_ms": )" +
                           std::to_string(call_timeout_ms) + R"(, "limits": {"memory_mb": )" +
                           std::to_string(memory_mb) + R"(}},
      "config_schema": {"type": "object"}})");
  }

  // Imports the usage, maps every connector and starts serve. `unmapped` connectors join the
  // config only after mapping (a connector whose plugin is refused cannot be mapped).
  void start(const std::vector<std::string>& connectors,
             const std::vector<std::string>& unmapped = {}, const std::string& extra = "") {
    serve_.dir().write("usage.json", kUsage);
    serve_.write_config(connectors, extra);
    auto imported = serve_.cli("usage import " + (serve_.dir() / "usage.json").string());
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto mapped = serve_.cli("map apply");
    ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
    std::vector<std::string> all = connectors;
    all.insert(all.end(), unmapped.begin(), unmapped.end());
    serve_.write_config(all, extra);
    serve_.start();
  }

  // A connector whose config is {"ledger": <its own ledger file> + `config_tail`; the tail
  // closes the config object and may add connector members.
  std::string connector(const std::string& id, const std::string& plugin,
                        const std::string& config_tail = "") const {
    serve_.dir().write(id + ".json", kLedger);
    std::string tail = config_tail.empty() ? "}" : config_tail;
    return R"({"id": ")" + id + R"(", "plugin": ")" + plugin + R"(",
      "policies": {"decreases": "auto", "hold_drops_to_zero": false, "max_change_ratio": 1000},
      "mappings": {"accounts": {"w-alpha": "A1", "w-beta": "A2"},
                   "services": {"edr": {"psa_service_id": "S-EDR", "metric": "devices"}}},
      "config": {"ledger": ")" +
           (serve_.dir() / (id + ".json")).string() + "\"" + tail + "}";
  }

  json::value sync(const std::string& id) {
    auto reply = serve_.call("POST", "/v1/connectors/" + id + "/sync", "{}");
    EXPECT_TRUE(reply.body.is_object()) << reply.raw;
    return reply.body;
  }

  json::value ledger(const std::string& id) {
    return json::parse(testing::read_file(serve_.dir() / (id + ".json")));
  }

  // Every change written to `id`'s ledger, by idempotency key; none may appear twice.
  void expect_each_write_once(const std::string& id) {
    std::multiset<std::string> written;
    json::value platform = ledger(id);  // kept: the loop refers into it
    for (const auto& w : platform.at("writes").as_array())
      written.insert(std::string(w.at("key").as_string()));
    EXPECT_FALSE(written.empty()) << id;
    for (const auto& key : written)
      EXPECT_EQ(written.count(key), 1u) << id << ": " << key << " written twice";
  }

  static std::string messages(const json::value& run) {
    std::string all = std::string(run.at("message").as_string());
    for (const auto& l : run.at("lines").as_array())
      all += "\n" + std::string(l.at("message").as_string());
    return all;
  }

  void expect_steady_sync_finishes() {
    json::value steady = sync("steady");
    ASSERT_TRUE(steady.is_object());
    EXPECT_EQ(steady.at("state"), "ok") << steady;
    EXPECT_EQ(steady.at("counts").at("updated"), 2) << steady;
    EXPECT_EQ(ledger("steady").at("units").at("A1|S-EDR"), 7);
    EXPECT_EQ(serve_.call("GET", "/v1/runs").status, 200);  // the same daemon still answers
  }

  // Starts serve with an isolated ledger connector `id` whose read_quantities behaves as `crash`,
  // syncs it on another thread, and once its run is reading the platform stops serve with TERM.
  StoppedSync stop_serve_during_read(const std::string& id, const std::string& crash) {
    start({connector("steady", "ledger"),
           connector(id, "ledger", R"(, "crash": ")" + crash + R"("}, "isolation": "process")")},
          {}, R"("serve": {"shutdown_grace_seconds": 20})");
    StoppedSync stopped;
    std::thread syncing(
        [&] { stopped.reply = serve_.call("POST", "/v1/connectors/" + id + "/sync", "{}"); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto has_run = [&] {
      auto runs = serve_.call("GET", "/v1/runs?connector=" + id);
      return runs.body.is_object() && !runs.body.at("runs").as_array().empty();
    };
    while (!has_run() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // The run is planned; its read starts the runner and reaches the plugin well within this.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    auto stopped_at = std::chrono::steady_clock::now();
    serve_.process().send_signal(SIGTERM);
    auto status = serve_.process().wait_exit(std::chrono::seconds(15));
    stopped.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - stopped_at);
    syncing.join();
    EXPECT_TRUE(status.has_value()) << "serve still running 15 s after TERM";
    return stopped;
  }

  ServeHarness serve_;
};

using ProcessPluginServeTest = LedgerServeTest;

TEST_F(ProcessPluginServeTest, CrashingPluginsFailTheirRunsAndTheDaemonAndOtherConnectorsGoOn) {
  add_python_ledger("ledgerpy", 10000, 1024);
  start({connector("steady", "ledger"),
         connector("isolated", "ledger", R"(, "crash": "read"}, "isolation": "process")"),
         connector("python", "ledgerpy",
                   R"(, "fault": {"op": "apply_quantities", "kind": "after_first_write"}})")});
  json::value isolated = sync("isolated");
  ASSERT_TRUE(isolated.is_object());
  EXPECT_NE(isolated.at("state"), "ok") << isolated;
  EXPECT_NE(messages(isolated).find("plugin process exited with status 137 during read_quantities"),
            std::string::npos)
      << isolated;

  json::value python = sync("python");
  ASSERT_TRUE(python.is_object());
  EXPECT_NE(python.at("state"), "ok") << python;
  EXPECT_NE(messages(python).find("plugin process crashed: killed by signal 11"), std::string::npos)
      << python;
  // A second run: the crashed write is journaled, so it is settled by reading, not sent again.
  json::value again = sync("python");
  ASSERT_TRUE(again.is_object());
  expect_each_write_once("python");
  expect_steady_sync_finishes();
}

TEST_F(ProcessPluginServeTest, ChildrenThatHangBabbleFloodOrOutgrowMemoryFailOnlyTheirOwnRuns) {
  struct Fault {
    std::string kind;
    std::string failure;  // how the run names it
  };
  const std::vector<Fault> faults = {{"hang", "plugin process timed out"},
                                     {"garbage", "plugin process broke the protocol"},
                                     {"flood", "plugin process output too large"},
                                     {"memory", "plugin process exited with status 1"}};
  // A short call timeout for the hang; the others may take their time (a loaded machine
  // fills 100 MB slowly).
  add_python_ledger("ledgerhang", 1500, 100);
  add_python_ledger("ledgerfault", 20000, 100);
  std::vector<std::string> connectors{connector("steady", "ledger")};
  for (const auto& f : faults)
    connectors.push_back(connector(f.kind, f.kind == "hang" ? "ledgerhang" : "ledgerfault",
                                   R"(, "fault": {"op": "apply_quantities", "kind": ")" + f.kind +
                                       R"(", "once_file": ")" +
                                       (serve_.dir() / (f.kind + ".once")).string() + R"("}})"));
  start(connectors);
  for (const auto& f : faults) {
    json::value run = sync(f.kind);
    ASSERT_TRUE(run.is_object()) << f.kind;
    EXPECT_NE(run.at("state"), "ok") << run;
    EXPECT_NE(messages(run).find(f.failure), std::string::npos) << f.kind << ": " << run;
  }
  expect_steady_sync_finishes();
  for (const auto& f : faults) {  // the next child behaves: the rerun writes each change once
    json::value rerun = sync(f.kind);
    ASSERT_TRUE(rerun.is_object()) << f.kind;
    EXPECT_EQ(rerun.at("state"), "ok") << rerun;
    EXPECT_EQ(ledger(f.kind).at("units").at("A1|S-EDR"), 7) << f.kind;
    expect_each_write_once(f.kind);
  }
}

TEST_F(ProcessPluginServeTest, IsolatedLibraryThatCrashesWhileLoadingFailsOnlyItsConnector) {
  serve_.add_plugin("crashy");
  start({connector("steady", "ledger")},
        {R"({"id": "crashy", "plugin": "crashy", "isolation": "process", "config": {}})"});
  auto test = serve_.call("POST", "/v1/connectors/crashy/test", "{}");
  EXPECT_NE(test.raw.find("plugin 'crashy' is refused"), std::string::npos) << test.raw;
  EXPECT_NE(test.raw.find("killed by signal 11"), std::string::npos) << test.raw;
  auto crashy = serve_.call("POST", "/v1/connectors/crashy/sync", "{}");
  EXPECT_NE(crashy.status, 200) << crashy.raw;
  EXPECT_NE(crashy.raw.find("killed by signal 11"), std::string::npos) << crashy.raw;
  EXPECT_EQ(serve_.call("GET", "/v1/connectors").status, 200);
  expect_steady_sync_finishes();
}

TEST_F(ProcessPluginServeTest, AConnectorsIsolationLimitsBindItsRunner) {
  start(
      {connector("steady", "ledger"), connector("limited", "ledger",
                                                R"(, "crash": "block_read"}, "isolation": "process",
                      "isolation_limits": {"call_timeout_ms": 400, "memory_mb": 1024})")});
  auto started = std::chrono::steady_clock::now();
  json::value limited = sync("limited");  // without the limit: two minutes
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
  ASSERT_TRUE(limited.is_object());
  EXPECT_NE(limited.at("state"), "ok") << limited;
  EXPECT_NE(messages(limited).find("plugin process timed out"), std::string::npos) << limited;
  expect_steady_sync_finishes();
}

TEST_F(ProcessPluginServeTest, ShutdownReachesAnIsolatedPluginPollingForCancellationAtOnce) {
  StoppedSync stopped = stop_serve_during_read("polling", "poll_read");
  EXPECT_LT(stopped.took, plugin_cancel_grace()) << serve_.log();
  EXPECT_NE(stopped.reply.raw.find("read_quantities stopped: the host cancelled the call"),
            std::string::npos)
      << stopped.reply.raw << serve_.log();
}

TEST_F(ProcessPluginServeTest, ShutdownStopsAnIsolatedPluginStuckInACallWithinTheGrace) {
  StoppedSync stopped = stop_serve_during_read("stuck", "block_read");
  EXPECT_LT(stopped.took, plugin_cancel_grace() + std::chrono::seconds(3)) << serve_.log();
  EXPECT_NE(stopped.reply.raw.find("the call was cancelled"), std::string::npos)
      << stopped.reply.raw << serve_.log();
}

}  // namespace
}  // namespace mb
