// The admin API's HTTP server on its own, on a loopback port chosen at run time, with short
// timeouts and small limits so each abuse is answered within a test's patience: every malformed,
// slow or excess request gets its status code, never a hang or a reset; admission decides before
// any body byte is read; a long handler never delays the quick lane.
#include "host/server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/testing/raw_socket.h"

namespace mb::server {
namespace {

using namespace std::chrono_literals;
using testing::RawSocket;
using testing::status_of;

constexpr auto kHeaderTimeout = 400ms;
constexpr auto kBodyTimeout = 600ms;

// A switch a long handler waits on, so a test decides when it ends.
class Gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerLimits limits = {},
             std::chrono::milliseconds header_timeout = kHeaderTimeout) {
    limits.header_timeout = header_timeout;
    limits.body_timeout = kBodyTimeout;
    HttpServerOptions options;
    options.limits = limits;
    auto admit = [this](const ApiRequest& head) {
      Admission a;
      a.max_body_bytes = 1024;
      if (head.path == "/refuse")
        a.answer = ApiResponse{401, "application/json", R"({"refused":true})", {}};
      if (head.path == "/needs-body") a.body_required = true;
      if (head.path.rfind("/long", 0) == 0) a.lane = HandlerLane::kLong;
      return a;
    };
    auto handler = [this](const ApiRequest& request) {
      ++handled_;
      if (request.path.rfind("/long", 0) == 0) {
        ++long_started_;
        long_gate_.wait();
      }
      return ApiResponse{
          200, "text/plain", request.method + " " + request.path + " " + request.body, {}};
    };
    auto started = HttpServer::start(options, admit, handler);
    ASSERT_TRUE(started) << started.status().message();
    server_ = std::move(*started);
  }

  void TearDown() override {
    long_gate_.open();
    if (server_) server_->stop();
  }

  // Sends `raw` on a fresh connection and returns the status of the answer.
  int answer_to(const std::string& raw, std::chrono::milliseconds timeout = 3s) {
    RawSocket s(server_->port());
    s.send(raw);
    return status_of(s.read_response(timeout));
  }

  std::unique_ptr<HttpServer> server_;
  std::atomic<int> handled_{0};
  std::atomic<int> long_started_{0};
  Gate long_gate_;
};

TEST_F(HttpServerTest, AnswersAWellFormedRequestAndKeepsTheConnectionAlive) {
  start();
  RawSocket s(server_->port());
  s.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  std::string first = s.read_response();
  EXPECT_EQ(status_of(first), 200);
  EXPECT_NE(first.find("POST /echo hello"), std::string::npos) << first;
  s.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(s.read_response()), 200);
}

TEST_F(HttpServerTest, AHeadRequestGetsTheHeadersOnly) {
  start();
  RawSocket s(server_->port());
  s.send("HEAD /probe HTTP/1.1\r\n\r\n");
  // The headers announce what GET would send; no body follows them.
  std::string head = s.read_response(150ms);  // less than the idle timeout
  EXPECT_EQ(status_of(head), 200);
  EXPECT_NE(head.find("Content-Length: 12"), std::string::npos) << head;  // "HEAD /probe "
  EXPECT_EQ(head.find("\r\n\r\n") + 4, head.size()) << head;
  s.send("GET /next HTTP/1.1\r\n\r\n");
  std::string next = s.read_response();
  EXPECT_EQ(status_of(next), 200);
  EXPECT_NE(next.find("GET /next"), std::string::npos) << next;
}

