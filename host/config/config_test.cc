#include "host/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "host/common/redaction.h"
#include "host/plugin/loader.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;

TEST(Config, LoadsAValidFileWithCommentsAndResolvesRelativePaths) {
  TempDir dir;
  auto file = dir.write("mb.json", R"({
    // state next to the config
    "state": {"path": "state/mb.db"},
    "plugins": {"dir": "plugins"},
    "schedule": {"time": "03:30", "timezone": "Europe/London"},
    "connectors": [
      {"id": "acme", "plugin": "good", "partner": "Acme IT",
       "config": {"endpoint": "https://x", "token": "${env:MB_TEST_TOKEN}"},
       "policies": {"decreases": "require_approval"}},  /* trailing comma allowed */
    ],
  })");
  auto config = load_config(file);
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->state_path, dir.path() / "state/mb.db");
  EXPECT_EQ(config->key_file, dir.path() / "state/secret.key");
  EXPECT_EQ(config->plugin_dir, dir.path() / "plugins");
  ASSERT_EQ(config->connectors.size(), 1u);
  const ConnectorConfig& c = config->connectors[0];
  EXPECT_EQ(c.partner, "Acme IT");
  EXPECT_EQ(c.policies.decreases, "require_approval");
  EXPECT_EQ(c.schedule.time, "03:30");  // inherited from the top level
  EXPECT_EQ(c.schedule.timezone, "Europe/London");
}

TEST(Config, NamesTheFileLineAndColumnOfASyntaxError) {
  TempDir dir;
  auto file = dir.write("broken.json", "{\n  \"connectors\": [\n    {\"id\": }\n  ]\n}\n");
  auto config = load_config(file);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), ErrorClass::kConfigInvalid);
  const std::string& m = config.status().message();
  EXPECT_NE(m.find(file.string()), std::string::npos) << m;
  EXPECT_NE(m.find("line 3"), std::string::npos) << m;
}

TEST(Config, ReportsEverySchemaErrorAtOnceWithItsPointer) {
  TempDir dir;
  auto file = dir.write("bad.json", R"({
    "schedule": {"time": "25:00"},
    "colour": "blue",
    "connectors": [
      {"id": "Bad Id", "plugin": "good", "config": {}},
      {"id": "ok", "plugin": "good", "config": {}, "policies": {"decreases": "sometimes"}},
      {"plugin": "good", "config": {}}
    ]
  })");
  auto config = load_config(file);
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  for (const char* pointer : {"/schedule/time", "/connectors/0/id", "/connectors/1/policies/decreases",
                              "/connectors/2"}) {
    EXPECT_NE(m.find(file.string() + ": " + pointer), std::string::npos) << "missing " << pointer << " in\n" << m;
  }
  EXPECT_NE(m.find("colour"), std::string::npos) << m;
}

TEST(Config, RejectsDuplicateConnectorIdsAndUnknownTimeZones) {
  TempDir dir;
  auto file = dir.write("dup.json", R"({"plugins": {"dir": "."},
    "connectors": [{"id": "a", "plugin": "p", "config": {}},
                   {"id": "a", "plugin": "p", "config": {}, "schedule": {"timezone": "Mars/Olympus"}}]})");
  auto config = load_config(file);
  ASSERT_FALSE(config);
  EXPECT_NE(config.status().message().find("/connectors/1/id: duplicate connector id 'a'"), std::string::npos);
  EXPECT_NE(config.status().message().find("/connectors/1/schedule/timezone"), std::string::npos);
}

class ConnectorConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : std::filesystem::directory_iterator(testing::build_dir() / "test-plugins" / "good")) {
      auto to = plugins_.path() / entry.path().filename();
      std::filesystem::copy_file(entry.path(), to);
      ::chmod(to.c_str(), 0755);
    }
    LoaderOptions options;
    options.dir = plugins_.path();
    auto registry = load_plugins(options);
    ASSERT_TRUE(registry);
    registry_ = std::move(*registry);
    ASSERT_NE(registry_.find("good"), nullptr);
  }

  Config load(const std::string& connectors) {
    auto file = dir_.write("mb.json", R"({"plugins": {"dir": ")" + plugins_.path().string() +
                                          R"("}, "connectors": )" + connectors + "}");
    auto config = load_config(file);
    EXPECT_TRUE(config) << config.status().message();
    return *config;
  }

  TempDir dir_;
  TempDir plugins_;
  PluginRegistry registry_;
};

