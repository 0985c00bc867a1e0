#include "host/server/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace mb::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Connections beyond max_connections that still get a 503 before they are closed.
constexpr size_t kRefusedConnections = 64;
// After an answer sent before the request was read to its end, the server reads and discards
// what the client is still sending for this long (or this much), so the client sees the answer
// instead of a reset caused by unread data.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 4 * 1024 * 1024;
// Pause before accepting again after accept() failed (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptRetry{100};
// How long stop() lets answers already written reach their clients.
constexpr std::chrono::seconds kFlushTime{2};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The same error shape as every admin API error; `message` holds no quote or backslash.
ApiResponse protocol_error(int status, std::string_view code, std::string_view message) {
  ApiResponse r;
  r.status = status;
  r.body = std::string(R"({"error":{"code":")") + std::string(code) + R"(","message":")" +
           std::string(message) + R"(","details":{}}})";
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

// A spooled request body's file, removed when the last holder lets go of it: the session while
// the body arrives, then the handler's task, whether it runs or is refused.
class SpooledBody {
 public:
  // A new empty file (0600) in the system's temporary folder, or nullptr (logged) when none can
  // be made.
  static std::shared_ptr<SpooledBody> create() {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string path = (dir / "meterbridge-body-XXXXXX").string();
    int fd = ::mkstemp(path.data());
    if (fd < 0) {
      spdlog::error("admin API: cannot create a file for a request body in {}: {}", dir.string(),
                    std::strerror(errno));
      return nullptr;
    }
    ::close(fd);
    return std::shared_ptr<SpooledBody>(new SpooledBody(std::move(path)));
  }
  ~SpooledBody() { ::unlink(path_.c_str()); }
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit SpooledBody(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

bool is_parse_error(const beast::error_code& ec) {
  static const auto& category = beast::http::make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

ApiRequest to_api_request(const http::request_parser<http::empty_body>::value_type& head) {
  ApiRequest out;
  out.method = std::string(head.method_string());
  out.target = std::string(head.target());
  for (const auto& field : head) {
    std::string& value = out.headers[lower(field.name_string())];
    if (!value.empty()) value += ", ";
    value += field.value();
  }
  auto url = boost::urls::parse_origin_form(out.target);
  if (url) {
    out.path = std::string(url->path());
    for (auto segment : url->segments()) out.segments.emplace_back(segment);
    for (auto param : url->params()) out.query[std::string(param.key)] = std::string(param.value);
  } else {
    out.path = out.target.substr(0, out.target.find('?'));
  }
  return out;
}

// A fixed number of threads taking tasks from a queue. A task is never dropped once queued.
class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i)
      threads_.emplace_back([this] { work(); });
  }
  ~WorkerPool() { stop(); }

  // False when the queue is full.
  bool submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  // Runs what is queued, then joins the threads.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// A connection's byte stream: the TCP socket itself, or TLS over it when the listener has a
// certificate. Beast's reads and writes take either through this one type; the socket stays
// reachable for cancel, shutdown and close. Never moved once built (TLS refers to the socket).
class ServerStream {
 public:
  using executor_type = tcp::socket::executor_type;
  ServerStream(tcp::socket socket, asio::ssl::context* tls) : socket_(std::move(socket)) {
    if (tls != nullptr) tls_.emplace(socket_, *tls);
  }
  ServerStream(const ServerStream&) = delete;
  ServerStream& operator=(const ServerStream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  tcp::socket& socket() { return socket_; }
  bool tls() const { return tls_.has_value(); }
  template <typename Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }
  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_)
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    else
      socket_.async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_)
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    else
      socket_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  tcp::socket socket_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
};

class BeastServer;

