// Process plugins (docs/plugin-protocol.md) through the real loader and real child processes:
// a Python plugin written from the protocol page alone (tests/plugins/process/) is loaded with
// the loader's rules, serves every operation and host service, and when it crashes, exits,
// hangs, prints garbage, floods its output or runs out of memory the call fails with the named
// failure while this process (the host) carries on, and the next call gets a fresh child.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "host/plugin/loader.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
using mb::testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr char kPluginId[] = "ledgerpy";

std::string manifest_json(const std::string& process_extra = "") {
  return R"({"id":"ledgerpy","name":"Ledger in Python","version":"1.0.0","abi":"1.1",
    "runtime":"process",
    "process":{"command":"ledger_process.py","call_timeout_ms":5000,
               "limits":{"memory_mb":512,"cpu_seconds":60,"open_files":32})" +
         process_extra + R"(},
    "capabilities":[],
    "config_schema":{"type":"object","properties":{"ledger":{"type":"string"}}}})";
}

// Answers every request with 200 and the request's URL, remembering what it was asked.
class EchoHttp : public http::HttpClient {
 public:
  http::BatchOutcome execute(std::vector<http::HttpRequest> requests,
                             const std::atomic<bool>*) override {
    http::BatchOutcome out;
    for (auto& r : requests) {
      urls.push_back(r.url);
      http::HttpResponse& response = out.responses.emplace_back();
      response.status = 200;
      response.body = "pong " + r.url;
      response.attempts = 1;
    }
    return out;
  }
  std::vector<std::string> urls;
};

class ProcessPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(folder());
    ::chmod(folder().c_str(), 0755);
    install_script();
    write_manifest(manifest_json());
    dir_.write("ledger.json", R"({"accounts":[{"id":"a1","name":"Acme","active":true}],
      "services":[{"id":"s1","name":"Backup"}],"units":{"a1|s1":5},"writes":[]})");
  }

  fs::path folder() const { return dir_.path() / "plugins"; }
  void install_script(mode_t mode = 0644) {
    dir_.write("plugins/ledger_process.py",
               mb::testing::read_file(mb::testing::source_dir() /
                                      "tests/plugins/process/ledger_process.py"),
               mode);
  }
  void write_manifest(const std::string& text) {
    dir_.write(std::string("plugins/") + kPluginId + ".plugin.json", text);
  }

  PluginRegistry load(std::map<std::string, std::string> pins = {}) {
    LoaderOptions options;
    options.dir = folder();
    options.sha256_pins = std::move(pins);
    auto registry = load_plugins(options);
    EXPECT_TRUE(registry.ok()) << registry.status().message();
    return std::move(*registry);
  }

  // Loads the folder and expects the plugin refused with a reason containing `reason_part`.
  void expect_refused(const std::string& reason_part, std::map<std::string, std::string> pins) {
    PluginRegistry registry = load(std::move(pins));
    const PluginRecord* record = registry.record(kPluginId);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->state, PluginState::kRefused);
    EXPECT_NE(record->reason.find(reason_part), std::string::npos) << record->reason;
  }

  std::unique_ptr<PluginSession> open(const PluginRegistry& registry, boost::json::object config) {
    auto plugin = registry.find(kPluginId);
    const PluginRecord* record = registry.record(kPluginId);
    EXPECT_NE(plugin, nullptr) << (record != nullptr ? record->reason : "no record");
    if (plugin == nullptr) return nullptr;
    config["ledger"] = (dir_.path() / "ledger.json").string();
    SessionContext context;
    context.connector_id = "acme";
    context.http = http_;
    auto session = plugin->open(std::move(context), boost::json::serialize(config));
    EXPECT_TRUE(session.ok()) << session.status().message();
    return session.ok() ? std::move(*session) : nullptr;
  }

  boost::json::object fault(const std::string& op, const std::string& kind, bool once = true) {
    boost::json::object f{{"op", op}, {"kind", kind}};
    if (once) f["once_file"] = (dir_.path() / ("once-" + kind)).string();
    return boost::json::object{{"fault", f}};
  }

  static std::string read_input() {
    return R"({"effective_date":"2026-12-01","lines":[
      {"key":"k1","account_id":"a1","service_id":"s1","metric":"users","last_pushed":null},
      {"key":"k2","account_id":"a2","service_id":"s1","metric":"users","last_pushed":null}]})";
  }

  boost::json::value ledger() const {
    return boost::json::parse(mb::testing::read_file(dir_.path() / "ledger.json"));
  }

  TempDir dir_;
  std::shared_ptr<EchoHttp> http_ = std::make_shared<EchoHttp>();
};

