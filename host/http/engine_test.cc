// The engine against the simulator's "test" platform on loopback (port chosen at run time).
// Time is judged from the simulator's own request timestamps with generous margins; nothing
// here asserts on the test's wall clock.
#include "host/http/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "host/common/json.h"
#include "host/common/logging.h"
#include "sim/core/simulator.h"

namespace mb::http {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

HttpPolicy fast_policy() {
  HttpPolicy p;
  p.max_concurrency = 4;
  p.max_retries = 3;
  p.backoff_base = milliseconds(20);
  p.backoff_max = milliseconds(200);
  p.connect_timeout = milliseconds(5000);
  p.total_timeout = milliseconds(10000);
  return p;
}

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.url = url;
  return r;
}

HttpRequest post(const std::string& url, std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.body = std::move(body);
  r.idempotent = false;
  r.headers = {{"Content-Type", "application/json"}};
  return r;
}

class EngineTest : public ::testing::Test {
 protected:
  void start(sim::SimOptions options = {}) {
    sim_ = sim::Simulator::start("test", options);
    base_ = sim_->base_url();
  }

  std::shared_ptr<HttpClient> client(HttpPolicy policy = fast_policy(),
                                     std::vector<std::string> secrets = {}) {
    auto c = engine_.make_client("test-connector", std::move(policy), std::move(secrets));
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : nullptr;
  }

  HttpResponse run_one(HttpClient& c, HttpRequest request) {
    std::vector<HttpRequest> batch;
    batch.push_back(std::move(request));
    BatchOutcome out = c.execute(std::move(batch), nullptr);
    EXPECT_TRUE(out.status.ok()) << out.status.message();
    EXPECT_EQ(out.responses.size(), 1u);
    return out.responses.empty() ? HttpResponse{} : out.responses[0];
  }

  // A control call to the simulator (through a client of its own, so it is not counted).
  json::value control(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    if (!control_) control_ = client(fast_policy());
    HttpRequest r;
    r.method = method;
    r.url = base_ + path;
    r.body = body;
    HttpResponse res = run_one(*control_, r);
    EXPECT_EQ(res.status, 200) << path << ": " << res.body << res.error_message;
    auto parsed = mb::json::parse(res.body);
    return parsed.ok() ? *parsed : json::value();
  }

  void faults(const std::string& spec) { control("POST", "/_sim/faults", spec); }

  // Logged requests on `path` (exact target match up to the query), oldest first. The
  // simulator logs a request after writing its response, so a client can hold the response
  // before the entry exists: wait (boundedly) until at least `expected` entries are there.
  std::vector<json::object> logged(const std::string& path, size_t expected = 0) {
    std::vector<json::object> out = logged_now(path);
    for (int i = 0; i < 100 && out.size() < expected; ++i) {
      std::this_thread::sleep_for(milliseconds(20));
      out = logged_now(path);
    }
    return out;
  }

  std::vector<json::object> logged_now(const std::string& path) {
    std::vector<json::object> out;
    json::value log = control("GET", "/_sim/requests");
    for (const auto& entry : log.at("requests").as_array()) {
      const auto& o = entry.as_object();
      const std::string target(o.at("target").as_string());
      if (target.substr(0, target.find('?')) == path) out.push_back(o);
    }
    return out;
  }

  static int64_t gap_ms(const json::object& earlier, const json::object& later) {
    return (later.at("start_us").to_number<int64_t>() - earlier.at("end_us").to_number<int64_t>()) /
           1000;
  }

  HttpEngine engine_;
  std::unique_ptr<sim::Simulator> sim_;
  std::string base_;
  std::shared_ptr<HttpClient> control_;
};

// ---- Retries ---------------------------------------------------------------------------------

TEST_F(EngineTest, RetryAfterSecondsIsHonouredEvenForPost) {
  start();
  faults("429:count=1,retry_after=1,path=/api/echo");
  auto c = client();
  HttpResponse res = run_one(*c, post(base_ + "/api/echo", R"({"n":1})"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.attempts, 2);
  auto log = logged("/api/echo", 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].at("status").to_number<int>(), 429);
  EXPECT_GE(gap_ms(log[0], log[1]), 900);  // Retry-After: 1 (s), not the 20 ms backoff
}