TEST_F(ConnectorConfigTest, ValidatesEachConnectorAgainstItsPluginSchemaReportingAll) {
  Config config = load(R"([
    {"id": "a", "plugin": "good", "config": {"endpoint": "ftp://x", "token": "abcdef"}},
    {"id": "b", "plugin": "good", "config": {"endpoint": "https://x", "retries": "three"}},
    {"id": "c", "plugin": "missing", "config": {}}])");
  Status s = check_connectors(config, registry_, {});
  ASSERT_FALSE(s.ok());
  const std::string& m = s.message();
  EXPECT_NE(m.find("/connectors/0/config/endpoint"), std::string::npos) << m;
  EXPECT_NE(m.find("/connectors/1/config/retries"), std::string::npos) << m;
  EXPECT_NE(m.find("/connectors/1/config: "), std::string::npos) << m;  // token missing
  EXPECT_NE(m.find("/connectors/2/plugin: no plugin 'missing'"), std::string::npos) << m;
}

TEST_F(ConnectorConfigTest, AcceptsMissingSecretsWhenTheStoreHoldsCredentials) {
  Config config = load(R"([{"id": "a", "plugin": "good", "config": {"endpoint": "https://x"}}])");
  EXPECT_FALSE(check_connectors(config, registry_, {}).ok());
  EXPECT_TRUE(check_connectors(config, registry_, {{"a", true}}).ok());
}

TEST_F(ConnectorConfigTest, ResolvesEnvAndFileReferencesAndRegistersSecrets) {
  SecretRegistry::global().clear_for_testing();
  ::setenv("MB_TEST_TOKEN_VALUE", "env-token-123456", 1);
  dir_.write("pw.txt", "file-password-987\n", 0600);
  Config config = load(R"([{"id": "a", "plugin": "good",
      "config": {"endpoint": "https://x", "token": "${env:MB_TEST_TOKEN_VALUE}",
                 "nested": {"password": "${file:pw.txt}"}}}])");
  auto manifest = registry_.find("good")->manifest();
  auto effective = effective_plugin_config(config, config.connectors[0], manifest, std::nullopt);
  ASSERT_TRUE(effective) << effective.status().message();
  auto doc = boost::json::parse(*effective);
  EXPECT_EQ(doc.at("token").as_string(), "env-token-123456");
  EXPECT_EQ(doc.at("nested").at("password").as_string(), "file-password-987");
  EXPECT_EQ(redact("t=env-token-123456 p=file-password-987"), "t=*** p=***");
  ::unsetenv("MB_TEST_TOKEN_VALUE");
}

TEST_F(ConnectorConfigTest, StoredCredentialsOverlayTheFileAndAreValidated) {
  Config config = load(R"([{"id": "a", "plugin": "good", "config": {"endpoint": "https://x"}}])");
  auto manifest = registry_.find("good")->manifest();
  auto effective = effective_plugin_config(config, config.connectors[0], manifest,
                                           std::string(R"({"token":"stored-secret-1"})"));
  ASSERT_TRUE(effective) << effective.status().message();
  EXPECT_EQ(boost::json::parse(*effective).at("token").as_string(), "stored-secret-1");
  auto too_short = effective_plugin_config(config, config.connectors[0], manifest, std::string(R"({"token":"abc"})"));
  ASSERT_FALSE(too_short);
  EXPECT_NE(too_short.status().message().find("/connectors/0/config/token"), std::string::npos);
}

TEST_F(ConnectorConfigTest, AnUnsetEnvironmentReferenceIsAClearError) {
  Config config = load(R"([{"id": "a", "plugin": "good",
      "config": {"endpoint": "https://x", "token": "${env:MB_TEST_SURELY_UNSET}"}}])");
  auto effective = effective_plugin_config(config, config.connectors[0], registry_.find("good")->manifest(),
                                           std::nullopt);
  ASSERT_FALSE(effective);
  EXPECT_NE(effective.status().message().find("/config/token: environment variable MB_TEST_SURELY_UNSET is not set"),
            std::string::npos)
      << effective.status().message();
}

TEST(ConfigSchema, TheEmbeddedSchemaIsThePublishedOne) {
  EXPECT_EQ(std::string(config_schema_text()),
            testing::read_file(testing::source_dir() / "config/schema/meterbridge.schema.json"));
}

}  // namespace
}  // namespace mb
