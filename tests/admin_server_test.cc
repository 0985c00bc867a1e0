// Hardening of the admin API as an attacker and a load balancer see it: a real `meterbridge
// serve` on a loopback port chosen at run time. Without a token nobody can hold the API down —
// idle or half-sent connections, huge announced bodies and malformed requests each get a
// definite answer within the read timeout and cost no memory — and 1,000 concurrent clients all
// get answers. The health probes answer without a token and say nothing more than their verdict.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>

#include "host/server/admin_api.h"
#include "tests/testing/proc_status.h"
#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::kServeToken;
using testing::RawSocket;
using testing::ServeHarness;
using testing::status_of;

constexpr int kReadTimeoutSeconds = 1;  // header and body

// Resident memory of a process, in KiB.
size_t resident_kib(pid_t pid) { return testing::proc_status_kib(pid, "VmRSS"); }

std::string authorization() { return std::string("Authorization: Bearer ") + kServeToken + "\r\n"; }

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_.write_config(
        {serve_.ledger_connector("led")},
        R"("api": {"token": "${file:token}", "limits": {"header_timeout_seconds": )" +
            std::to_string(kReadTimeoutSeconds) + R"(, "body_timeout_seconds": )" +
            std::to_string(kReadTimeoutSeconds) + "}}");
    serve_.start();
  }

  // The status of the answer to `raw` on a fresh connection, and how long it took.
  std::pair<int, std::chrono::milliseconds> answer_to(const std::string& raw) {
    auto began = std::chrono::steady_clock::now();
    RawSocket s(serve_.port());
    s.send(raw);
    int status = status_of(s.read_response(10s));
    return {status, std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - began)};
  }

  ServeHarness serve_;
};

TEST_F(AdminServerTest, HealthAndReadyAnswerWithoutATokenAndNothingElseDoes) {
  auto health = serve_.call("GET", "/v1/health", "", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::serialize(health.body), R"({"status":"ok"})");
  auto ready = serve_.call("GET", "/v1/ready", "", "");
  EXPECT_EQ(ready.status, 200) << ready.raw;
  EXPECT_EQ(ready.body.at("status").as_string(), "ready");
  EXPECT_EQ(ready.body.at("checks").at("store").as_string(), "ok");
  RawSocket head(serve_.port());  // some load balancers probe with HEAD
  head.send("HEAD /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head.read_response(2s)), 200);
  EXPECT_EQ(serve_.call("GET", "/v1/connectors", "", "").status, 401);
  EXPECT_EQ(serve_.call("POST", "/v1/health", "", "").status, 401);
  EXPECT_EQ(serve_.call("GET", "/v1/runs", "", "wrong-token").status, 401);
  EXPECT_EQ(serve_.call("GET", "/v1/runs").status, 200);
}

TEST_F(AdminServerTest, MalformedRequestsGetTheirAnswerWithinTheReadTimeout) {
  const auto bound = std::chrono::seconds(kReadTimeoutSeconds) + 1s;
  struct Case {
    std::string name;
    std::string raw;
    int status;
  };
  std::vector<Case> cases{
      {"garbage request line", "GARBAGE\r\n\r\n", 400},
      {"HTTP/0.9", "GET /v1/runs\r\n\r\n", 400},
      {"negative length",
       "POST /v1/usage HTTP/1.1\r\n" + authorization() + "Content-Length: -5\r\n\r\n", 400},
      {"bad chunk",
       "POST /v1/usage HTTP/1.1\r\n" + authorization() + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
       400},
      {"100 KB header",
       "GET /v1/runs HTTP/1.1\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n", 431},
      {"usage without a length", "POST /v1/usage HTTP/1.1\r\n" + authorization() + "\r\n", 411},
      {"headers never end", "GET /v1/runs HTTP/1.1\r\nHost: x\r\n", 408},
      {"body never ends",
       "PUT /v1/connectors/led/credentials HTTP/1.1\r\n" + authorization() +
           "Content-Length: 100\r\n\r\n{",
       408},
  };
  for (const auto& c : cases) {
    auto [status, took] = answer_to(c.raw);
    EXPECT_EQ(status, c.status) << c.name;
    EXPECT_LT(took, bound) << c.name;
  }
  EXPECT_EQ(answer_to("GET /v1/health HTTP/1.1\r\n\r\n").first, 200);
}

TEST_F(AdminServerTest, OversizedBodiesGet413AnswersNotResets) {
  RawSocket usage(serve_.port());
  usage.send("POST /v1/usage HTTP/1.1\r\n" + authorization() + "Content-Length: 104857600\r\n\r\n");
  usage.send_for(std::string(1 << 20, 'x'), 200ms);
  EXPECT_EQ(status_of(usage.read_response(5s)), 413);

  // Every other endpoint takes at most 64 KiB.
  RawSocket credentials(serve_.port());
  credentials.send("PUT /v1/connectors/led/credentials HTTP/1.1\r\n" + authorization() +
                   "Content-Length: 100000\r\n\r\n");
  EXPECT_EQ(status_of(credentials.read_response(5s)), 413);
}

TEST_F(AdminServerTest, IdleAndHalfSentConnectionsDoNotBlockAnAuthenticatedRequest) {
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 64; ++i) held.push_back(std::make_unique<RawSocket>(serve_.port()));
  for (int i = 0; i < 64; ++i) {
    held.push_back(std::make_unique<RawSocket>(serve_.port()));
    held.back()->send("POST /v1/usage HTTP/1.1\r\nHost: x\r\n");  // and never the rest
  }
  auto began = std::chrono::steady_clock::now();
  auto reply = serve_.call("GET", "/v1/runs");
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(reply.status, 200);
  EXPECT_LT(took, 1s);
  std::cout << "authenticated request with " << held.size()
            << " idle or half-sent connections open: answered in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
            << std::endl;
}

