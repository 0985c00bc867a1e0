#include "host/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <chrono>

#include "host/common/redaction.h"
#include "host/plugin/loader.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;

TEST(Config, LoadsAValidFileWithCommentsAndResolvesRelativePaths) {
  TempDir dir;
  ::setenv("MB_TEST_TOKEN", "token-for-the-test", 1);
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
  ::unsetenv("MB_TEST_TOKEN");
}

TEST(Config, MetricsNeedTheTokenUnlessTheConfigMakesThemPublic) {
  TempDir dir;
  auto closed =
      load_config(dir.write("closed.json", R"({"plugins": {"dir": "plugins"}, "connectors": []})"));
  ASSERT_TRUE(closed) << closed.status().message();
  EXPECT_FALSE(closed->api_metrics_public);
  auto open = load_config(dir.write(
      "open.json",
      R"({"plugins": {"dir": "plugins"}, "api": {"metrics": {"public": true}}, "connectors": []})"));
  ASSERT_TRUE(open) << open.status().message();
  EXPECT_TRUE(open->api_metrics_public);
  auto wrong = load_config(dir.write(
      "wrong.json",
      R"({"plugins": {"dir": "plugins"}, "api": {"metrics": {"public": "yes", "path": "/m"}}, "connectors": []})"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.status().message().find("/api/metrics/public"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("path"), std::string::npos) << wrong.status().message();
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

TEST(Config, StoredConnectorSettingsPassTheFilesOwnRulesOrChangeNothing) {
  ScheduleConfig global;
  global.time = "04:15";
  ConnectorConfig c;
  auto settings = [](const char* text) { return boost::json::parse(text); };
  ASSERT_TRUE(
      apply_connector_settings(
          settings(R"({"policies": {"decreases": "require_approval", "max_change_ratio": 0.5},
                               "schedule": {"timezone": "Europe/London"}})"),
          global, c)
          .ok());
  EXPECT_EQ(c.policies.decreases, "require_approval");
  EXPECT_EQ(c.policies.max_change_ratio, 0.5);
  EXPECT_TRUE(c.policies.hold_drops_to_zero) << "what is not given keeps its default";
  EXPECT_EQ(c.schedule.time, "04:15") << "the global schedule for what is not given";
  EXPECT_EQ(c.schedule.timezone, "Europe/London");
  boost::json::object shown = connector_settings_json(c);
  EXPECT_EQ(shown.at("policies").at("decreases").as_string(), "require_approval");
  EXPECT_EQ(shown.at("schedule").at("time").as_string(), "04:15");

  Status refused = apply_connector_settings(
      settings(R"({"policies": {"decreases": "sometimes", "mass_decrease_min_lines": 0},
                   "schedule": {"time": "7pm"}, "http": {}})"),
      global, c);
  EXPECT_EQ(refused.code(), ErrorClass::kConfigInvalid);
  for (const char* field :
       {"policies/decreases: ", "policies/mass_decrease_min_lines: ", "schedule/time: "})
    EXPECT_NE(refused.message().find(field), std::string::npos) << field << refused.message();
  EXPECT_NE(refused.message().find("http"), std::string::npos) << refused.message();
  EXPECT_EQ(
      apply_connector_settings(settings(R"({"schedule": {"timezone": "Nowhere/Here"}})"), global, c)
          .message(),
      "schedule/timezone: unknown IANA time zone 'Nowhere/Here'");
  EXPECT_EQ(c.policies.decreases, "require_approval") << "a refusal changes nothing";
  EXPECT_EQ(c.schedule.timezone, "Europe/London");
}

// The console stores a connector's alerts policy with its other settings; it is read by the
// same reader as connectors[].alerts, and whether the plugin can take it by the same rule.
TEST(Config, AStoredAlertsPolicyIsReadByTheFilesOwnReaderOrChangesNothing) {
  ScheduleConfig global;
  ConnectorConfig c;
  c.plugin = "psa";
  auto settings = [](const char* text) { return boost::json::parse(text); };
  ASSERT_TRUE(apply_connector_settings(
                  settings(R"({"alerts": {"board": "Security Alerts", "min_severity": "high",
                                          "priorities": {"critical": "P1"}}})"),
                  global, c)
                  .ok());
  ASSERT_TRUE(c.alerts.has_value());
  EXPECT_EQ(c.alerts->board, "Security Alerts");
  EXPECT_EQ(c.alerts->min_severity, AlertSeverity::kHigh);
  EXPECT_EQ(connector_settings_json(c).at("alerts").at("priorities").at("critical"), "P1");

  Status refused = apply_connector_settings(settings(R"({"policies": {"decreases": "never"},
                   "alerts": {"min_severity": "severe", "priorities": {"high": ""}}})"),
                                            global, c);
  EXPECT_EQ(refused.code(), ErrorClass::kConfigInvalid);
  EXPECT_EQ(refused.message(),
            "alerts/min_severity: must be info, low, medium, high or critical\n"
            "alerts/priorities/high: must be a non-empty string (the priority's id or name)");
  EXPECT_EQ(c.alerts->min_severity, AlertSeverity::kHigh) << "a refusal changes nothing";
  EXPECT_EQ(c.policies.decreases, "auto");
  EXPECT_NE(
      apply_connector_settings(settings(R"({"alerts": []})"), global, c).message().find("alerts: "),
      std::string::npos);

  PluginManifest without;
  PluginManifest with;
  with.capabilities = {"tickets"};
  EXPECT_EQ(alerts_capability_problem(c, with), "");
  EXPECT_NE(alerts_capability_problem(c, without).find("plugin 'psa' does not offer the tickets"),
            std::string::npos);
  c.alerts->enabled = false;
  EXPECT_EQ(alerts_capability_problem(c, without), "") << "a disabled policy may stay";
  ASSERT_TRUE(apply_connector_settings(settings("{}"), global, c).ok());
  EXPECT_FALSE(c.alerts.has_value()) << "no alerts section: no policy";
  EXPECT_TRUE(connector_settings_json(c).at("alerts").is_null());
}