// One accepted connection. Every member function runs on the I/O thread; only the handler
// runs elsewhere, and it hands its response back through the I/O context.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(BeastServer& server, tcp::socket socket, bool refused);
  // The TLS handshake when the listener has TLS, then the first request.
  void start();
  void on_drain();
  void close();
  bool refused() const { return refused_; }
  void respond(ApiResponse response);

 private:
  enum class Phase { kHead, kBody, kHandling, kWriting, kLingering, kClosed };

  void arm_timer(std::chrono::milliseconds after);
  void cancel_timer();
  void read_head();
  void on_head(beast::error_code ec);
  void admit();
  void read_body(const Admission& admission);
  template <typename Parser>
  void read_body_into(Parser& parser);
  void on_body(beast::error_code ec);
  void dispatch();
  // Answers a request whose rest is not read, then closes the connection.
  void answer_early(ApiResponse response);
  void refuse(int status, std::string_view code, std::string_view message) {
    answer_early(protocol_error(status, code, message));
  }
  void on_written(beast::error_code ec);
  void linger();
  void discard_input();
  // The 408/503 answer, or a silent close, for a read that a timer or a drain cancelled.
  bool interrupted_read();
  std::string_view oversized_head_code() const;

  // Refuses (503) or reads the first request, once the connection is ready for HTTP.
  void begin();

  BeastServer& server_;
  ServerStream stream_;
  tcp::socket& socket_;  // stream_'s socket: for cancel, shutdown and close
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> head_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;  // a spooled body
  std::shared_ptr<SpooledBody> spooled_;  // its file, until the handler's task takes it
  ApiRequest request_;
  HandlerLane lane_ = HandlerLane::kQuick;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_only_ = false;     // a HEAD request: headers only
  bool unread_input_ = false;  // the client may still be sending what was not read
  bool timed_out_ = false;
  bool drained_ = false;
  const bool refused_;
  size_t lingered_bytes_ = 0;
  Phase phase_ = Phase::kHead;
};

class BeastServer : public HttpServer {
 public:
  BeastServer(HttpServerOptions options, AdmitFn admit, ApiHandler handler)
      : options_(std::move(options)),
        admit_(std::move(admit)),
        handler_(std::move(handler)),
        work_(asio::make_work_guard(io_)),
        acceptor_(io_),
        accept_retry_(io_),
        heartbeat_timer_(io_),
        quick_(options_.limits.quick_workers, SIZE_MAX),
        long_(options_.limits.long_workers, options_.limits.max_queued_long) {}

  ~BeastServer() override { stop(); }

  asio::ssl::context* tls_context() { return tls_ ? &*tls_ : nullptr; }

