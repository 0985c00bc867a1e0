// The meterbridge CLI with its state in PostgreSQL: the demo's flow for one partner (import
// usage, test the connector, map automatically and by config, sync, sync again with nothing to
// write, reconcile) against the ConnectWise simulator, with `"state"` naming a database on the
// test cluster — and the password of a PostgreSQL state kept out of every message.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "host/store/postgres_store.h"
#include "host/store/testing/postgres_cluster.h"
#include "host/store/testing/store_under_test.h"
#include "sim/core/simulator.h"
#include "tests/testing/demo_config.h"
#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::run;
using testing::RunResult;
using testing::TempDir;
using testing::TestDatabase;

constexpr char kConnector[] = "contoso-connectwise";

// The demo's ConnectWise partner.
json::object demo_connector(const std::string& base_url) {
  return testing::demo_connector(kConnector, base_url);
}

class PostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(database_.error(), "");
    sim::SimOptions options;
    options.seed_json =
        testing::read_file(testing::source_dir() / "examples/demo/connectwise.seed.json");
    sim_ = sim::Simulator::start("connectwise", options);
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* name : {"libmeterbridge-connectwise.so", "connectwise.plugin.json"}) {
      fs::copy_file(testing::build_dir() / "plugins" / name, plugins_ / name);
      ::chmod((plugins_ / name).c_str(), 0755);
    }
  }
  void write_config(const json::value& state) {
    dir_.write("mb.json", json::serialize(json::object{
                              {"state", state},
                              {"plugins", json::object{{"dir", "plugins"}}},
                              {"connectors", json::array{demo_connector(sim_->base_url())}}}));
  }

  RunResult mb(const std::string& args, const std::string& env = "") {
    return run("env -u MB_CONFIG -u PGPASSWORD MB_SECRET_KEY=" + std::string(64, 'd') +
               " MB_DEMO_CONNECTWISE_PRIVATE_KEY=demo-cw-private-key"
               " MB_DEMO_CONNECTWISE_CLIENT_ID=5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b " +
               env + " " + testing::meterbridge_binary() + " --config '" +
               (dir_ / "mb.json").string() + "' " + args);
  }

  void ok(const std::string& args) {
    RunResult r = mb(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  }

  json::value sync_json() {
    RunResult r = mb(std::string("sync ") + kConnector + " --json --no-progress");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return json::parse(r.out).at(0);
  }

  TestDatabase database_;
  std::unique_ptr<sim::Simulator> sim_;
  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
};

TEST_F(PostgresCliTest, TheDemoFlowRunsWithItsStateInPostgres) {
  write_config(json::value(database_.url()));
  ok("config check");
  EXPECT_EQ(*database_.cluster()->query(
                database_.name(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            "0")
      << "config check creates nothing";
  ok("usage import " + (testing::source_dir() / "examples/demo/usage.json").string());
  ok(std::string("connectors test ") + kConnector);
  ok(std::string("map auto ") + kConnector);
  ok("map apply");

  json::value first = sync_json();
  EXPECT_NE(first.at("state").as_string(), "failed") << json::serialize(first);
  ASSERT_TRUE(first.at("counts").as_object().contains("updated")) << json::serialize(first);
  EXPECT_GT(first.at("counts").at("updated").as_int64(), 0);
  // Decreases wait for approval, as in the demo: approving applies them.
  RunResult show = mb("runs show " + std::to_string(first.at("id").as_int64()) + " --json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  size_t held = 0;
  json::value shown = json::parse(show.out);
  for (const auto& line : shown.at("lines").as_array())
    held += line.at("action").as_string() == "hold" ? 1 : 0;
  ASSERT_GT(held, 0u);
  ok("runs approve " + std::to_string(first.at("id").as_int64()) + " --no-progress");
  json::value second = sync_json();
  EXPECT_FALSE(second.at("counts").as_object().contains("updated"))
      << "the rerun wrote again: " << json::serialize(second);
  ok(std::string("reconcile ") + kConnector + " --no-progress");

  // The state is in the database, not in a file beside the config.
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path()))
    EXPECT_NE(entry.path().extension(), ".db") << entry.path();
  auto store = testing::open_existing_store(database_, dir_ / "unused.key");
  ASSERT_TRUE(store) << store.status().message();
  auto runs = (*store)->list_runs(kConnector, 10);
  ASSERT_TRUE(runs) << runs.status().message();
  EXPECT_GE(runs->size(), 3u);  // two syncs and the reconcile
  auto mappings = (*store)->list_account_mappings(kConnector);
  ASSERT_TRUE(mappings);
  EXPECT_FALSE(mappings->empty());
}

TEST_F(PostgresCliTest, ThePasswordOpensTheDatabaseAndNeverAppearsInAMessage) {
  const std::string password = database_.cluster()->superuser_password();
  json::value state = json::object{
      {"postgresql", json::object{{"url", database_.cluster()->tcp_url(database_.name())},
                                  {"password", "${env:MB_TEST_PG_PASSWORD}"}}}};
  write_config(state);
  RunResult right = mb("--log-level debug usage import " +
                           (testing::source_dir() / "examples/demo/usage.json").string(),
                       "MB_TEST_PG_PASSWORD=" + password);
  ASSERT_EQ(right.exit_code, 0) << right.out << right.err;
  EXPECT_EQ((right.out + right.err).find(password), std::string::npos);

  const std::string wrong = "Wrong-Password-" + password.substr(0, 6);
  RunResult refused = mb("--log-level debug usage import " +
                             (testing::source_dir() / "examples/demo/usage.json").string(),
                         "MB_TEST_PG_PASSWORD=" + wrong);
  EXPECT_NE(refused.exit_code, 0);
  std::string said = refused.out + refused.err;
  EXPECT_NE(said.find("password authentication failed"), std::string::npos) << said;
  EXPECT_EQ(said.find(wrong), std::string::npos) << said;
  EXPECT_EQ(said.find(password), std::string::npos) << said;

  // A password written in the URL is kept out too.
  std::string url = database_.cluster()->tcp_url(database_.name());
  url.insert(url.find('@'), ":" + wrong);
  write_config(json::value(url));
  RunResult in_url = mb("config check");
  RunResult used =
      mb("usage import " + (testing::source_dir() / "examples/demo/usage.json").string());
  EXPECT_NE(used.exit_code, 0);
  said = in_url.out + in_url.err + used.out + used.err;
  EXPECT_EQ(said.find(wrong), std::string::npos) << said;
}

}  // namespace
}  // namespace mb