TEST_F(EngineTest, RetryAfterHttpDateIsHonoured) {
  start();
  faults("503:count=1,retry_after=2,retry_after_format=http-date,path=/api/echo");
  auto c = client();
  HttpResponse res = run_one(*c, get(base_ + "/api/echo"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.attempts, 2);
  auto log = logged("/api/echo", 2);
  ASSERT_EQ(log.size(), 2u);
  // The date has whole seconds, so "now + 2 s" waits between 1 and 2 s.
  EXPECT_GE(gap_ms(log[0], log[1]), 900);
}

TEST_F(EngineTest, RetryAfterBeyondTheMaximumIsReturnedToTheCaller) {
  start();
  faults("429:count=1,retry_after=3600,path=/api/echo");
  HttpPolicy p = fast_policy();
  p.retry_after_max = milliseconds(60000);
  auto c = client(p);
  HttpResponse res = run_one(*c, get(base_ + "/api/echo"));
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.attempts, 1);
  EXPECT_EQ(res.retry_after_ms, 3600000);
}

TEST_F(EngineTest, ServerErrorsAreRetriedWithGrowingBackoff) {
  start();
  faults("503:count=3,path=/api/echo");
  HttpPolicy p = fast_policy();
  p.backoff_base = milliseconds(100);
  p.backoff_max = milliseconds(1000);
  auto c = client(p);
  HttpResponse res = run_one(*c, get(base_ + "/api/echo"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.attempts, 4);
  auto log = logged("/api/echo", 4);
  ASSERT_EQ(log.size(), 4u);
  // Equal jitter: retry n waits at least half of 100 ms * 2^(n-1).
  EXPECT_GE(gap_ms(log[0], log[1]), 45);
  EXPECT_GE(gap_ms(log[1], log[2]), 95);
  EXPECT_GE(gap_ms(log[2], log[3]), 195);
  HttpCounters counters = c->counters();
  EXPECT_EQ(counters.total().retries, 3u);
  EXPECT_EQ(counters.total().status_5xx, 3u);
}

TEST_F(EngineTest, ServerErrorIsNotRetriedForNonIdempotentRequests) {
  start();
  faults("503:count=1,path=/api/echo");
  auto c = client();
  HttpResponse res = run_one(*c, post(base_ + "/api/echo", "{}"));
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.attempts, 1);
}

// A platform's throttling refusal may arrive as a 500; the policy recognises it by its text.
TEST_F(EngineTest, ThrottlingRecognisedByBodyTextIsRetriedEvenForPost) {
  start();
  faults("throttle:count=1,status=500,method=POST,path=/api/items");
  HttpPolicy p = fast_policy();
  p.throttle_body_markers = {"concurrency_limit"};
  auto c = client(p);
  HttpRequest create = post(base_ + "/api/items", R"({"name":"Gadget","quantity":2})");
  create.headers.emplace_back("Authorization", "Bearer test-token");
  HttpResponse res = run_one(*c, create);
  EXPECT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.attempts, 2);
  auto log = logged("/api/items", 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].at("status").to_number<int>(), 500);
  EXPECT_GE(gap_ms(log[0], log[1]), 900);  // its Retry-After: 1
  EXPECT_EQ(c->counters().total().throttled, 1u);
}

TEST_F(EngineTest, WithoutMarkersA500OnPostIsReturned) {
  start();
  faults("throttle:count=1,status=500,method=POST,path=/api/items");
  auto c = client();
  HttpRequest create = post(base_ + "/api/items", R"({"name":"Gadget","quantity":2})");
  create.headers.emplace_back("Authorization", "Bearer test-token");
  HttpResponse res = run_one(*c, create);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.attempts, 1);
}

TEST_F(EngineTest, RetriesRunOut) {
  start();
  faults("500:path=/api/echo");
  HttpPolicy p = fast_policy();
  p.max_retries = 2;
  auto c = client(p);
  HttpResponse res = run_one(*c, get(base_ + "/api/echo"));
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.attempts, 3);
  EXPECT_EQ(logged("/api/echo", 3).size(), 3u);
}

// ---- Timeouts and resets ---------------------------------------------------------------------