TEST(Config, IsolationLimitsAreCheckedNamingTheField) {
  TempDir dir;
  auto schema_errors = dir.write("limits.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "a", "plugin": "p", "config": {}, "isolation": "process",
     "isolation_limits": {"memory_mb": 0}},
    {"id": "b", "plugin": "p", "config": {}, "isolation": "process",
     "isolation_limits": {"stack_mb": 8}}]})");
  auto config = load_config(schema_errors);
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  EXPECT_NE(m.find("/connectors/0/isolation_limits/memory_mb"), std::string::npos) << m;
  EXPECT_NE(m.find("/connectors/1/isolation_limits"), std::string::npos) << m;
  EXPECT_NE(m.find("stack_mb"), std::string::npos) << m;

  auto not_isolated = dir.write("unisolated.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "c", "plugin": "p", "config": {}, "isolation_limits": {"cpu_seconds": 5}}]})");
  config = load_config(not_isolated);
  ASSERT_FALSE(config);
  EXPECT_NE(config.status().message().find(
                "/connectors/0/isolation_limits: applies only with \"isolation\": \"process\""),
            std::string::npos)
      << config.status().message();

  auto good = dir.write("good.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "d", "plugin": "p", "config": {}, "isolation": "process",
     "isolation_limits": {"memory_mb": 256, "cpu_seconds": 30, "open_files": 32,
                          "call_timeout_ms": 5000}}]})");
  config = load_config(good);
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->connectors.at(0).isolation_limits.at("call_timeout_ms"), 5000);
}

TEST(Config, ATenantConcurrencyIsCheckedNamingTheConnectorAndTheField) {
  TempDir dir;
  auto bad = dir.write("tenant.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "a", "plugin": "p", "config": {}, "http": {"tenant_concurrency": 2}},
    {"id": "b", "plugin": "p", "config": {}, "http": {"tenant_concurrency": -1}},
    {"id": "c", "plugin": "p", "config": {}, "http": {"tenant_concurrency": "three"}}]})");
  auto config = load_config(bad);
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  EXPECT_EQ(config.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(m.find("/connectors/1/http: http.tenant_concurrency: must not be negative"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/connectors/2/http: http.tenant_concurrency: expected an integer"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("/connectors/0/"), std::string::npos) << m;

  auto good = dir.write("good.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "a", "plugin": "p", "config": {}, "http": {"tenant_concurrency": 2}}]})");
  config = load_config(good);
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->connectors.at(0).http.at("tenant_concurrency").as_int64(), 2);
}

TEST(Config, AConnectorsAlertsPolicyIsReadAndEachErrorNamesItsField) {
  TempDir dir;
  auto bad = dir.write("bad.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "a", "plugin": "p", "config": {},
     "alerts": {"board": "Alerts", "min_severity": "severe", "subtype": "Malware"}},
    {"id": "b", "plugin": "p", "config": {}, "alerts": {"bord": "Alerts"}}]})");
  auto config = load_config(bad);
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  EXPECT_NE(m.find("bad.json: /connectors/0/alerts/min_severity"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.json: /connectors/0/alerts/subtype"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.json: /connectors/1/alerts/bord"), std::string::npos) << m;

  auto good = dir.write("good.json", R"({"plugins": {"dir": "."}, "connectors": [
    {"id": "c", "plugin": "p", "config": {},
     "alerts": {"board": "Security Alerts", "status_closed": ">Closed", "min_severity": "medium",
                "priorities": {"critical": "Priority 1"}}},
    {"id": "d", "plugin": "p", "config": {}}]})");
  config = load_config(good);
  ASSERT_TRUE(config) << config.status().message();
  const auto& policy = config->connectors.at(0).alerts;
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->board, "Security Alerts");
  EXPECT_EQ(policy->priority_for(AlertSeverity::kCritical), "Priority 1");
  EXPECT_FALSE(policy->opens_ticket_for(AlertSeverity::kLow));
  EXPECT_FALSE(config->connectors.at(1).alerts);
}

