// The only translation unit that sees Beast and Asio (build time). Everything that can be
// decided without a socket (retry rules, token bucket, budget, URL checks, redaction, counters)
// lives in plain C++ under internal/ and is unit-tested there.
//
// Concurrency model: one io_context and a few threads per engine; one strand per client. Every
// request of a batch is a coroutine on its client's strand, so the client's scheduling state
// (limiter, queue, token bucket, pools) needs no lock. Only the hourly budget and the counters
// are touched from other threads, behind their own mutexes.
#include "host/http/engine.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "host/common/redaction.h"
#include "host/http/internal/concurrency_limiter.h"
#include "host/http/internal/redactor.h"
#include "host/http/internal/retry_rules.h"
#include "host/http/internal/target.h"
#include "host/http/internal/token_bucket.h"
#include "host/http/policy.h"
#include "host/http/request_metrics.h"
#include "host/http/retry_after.h"

namespace mb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- Engine core ---------------------------------------------------------------------------

class HttpEngine::Core {
 public:
  explicit Core(EngineOptions options)
      : options_(std::move(options)), guard_(asio::make_work_guard(io_)) {
    const int n = std::max(1, options_.threads);
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] { run(); });
    }
  }

  ~Core() { stop(); }

  // Lets the threads finish the work in hand (running batches), then joins them.
  void stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopped_ = true;
    guard_.reset();
    for (auto& t : threads_) {
      if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    }
    threads_.clear();
  }

  bool stopped() const { return stopped_.load(); }
  asio::io_context& io() { return io_; }
  const EngineOptions& options() const { return options_; }

  // One context per (verify, ca_file): contexts are expensive and thread-safe once set up.
  Result<std::shared_ptr<asio::ssl::context>> tls_context(bool verify, const std::string& ca_file) {
    std::lock_guard<std::mutex> lock(tls_mu_);
    auto key = std::make_pair(verify, ca_file);
    if (auto it = tls_.find(key); it != tls_.end()) return it->second;
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) spdlog::warn("http: cannot load the system CA store: {}", ec.message());
    if (!ca_file.empty()) {
      ctx->load_verify_file(ca_file, ec);
      if (ec) {
        return Status::ConfigInvalid("http.ca_file: cannot load '" + ca_file +
                                     "': " + ec.message());
      }
    }
    ctx->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
    tls_.emplace(key, ctx);
    return ctx;
  }

 private:
  void run() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: engine thread caught: {}", redact(e.what()));
      }
    }
  }

  EngineOptions options_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
  std::atomic<bool> stopped_{false};
  std::mutex tls_mu_;
  std::map<std::pair<bool, std::string>, std::shared_ptr<asio::ssl::context>> tls_;
};

namespace {

using Strand = asio::strand<asio::io_context::executor_type>;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Headers whose framing the engine owns.
bool engine_owned_header(std::string_view name) {
  const std::string n = lower(name);
  return n == "host" || n == "content-length" || n == "transfer-encoding";
}

// One keep-alive connection, plain or TLS.
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since;

  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // A pooled connection the server closed (or wrote to) while it sat idle is not reused: a
  // request written into it would fail in a way that looks like "maybe sent".
  bool looks_alive() {
    if (secure && SSL_pending(secure->native_handle()) > 0) return false;
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    char byte;
    socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    const bool alive = ec == asio::error::would_block;
    socket.non_blocking(false, ec);
    return alive;
  }

  void close() {
    boost::system::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
  }
};

// One request of a batch, as the engine runs it.
struct Op {
  bool valid = false;
  HttpRequest request;
  internal::Target target;
  std::string endpoint;
  std::vector<std::string> sensitive;         // this request's masked header values
  std::unique_ptr<asio::steady_timer> timer;  // admission wait and backoff sleep
  bool admitted = false;
  int attempts = 0;
};

struct Batch {
  std::vector<Op> ops;
  std::vector<HttpResponse> responses;
  const std::atomic<bool>* cancelled = nullptr;

  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;

  bool is_cancelled() const { return cancelled != nullptr && cancelled->load(); }
  void finish_one() {
    std::lock_guard<std::mutex> lock(mu);
    if (--remaining == 0) cv.notify_all();
  }
};