  // TLS 1.2 and later from the configured certificate chain and key (PEM files).
  Status load_tls() {
    if (options_.tls_cert_file.empty()) return Status::Ok();
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls_->use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec)
      return Status::ConfigInvalid("admin API: TLS certificate " + options_.tls_cert_file + ": " +
                                   ec.message());
    tls_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec)
      return Status::ConfigInvalid("admin API: TLS key " + options_.tls_key_file + ": " +
                                   ec.message());
    return Status::Ok();
  }

  Status listen() {
    MB_RETURN_IF_ERROR(load_tls());
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    std::string where =
        options_.host.find(':') == std::string::npos ? options_.host : "[" + options_.host + "]";
    where += ":" + std::to_string(options_.port);
    if (ec) return Status::ConfigInvalid("admin API: invalid listen address " + where);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::ConfigInvalid("admin API: cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept_next();
    beat_next();
    io_thread_ = std::thread([this] { io_.run(); });
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }
  size_t open_connections() const override { return open_.load(); }

  void drain() override {
    if (draining_.exchange(true)) return;
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
      for (Session* s : std::vector<Session*>(sessions_.begin(), sessions_.end())) s->on_drain();
    });
  }

  bool wait_idle(Clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(idle_mu_);
    return idle_cv_.wait_until(lock, deadline, [this] { return handlers_ == 0; });
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    drain();
    quick_.stop();
    long_.stop();
    // Answers the handlers just posted are on their way out; give them a moment.
    for (auto until = Clock::now() + kFlushTime; open_.load() > 0 && Clock::now() < until;)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    asio::post(io_, [this] {
      heartbeat_timer_.cancel();
      for (Session* s : std::vector<Session*>(sessions_.begin(), sessions_.end())) s->close();
    });
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // ---- for sessions (I/O thread) ----
  const HttpServerLimits& limits() const { return options_.limits; }
  asio::io_context& io() { return io_; }
  bool draining() const { return draining_.load(); }
  asio::mutable_buffer discard_buffer() { return asio::buffer(discard_); }

  Admission admit(const ApiRequest& head) {
    if (!admit_) return Admission{};
    try {
      return admit_(head);
    } catch (const std::exception& e) {
      spdlog::error("admin API admission failed: {}", e.what());
      Admission refused;
      refused.answer = protocol_error(500, "fatal", "internal error");
      return refused;
    }
  }

  // Queues the handler on its lane; false when the lane is full.
  // `spooled`: the request's body file, kept until the task is done with (run or refused).
  bool run_handler(HandlerLane lane, std::shared_ptr<Session> session, ApiRequest request,
                   std::shared_ptr<SpooledBody> spooled) {
    {
      std::lock_guard<std::mutex> lock(idle_mu_);
      ++handlers_;
    }
    auto task = [this, session, request = std::move(request), spooled]() mutable {
      ApiResponse response = call_handler(request);
      spooled.reset();  // the body's file goes as soon as the handler is done with it
      asio::post(io_, [session, response = std::move(response)]() mutable {
        session->respond(std::move(response));
      });
      handler_done();
    };
    bool queued = (lane == HandlerLane::kLong ? long_ : quick_).submit(std::move(task));
    if (!queued) handler_done();
    return queued;
  }

  void opened(Session* s) {
    sessions_.insert(s);
    ++open_;
    if (s->refused()) ++refused_;
  }

  void closed(Session* s) {
    if (sessions_.erase(s) == 0) return;
    --open_;
    if (s->refused()) --refused_;
    if (accept_paused_ && !draining()) {
      accept_paused_ = false;
      accept_next();
    }
  }

 private:
  ApiResponse call_handler(const ApiRequest& request) {
    if (draining()) return protocol_error(503, "shutting_down", "the server is shutting down");
    try {
      return handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("admin API handler failed: {}", e.what());
      return protocol_error(500, "fatal", "internal error");
    }
  }

  void handler_done() {
    {
      std::lock_guard<std::mutex> lock(idle_mu_);
      --handlers_;
    }
    idle_cv_.notify_all();
  }

  void beat_next() {
    if (!options_.heartbeat || options_.heartbeat_interval.count() <= 0 || stopped_) return;
    heartbeat_timer_.expires_after(options_.heartbeat_interval);
    heartbeat_timer_.async_wait([this](beast::error_code ec) {
      if (ec || stopped_) return;
      options_.heartbeat();
      beat_next();
    });
  }

  void accept_next() {
    if (draining()) return;
    if (sessions_.size() >= options_.limits.max_connections + kRefusedConnections) {
      accept_paused_ = true;  // resumed by closed()
      return;
    }
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || draining()) return;
      if (ec) {
        spdlog::warn("admin API: accept failed: {}", ec.message());
        accept_retry_.expires_after(kAcceptRetry);
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) accept_next();
        });
        return;
      }
      bool refuse = sessions_.size() - refused_ >= options_.limits.max_connections;
      std::make_shared<Session>(*this, std::move(socket), refuse)->start();
      accept_next();
    });
  }

  HttpServerOptions options_;
  std::optional<asio::ssl::context> tls_;
  AdmitFn admit_;
  ApiHandler handler_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  asio::steady_timer heartbeat_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::thread io_thread_;
  // I/O thread only.
  std::unordered_set<Session*> sessions_;
  size_t refused_ = 0;
  bool accept_paused_ = false;
  std::array<char, 64 * 1024> discard_{};
  std::atomic<size_t> open_{0};
  // Handlers queued or running.
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  size_t handlers_ = 0;
  WorkerPool quick_;
  WorkerPool long_;
};

Session::Session(BeastServer& server, tcp::socket socket, bool refused)
    : server_(server),
      stream_(std::move(socket), server.tls_context()),
      socket_(stream_.socket()),
      timer_(server.io()),
      buffer_(server.limits().max_header_bytes + 16 * 1024),
      refused_(refused) {
  server_.opened(this);
}

void Session::start() {
  if (!stream_.tls()) return begin();
  arm_timer(server_.limits().header_timeout);
  stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
    self->cancel_timer();
    // Not TLS, or too slow: there is no channel to answer on.
    if (ec || self->phase_ == Phase::kClosed) return self->close();
    self->begin();
  });
}