TEST(Config, WorkersDefaultToFourAtOnceAndBadValuesNameTheirField) {
  TempDir dir;
  auto plain =
      load_config(dir.write("plain.json", R"({"plugins": {"dir": "."}, "connectors": []})"));
  ASSERT_TRUE(plain) << plain.status().message();
  EXPECT_EQ(plain->workers.concurrency, 4);
  EXPECT_EQ(plain->workers.claim_ttl_seconds, 60);
  EXPECT_EQ(plain->workers.job_retention_days, 30);

  auto api_only = load_config(
      dir.write("api-only.json",
                R"({"plugins": {"dir": "."}, "workers": {"concurrency": 0, "claim_ttl_seconds": 10,
          "job_retention_days": 7}, "connectors": []})"));
  ASSERT_TRUE(api_only) << api_only.status().message();
  EXPECT_EQ(api_only->workers.concurrency, 0);
  EXPECT_EQ(api_only->workers.claim_ttl_seconds, 10);
  EXPECT_EQ(api_only->workers.job_retention_days, 7);

  for (const auto& [workers, field] :
       {std::pair<std::string, std::string>{R"({"concurrency": 1000})", "/workers/concurrency"},
        {R"({"job_retention_days": 0})", "/workers/job_retention_days"}}) {
    auto bad = load_config(dir.write("bad.json", R"({"plugins": {"dir": "."}, "workers": )" +
                                                     workers + R"(, "connectors": []})"));
    ASSERT_FALSE(bad) << workers;
    EXPECT_NE(bad.status().message().find(field), std::string::npos) << bad.status().message();
  }
  auto slow_poll = load_config(
      dir.write("slow-poll.json",
                R"({"plugins": {"dir": "."}, "workers": {"claim_ttl_seconds": 5, "poll_seconds": 5},
          "connectors": []})"));
  ASSERT_FALSE(slow_poll);
  EXPECT_NE(slow_poll.status().message().find("/workers/poll_seconds: must be below"),
            std::string::npos)
      << slow_poll.status().message();
}

class ConnectorConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* plugin : {"good", "cplugin"}) {  // cplugin offers no tickets
      for (const auto& entry :
           std::filesystem::directory_iterator(testing::build_dir() / "test-plugins" / plugin)) {
        auto to = plugins_.path() / entry.path().filename();
        std::filesystem::copy_file(entry.path(), to);
        ::chmod(to.c_str(), 0755);
      }
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
  std::vector<std::string> warnings;
  Status s = check_connectors(config, registry_, {}, &warnings);
  ASSERT_FALSE(s.ok());
  const std::string& m = s.message();
  EXPECT_NE(m.find("/connectors/0/config/endpoint"), std::string::npos) << m;
  EXPECT_NE(m.find("/connectors/1/config/retries"), std::string::npos) << m;
  EXPECT_NE(m.find("/connectors/2/plugin: no plugin 'missing'"), std::string::npos) << m;
  ASSERT_EQ(warnings.size(), 2u);  // b's token is missing: `connectors connect` is how it arrives
  EXPECT_NE(warnings[0].find("/connectors/0/config/token: secret written literally"),
            std::string::npos);
  EXPECT_NE(warnings[1].find(
                "/connectors/1/config/token: secret not in the config and no credentials stored"),
            std::string::npos)
      << warnings[1];
}

