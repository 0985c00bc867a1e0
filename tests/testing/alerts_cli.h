// AlertsCliTest: the set-up the alerts flow tests share — one plugin copied from the build, a
// config with one connector, usage imported and mapped — and the CLI calls they make: push
// alerts, run `alerts sync --json` and count its outcomes, and talk to the simulator's control
// endpoints.
//
//   class MyFlowTest : public mb::testing::AlertsCliTest {
//    protected:
//     MyFlowTest() : AlertsCliTest("autotask", "at") {}
//   };
//   start_simulator(options); write_config(config, policy); import_and_map();
//   push({alert("al-1", "w-north", "high", "open", "2026-12-05T10:00:00Z")});
//   EXPECT_EQ(sync()["opened"], 1);
#ifndef METERBRIDGE_TESTS_TESTING_ALERTS_CLI_H_
#define METERBRIDGE_TESTS_TESTING_ALERTS_CLI_H_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "sim/core/simulator.h"
#include "sim/core/testing/raw_http_client.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb::testing {

// One alert of a push document, with a title and description of its own.
inline boost::json::object alert(const std::string& id, const std::string& workspace,
                                 const std::string& severity, const std::string& status,
                                 const std::string& time) {
  return boost::json::object{{"id", id},
                             {"workspace_id", workspace},
                             {"title", "Suspicious activity " + id},
                             {"description", "Seen by the vendor's sensor."},
                             {"severity", severity},
                             {"status", status},
                             {"time", time}};
}

class AlertsCliTest : public ::testing::Test {
 protected:
  AlertsCliTest(std::string plugin, std::string connector)
      : plugin_(std::move(plugin)), connector_(std::move(connector)) {}

  void SetUp() override {
    std::filesystem::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const std::string& file :
         {"libmeterbridge-" + plugin_ + ".so", plugin_ + ".plugin.json"}) {
      std::filesystem::copy_file(build_dir() / "plugins" / file, plugins_ / file);
      ::chmod((plugins_ / file).c_str(), 0755);
    }
  }

  void start_simulator(const mb::sim::SimOptions& options) {
    sim_ = mb::sim::Simulator::start(plugin_, options);
  }

  // mb.json: state in the test's folder and the one connector, with short engine backoffs.
  void write_config(const boost::json::object& plugin_config, const boost::json::object& policy,
                    const std::string& partner) {
    boost::json::object connector{
        {"id", connector_},
        {"plugin", plugin_},
        {"partner", partner},
        {"config", plugin_config},
        {"http",
         boost::json::object{
             {"backoff_base_ms", 20}, {"backoff_max_ms", 200}, {"timeout_ms", 10000}}},
        // The next run right after a lost answer is what these
        // tests look at; waiting for an in-flight create is
        // tested on its own.
        {"policies", boost::json::object{{"unconfirmed_write_grace_seconds", 0}}},
        {"alerts", policy}};
    dir_.write("mb.json", boost::json::serialize(boost::json::object{
                              {"state", boost::json::object{{"path", "state/mb.db"}}},
                              {"plugins", boost::json::object{{"dir", "plugins"}}},
                              {"connectors", boost::json::array{connector}}}));
  }

  // The connector's policies.unconfirmed_write_grace_seconds, changed in mb.json.
  void set_grace_seconds(int64_t seconds) {
    boost::json::value config = boost::json::parse(read_file(dir_ / "mb.json"));
    config.at("connectors").at(0).at("policies").as_object()["unconfirmed_write_grace_seconds"] =
        seconds;
    dir_.write("mb.json", boost::json::serialize(config));
  }

  // Workspaces w-north (Northwind Dental), w-harbor (Harbor Legal LLP) and w-other (a name no
  // platform has), mapped by exact name.
  void import_and_map() {
    dir_.write("usage.json", R"({"as_of":"2026-12-01","workspaces":[
        {"id":"w-north","name":"Northwind Dental"},{"id":"w-harbor","name":"Harbor Legal LLP"},
        {"id":"w-other","name":"Not A Customer Yet"}],
      "services":[{"id":"edr","name":"EDR"}],
      "usage":[{"workspace_id":"w-north","service_id":"edr","users":3,"devices":4}]})");
    RunResult imported = mb("usage import " + (dir_ / "usage.json").string());
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    RunResult mapped = mb("map auto " + connector_);
    ASSERT_EQ(mapped.exit_code, 0) << mapped.out << mapped.err;
  }

  RunResult mb(const std::string& args) {
    return run("env -u MB_CONFIG MB_SECRET_KEY=" + std::string(64, 'c') + " " +
               meterbridge_binary() + " --config '" + (dir_ / "mb.json").string() + "' " + args);
  }

  void push(const boost::json::array& alerts) {
    dir_.write("alerts.json", boost::json::serialize(boost::json::object{{"alerts", alerts}}));
    RunResult r = mb("alerts push " + (dir_ / "alerts.json").string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // One `alerts sync --json` of the connector: the run's counts by outcome.
  std::map<std::string, int64_t> sync(int expected_exit = 0) {
    RunResult r = mb("alerts sync --connector " + connector_ + " --json");
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    std::map<std::string, int64_t> counts;
    if (r.out.empty()) return counts;
    boost::json::value doc = boost::json::parse(r.out);
    for (const auto& [outcome, n] : doc.at("counts").as_object())
      counts[std::string(outcome)] = n.as_int64();
    return counts;
  }

  boost::json::value control(const std::string& method, const std::string& path,
                             const std::string& body = "") {
    return mb::sim::testing::control_json(sim_->port(), method, path, body);
  }

  std::string plugin_;
  std::string connector_;
  TempDir dir_;
  std::filesystem::path plugins_ = dir_ / "plugins";
  std::unique_ptr<mb::sim::Simulator> sim_;
};

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_ALERTS_CLI_H_