TEST_F(EngineTest, TimeoutFires) {
  start();
  faults("delay:delay_ms=3000,path=/api/echo");
  HttpPolicy p = fast_policy();
  p.max_retries = 0;
  auto c = client(p);
  HttpRequest r = get(base_ + "/api/echo");
  r.timeout = milliseconds(200);
  HttpResponse res = run_one(*c, r);
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error_class, ErrorClass::kRetry);
  EXPECT_THAT(res.error_message, HasSubstr("timed out after 200 ms"));
  EXPECT_TRUE(res.maybe_sent);
  EXPECT_EQ(c->counters().total().transport_errors, 1u);
}

TEST_F(EngineTest, ResetMidBodyIsRetriedForIdempotentRequests) {
  start();
  faults("reset:count=1,after_body_bytes=10,path=/api/echo");
  auto c = client();
  HttpResponse res = run_one(*c, get(base_ + "/api/echo?x=1"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.attempts, 2);
  auto log = logged("/api/echo", 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(std::string(log[0].at("outcome").as_string()), "reset");
}

TEST_F(EngineTest, ResetMidBodyIsReportedForNonIdempotentRequests) {
  start();
  faults("reset:count=1,after_body_bytes=10,path=/api/echo");
  auto c = client();
  HttpResponse res = run_one(*c, post(base_ + "/api/echo", R"({"quantity":5})"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.attempts, 1);
  EXPECT_EQ(res.error_class, ErrorClass::kRetry);
  EXPECT_TRUE(res.maybe_sent);  // the plugin must re-read before deciding
  EXPECT_THAT(res.error_message, HasSubstr("response body"));
  EXPECT_EQ(logged("/api/echo", 1).size(), 1u);
}

TEST_F(EngineTest, ConnectFailureIsRetriedAndReportedAsNotSent) {
  start();
  const std::string dead = base_;  // a port nobody listens on once the simulator stops
  sim_->stop();
  HttpPolicy p = fast_policy();
  p.max_retries = 1;
  auto c = client(p);
  HttpResponse res = run_one(*c, post(dead + "/api/echo", "{}"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.attempts, 2);  // nothing was sent, so even a POST is retried
  EXPECT_EQ(res.error_class, ErrorClass::kRetry);
  EXPECT_FALSE(res.maybe_sent);
}

// ---- Limits and pooling ----------------------------------------------------------------------

TEST_F(EngineTest, ResponsesComeBackInRequestOrder) {
  start();
  auto c = client();
  std::vector<HttpRequest> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(get(base_ + "/api/echo?i=" + std::to_string(i)));
  BatchOutcome out = c->execute(std::move(batch), nullptr);
  ASSERT_TRUE(out.status.ok());
  ASSERT_EQ(out.responses.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(out.responses[i].status, 200);
    EXPECT_THAT(out.responses[i].body, HasSubstr("i=" + std::to_string(i) + "\""))
        << "response " << i;
  }
}

TEST_F(EngineTest, ConcurrencyLimitIsNeverExceeded) {
  sim::SimOptions options;
  options.latency_ms = 30;
  start(options);
  HttpPolicy p = fast_policy();
  p.max_concurrency = 3;
  auto c = client(p);
  std::vector<HttpRequest> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(get(base_ + "/api/echo?i=" + std::to_string(i)));
  BatchOutcome out = c->execute(std::move(batch), nullptr);
  ASSERT_TRUE(out.status.ok());
  for (const auto& r : out.responses) EXPECT_EQ(r.status, 200);
  json::value log = control("GET", "/_sim/requests?limit=1");
  const int64_t max_in_flight = log.at("max_in_flight").to_number<int64_t>();
  EXPECT_LE(max_in_flight, 3);
  EXPECT_GE(max_in_flight, 2);  // and the batch did run concurrently
  EXPECT_LE(c->counters().max_in_flight, 3);
}

TEST_F(EngineTest, PerEndpointLimitIsNeverExceeded) {
  sim::SimOptions options;
  options.latency_ms = 30;
  start(options);
  control("POST", "/_sim/settings", R"({"items_concurrency_limit":2})");
  HttpPolicy p = fast_policy();
  p.max_concurrency = 6;
  p.per_endpoint_concurrency = 2;  // a platform limiting requests in flight per resource
  auto c = client(p);
  std::vector<HttpRequest> batch;
  for (int i = 0; i < 12; ++i) {
    HttpRequest items = get(base_ + "/api/items/1");
    items.headers = {{"Authorization", "Bearer test-token"}};
    items.endpoint = "items";
    batch.push_back(items);
    HttpRequest echo = get(base_ + "/api/echo");
    echo.endpoint = "echo";
    batch.push_back(echo);
  }
  BatchOutcome out = c->execute(std::move(batch), nullptr);
  ASSERT_TRUE(out.status.ok());
  for (const auto& r : out.responses) EXPECT_EQ(r.status, 200) << r.body;  // never throttled
  json::value stats = control("GET", "/_sim/stats");
  EXPECT_LE(stats.at("endpoints").at("items").at("max_in_flight").to_number<int64_t>(), 2);
  EXPECT_LE(stats.at("endpoints").at("echo").at("max_in_flight").to_number<int64_t>(), 2);
  EXPECT_GE(stats.at("max_in_flight").to_number<int64_t>(), 3);  // endpoints overlap
  auto counters = c->counters();
  EXPECT_EQ(counters.endpoints["items"].requests, 12u);
  EXPECT_EQ(counters.endpoints["echo"].requests, 12u);
}

TEST_F(EngineTest, KeepAliveConnectionsAreReused) {
  start();
  HttpPolicy p = fast_policy();
  p.max_concurrency = 2;
  auto c = client(p);
  for (int round = 0; round < 5; ++round) {
    std::vector<HttpRequest> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(get(base_ + "/api/echo"));
    BatchOutcome out = c->execute(std::move(batch), nullptr);
    ASSERT_TRUE(out.status.ok());
  }
  json::value log = control("GET", "/_sim/requests?limit=1");
  // 100 requests; the control client adds its own connection(s).
  EXPECT_LE(log.at("connections").to_number<int64_t>(), 5);
  HttpCounters counters = c->counters();
  EXPECT_LE(counters.connections_opened, 2u);
  EXPECT_GE(counters.connections_reused, 98u);
}

TEST_F(EngineTest, StaleKeepAliveConnectionIsNotReused) {
  start();
  faults("close:count=1,path=/api/echo");
  auto c = client();
  EXPECT_EQ(run_one(*c, get(base_ + "/api/echo")).status, 200);
  // The server closed the connection silently; give the FIN time to arrive.
  std::this_thread::sleep_for(milliseconds(100));
  HttpResponse res = run_one(*c, post(base_ + "/api/echo", "{}"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.attempts, 1);
  EXPECT_EQ(c->counters().connections_opened, 2u);
}

TEST_F(EngineTest, RateLimitSpacesRequests) {
  start();
  HttpPolicy p = fast_policy();
  p.requests_per_second = 20;  // one every 50 ms
  p.burst = 1;
  auto c = client(p);
  std::vector<HttpRequest> batch;
  for (int i = 0; i < 6; ++i) batch.push_back(get(base_ + "/api/echo"));
  ASSERT_TRUE(c->execute(std::move(batch), nullptr).status.ok());
  auto log = logged("/api/echo", 6);
  ASSERT_EQ(log.size(), 6u);
  const int64_t span_us = log.back().at("start_us").to_number<int64_t>() -
                          log.front().at("start_us").to_number<int64_t>();
  EXPECT_GE(span_us / 1000, 200);  // 5 intervals of 50 ms, with margin
}

// ---- Budget and cancellation -----------------------------------------------------------------

TEST_F(EngineTest, HourlyBudgetStopsTheRunCleanly) {
  start();
  HttpPolicy p = fast_policy();
  p.hourly_budget = 5;
  auto c = client(p);
  std::vector<HttpRequest> first(3, get(base_ + "/api/echo"));
  ASSERT_TRUE(c->execute(first, nullptr).status.ok());
  std::vector<HttpRequest> second(3, get(base_ + "/api/echo"));
  BatchOutcome out = c->execute(second, nullptr);
  EXPECT_EQ(out.status.code(), ErrorClass::kRateLimited);
  EXPECT_THAT(out.status.message(), HasSubstr("request budget exhausted (5/hour), resumes at "));
  EXPECT_GT(out.status.retry_after_ms(), 3500000u);
  EXPECT_EQ(logged("/api/echo", 3).size(), 3u);  // nothing of the second batch was sent
  EXPECT_EQ(c->counters().budget_used, 3);
}

// Two connectors on one platform tenant share one budget: what one spends, the other cannot.
TEST_F(EngineTest, ClientsGivenOneBudgetCountAgainstItTogether) {
  start();
  HttpPolicy p = fast_policy();
  p.hourly_budget = 5;
  auto tenant = make_local_request_budget(5);
  auto first = engine_.make_client("tenant-a-1", p, {}, tenant);
  auto second = engine_.make_client("tenant-a-2", p, {}, tenant);
  ASSERT_TRUE(first && second);
  std::vector<HttpRequest> three(3, get(base_ + "/api/echo"));
  ASSERT_TRUE((*first)->execute(three, nullptr).status.ok());
  BatchOutcome out = (*second)->execute(three, nullptr);
  EXPECT_EQ(out.status.code(), ErrorClass::kRateLimited);
  EXPECT_EQ(logged("/api/echo", 3).size(), 3u);  // the second connector sent nothing
  EXPECT_EQ((*second)->counters().budget_used, 3);
  // A client of its own keeps a count of its own.
  auto other = engine_.make_client("tenant-b", p);
  ASSERT_TRUE(other);
  EXPECT_TRUE((*other)->execute(three, nullptr).status.ok());
}

TEST_F(EngineTest, CancelledBeforeStartSendsNothing) {
  start();
  auto c = client();
  std::atomic<bool> cancelled{true};
  std::vector<HttpRequest> batch(4, get(base_ + "/api/echo"));
  BatchOutcome out = c->execute(batch, &cancelled);
  ASSERT_TRUE(out.status.ok());
  for (const auto& r : out.responses) {
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_class, ErrorClass::kRetry);
    EXPECT_EQ(r.error_message, "cancelled");
    EXPECT_EQ(r.attempts, 0);
  }
  EXPECT_TRUE(logged("/api/echo").empty());
}

TEST_F(EngineTest, CancellationStopsQueuedRequestsAndBackoffs) {
  sim::SimOptions options;
  options.latency_ms = 200;
  start(options);
  HttpPolicy p = fast_policy();
  p.max_concurrency = 1;
  auto c = client(p);
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancelled = true;
  });
  std::vector<HttpRequest> batch(5, get(base_ + "/api/echo"));
  BatchOutcome out = c->execute(batch, &cancelled);
  canceller.join();
  ASSERT_TRUE(out.status.ok());
  int done = 0, cancelled_count = 0;
  for (const auto& r : out.responses) {
    if (r.status == 200) ++done;
    if (r.status == 0 && r.error_message == "cancelled") ++cancelled_count;
  }
  EXPECT_GE(cancelled_count, 1);
  EXPECT_EQ(done + cancelled_count, 5);
  EXPECT_LT(logged("/api/echo").size(), 5u);
}

// A 5-minute Retry-After pauses the client; cancelling ends every wait, and the engine then
// shuts down at once (the fixture destroys it) instead of sitting out the pause.
TEST_F(EngineTest, CancellationEndsALongRetryAfterPause) {
  start();
  faults("429:count=1,retry_after=300,path=/api/echo");
  HttpPolicy p = fast_policy();
  p.max_concurrency = 1;
  auto c = client(p);
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(300));
    cancelled = true;
  });
  std::vector<HttpRequest> batch(3, get(base_ + "/api/echo"));
  BatchOutcome out = c->execute(batch, &cancelled);
  canceller.join();
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.responses[0].attempts, 1);
  for (const auto& r : out.responses) EXPECT_EQ(r.error_message, "cancelled");
  EXPECT_EQ(logged("/api/echo", 1).size(), 1u);
}

