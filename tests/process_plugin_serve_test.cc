// One `meterbridge serve`, three connectors: a library plugin that dies in read_quantities run
// under "isolation": "process", a Python process plugin that segfaults in apply_quantities right
// after its first write, and an ordinary in-process connector. The daemon survives both
// crashes, each failed run records the named failure, the journal keeps a crashed write from
// being sent twice, and the ordinary connector's sync finishes in the same daemon.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <string>

#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace json = boost::json;
using testing::ServeHarness;

constexpr const char* kLedger = R"({"accounts": [{"id": "A1", "name": "Alpha Ltd", "active": true},
    {"id": "A2", "name": "Beta GmbH", "active": true}],
  "services": [{"id": "S-EDR", "name": "EDR"}],
  "units": {"A1|S-EDR": 1, "A2|S-EDR": 1}, "ambiguous": [], "writes": []})";

constexpr const char* kUsage = R"({"as_of": "2026-11-21",
  "workspaces": [{"id": "w-alpha", "name": "Alpha Ltd"}, {"id": "w-beta", "name": "Beta GmbH"}],
  "services": [{"id": "edr", "name": "EDR"}],
  "usage": [{"workspace_id": "w-alpha", "service_id": "edr", "users": 5, "devices": 7},
            {"workspace_id": "w-beta", "service_id": "edr", "users": 2, "devices": 3}]})";

class ProcessPluginServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_.dir().write(
        "plugins/ledger_process.py",
        testing::read_file(testing::source_dir() / "tests/plugins/process/ledger_process.py"),
        0755);
    serve_.dir().write("plugins/ledgerpy.plugin.json",
                       R"({"id": "ledgerpy", "version": "1.0.0", "abi": "1.1",
      "runtime": "process", "process": {"command": "ledger_process.py", "call_timeout_ms": 10000},
      "config_schema": {"type": "object"}})");
    for (const char* name : {"steady.json", "isolated.json", "python.json"})
      serve_.dir().write(name, kLedger);
    serve_.dir().write("usage.json", kUsage);
    serve_.write_config({connector("steady", "ledger", "steady.json", ""),
                         connector("isolated", "ledger", "isolated.json",
                                   R"(, "crash": "read"}, "isolation": "process")"),
                         connector("python", "ledgerpy", "python.json",
                                   R"(, "fault": {"op": "apply_quantities",
                                       "kind": "after_first_write"}})")});
    auto imported = serve_.cli("usage import " + (serve_.dir() / "usage.json").string());
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto mapped = serve_.cli("map apply");
    ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
    serve_.start();
  }

  // A connector whose config is {"ledger": FILE + `config_tail`; the tail closes the config
  // object and may add connector members. Both workspaces and the service are mapped.
  std::string connector(const std::string& id, const std::string& plugin, const std::string& ledger,
                        const std::string& config_tail) const {
    std::string tail = config_tail.empty() ? "}" : config_tail;
    return R"({"id": ")" + id + R"(", "plugin": ")" + plugin + R"(",
      "policies": {"decreases": "auto", "hold_drops_to_zero": false, "max_change_ratio": 1000},
      "mappings": {"accounts": {"w-alpha": "A1", "w-beta": "A2"},
                   "services": {"edr": {"psa_service_id": "S-EDR", "metric": "devices"}}},
      "config": {"ledger": ")" +
           (serve_.dir() / ledger).string() + "\"" + tail + "}";
  }

  json::value sync(const std::string& id) {
    auto reply = serve_.call("POST", "/v1/connectors/" + id + "/sync", "{}");
    EXPECT_TRUE(reply.body.is_object()) << reply.raw;
    return reply.body;
  }

  json::value ledger(const std::string& name) {
    return json::parse(testing::read_file(serve_.dir() / name));
  }

  static std::string messages(const json::value& run) {
    std::string all = std::string(run.at("message").as_string());
    for (const auto& l : run.at("lines").as_array())
      all += "\n" + std::string(l.at("message").as_string());
    return all;
  }

  ServeHarness serve_;
};

TEST_F(ProcessPluginServeTest, CrashingPluginsFailTheirRunsAndTheDaemonAndOtherConnectorsGoOn) {
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
  std::multiset<std::string> written;
  json::value platform = ledger("python.json");
  for (const auto& w : platform.at("writes").as_array())
    written.insert(std::string(w.at("key").as_string()));
  EXPECT_FALSE(written.empty());
  for (const auto& key : written) EXPECT_EQ(written.count(key), 1u) << key << " written twice";

  json::value steady = sync("steady");
  ASSERT_TRUE(steady.is_object());
  EXPECT_EQ(steady.at("state"), "ok") << steady;
  EXPECT_EQ(steady.at("counts").at("updated"), 2) << steady;
  EXPECT_EQ(ledger("steady.json").at("units").at("A1|S-EDR"), 7);
  EXPECT_EQ(serve_.call("GET", "/v1/runs").status, 200);  // the same daemon still answers
}

}  // namespace
}  // namespace mb