// What one attempt produced.
struct Exchange {
  int status = 0;
  Headers headers;
  std::string body;
  ErrorClass error_class = ErrorClass::kOk;
  std::string error_message;  // not yet redacted
  bool maybe_sent = false;
  bool reused = false;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;

  void fail(ErrorClass c, std::string message, bool sent) {
    error_class = c;
    error_message = std::move(message);
    maybe_sent = sent;
  }
};

std::optional<milliseconds> retry_after_of(const Exchange& ex) {
  for (const auto& [name, value] : ex.headers) {
    if (name == "retry-after") return parse_retry_after(value, std::chrono::system_clock::now());
  }
  return std::nullopt;
}

std::string describe_transport_error(const beast::error_code& ec, std::string_view phase,
                                     milliseconds timeout) {
  if (ec == beast::error::timeout) {
    return "timed out after " + std::to_string(timeout.count()) + " ms " + std::string(phase);
  }
  return std::string("connection failed ") + std::string(phase) + ": " + ec.message();
}

// ---- Client --------------------------------------------------------------------------------

class Client final : public HttpClient, public std::enable_shared_from_this<Client> {
 public:
  Client(std::shared_ptr<HttpEngine::Core> core, std::string connector_id, HttpPolicy policy,
         std::vector<std::string> secrets, std::shared_ptr<asio::ssl::context> tls,
         std::shared_ptr<RequestBudget> budget)
      : core_(std::move(core)),
        id_(std::move(connector_id)),
        policy_(std::move(policy)),
        redactor_(policy_.masked_headers, std::move(secrets)),
        tls_(std::move(tls)),
        strand_(asio::make_strand(core_->io())),
        limiter_(policy_.max_concurrency, policy_.per_endpoint_concurrency),
        bucket_(policy_.requests_per_second, policy_.burst, SteadyClock::now()),
        pump_timer_(strand_),
        rng_(std::random_device{}()),
        budget_(std::move(budget)),
        counters_(id_),
        metrics_(id_, policy_.hourly_budget) {}

  BatchOutcome execute(std::vector<HttpRequest> requests,
                       const std::atomic<bool>* cancelled) override;

  HttpCounters counters() const override {
    HttpCounters c = counters_.snapshot();
    auto used = budget_->used(std::chrono::system_clock::now());
    c.budget_used = used ? *used : 0;
    return c;
  }

 private:
  // Releases an admitted slot when an attempt ends, however it ends.
  class SlotRelease {
   public:
    SlotRelease(Client& c, const std::string& endpoint) : c_(c), endpoint_(endpoint) {}
    ~SlotRelease() {
      c_.limiter_.finish(endpoint_);
      c_.pump();
    }
    SlotRelease(const SlotRelease&) = delete;
    SlotRelease& operator=(const SlotRelease&) = delete;

   private:
    Client& c_;
    const std::string& endpoint_;
  };

  void prepare(HttpRequest request, Op& op, HttpResponse& response);
  asio::awaitable<void> run(std::shared_ptr<Client> self, std::shared_ptr<Batch> batch, size_t i);
  asio::awaitable<void> run_attempts(Batch& batch, Op& op, HttpResponse& out);
  asio::awaitable<bool> admit(Batch& batch, Op& op);
  asio::awaitable<bool> sleep(Batch& batch, Op& op, milliseconds delay);
  asio::awaitable<Exchange> attempt(Op& op);
  asio::awaitable<std::unique_ptr<Connection>> connect(Op& op, SteadyClock::time_point deadline,
                                                       Exchange& ex);
  template <typename Stream>
  asio::awaitable<bool> exchange(Stream& stream, Connection& conn, Op& op,
                                 SteadyClock::time_point deadline, milliseconds timeout,
                                 Exchange& ex);
  bhttp::request<bhttp::string_body> build_request(const Op& op) const;
  void finish(Op& op, Exchange& ex, const internal::RetryDecision& d, HttpResponse& out);
  void pump();
  void arm_pump_timer(SteadyClock::time_point when);
  std::unique_ptr<Connection> take_idle(const std::string& origin);
  void put_idle(const std::string& origin, std::unique_ptr<Connection> conn);
  bool take_retry_budget();
  bool throttled_by_body(const Exchange& ex) const;
  void log_attempt(const Op& op, const Exchange& ex, SteadyClock::duration elapsed) const;
  void log_retry(const Op& op, const Exchange& ex, milliseconds delay) const;
  std::string outcome_for_log(const Exchange& ex, const Op& op) const;