// ---- Bad input -------------------------------------------------------------------------------

TEST_F(EngineTest, InvalidRequestsFailAloneAsConfigInvalid) {
  start();
  auto c = client();
  std::vector<HttpRequest> batch = {get(base_ + "/api/echo"), get("http://example.com/api"),
                                    get("not a url"), get(base_ + "/api/echo")};
  batch[3].headers = {{"X-Evil", "a\r\nInjected: yes"}};
  BatchOutcome out = c->execute(batch, nullptr);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.responses[0].status, 200);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(out.responses[i].status, 0);
    EXPECT_EQ(out.responses[i].error_class, ErrorClass::kConfigInvalid);
  }
  EXPECT_THAT(out.responses[1].error_message, HasSubstr("plain http"));
  EXPECT_EQ(logged("/api/echo", 1).size(), 1u);
}

// ---- TLS -------------------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mb-http-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(EngineTest, TlsWithSelfSignedCertificateNeedsItsCa) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string cert = dir.path() + "/cert.pem";
  const std::string key = dir.path() + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl CLI failed";
  sim::SimOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  start(options);
  ASSERT_EQ(base_.rfind("https://", 0), 0u) << base_;

  auto untrusting = client();
  HttpResponse refused = run_one(*untrusting, get(base_ + "/api/echo"));
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.error_class, ErrorClass::kFatal);
  EXPECT_THAT(refused.error_message, HasSubstr("TLS certificate verification failed"));
  EXPECT_EQ(refused.attempts, 1);
  EXPECT_FALSE(refused.maybe_sent);

  HttpPolicy p = fast_policy();
  p.ca_file = cert;
  auto trusting = client(p);
  HttpResponse ok = run_one(*trusting, get(base_ + "/api/echo"));
  EXPECT_EQ(ok.status, 200) << ok.error_message;

  HttpPolicy missing = fast_policy();
  missing.ca_file = dir.path() + "/missing.pem";
  auto bad = engine_.make_client("x", missing, {});
  EXPECT_EQ(bad.status().code(), ErrorClass::kConfigInvalid);
}

