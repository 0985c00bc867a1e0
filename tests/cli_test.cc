// The meterbridge command line end to end, with the hello example plugin: listing, checking,
// connecting and testing connectors, exit codes, and that a secret never leaks.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <utility>
#include <vector>

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

TEST_F(CliTest, CredentialsThePlatformRejectsAreNotStored) {
  const std::string secret = "wrong-Sup3rS3cret-value";
  RunResult r = mb("connectors connect acme", R"({"api_key":")" + secret + R"("})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("credentials not stored"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("API key rejected by tenant acme"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  auto listed = boost::json::parse(mb("connectors list --json").out);
  EXPECT_FALSE(listed.at(0).at("has_credentials").as_bool());
  EXPECT_EQ(listed.at(0).at("status").as_string(), "new");
  EXPECT_EQ((r.out + r.err).find(secret), std::string::npos);
}

TEST_F(CliTest, StoredCredentialsAreNeverResolvedAsReferences) {
  // Both would be accepted keys if the host read them; stored, they are just strange keys.
  dir_.write("key.txt", "hello-read-from-a-file\n");
  ::setenv("MB_CLI_TEST_KEY", "hello-read-from-the-environment", 1);
  for (const std::string& reference :
       {"${file:" + (dir_ / "key.txt").string() + "}", std::string("${env:MB_CLI_TEST_KEY}")}) {
    RunResult r = mb("connectors connect acme", R"({"api_key":")" + reference + R"("})");
    EXPECT_EQ(r.exit_code, 1) << reference << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("API key rejected by tenant acme"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find("hello-read-from"), std::string::npos) << r.out << r.err;
  }
  ::unsetenv("MB_CLI_TEST_KEY");
}

TEST_F(CliTest, ForceStoresRejectedCredentialsAndMarksTheConnectorInError) {
  const std::string secret = "wrong-Sup3rS3cret-value";
  RunResult r = mb("connectors connect acme --force", R"({"api_key":")" + secret + R"("})");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("credentials stored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("acme: error — stored with --force although the test failed"),
            std::string::npos)
      << r.out;
  auto listed = boost::json::parse(mb("connectors list --json").out);
  EXPECT_TRUE(listed.at(0).at("has_credentials").as_bool());
  EXPECT_EQ(listed.at(0).at("status").as_string(), "error");
  EXPECT_NE(listed.at(0).at("status_message").as_string().find("API key rejected"),
            std::string::npos);
  EXPECT_EQ((r.out + r.err).find(secret), std::string::npos);
}

TEST_F(CliTest, ADisconnectedConnectorStaysDisconnectedUntilConnectEvenWithSecretsInTheConfig) {
  ::setenv("MB_CLI_TEST_KEY", "hello-from-the-environment", 1);
  write_config(
      R"([{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "${env:MB_CLI_TEST_KEY}"}}])");
  ASSERT_EQ(mb("connectors test acme").exit_code, 0);
  RunResult d = mb("connectors disconnect acme");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  for (const char* command : {"connectors test acme", "accounts list acme --refresh",
                              "services list acme", "map auto acme", "sync acme"}) {
    RunResult refused = mb(command);
    EXPECT_NE(refused.exit_code, 0) << command;
    EXPECT_NE(refused.err.find("is disconnected (since "), std::string::npos)
        << command << ": " << refused.err;
    EXPECT_NE(refused.err.find("meterbridge connectors connect acme"), std::string::npos)
        << refused.err;
  }
  EXPECT_EQ(boost::json::parse(mb("connectors list --json").out).at(0).at("status").as_string(),
            "disconnected");

  RunResult reconnect = mb("connectors connect acme");  // nothing on stdin: the config's secrets
  ASSERT_EQ(reconnect.exit_code, 0) << reconnect.err;
  EXPECT_NE(reconnect.out.find("acme: ok"), std::string::npos) << reconnect.out;
  EXPECT_EQ(reconnect.out.find("credentials stored"), std::string::npos) << reconnect.out;
  EXPECT_EQ(mb("connectors test acme").exit_code, 0);
  ::unsetenv("MB_CLI_TEST_KEY");
}

// What a person at a terminal saw, and how the command ended.
struct TerminalSession {
  std::string screen;  // everything the terminal showed: prompts, echoed typing, output
  bool exited = false;
  int exit_code = -1;
};

// Runs meterbridge on a pseudo-terminal, typing each answer once the screen shows its prompt.
// Bounded: a command still running after 20 seconds is killed (exited stays false).
TerminalSession run_on_terminal(
    const std::string& config, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& prompts_and_answers) {
  TerminalSession session;
  int terminal = -1;
  pid_t child = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  if (child < 0) return session;
  if (child == 0) {
    std::vector<const char*> argv{"meterbridge", "--config", config.c_str()};
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    ::execv(testing::meterbridge_binary().c_str(), const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  char buffer[4096];
  size_t answered = 0;
  size_t seen_up_to = 0;  // where the next prompt is looked for
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  pid_t done = 0;
  while (done == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{terminal, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      ssize_t n = ::read(terminal, buffer, sizeof buffer);
      if (n > 0) session.screen.append(buffer, static_cast<size_t>(n));
    }
    if (answered < prompts_and_answers.size()) {
      size_t at = session.screen.find(prompts_and_answers[answered].first, seen_up_to);
      if (at != std::string::npos) {
        std::string typed = prompts_and_answers[answered].second + "\r";
        (void)!::write(terminal, typed.data(), typed.size());
        seen_up_to = at + prompts_and_answers[answered].first.size();
        ++answered;
      }
    }
    done = ::waitpid(child, &status, WNOHANG);
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  } else {
    for (ssize_t n; (n = ::read(terminal, buffer, sizeof buffer)) > 0;)
      session.screen.append(buffer, static_cast<size_t>(n));
    session.exited = true;
    session.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ::close(terminal);
  return session;
}

TEST_F(CliTest, ConnectOnATerminalAsksForEachSecretWithTypingHiddenAndStoresIt) {
  const std::string secret = "hello-Typed-On-The-Terminal-42";
  TerminalSession s = run_on_terminal((dir_ / "mb.json").string(),
                                      {"connectors", "connect", "acme"}, {{"api_key: ", secret}});
  ASSERT_TRUE(s.exited) << "connect did not finish:\n" << s.screen;
  EXPECT_EQ(s.exit_code, 0) << s.screen;
  EXPECT_NE(s.screen.find("Credentials for acme (typing is not shown"), std::string::npos)
      << s.screen;
  EXPECT_NE(s.screen.find("Accepted when it starts with 'hello-'."), std::string::npos) << s.screen;
  EXPECT_NE(s.screen.find("acme: credentials stored (encrypted)"), std::string::npos) << s.screen;
  EXPECT_NE(s.screen.find("acme: ok"), std::string::npos) << s.screen;
  EXPECT_EQ(s.screen.find(secret), std::string::npos) << "the secret was echoed:\n" << s.screen;
  // The stored secret is the one typed: the config names none, and the test passes.
  RunResult test = mb("connectors test acme");
  EXPECT_EQ(test.exit_code, 0) << test.err;
  EXPECT_EQ((test.out + test.err).find(secret), std::string::npos);
}

TEST_F(CliTest, ConnectOnATerminalWithEveryFieldSkippedUsesTheConfigsSecrets) {
  ::setenv("MB_CLI_TEST_KEY", "hello-from-the-environment", 1);
  write_config(
      R"([{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "${env:MB_CLI_TEST_KEY}"}}])");
  TerminalSession s =
      run_on_terminal((dir_ / "mb.json").string(), {"connectors", "connect", "acme"},
                      {{"api_key [Enter: the value the config names]: ", ""}});
  ASSERT_TRUE(s.exited) << "connect did not finish:\n" << s.screen;
  EXPECT_EQ(s.exit_code, 0) << s.screen;
  EXPECT_NE(s.screen.find("no credentials given"), std::string::npos) << s.screen;
  EXPECT_NE(s.screen.find("acme: ok"), std::string::npos) << s.screen;
  EXPECT_EQ(s.screen.find("credentials stored"), std::string::npos) << s.screen;
  ::unsetenv("MB_CLI_TEST_KEY");
}

TEST_F(CliTest, ConnectReadingJsonFromATerminalSaysWhatItWaitsFor) {
  const std::string secret = "hello-Pasted-As-Json-77";
  TerminalSession s = run_on_terminal(
      (dir_ / "mb.json").string(), {"connectors", "connect", "acme", "--credentials", "-"},
      {{"(end with Ctrl-D)", R"({"api_key": ")" + secret + "\"}\r\x04"}});
  ASSERT_TRUE(s.exited) << "connect did not finish:\n" << s.screen;
  EXPECT_EQ(s.exit_code, 0) << s.screen;
  EXPECT_NE(s.screen.find("reading a JSON object of the plugin's secret fields from standard "
                          "input, typing not shown"),
            std::string::npos)
      << s.screen;
  EXPECT_NE(s.screen.find("acme: credentials stored (encrypted)"), std::string::npos) << s.screen;
  EXPECT_EQ(s.screen.find(secret), std::string::npos) << "the pasted secret was echoed:\n"
                                                      << s.screen;
}

TEST_F(CliTest, JsonOutputStaysValidWhenASecretSitsInsideAnEscapedString) {
  // The toy tenant greets itself by name; here its name is also its key, quotes and all.
  const std::string secret = "hello-\"quoted\\key-1";
  boost::json::object config{{"tenant", secret}, {"api_key", secret}};
  write_config("[" +
               boost::json::serialize(
                   boost::json::object{{"id", "acme"}, {"plugin", "hello"}, {"config", config}}) +
               "]");
  RunResult r = mb("connectors test acme --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  boost::json::value doc = boost::json::parse(r.out);
  EXPECT_EQ(doc.at("message").as_string(), "Hello tenant ***");
  std::string escaped = boost::json::serialize(boost::json::value(secret));
  EXPECT_EQ(r.out.find(escaped.substr(1, escaped.size() - 2)), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find(secret), std::string::npos);
}

TEST_F(CliTest, JsonOutputKeepsItsKeysWhenASecretSpellsOne) {
  // A literal secret that happens to be "warnings": masking the serialized text would rename
  // the key of the same name.
  write_config(
      R"([{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "warnings"}}])");
  RunResult r = mb("config check --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  boost::json::value doc = boost::json::parse(r.out);
  EXPECT_TRUE(doc.at("valid").as_bool());
  ASSERT_TRUE(doc.as_object().contains("warnings")) << r.out;
  EXPECT_NE(std::string(doc.at("warnings").at(0).as_string()).find("secret written literally"),
            std::string::npos);
}

TEST_F(CliTest, CommandsRefuseAConfigThatCheckRejectsBeforeCreatingAnything) {
  write_config(
      R"([{"id": "acme", "plugin": "hello", "config": {"tenant": "", "api_key": "${vault:acme}"}}])");
  for (const char* command : {"config check", "connectors list", "usage show", "sync acme"}) {
    RunResult r = mb(command);
    EXPECT_EQ(r.exit_code, 3) << command << ": " << r.out << r.err;
    EXPECT_NE(
        r.err.find("/connectors/0/config/api_key: ${vault:acme}: unknown reference scheme 'vault'"),
        std::string::npos)
        << command << ": " << r.err;
  }
  write_config(R"([{"id": "acme", "plugin": "hello", "config": {"tenant": ""}}])");
  for (const char* command :
       {"config check", "connectors list", "usage show", "connectors connect acme"}) {
    RunResult r = mb(command);
    EXPECT_EQ(r.exit_code, 3) << command << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("/connectors/0/config/tenant"), std::string::npos)
        << command << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_ / "state")) << "a rejected config created state";
}

TEST_F(CliTest, ConfigCheckResolvesEveryReferenceAndNamesTheFileAsGiven) {
  dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
    "api": {"token": "${env:MB_CLI_TEST_UNSET_TOKEN}"},
    "notifications": {"webhook": {"url": "https://hooks.example", "secret": "${file:no-such-secret}"}},
    "connectors": [{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "${file:/dev/zero}"}}]})");
  RunResult r = run("cd '" + dir_.path().string() + "' && env -u MB_CONFIG " +
                    testing::meterbridge_binary() + " --config mb.json config check");
  EXPECT_EQ(r.exit_code, 3);
  for (const char* expected : {"mb.json: /api/token: ${env:MB_CLI_TEST_UNSET_TOKEN}: environment "
                               "variable MB_CLI_TEST_UNSET_TOKEN is not set",
                               "mb.json: /notifications/webhook/secret: ${file:no-such-secret}: "
                               "no-such-secret cannot be read",
                               "mb.json: /connectors/0/config/api_key: ${file:/dev/zero}: "
                               "/dev/zero is not a regular file"})
    EXPECT_NE(r.err.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                       << r.err;
  EXPECT_EQ(r.err.find(dir_.path().string()), std::string::npos)
      << "a relative path was made absolute:\n"
      << r.err;
}

TEST_F(CliTest, ConfigCheckAcceptsAByteOrderMarkAndRefusesDuplicateKeys) {
  std::string body = R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
    "connectors": [{"id": "acme", "plugin": "hello", "config": {"tenant": "acme", "api_key": "hello-key-1234"}}]})";
  dir_.write("mb.json", "\xEF\xBB\xBF" + body);
  RunResult bom = mb("config check");
  EXPECT_EQ(bom.exit_code, 0) << bom.err;
  dir_.write("mb.json",
             "{\"plugins\": {\"dir\": \"plugins\"},\n \"plugins\": {\"dir\": \"elsewhere\"}, "
             "\"connectors\": []}");
  RunResult dup = mb("config check");
  EXPECT_EQ(dup.exit_code, 3);
  EXPECT_NE(dup.err.find("line 2"), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("duplicate key 'plugins'"), std::string::npos) << dup.err;
}