  const std::shared_ptr<HttpEngine::Core> core_;
  const std::string id_;
  const HttpPolicy policy_;
  const internal::Redactor redactor_;
  const std::shared_ptr<asio::ssl::context> tls_;
  Strand strand_;

  // Strand-only state.
  internal::ConcurrencyLimiter limiter_;
  internal::TokenBucket bucket_;
  std::deque<Op*> queue_;  // waiting for admission, oldest first
  SteadyClock::time_point paused_until_{};
  asio::steady_timer pump_timer_;
  bool pump_timer_armed_ = false;
  SteadyClock::time_point pump_deadline_{};
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  std::mt19937_64 rng_;

  const std::shared_ptr<RequestBudget> budget_;  // this client's, or shared (make_client)
  CounterRecorder counters_;
  RequestMetrics metrics_;  // the process's metrics (GET /metrics); counters_ is this client's
};

void Client::prepare(HttpRequest request, Op& op, HttpResponse& response) {
  auto reject = [&](std::string message) {
    response.error_class = ErrorClass::kConfigInvalid;
    response.error_message = redactor_.text(message, redactor_.sensitive_values(request.headers));
  };
  if (!is_token(request.method)) return reject("invalid HTTP method '" + request.method + "'");
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) return reject("invalid header name '" + name + "'");
    if (!is_field_value(value)) return reject("header '" + name + "' contains a line break");
  }
  auto target = internal::parse_target(request.url, policy_.allow_plain_http);
  if (!target) return reject(target.status().message() + ": " + request.url);
  op.target = std::move(target).value();
  op.endpoint = request.endpoint.empty() ? op.target.path : request.endpoint;
  op.sensitive = redactor_.sensitive_values(request.headers);
  op.request = std::move(request);
  op.timer = std::make_unique<asio::steady_timer>(strand_);
  op.valid = true;
}

BatchOutcome Client::execute(std::vector<HttpRequest> requests,
                             const std::atomic<bool>* cancelled) {
  BatchOutcome out;
  if (core_->stopped()) {
    out.status = Status::Unsupported("the HTTP engine has stopped");
    return out;
  }
  auto batch = std::make_shared<Batch>();
  batch->cancelled = cancelled;
  batch->ops.resize(requests.size());
  batch->responses.resize(requests.size());
  int64_t runnable = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    prepare(std::move(requests[i]), batch->ops[i], batch->responses[i]);
    if (batch->ops[i].valid) ++runnable;
  }

  if (runnable > 0 && policy_.hourly_budget > 0) {
    const auto now = std::chrono::system_clock::now();
    if (runnable > policy_.hourly_budget) {
      out.status = Status::ConfigInvalid("a batch of " + std::to_string(runnable) +
                                         " requests exceeds the hourly request budget (" +
                                         std::to_string(policy_.hourly_budget) +
                                         "/hour); send smaller batches");
      return out;
    }
    auto reservation = budget_->try_reserve(runnable, now);
    if (!reservation) {
      out.status =
          Status::Retry("cannot count the request budget: " + reservation.status().message());
      spdlog::warn("http {}: {}", id_, out.status.message());
      return out;
    }
    metrics_.record_budget_used(reservation->used);
    if (!reservation->reserved) {
      const auto resumes = reservation->resumes_at;
      const auto wait = std::chrono::ceil<milliseconds>(resumes - now);
      out.status = Status(ErrorClass::kRateLimited,
                          "request budget exhausted (" + std::to_string(policy_.hourly_budget) +
                              "/hour), resumes at " + format_iso8601_utc(resumes),
                          static_cast<uint64_t>(std::max<int64_t>(wait.count(), 0)));
      spdlog::warn("http {}: {}", id_, out.status.message());
      return out;
    }
  }

  batch->remaining = static_cast<size_t>(runnable);
  if (runnable > 0) {
    auto self = shared_from_this();
    asio::post(strand_, [self, batch] {
      for (size_t i = 0; i < batch->ops.size(); ++i) {
        if (batch->ops[i].valid) {
          asio::co_spawn(self->strand_, self->run(self, batch, i), asio::detached);
        }
      }
    });
    std::unique_lock<std::mutex> lock(batch->mu);
    bool cancel_posted = false;
    while (batch->remaining > 0) {
      batch->cv.wait_for(lock, milliseconds(20));
      if (!cancel_posted && batch->is_cancelled()) {
        cancel_posted = true;
        // Wakes requests waiting for a slot or sleeping before a retry; they see the flag.
        asio::post(strand_, [batch] {
          for (auto& op : batch->ops) {
            if (op.timer) op.timer->cancel();
          }
        });
      }
    }
  }
  out.responses = std::move(batch->responses);
  return out;
}