// An alerts policy needs a plugin with the tickets capability, unless it is switched off.
TEST_F(ConnectorConfigTest, AnAlertsPolicyNeedsAPluginThatOffersTickets) {
  Config config = load(R"([
    {"id": "a", "plugin": "good", "config": {"endpoint": "https://x", "token": "abcdef"},
     "alerts": {"board": "Alerts"}},
    {"id": "b", "plugin": "cplugin", "config": {}, "alerts": {"board": "Alerts"}},
    {"id": "c", "plugin": "cplugin", "config": {}, "alerts": {"enabled": false}}])");
  Status s = check_connectors(config, registry_, {}, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/connectors/1/alerts: plugin 'cplugin' does not offer the tickets "
                             "capability"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("/connectors/0/alerts"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("/connectors/2/alerts"), std::string::npos) << s.message();
}

TEST_F(ConnectorConfigTest, AMissingSecretIsAWarningUntilTheStoreHoldsIt) {
  Config config = load(R"([{"id": "a", "plugin": "good", "config": {"endpoint": "https://x"}}])");
  std::vector<std::string> warnings;
  EXPECT_TRUE(check_connectors(config, registry_, {}, &warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("meterbridge connectors connect a"), std::string::npos) << warnings[0];
  warnings.clear();
  EXPECT_TRUE(check_connectors(config, registry_, {{"a", true}}, &warnings).ok());
  EXPECT_TRUE(warnings.empty());
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

TEST_F(ConnectorConfigTest, StoredCredentialsAreLiteralsNeverReferences) {
  dir_.write("exfil.txt", "contents-of-a-file-9876\n");
  ::setenv("MB_TEST_SEALING_KEY_STANDIN", "the-sealing-key-4567", 1);
  Config config = load(R"([{"id": "a", "plugin": "good", "config": {"endpoint": "https://x"}}])");
  auto manifest = registry_.find("good")->manifest();
  for (const std::string& stored :
       {"${file:" + (dir_ / "exfil.txt").string() + "}", std::string("${file:exfil.txt}"),
        std::string("${env:MB_TEST_SEALING_KEY_STANDIN}")}) {
    auto effective =
        effective_plugin_config(config, config.connectors[0], manifest,
                                boost::json::serialize(boost::json::object{{"token", stored}}));
    ASSERT_TRUE(effective) << effective.status().message();
    EXPECT_EQ(boost::json::parse(*effective).at("token").as_string(), stored);
  }
  ::unsetenv("MB_TEST_SEALING_KEY_STANDIN");
}

TEST_F(ConnectorConfigTest, OnlySecretFieldsAreRegisteredForRedaction) {
  SecretRegistry::global().clear_for_testing();
  ::setenv("MB_TEST_ENDPOINT", "https://psa.example.test", 1);
  ::setenv("MB_TEST_TOKEN_VALUE", "env-token-123456", 1);
  Config config = load(R"([{"id": "a", "plugin": "good",
      "config": {"endpoint": "${env:MB_TEST_ENDPOINT}", "token": "${env:MB_TEST_TOKEN_VALUE}"}}])");
  auto effective = effective_plugin_config(config, config.connectors[0],
                                           registry_.find("good")->manifest(), std::nullopt);
  ASSERT_TRUE(effective) << effective.status().message();
  EXPECT_EQ(redact("GET https://psa.example.test/login token=env-token-123456"),
            "GET https://psa.example.test/login token=***");
  ::unsetenv("MB_TEST_ENDPOINT");
  ::unsetenv("MB_TEST_TOKEN_VALUE");
}

TEST(ConfigReferences, EveryBrokenReferenceIsNamedWithItsPointer) {
  TempDir dir;
  dir.write("big.txt", std::string(64 * 1024 + 1, 'x'));
  auto file = dir.write("refs.json", R"({"plugins": {"dir": "."},
    "api": {"token": "${env:MB_TEST_UNSET_API_TOKEN}"},
    "notifications": {"webhook": {"url": "https://hooks.example", "secret": "${file:missing-secret.txt}"},
                      "email": {"smtp_url": "smtps://mail.example", "from": "a@b.c", "to": ["d@e.f"],
                                "password": "${vault:smtp}"}},
    "connectors": [{"id": "a", "plugin": "p", "config": {"key": "${file:/dev/zero}", "list": ["${file:big.txt}"]},
                    "notifications": {"webhook": {"url": "https://hooks.example", "secret": "${env:}"}}}]})");
  auto start = std::chrono::steady_clock::now();
  auto config = load_config(file);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  std::string f = file.string();
  for (const std::string& expected :
       {f + ": /api/token: ${env:MB_TEST_UNSET_API_TOKEN}: environment variable "
            "MB_TEST_UNSET_API_TOKEN is not set",
        f + ": /notifications/webhook/secret: ${file:missing-secret.txt}: " +
            (dir / "missing-secret.txt").string() + " cannot be read",
        f + ": /notifications/email/password: ${vault:smtp}: unknown reference scheme 'vault'",
        f + ": /connectors/0/config/key: ${file:/dev/zero}: /dev/zero is not a regular file",
        f + ": /connectors/0/config/list/0: ${file:big.txt}: " + (dir / "big.txt").string() +
            " is larger than the 64 KiB limit",
        f + ": /connectors/0/notifications/webhook/secret: ${env:}: the variable name is missing"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << m;
}

TEST(ConfigReferences, AReferenceWhereNoneIsResolvedIsAnError) {
  TempDir dir;
  auto file =
      dir.write("where.json", R"({"state": {"path": "${env:STATE_DIR}"}, "plugins": {"dir": "."},
    "connectors": []})");
  auto config = load_config(file);
  ASSERT_FALSE(config);
  EXPECT_NE(config.status().message().find(
                "/state/path: ${env:STATE_DIR}: references are resolved only in"),
            std::string::npos)
      << config.status().message();
}

// ---- The state store: a SQLite file or a PostgreSQL database ----

TEST(ConfigState, AStateStringIsAPostgresUrlAndTheKeySitsBesideTheConfig) {
  TempDir dir;
  auto config = load_config(dir.write(
      "mb.json",
      R"({"state": "postgresql://mb@db.internal:5432/meterbridge", "plugins": {"dir": "p"}, "connectors": []})"));
  ASSERT_TRUE(config) << config.status().message();
  ASSERT_TRUE(config->state_postgres.has_value());
  EXPECT_EQ(config->state_postgres->url, "postgresql://mb@db.internal:5432/meterbridge");
  EXPECT_EQ(config->state_postgres->password, "");
  EXPECT_EQ(config->key_file, dir.path() / "secret.key");

  auto sqlite = load_config(
      dir.write("sqlite.json",
                R"({"state": {"path": "s/mb.db"}, "plugins": {"dir": "p"}, "connectors": []})"));
  ASSERT_TRUE(sqlite) << sqlite.status().message();
  EXPECT_FALSE(sqlite->state_postgres.has_value()) << "SQLite stays the default";
}

TEST(ConfigState, AnObjectNamesTheUrlAndAPasswordReferenceResolvedWhenTheStoreOpens) {
  TempDir dir;
  ::setenv("MB_TEST_PG_PASSWORD", "pg-Password-4711", 1);
  auto file =
      dir.write("mb.json", R"({"state": {"postgresql": {"url": "postgresql://mb@db/meterbridge",
      "password": "${env:MB_TEST_PG_PASSWORD}"}, "key_file": "keys/k"}, "plugins": {"dir": "p"}, "connectors": []})");
  auto config = load_config(file);
  ASSERT_TRUE(config) << config.status().message();
  ASSERT_TRUE(config->state_postgres.has_value());
  EXPECT_EQ(config->state_postgres->password, "${env:MB_TEST_PG_PASSWORD}") << "kept as written";
  EXPECT_EQ(config->key_file, dir.path() / "keys/k");
  auto resolved = resolve_postgres_state(*config);
  ASSERT_TRUE(resolved) << resolved.status().message();
  EXPECT_EQ(resolved->url, "postgresql://mb@db/meterbridge");
  EXPECT_EQ(resolved->password, std::optional<std::string>("pg-Password-4711"));
  EXPECT_EQ(SecretRegistry::global().redact("auth failed: pg-Password-4711"), "auth failed: ***");
  ::unsetenv("MB_TEST_PG_PASSWORD");
}

TEST(ConfigState, APasswordWrittenInTheUrlIsRegisteredForRedaction) {
  TempDir dir;
  auto config = load_config(dir.write("mb.json", R"({"state": {"postgresql": {"url":
      "postgresql://mb:In-Url-Secret-93@db/meterbridge?sslmode=require&password=Query-Secret-27"}},
      "plugins": {"dir": "p"}, "connectors": []})"));
  ASSERT_TRUE(config) << config.status().message();
  ASSERT_TRUE(resolve_postgres_state(*config));
  std::string line = SecretRegistry::global().redact("In-Url-Secret-93 and Query-Secret-27");
  EXPECT_EQ(line.find("Secret"), std::string::npos) << line;
}