TEST_F(HttpServerTest, MalformedRequestsGet400AtOnce) {
  start();
  EXPECT_EQ(answer_to("GARBAGE\r\n\r\n"), 400);
  EXPECT_EQ(answer_to("GET /\r\n\r\n"), 400);                                     // HTTP/0.9
  EXPECT_EQ(answer_to(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00", 8)), 400);  // a TLS hello
  EXPECT_EQ(answer_to("POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n"), 400);
  EXPECT_EQ(answer_to("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"), 400);
  EXPECT_EQ(answer_to("GET /x HTTP/2.0\r\n\r\n"), 400);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, OversizedRequestLineGets414AndOversizedHeadersGet431) {
  start();
  EXPECT_EQ(answer_to("GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(answer_to("GET /" + std::string(100000, 'a') + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(answer_to("GET /x HTTP/1.1\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n"), 431);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(answer_to("GET /x HTTP/1.1\r\n" + many + "\r\n"), 431);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, APartialRequestGets408WithinTheReadTimeout) {
  start();
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(answer_to("GET /x HTTP/1.1\r\nHost: x\r\n"), 408);  // headers never end
  EXPECT_EQ(answer_to("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part"),
            408);  // body never ends
  EXPECT_EQ(answer_to("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"), 408);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3 * (kBodyTimeout + 300ms));
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedSilently) {
  start();
  RawSocket idle(server_->port());
  EXPECT_TRUE(idle.closed_by_peer(kHeaderTimeout + 1s));
  RawSocket kept(server_->port());
  kept.send("GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(kept.read_response()), 200);
  EXPECT_TRUE(kept.closed_by_peer(kHeaderTimeout + 1s));  // idle after its answer
}

TEST_F(HttpServerTest, ABodyWithoutALengthGets411WhereOneIsNeeded) {
  start();
  EXPECT_EQ(answer_to("POST /needs-body HTTP/1.1\r\n\r\n"), 411);
  EXPECT_EQ(answer_to("POST /needs-body HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), 200);
  EXPECT_EQ(answer_to("POST /optional HTTP/1.1\r\n\r\n"), 200);
}

TEST_F(HttpServerTest, ABodyOverTheLimitGets413WithoutBeingRead) {
  start();
  RawSocket announced(server_->port());
  announced.send("POST /x HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n");
  // The client goes on sending; the answer arrives anyway, not a reset.
  announced.send_for(std::string(1 << 20, 'x'), 200ms);
  EXPECT_EQ(status_of(announced.read_response(2s)), 413);
  EXPECT_EQ(answer_to("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                      std::string(2048, 'y') + "\r\n0\r\n\r\n"),
            413);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, AdmissionAnswersFromTheHeadersBeforeAnyBodyByteIsRead) {
  start();
  RawSocket s(server_->port());
  s.send(
      "POST /refuse HTTP/1.1\r\nContent-Length: 62914560\r\n\r\n");  // 60 MiB announced, none sent
  std::string reply = s.read_response(1s);
  EXPECT_EQ(status_of(reply), 401);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, ExpectContinueGetsTheBodyOnlyWhenAdmitted) {
  start();
  RawSocket admitted(server_->port());
  admitted.send("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(status_of(admitted.read_response(1s)), 100);
  admitted.send("abc");
  EXPECT_EQ(status_of(admitted.read_response(1s)), 200);
  RawSocket refused(server_->port());
  refused.send("POST /refuse HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(status_of(refused.read_response(1s)), 401);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapGet503NotAReset) {
  HttpServerLimits limits;
  limits.max_connections = 4;
  start(limits, 10s);  // the held connections stay open for the whole test
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawSocket>(server_->port()));
  for (int i = 0; i < 50 && server_->open_connections() < 4; ++i) std::this_thread::sleep_for(10ms);
  RawSocket extra(server_->port());
  extra.send("GET /x HTTP/1.1\r\n\r\n");
  std::string reply = extra.read_response(2s);
  EXPECT_EQ(status_of(reply), 503);
  EXPECT_NE(reply.find("Retry-After"), std::string::npos) << reply;
  held.clear();  // the held connections close; the server serves again
  for (int i = 0; i < 100 && server_->open_connections() > 1; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(answer_to("GET /x HTTP/1.1\r\n\r\n"), 200);
}

TEST_F(HttpServerTest, ALongHandlerDoesNotDelayTheQuickLane) {
  HttpServerLimits limits;
  limits.long_workers = 2;
  start(limits);
  std::vector<std::unique_ptr<RawSocket>> long_calls;
  for (int i = 0; i < 2; ++i) {
    long_calls.push_back(std::make_unique<RawSocket>(server_->port()));
    long_calls.back()->send("POST /long HTTP/1.1\r\n\r\n");
  }
  for (int i = 0; i < 200 && long_started_ < 2; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(long_started_, 2);
  for (int i = 0; i < 20; ++i) {
    auto began = std::chrono::steady_clock::now();
    EXPECT_EQ(answer_to("GET /runs HTTP/1.1\r\n\r\n"), 200);
    EXPECT_LT(std::chrono::steady_clock::now() - began, 500ms);
  }
  long_gate_.open();
  for (auto& c : long_calls) EXPECT_EQ(status_of(c->read_response()), 200);
}

TEST_F(HttpServerTest, AFullLongLaneAnswers503) {
  HttpServerLimits limits;
  limits.long_workers = 1;
  limits.max_queued_long = 1;
  start(limits);
  RawSocket running(server_->port()), queued(server_->port()), refused(server_->port());
  running.send("POST /long/1 HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 200 && long_started_ < 1; ++i) std::this_thread::sleep_for(5ms);
  queued.send("POST /long/2 HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  refused.send("POST /long/3 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(refused.read_response(2s)), 503);
  long_gate_.open();
  EXPECT_EQ(status_of(running.read_response()), 200);
  EXPECT_EQ(status_of(queued.read_response()), 200);
}

TEST_F(HttpServerTest, DrainStopsAcceptingAndLetsRunningHandlersAnswer) {
  start();
  RawSocket running(server_->port());
  running.send("POST /long HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 200 && long_started_ < 1; ++i) std::this_thread::sleep_for(5ms);
  RawSocket idle(server_->port());
  server_->drain();
  EXPECT_TRUE(idle.closed_by_peer(1s));
  EXPECT_FALSE(server_->wait_idle(std::chrono::steady_clock::now() + 100ms));
  long_gate_.open();
  std::string reply = running.read_response(2s);
  EXPECT_EQ(status_of(reply), 200);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_TRUE(server_->wait_idle(std::chrono::steady_clock::now() + 2s));
  EXPECT_THROW(RawSocket refused(server_->port()), std::runtime_error);  // no longer listening
}

TEST(HttpServerHeartbeat, BeatsOnTheIoThreadUntilStopped) {
  std::atomic<int> beats{0};
  HttpServerOptions options;
  options.heartbeat_interval = 10ms;
  options.heartbeat = [&beats] { ++beats; };
  auto server = HttpServer::start(options, {}, [](const ApiRequest&) { return ApiResponse{}; });
  ASSERT_TRUE(server.ok()) << server.status().message();
  for (int i = 0; i < 200 && beats < 3; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_GE(beats.load(), 3);
  (*server)->stop();  // returns: the pending beat does not keep the I/O loop alive
  int after_stop = beats.load();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(beats.load(), after_stop);
}

}  // namespace
}  // namespace mb::server