asio::awaitable<void> Client::run(std::shared_ptr<Client> self, std::shared_ptr<Batch> batch,
                                  size_t i) {
  (void)self;  // keeps the client alive while the request runs
  Op& op = batch->ops[i];
  HttpResponse& out = batch->responses[i];
  try {
    co_await run_attempts(*batch, op, out);
  } catch (const std::exception& e) {
    out = HttpResponse{};
    out.attempts = op.attempts;
    out.error_class = ErrorClass::kFatal;
    out.error_message = redactor_.text(std::string("internal error: ") + e.what(), op.sensitive);
    out.maybe_sent = op.attempts > 0;
  }
  batch->finish_one();
}

asio::awaitable<void> Client::run_attempts(Batch& batch, Op& op, HttpResponse& out) {
  auto cancelled = [&] {
    out = HttpResponse{};
    out.attempts = op.attempts;
    out.error_class = ErrorClass::kRetry;
    out.error_message = "cancelled";
  };
  for (;;) {
    if (batch.is_cancelled() || !co_await admit(batch, op)) {
      cancelled();
      co_return;
    }
    ++op.attempts;
    counters_.record_in_flight(limiter_.in_flight());
    const auto started = SteadyClock::now();
    Exchange ex;
    internal::RetryDecision d;
    {
      // The slot is released only after the decision, so that a Retry-After pauses the
      // requests queued behind this one before any of them starts.
      SlotRelease release(*this, op.endpoint);
      ex = co_await attempt(op);
      const auto elapsed = SteadyClock::now() - started;
      const bool throttled = throttled_by_body(ex);
      const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
      counters_.record_attempt(op.endpoint, {ex.status, op.attempts > 1, ex.bytes_sent,
                                             ex.bytes_received, latency, throttled});
      metrics_.record_attempt(op.request.method, op.request.endpoint, op.target.path, ex.status,
                              op.attempts > 1, throttled, latency);
      log_attempt(op, ex, elapsed);
      const internal::AttemptResult result{ex.status, ex.error_class, ex.maybe_sent,
                                           ex.status != 0 ? retry_after_of(ex) : std::nullopt,
                                           throttled};
      if (auto pause = internal::client_pause(policy_, result)) {
        // The server speaks for every request of this client, not just this one.
        paused_until_ = std::max(paused_until_, SteadyClock::now() + *pause);
      }
      d = internal::decide_retry(policy_, op.request.idempotent, op.attempts, result,
                                 std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
      if (d.retry && !take_retry_budget()) {
        spdlog::warn("http {}: hourly request budget exhausted, not retrying {} {}", id_,
                     op.request.method, redactor_.text(op.request.url, op.sensitive));
        d.retry = false;
        if (d.server_asked) d.unserved_retry_after = d.delay;
      }
    }
    if (!d.retry) {
      finish(op, ex, d, out);
      co_return;
    }
    log_retry(op, ex, d.delay);
    if (!co_await sleep(batch, op, d.delay)) {
      cancelled();
      co_return;
    }
  }
}

void Client::finish(Op& op, Exchange& ex, const internal::RetryDecision& d, HttpResponse& out) {
  out.status = ex.status;
  out.headers = std::move(ex.headers);
  out.body = std::move(ex.body);
  out.attempts = op.attempts;
  if (ex.status == 0) {
    out.error_class = ex.error_class;
    out.error_message = redactor_.text(ex.error_message, op.sensitive);
    out.maybe_sent = ex.maybe_sent;
  }
  if (d.unserved_retry_after) out.retry_after_ms = d.unserved_retry_after->count();
}

bool Client::throttled_by_body(const Exchange& ex) const {
  if (ex.status < 400 || ex.status == 429) return false;
  for (const auto& marker : policy_.throttle_body_markers) {
    if (ex.body.find(marker) != std::string::npos) return true;
  }
  return false;
}

bool Client::take_retry_budget() {
  if (policy_.hourly_budget <= 0) return true;
  auto reservation = budget_->try_reserve(1, std::chrono::system_clock::now());
  if (!reservation) return false;
  metrics_.record_budget_used(reservation->used);
  return reservation->reserved;
}

asio::awaitable<bool> Client::admit(Batch& batch, Op& op) {
  op.admitted = false;
  queue_.push_back(&op);
  pump();
  while (!op.admitted) {
    if (batch.is_cancelled()) {
      queue_.erase(std::remove(queue_.begin(), queue_.end(), &op), queue_.end());
      pump();
      co_return false;
    }
    op.timer->expires_at(SteadyClock::time_point::max());
    beast::error_code ec;
    co_await op.timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return true;
}

asio::awaitable<bool> Client::sleep(Batch& batch, Op& op, milliseconds delay) {
  if (delay.count() > 0 && !batch.is_cancelled()) {
    op.timer->expires_after(delay);
    beast::error_code ec;
    co_await op.timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return !batch.is_cancelled();
}

// Starts waiting requests, oldest first, as far as the limits allow. A request blocked only by
// its endpoint's limit does not hold up requests for other endpoints.
void Client::pump() {
  if (queue_.empty()) {
    // Nothing waits: a pending wake-up (up to a long Retry-After away) would only keep the
    // engine's threads busy at shutdown.
    if (pump_timer_armed_) {
      pump_timer_armed_ = false;
      pump_timer_.cancel();
    }
    return;
  }
  const auto now = SteadyClock::now();
  if (now < paused_until_) {
    arm_pump_timer(paused_until_);
    return;
  }
  for (auto it = queue_.begin(); it != queue_.end() && limiter_.overall_available();) {
    Op* op = *it;
    if (!limiter_.can_start(op->endpoint)) {
      ++it;
      continue;
    }
    const auto wait = bucket_.try_take(now);
    if (wait > SteadyClock::duration::zero()) {
      arm_pump_timer(now + wait);
      return;
    }
    limiter_.start(op->endpoint);
    op->admitted = true;
    op->timer->cancel();
    it = queue_.erase(it);
  }
}

void Client::arm_pump_timer(SteadyClock::time_point when) {
  if (pump_timer_armed_ && pump_deadline_ <= when) return;
  pump_timer_armed_ = true;
  pump_deadline_ = when;
  pump_timer_.expires_at(when);
  pump_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    self->pump_timer_armed_ = false;
    self->pump();
  });
}

std::unique_ptr<Connection> Client::take_idle(const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  const auto now = SteadyClock::now();
  auto& pool = it->second;
  while (!pool.empty()) {
    std::unique_ptr<Connection> conn = std::move(pool.back());
    pool.pop_back();
    if (now - conn->idle_since <= policy_.idle_timeout && conn->looks_alive()) return conn;
    conn->close();
  }
  return nullptr;
}

void Client::put_idle(const std::string& origin, std::unique_ptr<Connection> conn) {
  conn->idle_since = SteadyClock::now();
  auto& pool = idle_[origin];
  if (pool.size() >= static_cast<size_t>(policy_.max_concurrency)) {
    pool.front()->close();
    pool.erase(pool.begin());
  }
  pool.push_back(std::move(conn));
}

asio::awaitable<Exchange> Client::attempt(Op& op) {
  Exchange ex;
  const milliseconds timeout =
      op.request.timeout.count() > 0 ? op.request.timeout : policy_.total_timeout;
  const auto deadline = SteadyClock::now() + timeout;
  const std::string origin = op.target.origin();
  std::unique_ptr<Connection> conn = take_idle(origin);
  ex.reused = conn != nullptr;
  if (!conn) {
    conn = co_await connect(op, deadline, ex);
    if (!conn) co_return ex;
  }
  counters_.record_connection(ex.reused);
  bool keep = false;
  if (conn->secure) {
    keep = co_await exchange(*conn->secure, *conn, op, deadline, timeout, ex);
  } else {
    keep = co_await exchange(*conn->plain, *conn, op, deadline, timeout, ex);
  }
  if (keep) {
    put_idle(origin, std::move(conn));
  } else {
    conn->close();
  }
  co_return ex;
}

asio::awaitable<std::unique_ptr<Connection>> Client::connect(Op& op,
                                                             SteadyClock::time_point deadline,
                                                             Exchange& ex) {
  const auto& t = op.target;
  const std::string where = t.host_header();
  beast::error_code ec;
  tcp::resolver resolver(strand_);
  auto endpoints = co_await resolver.async_resolve(t.host, std::to_string(t.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ex.fail(ErrorClass::kRetry, "cannot resolve '" + t.host + "': " + ec.message(), false);
    co_return nullptr;
  }

  auto conn = std::make_unique<Connection>();
  if (t.tls) {
    conn->secure.emplace(strand_, *tls_);
  } else {
    conn->plain.emplace(strand_);
  }
  beast::tcp_stream& stream = conn->tcp();
  const auto connect_deadline = std::min(deadline, SteadyClock::now() + policy_.connect_timeout);
  stream.expires_at(connect_deadline);
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ex.fail(ErrorClass::kRetry,
            ec == beast::error::timeout
                ? "connecting to " + where + " timed out after " +
                      std::to_string(policy_.connect_timeout.count()) + " ms"
                : "cannot connect to " + where + ": " + ec.message(),
            false);
    co_return nullptr;
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  if (!t.tls) co_return conn;

  SSL* ssl = conn->secure->native_handle();
  if (!t.host_is_ip) {
    // SSL_set_tlsext_host_name without its C-style cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(t.host.c_str()));
  }
  if (policy_.verify_tls) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (t.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), t.host.size());
    }
  }
  co_await conn->secure->async_handshake(asio::ssl::stream_base::client,
                                         asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (policy_.verify_tls && verify != X509_V_OK) {
      ex.fail(ErrorClass::kFatal,
              "TLS certificate verification failed for " + where + ": " +
                  X509_verify_cert_error_string(verify) +
                  " (set http.ca_file to trust a private CA)",
              false);
    } else if (ec == beast::error::timeout) {
      ex.fail(ErrorClass::kRetry, "TLS handshake with " + where + " timed out", false);
    } else {
      ex.fail(ErrorClass::kRetry, "TLS handshake with " + where + " failed: " + ec.message(),
              false);
    }
    co_return nullptr;
  }
  co_return conn;
}

