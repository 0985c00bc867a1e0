// The meterbridge command line end to end, with the hello example plugin: listing, checking,
// connecting and testing connectors, exit codes, and that a secret never leaks.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
using testing::run;
using testing::RunResult;
using testing::TempDir;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const char* f : {"hello.plugin.json", "libmeterbridge-hello.so"}) {
      fs::copy_file(testing::build_dir() / "plugins" / f, plugins_ / f);
      ::chmod((plugins_ / f).c_str(), 0755);
    }
    write_config(R"([{"id": "acme", "plugin": "hello", "partner": "Acme IT",
                      "config": {"tenant": "acme", "accounts": 4}}])");
  }

  void write_config(const std::string& connectors) {
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
                              "connectors": )" + connectors + "}");
  }

  RunResult mb(const std::string& args, const std::string& input = "") {
    return run("env -u MB_SECRET_KEY -u MB_CONFIG " + testing::meterbridge_binary() + " --config '" +
                   (dir_ / "mb.json").string() + "' --log-level trace " + args,
               input);
  }

  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
};

TEST_F(CliTest, PluginsListShowsTheExamplePluginLoaded) {
  RunResult r = mb("plugins list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = boost::json::parse(r.out);
  const auto& plugins = doc.at("plugins").as_array();
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0].at("id").as_string(), "hello");
  EXPECT_EQ(plugins[0].at("state").as_string(), "loaded");
  RunResult table = mb("plugins list");
  EXPECT_NE(table.out.find("hello"), std::string::npos);
  EXPECT_NE(table.out.find("loaded"), std::string::npos);
}

TEST_F(CliTest, ConfigCheckNamesFilePointerAndReasonAndExitsThree) {
  write_config(R"([{"id": "acme", "plugin": "hello", "config": {"tenant": ""}},
                   {"id": "BAD", "plugin": "hello", "config": {}}])");
  RunResult r = mb("config check");
  EXPECT_EQ(r.exit_code, 3);
  std::string file = (dir_ / "mb.json").string();
  EXPECT_NE(r.err.find(file + ": /connectors/1/id"), std::string::npos) << r.err;

  write_config(R"([{"id": "acme", "plugin": "hello", "config": {"tenant": ""}}])");
  r = mb("config check");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(file + ": /connectors/0/config/tenant"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("api_key"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "state")) << "config check must not create state";
}

TEST_F(CliTest, ConnectStoresCredentialsEncryptedAndTestRecordsTheStatus) {
  const std::string secret = "hello-Sup3rS3cret-value";
  RunResult r = mb("connectors connect acme", R"({"api_key":")" + secret + R"("})");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("acme: ok"), std::string::npos) << r.out;
  RunResult check = mb("config check");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  RunResult test = mb("connectors test acme --json");
  ASSERT_EQ(test.exit_code, 0) << test.err;
  RunResult list = mb("connectors list --json");
  auto doc = boost::json::parse(list.out);
  EXPECT_EQ(doc.at(0).at("status").as_string(), "ok");
  EXPECT_TRUE(doc.at(0).at("has_credentials").as_bool());
  for (const RunResult* x : {&r, &check, &test, &list}) {
    EXPECT_EQ(x->out.find(secret), std::string::npos);
    EXPECT_EQ(x->err.find(secret), std::string::npos);
  }
  for (const char* f : {"state/mb.db", "state/mb.db-wal"})
    EXPECT_EQ(testing::read_file(dir_ / f).find(secret), std::string::npos) << f;
}

TEST_F(CliTest, AWrongCredentialMarksTheConnectorInErrorWithThePlatformsReason) {
  const std::string secret = "wrong-Sup3rS3cret-value";
  RunResult r = mb("connectors connect acme", R"({"api_key":")" + secret + R"("})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("acme: error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("API key rejected by tenant acme"), std::string::npos) << r.out;
  RunResult list = mb("connectors list");
  EXPECT_NE(list.out.find("error"), std::string::npos);
  EXPECT_EQ(r.out.find(secret), std::string::npos);
  EXPECT_EQ(r.err.find(secret), std::string::npos);
}

TEST_F(CliTest, ASecretWrittenInTheConfigNeverAppearsInOutputOrLogs) {
  const std::string secret = "hello-literal-secret-42";
  ::setenv("MB_CLI_TEST_KEY", secret.c_str(), 1);
  write_config(R"([{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "${env:MB_CLI_TEST_KEY}"}},
                   {"id": "lit", "plugin": "hello", "config": {"tenant": "t", "api_key": ")" + secret + R"("}}])");
  RunResult check = mb("config check");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.err.find("secret written literally"), std::string::npos);
  RunResult test = mb("connectors test acme");
  EXPECT_EQ(test.exit_code, 0) << test.err;
  RunResult lit = mb("connectors test lit --json");
  EXPECT_EQ(lit.exit_code, 0) << lit.err;
  for (const RunResult* x : {&check, &test, &lit}) {
    EXPECT_EQ(x->out.find(secret), std::string::npos) << x->out;
    EXPECT_EQ(x->err.find(secret), std::string::npos) << x->err;
  }
  ::unsetenv("MB_CLI_TEST_KEY");
}

TEST_F(CliTest, UnknownConnectorAndBadUsageHaveDistinctExitCodes) {
  EXPECT_EQ(mb("connectors test nobody").exit_code, 7);
  EXPECT_EQ(mb("connectors frobnicate").exit_code, 2);
}

}  // namespace
}  // namespace mb
