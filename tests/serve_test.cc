// `meterbridge serve` as an operator and systemd drive it, black-box: listen addresses parsed
// strictly; SIGTERM ends the process promptly with the admin API on; SIGHUP reloads the config
// and rescans the plugin folder without a restart, and refuses a config that does not validate
// while the running one goes on serving.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <thread>

#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::eventually;
using testing::RawSocket;
using testing::RunResult;
using testing::ServeHarness;

std::set<std::string> connector_ids(const testing::HttpReply& reply) {
  std::set<std::string> ids;
  if (reply.status != 200) return ids;
  for (const auto& c : reply.body.at("connectors").as_array())
    ids.insert(std::string(c.at("id").as_string()));
  return ids;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ServeListen, AMalformedListenFlagIsAUsageErrorNamingTheFlag) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  for (const char* listen : {"127.0.0.1:abc", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1",
                             "localhost:8470", "::1:8470"}) {
    RunResult r = serve.cli(std::string("serve --no-schedule --listen '") + listen + "'");
    EXPECT_EQ(r.exit_code, 2) << listen << ": "
                              << r.err;  // not 134 (abort), not a server on another port
    EXPECT_NE(r.err.find("--listen"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  }
}

TEST(ServeListen, AnOutOfRangeApiListenIsAConfigErrorNamingTheField) {
  ServeHarness serve;
  for (const char* listen : {"127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:abc", "[::1:8470"}) {
    serve.write_config(
        {serve.ledger_connector("led")},
        std::string(R"("api": {"listen": ")") + listen + R"(", "token": "${file:token}"})");
    RunResult check = serve.cli("config check");
    EXPECT_EQ(check.exit_code, 3) << listen << ": " << check.out << check.err;
    EXPECT_NE((check.out + check.err).find("/api/listen"), std::string::npos)
        << check.out << check.err;
    RunResult started = serve.cli("serve --no-schedule");
    EXPECT_EQ(started.exit_code, 3) << listen << ": " << started.err;
    EXPECT_NE(started.err.find("/api/listen"), std::string::npos) << started.err;
  }
}

TEST(ServeSignals, SigtermEndsServePromptlyWithTheApiOnAndClientsConnected) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  serve.start({});  // scheduler and API both on
  RawSocket idle(serve.port());
  RawSocket half_sent(serve.port());
  half_sent.send("GET /v1/runs HTTP/1.1\r\n");
  ASSERT_EQ(serve.call("GET", "/v1/health", "", "").status, 200);
  auto began = std::chrono::steady_clock::now();
  serve.process().send_signal(SIGTERM);
  auto status = serve.process().wait_exit(3s);
  ASSERT_TRUE(status.has_value()) << "serve still running 3 s after SIGTERM";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_NE(serve.log().find("stopped"), std::string::npos) << serve.log();
}

TEST(ServeSignals, SigintEndsServeLikeSigterm) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  serve.start();
  serve.process().send_signal(SIGINT);
  auto status = serve.process().wait_exit(3s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
}

TEST(ServeReload, SighupAddsChangesAndRemovesConnectorsAndRefusesAnInvalidConfig) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  serve.start({});
  ASSERT_EQ(connector_ids(serve.call("GET", "/v1/connectors")), std::set<std::string>{"led"});

  serve.write_config({serve.ledger_connector("led"), serve.ledger_connector("added")});
  serve.process().send_signal(SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return connector_ids(serve.call("GET", "/v1/connectors")) ==
           std::set<std::string>{"added", "led"};
  }));
  auto tested = serve.call("POST", "/v1/connectors/added/test");
  EXPECT_EQ(tested.status, 200) << tested.raw;
  EXPECT_EQ(tested.body.at("status").as_string(), "ok");

  // Invalid: not JSON at all, then a schema error. Each is refused and logged with its reason;
  // the running config goes on serving.
  size_t refusals = 0;
  for (
      const char* invalid :
      {"{ this is not json",
       R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"}, "connectors": [{"id": "Bad Id"}]})"}) {
    serve.dir().write("mb.json", invalid);
    serve.process().send_signal(SIGHUP);
    ++refusals;
    EXPECT_TRUE(
        eventually([&] { return count_of(serve.log(), "config reload refused") == refusals; }));
    EXPECT_EQ(connector_ids(serve.call("GET", "/v1/connectors")),
              (std::set<std::string>{"added", "led"}));
    ASSERT_FALSE(serve.process().wait_exit(0ms).has_value()) << "serve exited on an invalid config";
  }
  EXPECT_NE(serve.log().find("mb.json"), std::string::npos);

  serve.write_config({serve.ledger_connector("added")});
  serve.process().send_signal(SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return connector_ids(serve.call("GET", "/v1/connectors")) == std::set<std::string>{"added"};
  }));
  EXPECT_EQ(serve.call("POST", "/v1/connectors/led/test").status, 404);
}

TEST(ServeReload, SighupRescansThePluginFolder) {
  ServeHarness serve;
  std::string good =
      R"({"id": "g", "plugin": "good", "config": {"endpoint": "https://x.example", "token": "t0k3n-1"}})";
  serve.write_config({serve.ledger_connector("led")});
  serve.start();
  auto verdict = [&](const std::string& id) {
    auto reply = serve.call("POST", "/v1/connectors/" + id + "/test");
    return reply.status == 200 ? std::string(reply.body.at("status").as_string()) : reply.raw;
  };
  EXPECT_EQ(serve.call("POST", "/v1/connectors/g/test").status, 404);

  // A new plugin dropped in the folder, and a connector that uses it: one SIGHUP takes both.
  serve.add_plugin("good");
  serve.write_config({serve.ledger_connector("led"), good});
  serve.process().send_signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return verdict("g") == "ok"; })) << verdict("g");
  EXPECT_EQ(verdict("led"), "ok");  // the others keep working
}

TEST(ServeReload, SighupRotatesTheApiToken) {
  ServeHarness serve;
  serve.write_config({serve.ledger_connector("led")});
  serve.start();
  serve.write_token("rotated-token-99");
  serve.process().send_signal(SIGHUP);
  EXPECT_TRUE(eventually(
      [&] { return serve.call("GET", "/v1/runs", "", "rotated-token-99").status == 200; }));
  EXPECT_EQ(serve.call("GET", "/v1/runs").status, 401);  // the old token
  // A token that cannot be resolved refuses the whole reload.
  serve.write_config({serve.ledger_connector("led"), serve.ledger_connector("more")},
                     R"("api": {"token": "${env:MB_TEST_UNSET_TOKEN_VARIABLE}"})");
  serve.process().send_signal(SIGHUP);
  EXPECT_TRUE(
      eventually([&] { return serve.log().find("config reload refused") != std::string::npos; }));
  EXPECT_EQ(serve.call("GET", "/v1/runs", "", "rotated-token-99").status, 200);
  EXPECT_EQ(connector_ids(serve.call("GET", "/v1/connectors", "", "rotated-token-99")),
            std::set<std::string>{"led"});
}

}  // namespace
}  // namespace mb