bhttp::request<bhttp::string_body> Client::build_request(const Op& op) const {
  bhttp::request<bhttp::string_body> req;
  const bhttp::verb verb = bhttp::string_to_verb(op.request.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(op.request.method);
  } else {
    req.method(verb);
  }
  req.target(op.target.request_target);
  req.version(11);
  req.set(bhttp::field::host, op.target.host_header());
  bool has_user_agent = false;
  for (const auto& [name, value] : op.request.headers) {
    if (engine_owned_header(name)) continue;
    if (lower(name) == "user-agent") has_user_agent = true;
    req.insert(name, value);
  }
  if (!has_user_agent) req.set(bhttp::field::user_agent, core_->options().user_agent);
  req.body() = op.request.body;
  const std::string& m = op.request.method;
  if (!req.body().empty() || m == "POST" || m == "PUT" || m == "PATCH") req.prepare_payload();
  return req;
}

template <typename Stream>
asio::awaitable<bool> Client::exchange(Stream& stream, Connection& conn, Op& op,
                                       SteadyClock::time_point deadline, milliseconds timeout,
                                       Exchange& ex) {
  beast::error_code ec;
  conn.tcp().expires_at(deadline);
  auto req = build_request(op);
  // From the first write on, the server may have received the request.
  ex.maybe_sent = true;
  ex.bytes_sent =
      co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ex.fail(ErrorClass::kRetry, describe_transport_error(ec, "sending the request", timeout), true);
    co_return false;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(static_cast<uint64_t>(policy_.max_response_bytes));
  if (op.request.method == "HEAD") parser.skip(true);
  ex.bytes_received = co_await bhttp::async_read(stream, conn.buffer, parser,
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    ex.fail(ErrorClass::kFatal,
            "response exceeds http.max_response_bytes (" +
                std::to_string(policy_.max_response_bytes) + ")",
            true);
    co_return false;
  }
  if (ec) {
    std::string phase = !parser.got_some()         ? "waiting for the response"
                        : !parser.is_header_done() ? "reading the response headers"
                                                   : "reading the response body";
    if (ex.reused && !parser.got_some() && ec != beast::error::timeout) {
      phase += " (on a reused keep-alive connection)";
    }
    ex.fail(ErrorClass::kRetry, describe_transport_error(ec, phase, timeout), true);
    co_return false;
  }
  ex.maybe_sent = false;
  auto res = parser.release();
  ex.status = static_cast<int>(res.result_int());
  for (const auto& field : res.base()) {
    ex.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  ex.body = std::move(res.body());
  conn.tcp().expires_never();
  co_return res.keep_alive() && conn.buffer.size() == 0;
}

std::string Client::outcome_for_log(const Exchange& ex, const Op& op) const {
  if (ex.status != 0) return std::to_string(ex.status);
  return std::string(error_class_name(ex.error_class)) + " (" +
         redactor_.text(ex.error_message, op.sensitive) + ")";
}

void Client::log_attempt(const Op& op, const Exchange& ex, SteadyClock::duration elapsed) const {
  auto* logger = spdlog::default_logger_raw();
  if (logger->should_log(spdlog::level::trace)) {
    logger->trace("http {} {} {} headers: {}", id_, op.request.method,
                  redactor_.text(op.request.url, op.sensitive),
                  redactor_.headers(op.request.headers, op.sensitive));
  }
  if (!logger->should_log(spdlog::level::debug)) return;
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  logger->debug("http {} {} {} -> {} in {:.1f} ms (attempt {}{})", id_, op.request.method,
                redactor_.text(op.request.url, op.sensitive), outcome_for_log(ex, op), ms,
                op.attempts, ex.reused ? ", reused connection" : "");
}

void Client::log_retry(const Op& op, const Exchange& ex, milliseconds delay) const {
  spdlog::warn("http {} {} {} -> {}; retry {}/{} in {} ms", id_, op.request.method,
               redactor_.text(op.request.url, op.sensitive), outcome_for_log(ex, op), op.attempts,
               policy_.max_retries, delay.count());
}

}  // namespace

// ---- HttpEngine ----------------------------------------------------------------------------

HttpEngine::HttpEngine(EngineOptions options) : core_(std::make_shared<Core>(std::move(options))) {}

HttpEngine::~HttpEngine() { core_->stop(); }

Result<std::shared_ptr<HttpClient>> HttpEngine::make_client(std::string connector_id,
                                                            HttpPolicy policy,
                                                            std::vector<std::string> secrets,
                                                            std::shared_ptr<RequestBudget> budget) {
  MB_RETURN_IF_ERROR(validate_http_policy(policy));
  auto tls = core_->tls_context(policy.verify_tls, policy.ca_file);
  if (!tls) return tls.status();
  if (!budget) budget = make_local_request_budget(policy.hourly_budget);
  return std::shared_ptr<HttpClient>(std::make_shared<Client>(core_, std::move(connector_id),
                                                              std::move(policy), std::move(secrets),
                                                              *tls, std::move(budget)));
}

}  // namespace mb::http