void Session::begin() {
  if (refused_) return refuse(503, "overloaded", "too many connections; retry later");
  read_head();
}

void Session::arm_timer(std::chrono::milliseconds after) {
  uint64_t generation = ++timer_generation_;
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (ec || generation != self->timer_generation_ || self->phase_ == Phase::kClosed) return;
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void Session::cancel_timer() {
  ++timer_generation_;
  timer_.cancel();
}

void Session::on_drain() {
  drained_ = true;
  if (phase_ == Phase::kHead || phase_ == Phase::kBody) {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
}

void Session::read_head() {
  phase_ = Phase::kHead;
  timed_out_ = false;
  unread_input_ = false;
  request_ = ApiRequest();
  head_only_ = false;
  body_parser_.reset();
  head_parser_.emplace();
  head_parser_->header_limit(static_cast<std::uint32_t>(server_.limits().max_header_bytes));
  head_parser_->body_limit(boost::none);  // the admission decides, from the head
  if (drained_) return close();
  arm_timer(server_.limits().header_timeout);
  http::async_read_header(
      stream_, buffer_, *head_parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_head(ec); });
}

bool Session::interrupted_read() {
  bool nothing_received = phase_ == Phase::kHead && buffer_.size() == 0;
  if (!timed_out_ && !drained_) return false;
  if (nothing_received) {
    close();  // an idle connection: nothing to answer
  } else if (timed_out_) {
    refuse(408, "request_timeout", "the request did not arrive in time");
  } else {
    refuse(503, "shutting_down", "the server is shutting down");
  }
  return true;
}

std::string_view Session::oversized_head_code() const {
  // 414 when the request line alone is too long, else 431. The parser consumes the request line
  // once it is complete, and then sets the target.
  if (!head_parser_->get().target().empty()) return "header_fields_too_large";
  std::string_view received(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  size_t eol = received.find('\n');
  bool line_too_long = (eol == std::string_view::npos ? received.size() : eol) >
                       server_.limits().max_request_line_bytes;
  return line_too_long ? "uri_too_long" : "header_fields_too_large";
}

void Session::on_head(beast::error_code ec) {
  cancel_timer();
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    if (interrupted_read()) return;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      std::string_view code = oversized_head_code();
      return code == "uri_too_long" ? refuse(414, code, "the request line is too long")
                                    : refuse(431, code, "the request headers are too large");
    }
    if (is_parse_error(ec)) return refuse(400, "bad_request", "malformed HTTP request");
    return close();  // closed, reset or cut short: nobody to answer
  }
  admit();
}

void Session::admit() {
  const auto& head = head_parser_->get();
  version_ = head.version();  // 10 or 11: the parser refuses any other version (400)
  if (head.target().size() > server_.limits().max_request_line_bytes)
    return refuse(414, "uri_too_long", "the request line is too long");
  request_ = to_api_request(head);
  beast::error_code no_peer;
  auto peer = socket_.remote_endpoint(no_peer);
  if (!no_peer) request_.remote_address = peer.address().to_string();
  head_only_ = head.method() == http::verb::head;
  keep_alive_ = head.keep_alive();
  auto length = head_parser_->content_length();
  bool chunked = head_parser_->chunked();
  unread_input_ = chunked || (length && *length > 0);

  Admission admission = server_.admit(request_);
  lane_ = admission.lane;
  if (admission.answer)
    return unread_input_ ? answer_early(std::move(*admission.answer))
                         : respond(std::move(*admission.answer));
  if (admission.body_required && !length && !chunked)
    return refuse(411, "length_required",
                  "this request needs a body with Content-Length or chunked encoding");
  if (length && *length > admission.max_body_bytes)
    return refuse(413, "payload_too_large",
                  "the body is larger than this endpoint accepts (" +
                      std::to_string(admission.max_body_bytes) + " bytes)");
  if (!unread_input_) return dispatch();
  read_body(admission);
}