// ---- Redaction -------------------------------------------------------------------------------

class CapturedLog {
 public:
  CapturedLog() {
    previous_ = spdlog::default_logger();
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    set_log_sink_for_testing(sink_);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return stream_.str();
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(EngineTest, SecretsInHeadersAndBodiesNeverReachTheLog) {
  start();
  CapturedLog log;  // trace level: every line the engine can write
  const std::string header_secret = "hdr-S3cr3t-9f8e7d";
  const std::string body_secret = "body-S3cr3t-1a2b3c";
  const std::string integration_code = "INTEGRATION-CODE-42";
  // The connector's secrets are known to the client only, not to the process-wide registry,
  // so the engine's own masking is what is tested here.
  HttpPolicy masking = fast_policy();
  masking.masked_headers.insert(masking.masked_headers.end(), {"x-integration-code", "x-secret"});
  auto c = client(masking, {body_secret, integration_code});
  faults(
      "503:count=1,method=GET,path=/api/echo;"
      "reset:count=1,after_body_bytes=5,method=POST,path=/api/echo");

  HttpRequest g = get(base_ + "/api/echo?code=" + integration_code);
  g.headers = {{"Authorization", "Bearer " + header_secret},
               {"X-Integration-Code", integration_code},
               {"UserName", "api-user@example.com"}};
  HttpRequest p = post(base_ + "/api/echo", R"({"password":")" + body_secret + R"("})");
  p.headers.emplace_back("X-Secret", body_secret);
  BatchOutcome out = c->execute({g, p}, nullptr);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.responses[0].status, 200);  // after a logged retry
  EXPECT_EQ(out.responses[1].status, 0);    // reset: an error message was built
  // The echo really carried the secrets, so they were there to leak.
  EXPECT_THAT(out.responses[0].body, HasSubstr(header_secret));

  const std::string text = log.text();
  EXPECT_THAT(text, HasSubstr("retry 1/"));
  EXPECT_THAT(text, HasSubstr("Authorization: ***"));
  EXPECT_THAT(text, HasSubstr("api-user@example.com"));  // user names are not credentials
  EXPECT_THAT(text, Not(HasSubstr(header_secret)));
  EXPECT_THAT(text, Not(HasSubstr(body_secret)));
  EXPECT_THAT(text, Not(HasSubstr(integration_code)));
  EXPECT_THAT(out.responses[1].error_message, Not(HasSubstr(body_secret)));
}

}  // namespace
}  // namespace mb::http