TEST_F(CliTest, CsvUsageIsStrictUtf8AndRejectsUnknownColumnsLikeJson) {
  const std::string header =
      "as_of,workspace_id,workspace_name,service_id,service_name,users,devices";
  dir_.write("bytes.csv", header + "\n2026-11-21,w1,Alpha\xFF Ltd,edr,EDR,1,2\n2026-11-21,w2,Be" +
                              std::string(1, '\0') + "ta,edr,EDR,1,2\n");
  RunResult bytes = mb("usage import " + (dir_ / "bytes.csv").string());
  EXPECT_EQ(bytes.exit_code, 3) << bytes.out << bytes.err;
  EXPECT_NE(bytes.err.find("bytes.csv: line 2, column 20: byte 0xFF is not valid UTF-8"),
            std::string::npos)
      << bytes.err;
  EXPECT_NE(bytes.err.find("bytes.csv: line 3, column 17: NUL byte"), std::string::npos)
      << bytes.err;
  dir_.write("columns.csv", header + ",seats\n2026-11-21,w1,Alpha,edr,EDR,1,2,3\n");
  RunResult columns = mb("usage import " + (dir_ / "columns.csv").string());
  EXPECT_EQ(columns.exit_code, 3) << columns.out << columns.err;
  EXPECT_NE(columns.err.find("columns.csv: line 1: unknown column 'seats'"), std::string::npos)
      << columns.err;
  EXPECT_EQ(mb("usage show --json").out, "null\n") << "a rejected file imported something";
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