TEST(ConfigState, BadStateValuesNameTheFieldAndNeverEchoTheValue) {
  TempDir dir;
  struct Case {
    const char* state;
    const char* pointer;
  };
  for (
      const Case& c : {
          Case{R"("mysql://root:Echo-Secret-11@db/x")", "/state"},
          Case{R"({"postgresql": {"url": "db.internal:Echo-Secret-11"}})", "/state/postgresql/url"},
          Case{R"({"path": "mb.db", "postgresql": {"url": "postgresql://u:Echo-Secret-11@db/x"}})",
               "/state"},
          Case{R"({"postgresql": {"password": "Echo-Secret-11"}})", "/state/postgresql"},
          Case{
              R"({"postgresql": {"url": "postgresql://db/x", "password": "${env:MB_TEST_UNSET_PG}"}})",
              "/state/postgresql/password"},
      }) {
    ::unsetenv("MB_TEST_UNSET_PG");
    auto config =
        load_config(dir.write("mb.json", std::string(R"({"state": )") + c.state +
                                             R"(, "plugins": {"dir": "p"}, "connectors": []})"));
    ASSERT_FALSE(config) << c.state;
    EXPECT_EQ(config.status().code(), ErrorClass::kConfigInvalid);
    const std::string& message = config.status().message();
    EXPECT_NE(message.find(c.pointer), std::string::npos) << message;
    EXPECT_EQ(message.find("Echo-Secret-11"), std::string::npos) << message;
  }
}

TEST(ConfigFile, AcceptsAByteOrderMark) {
  TempDir dir;
  auto file =
      dir.write("bom.json", "\xEF\xBB\xBF{\"plugins\": {\"dir\": \".\"}, \"connectors\": []}");
  auto config = load_config(file);
  EXPECT_TRUE(config) << config.status().message();
}

TEST(ConfigFile, ADuplicateKeyIsAnErrorNamingTheKeyAndItsLine) {
  TempDir dir;
  auto file = dir.write("dup-key.json", R"({"plugins": {"dir": "."},
    "connectors": [{"id": "a", "plugin": "p",
                    "config": {"endpoint": "https://real"},
                    "config": {"endpoint": "https://typo"}}]})");
  auto config = load_config(file);
  ASSERT_FALSE(config);
  const std::string& m = config.status().message();
  EXPECT_NE(m.find(file.string() + ": invalid JSON at line 4"), std::string::npos) << m;
  EXPECT_NE(m.find("duplicate key 'config'"), std::string::npos) << m;
}