TEST_F(ProcessPluginTest, LoadsWithTheLoadersRulesAndDescribesItself) {
  PluginRegistry registry = load();
  const PluginRecord* record = registry.record(kPluginId);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->state, PluginState::kLoaded) << record->reason;
  EXPECT_EQ(record->sha256.size(), 64u);
  EXPECT_NE(record->runtime_copy, folder() / "ledger_process.py");  // runs from a private copy
  EXPECT_EQ(record->runtime_copy.extension(), ".py");
  EXPECT_EQ(record->plugin->manifest().runtime, PluginRuntime::kProcess);
}

TEST_F(ProcessPluginTest, ShaPinMismatchIsRefused) {
  expect_refused("sha256 pin mismatch", {{kPluginId, std::string(64, '0')}});
}

TEST_F(ProcessPluginTest, ProgramWritableByOthersIsRefused) {
  install_script(0666);
  expect_refused("ledger_process.py", {});
}

TEST_F(ProcessPluginTest, ManifestWithoutCommandIsRefusedNamingTheField) {
  write_manifest(R"({"id":"ledgerpy","version":"1.0.0","abi":"1.1","runtime":"process",
    "process":{"args":[]},"config_schema":{}})");
  expect_refused("/process/command", {});
}

TEST_F(ProcessPluginTest, ManifestThatDisagreesWithTheHandshakeIsRefused) {
  write_manifest(R"({"id":"ledgerpy","version":"1.0.0","abi":"1.0","runtime":"process",
    "process":{"command":"ledger_process.py"},"config_schema":{}})");
  expect_refused("protocol 1.1", {});
}

TEST_F(ProcessPluginTest, ServesOperationsAndHostServices) {
  PluginRegistry registry = load();
  auto session = open(registry, {{"http_url", "https://psa.example/ping"}});
  ASSERT_NE(session, nullptr);
  auto auth = session->invoke(Operation::kAuthenticate, R"({"purpose":"test"})");
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_NE(auth->find("HTTP 200: pong https://psa.example/ping"), std::string::npos) << *auth;
  EXPECT_EQ(http_->urls, std::vector<std::string>{"https://psa.example/ping"});

  auto accounts = session->invoke(Operation::kListAccounts, R"({"cursor":null,"limit":10})");
  ASSERT_TRUE(accounts.ok()) << accounts.status().message();
  EXPECT_EQ(boost::json::parse(*accounts).at("items").at(0).at("id"), "a1");

  auto read = session->invoke(Operation::kReadQuantities, read_input());
  ASSERT_TRUE(read.ok()) << read.status().message();
  auto lines = boost::json::parse(*read).at("lines");
  EXPECT_EQ(lines.at(0).at("quantity"), 5);
  EXPECT_EQ(lines.at(1).at("reason"), "no_contract_line");

  std::vector<std::string> journaled;
  InvokeHooks hooks;
  hooks.journal_intents = [&](std::string_view intents) {
    journaled.emplace_back(intents);
    return Status::Ok();
  };
  auto applied = session->invoke(Operation::kApplyQuantities, R"({"idempotency_key":"r1:b1",
    "effective_date":"2026-12-01","final":true,"lines":[
    {"key":"k1","account_id":"a1","service_id":"s1","target":8,"expected_current":5,
     "metric":"users"}]})",
                                 hooks);
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(boost::json::parse(*applied).at("lines").at(0).at("outcome"), "updated");
  ASSERT_EQ(journaled.size(), 1u);
  EXPECT_NE(journaled[0].find(R"("units_before":5)"), std::string::npos) << journaled[0];
  EXPECT_EQ(ledger().at("units").at("a1|s1"), 8);
}