TEST_F(AdminServerTest, UnfinishedLargeUnauthenticatedBodiesAreRefusedBeforeTheyAreRead) {
  pid_t pid = serve_.process().pid();
  size_t before = resident_kib(pid);
  std::vector<std::unique_ptr<RawSocket>> uploads;
  for (int i = 0; i < 8; ++i) {
    uploads.push_back(std::make_unique<RawSocket>(serve_.port()));
    uploads.back()->send(
        "POST /v1/usage HTTP/1.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 62914560\r\n\r\n");                     // 60 MiB announced
    uploads.back()->send_for(std::string(1 << 20, '['), 100ms);  // 1 MiB sent, then it stalls
  }
  int refused = 0;
  for (auto& u : uploads) refused += status_of(u->read_response(3s)) == 401 ? 1 : 0;
  size_t after = resident_kib(pid);
  EXPECT_EQ(refused, 8);
  EXPECT_LT(after, before + 16 * 1024)
      << "resident memory grew from " << before << " KiB to " << after << " KiB";
  std::cout << "8 unfinished 60 MiB unauthenticated uploads: " << refused
            << " refused with 401; resident memory " << before / 1024 << " MiB before, "
            << after / 1024 << " MiB after" << std::endl;
}

TEST_F(AdminServerTest, AThousandConcurrentClientsAllGetAnswers) {
  const size_t clients = 1000;
  std::string request = "GET /v1/runs?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + authorization() +
                        "Connection: close\r\n\r\n";
  auto began = std::chrono::steady_clock::now();
  auto result = testing::concurrent_requests(serve_.port(), clients, request, 60s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  std::ostringstream statuses;
  for (const auto& [status, n] : result.by_status) statuses << " " << status << ": " << n;
  std::cout << "admin API under " << clients << " concurrent clients: answered " << result.answered
            << "/" << result.sent << " in " << took.count() << " ms (" << statuses.str().substr(1)
            << ")" << std::endl;
  EXPECT_EQ(result.answered, result.sent);
  EXPECT_EQ(result.by_status[200], clients);
}

// Readiness says which part is unusable, never why: the probe needs no token.
TEST(AdminApiReady, Is503WhenTheStoreIsUnusable) {
  testing::TempDir dir;
  dir.write("not-a-folder", "x");
  std::filesystem::create_directories(dir / "plugins");
  ::chmod((dir / "plugins").c_str(), 0755);
  auto config = dir.write(
      "mb.json", R"({"state": {"path": "not-a-folder/mb.db"}, "plugins": {"dir": "plugins"},
                                         "connectors": []})");
  app::GlobalOptions options;
  options.config_path = config.string();
  std::ostringstream out, err;
  app::App app(options, out, err);
  server::RunGate gate;
  server::AdminApi api(app, {.token = "a-token"}, gate);
  server::ApiRequest ready;
  ready.method = "GET";
  ready.path = "/v1/ready";
  ready.segments = {"v1", "ready"};
  EXPECT_FALSE(api.admit(ready).answer.has_value());  // admitted without a token
  server::ApiResponse r = api.handle(ready);
  EXPECT_EQ(r.status, 503);
  json::value body = json::parse(r.body);
  EXPECT_EQ(body.at("status").as_string(), "not_ready");
  EXPECT_EQ(body.at("checks").at("config").as_string(), "ok");
  EXPECT_EQ(body.at("checks").at("store").as_string(), "failed");
  EXPECT_EQ(r.body.find("not-a-folder"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace mb