TEST(ConfigFile, AHugeFileIsRefusedBeforeItIsParsed) {
  TempDir dir;
  std::string text = R"({"plugins": {"dir": "."}, "connectors": [)";
  for (int i = 0; i < 510000; ++i)
    text += std::string(i ? "," : "") + R"({"id": "c)" + std::to_string(i) +
            R"(", "plugin": "p", "partner": "Partner )" + std::to_string(i) +
            R"(", "config": {"endpoint": "https://x.example"}})";
  text += "]}";
  ASSERT_GT(text.size(), 50u * 1000 * 1000);
  auto file = dir.write("huge.json", text);
  auto start = std::chrono::steady_clock::now();
  auto config = load_config(file);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().message(),
            file.string() + ": config file is larger than the 4 MiB limit");
}

TEST(ConfigFile, ErrorsNameTheFileAsGiven) {
  TempDir dir;
  dir.write(
      "rel/mb.json",
      R"({"plugins": {"dir": "."}, "connectors": [{"id": "BAD", "plugin": "p", "config": {}}]})");
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto config = load_config("rel/mb.json");
  std::filesystem::current_path(cwd);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().message().rfind("rel/mb.json: /connectors/0/id", 0), 0u)
      << config.status().message();
}

TEST(ConfigSchema, TheEmbeddedSchemaIsThePublishedOne) {
  EXPECT_EQ(std::string(config_schema_text()),
            testing::read_file(testing::source_dir() / "config/schema/meterbridge.schema.json"));
}

}  // namespace
}  // namespace mb