TEST_F(ProcessPluginTest, ChildGetsACleanEnvironmentNoDescriptorsAndItsLimits) {
  PluginRegistry registry = load();
  auto session = open(registry, fault("authenticate", "report", false));
  ASSERT_NE(session, nullptr);
  auto auth = session->invoke(Operation::kAuthenticate, "{}");
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  auto seen = boost::json::parse(boost::json::parse(*auth).at("message").as_string());
  std::set<std::string> env;
  for (const auto& name : seen.at("env").as_array()) env.insert(std::string(name.as_string()));
  EXPECT_EQ(env, (std::set<std::string>{"LANG", "MB_PLUGIN_DIR", "MB_PLUGIN_ID", "PATH"}));
  // 0, 1, 2 and the one os.listdir opened to list them.
  EXPECT_LE(seen.at("fds").as_array().size(), 4u) << seen.at("fds");
  EXPECT_EQ(seen.at("memory").as_int64(), int64_t{512} << 20);
  EXPECT_EQ(seen.at("open_files").as_int64(), 32);
  EXPECT_GT(seen.at("now_ms").as_int64(), 1700000000000);
  EXPECT_EQ(seen.at("cancelled"), false);
}

struct Misbehaviour {
  std::string kind;
  ErrorClass error_class;
  std::string failure;  // the start of the call's error message
};

class ProcessPluginFailureTest : public ProcessPluginTest,
                                 public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(ProcessPluginFailureTest, FailsTheCallAndTheNextCallGetsAFreshChild) {
  const Misbehaviour& m = GetParam();
  std::string manifest = manifest_json();
  if (m.kind == "hang") manifest.replace(manifest.find("5000"), 4, "700");
  if (m.kind == "memory") manifest.replace(manifest.find("512"), 3, "200");
  write_manifest(manifest);
  PluginRegistry registry = load();
  auto session = open(registry, fault("read_quantities", m.kind));
  ASSERT_NE(session, nullptr);

  auto started = Clock::now();
  auto failed = session->invoke(Operation::kReadQuantities, read_input());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), m.error_class) << failed.status().message();
  EXPECT_EQ(failed.status().message().rfind(m.failure, 0), 0u) << failed.status().message();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(8));

  auto again = session->invoke(Operation::kReadQuantities, read_input());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(boost::json::parse(*again).at("lines").at(0).at("quantity"), 5);
}

INSTANTIATE_TEST_SUITE_P(
    Children, ProcessPluginFailureTest,
    ::testing::Values(
        Misbehaviour{"segfault", ErrorClass::kRetry, "plugin process crashed: killed by signal 11"},
        Misbehaviour{"abort", ErrorClass::kRetry, "plugin process crashed: killed by signal 6"},
        Misbehaviour{"exit", ErrorClass::kRetry, "plugin process exited with status 3"},
        Misbehaviour{"hang", ErrorClass::kRetry, "plugin process timed out"},
        Misbehaviour{"garbage", ErrorClass::kFatal, "plugin process broke the protocol"},
        Misbehaviour{"flood", ErrorClass::kFatal, "plugin process output too large"},
        Misbehaviour{"huge_frame", ErrorClass::kFatal, "plugin process output too large"},
        Misbehaviour{"memory", ErrorClass::kRetry, "plugin process exited with status 1"}),
    [](const auto& param_info) { return param_info.param.kind; });

TEST_F(ProcessPluginTest, CrashAfterAJournaledWriteNeverWritesTwice) {
  PluginRegistry registry = load();
  auto session = open(registry, fault("apply_quantities", "after_first_write"));
  ASSERT_NE(session, nullptr);
  std::vector<std::string> journaled;
  InvokeHooks hooks;
  hooks.journal_intents = [&](std::string_view intents) {
    journaled.emplace_back(intents);
    return Status::Ok();
  };
  std::string input = R"({"idempotency_key":"r1:b1","effective_date":"2026-12-01","final":true,
    "lines":[{"key":"k1","account_id":"a1","service_id":"s1","target":9,"expected_current":5,
              "metric":"users"}]})";
  auto applied = session->invoke(Operation::kApplyQuantities, input, hooks);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), ErrorClass::kRetry);
  EXPECT_EQ(journaled.size(), 1u);  // the intent is on record: the engine settles it by reading
  // The fresh child reads the platform rather than replaying the delta.
  auto read = session->invoke(Operation::kReadQuantities, read_input());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(boost::json::parse(*read).at("lines").at(0).at("quantity"), 9);
  EXPECT_EQ(ledger().at("writes").as_array().size(), 1u);
}

}  // namespace
}  // namespace mb