void Session::read_body(const Admission& admission) {
  phase_ = Phase::kBody;
  if (!admission.spool_body) {
    body_parser_.emplace(std::move(*head_parser_));
    head_parser_.reset();
    body_parser_->body_limit(admission.max_body_bytes);
    return read_body_into(*body_parser_);
  }
  spooled_ = SpooledBody::create();
  if (!spooled_) return refuse(500, "fatal", "the request body could not be stored");
  file_parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  file_parser_->body_limit(admission.max_body_bytes);
  beast::error_code ec;
  file_parser_->get().body().open(spooled_->path().c_str(), beast::file_mode::write, ec);
  if (ec) {
    spdlog::error("admin API: cannot open a file for a request body: {}", ec.message());
    return refuse(500, "fatal", "the request body could not be stored");
  }
  read_body_into(*file_parser_);
}

template <typename Parser>
void Session::read_body_into(Parser& parser) {
  arm_timer(server_.limits().body_timeout);
  auto read = [self = shared_from_this(), &parser] {
    http::async_read(self->stream_, self->buffer_, parser,
                     [self](beast::error_code ec, size_t) { self->on_body(ec); });
  };
  if (!beast::iequals(request_.header("expect"), "100-continue")) return read();
  static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(stream_, asio::buffer(kContinue),
                    [self = shared_from_this(), read](beast::error_code ec, size_t) {
                      if (self->phase_ == Phase::kClosed) return;
                      if (!ec) return read();
                      if (!self->interrupted_read()) self->close();
                    });
}

void Session::on_body(beast::error_code ec) {
  cancel_timer();
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    if (interrupted_read()) return;
    if (ec == http::error::body_limit)
      return refuse(413, "payload_too_large", "the body is larger than this endpoint accepts");
    if (is_parse_error(ec)) return refuse(400, "bad_request", "malformed HTTP request body");
    // Writing a spooled body failed (the disk is full): the client hears why, not a reset.
    if (file_parser_ && (ec == boost::system::errc::no_space_on_device ||
                         ec == boost::system::errc::file_too_large ||
                         ec == boost::system::errc::io_error)) {
      spdlog::error("admin API: a request body could not be stored: {}", ec.message());
      return refuse(507, "insufficient_storage", "the request body could not be stored");
    }
    return close();
  }
  unread_input_ = false;
  if (file_parser_) {
    file_parser_.reset();  // closes the file: the handler reads it whole
    request_.body_file = spooled_->path();
  } else {
    request_.body = std::move(body_parser_->get().body());
    body_parser_.reset();
  }
  dispatch();
}

void Session::dispatch() {
  phase_ = Phase::kHandling;
  if (!server_.run_handler(lane_, shared_from_this(), std::move(request_), std::move(spooled_)))
    respond(protocol_error(503, "overloaded",
                           "too many long-running requests are waiting; retry later"));
}

void Session::answer_early(ApiResponse response) {
  keep_alive_ = false;
  unread_input_ = true;
  respond(std::move(response));
}

void Session::respond(ApiResponse response) {
  if (phase_ == Phase::kClosed) return;
  if (server_.draining() || drained_) keep_alive_ = false;
  phase_ = Phase::kWriting;
  auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), version_);
  res->set(http::field::server, "meterbridge");
  res->set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res->insert(name, value);
  res->keep_alive(keep_alive_);
  size_t length = response.body.size();
  if (!head_only_) res->body() = std::move(response.body);
  res->prepare_payload();
  if (head_only_) res->content_length(length);  // what GET would send, without the body
  arm_timer(server_.limits().write_timeout);
  http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
    self->on_written(ec);
  });
}

void Session::on_written(beast::error_code ec) {
  cancel_timer();
  if (phase_ == Phase::kClosed) return;
  if (ec) return close();
  if (keep_alive_) return read_head();
  if (unread_input_) return linger();
  close();
}

void Session::linger() {
  phase_ = Phase::kLingering;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);  // the client reads the end of the answer
  arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime));
  discard_input();
}

void Session::discard_input() {
  stream_.async_read_some(server_.discard_buffer(),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->lingered_bytes_ += n;
                            if (ec || self->lingered_bytes_ > kLingerBytes) return self->close();
                            self->discard_input();
                          });
}

void Session::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  cancel_timer();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  server_.closed(this);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options,
                                                      AdmitFn admit, ApiHandler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(admit), std::move(handler));
  MB_RETURN_IF_ERROR(server->listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace mb::server
