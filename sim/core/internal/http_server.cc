#include "sim/core/internal/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <cstdio>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mb::sim::internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Idle keep-alive connections are closed after this long so a long-running simulator does not
// collect abandoned sockets; generous so no test's pooled connection is closed under it.
constexpr std::chrono::seconds kIdleTimeout{300};
constexpr std::chrono::seconds kHandshakeTimeout{30};
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
constexpr uint64_t kBodyLimitBytes = 64 * 1024 * 1024;

using PlainStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

Request to_request(http::request<http::string_body>& message, uint64_t connection_id) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name = to_lower_ascii(field.name_string());
    std::string& value = request.headers[name];
    if (!value.empty()) value += ", ";
    value += field.value();
  }
  request.body = std::move(message.body());
  request.connection_id = connection_id;
  return request;
}

bool transport_managed_header(std::string_view name) {
  return equals_ignore_case(name, "content-length") ||
         equals_ignore_case(name, "transfer-encoding") || equals_ignore_case(name, "connection");
}

// One accepted connection: reads requests one at a time and answers each through an Exchange.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(ExchangeHandler& handler, uint64_t connection_id, StreamArgs&&... stream_args)
      : handler_(handler),
        connection_id_(connection_id),
        stream_(std::forward<StreamArgs>(stream_args)...),
        delay_timer_(stream_.get_executor()) {
    handler_.connection_opened(connection_id_);
  }

  ~Session() { handler_.connection_closed(connection_id_); }

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read_request();
                              });
    } else {
      read_request();
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(kBodyLimitBytes);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec) return;  // client gone, timeout or unparseable request: drop the connection
    beast::get_lowest_layer(stream_).expires_never();
    http::request<http::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    exchange_ = handler_.begin(to_request(message, connection_id_));
    const auto delay = exchange_->delay();
    if (delay.count() <= 0) return respond();
    // A timer, not a sleep: other connections keep being served while this one waits.
    delay_timer_.expires_after(delay);
    delay_timer_.async_wait([self = this->shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->respond();
    });
  }

  void respond() {
    Reply reply = exchange_->produce_reply();
    delivery_ = reply.delivery;
    if (delivery_ == Delivery::kDrop) {
      finish_exchange(0, true);
      return close_socket();
    }
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(reply.response.status));
    response_.reason(reason_phrase(reply.response.status));
    for (const auto& [name, value] : reply.response.headers) {
      if (!transport_managed_header(name)) response_.insert(name, value);
    }
    response_.body() = std::move(reply.response.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();

    if (delivery_ == Delivery::kResetMidBody) return write_partial(reply.reset_after_body_bytes);
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    finish_exchange(response_.result_int(), !ec);
    if (ec) return;
    if (delivery_ == Delivery::kFullThenClose) return close_socket();
    if (!keep_alive_) return shutdown();
    read_request();
  }

  // Headers plus part of the body, then a TCP reset: what a crashing server or a dropped
  // proxy connection looks like to a client.
  void write_partial(size_t body_bytes) {
    std::ostringstream serialized;
    serialized << response_;
    partial_ = serialized.str();
    const size_t header_end = partial_.find("\r\n\r\n") + 4;
    const size_t body_size = partial_.size() - header_end;
    // With no body, cut inside the headers; otherwise always keep at least one byte back so the
    // message is never complete.
    const size_t cut =
        body_size == 0 ? header_end / 2 : header_end + std::min(body_bytes, body_size - 1);
    partial_.resize(cut);
    net::async_write(stream_, net::buffer(partial_),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->finish_exchange(self->response_.result_int(), !ec);
                       self->reset_socket();
                     });
  }

  void finish_exchange(int status, bool completed) {
    if (!exchange_) return;
    exchange_->delivered(DeliveryReport{status, completed});
    exchange_.reset();
  }

  void shutdown() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void close_socket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  void reset_socket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    // Linger with a zero timeout makes close() send RST instead of FIN.
    socket.set_option(net::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
  }

  ExchangeHandler& handler_;
  const uint64_t connection_id_;
  Stream stream_;
  net::steady_timer delay_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<Exchange> exchange_;
  http::response<http::string_body> response_;
  std::string partial_;
  Delivery delivery_ = Delivery::kFull;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const Options& options, ExchangeHandler& exchange_handler)
      : handler(exchange_handler),
        io(std::max(1, options.threads)),
        acceptor(io),
        thread_count(std::max(1, options.threads)) {
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
        throw std::runtime_error("TLS needs both a certificate file and a key file");
      }
      tls.emplace(ssl::context::tls_server);
      beast::error_code ec;
      tls->use_certificate_chain_file(options.tls_cert_file, ec);
      if (ec) {
        throw std::runtime_error("cannot load TLS certificate '" + options.tls_cert_file +
                                 "': " + ec.message());
      }
      tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
      if (ec) {
        throw std::runtime_error("cannot load TLS key '" + options.tls_key_file +
                                 "': " + ec.message());
      }
    }
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), options.port);
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(options.port) + ": " +
                               ec.message());
    }
  }

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) start_session(std::move(socket));
      accept();
    });
  }

  void start_session(tcp::socket socket) {
    beast::error_code ignored;
    // Latency must be what the simulator injects, not Nagle's algorithm.
    socket.set_option(tcp::no_delay(true), ignored);
    const uint64_t connection_id = ++next_connection_id;
    if (tls) {
      std::make_shared<Session<TlsStream>>(handler, connection_id, std::move(socket), *tls)
          ->start();
    } else {
      std::make_shared<Session<PlainStream>>(handler, connection_id, std::move(socket))->start();
    }
  }

  void run_io() {
    // Handlers catch their own errors; this keeps a stray exception from ending the process.
    while (true) {
      try {
        io.run();
        return;
      } catch (const std::exception& error) {
        std::fprintf(stderr, "meterbridge-sim: io thread error: %s\n", error.what());
      }
    }
  }

  ExchangeHandler& handler;
  net::io_context io;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  const int thread_count;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> next_connection_id{0};
};

HttpServer::HttpServer(const Options& options, ExchangeHandler& handler)
    : impl_(std::make_unique<Impl>(options, handler)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::run() {
  impl_->accept();
  for (int i = 0; i < impl_->thread_count; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->run_io(); });
  }
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  // Destroying the io_context destroys the sessions still waiting on it (closing their
  // sockets) while the exchange handler they report to is still alive.
  impl_.reset();
}

uint16_t HttpServer::port() const { return impl_ ? impl_->acceptor.local_endpoint().port() : 0; }

bool HttpServer::uses_tls() const { return impl_ && impl_->tls.has_value(); }

}  // namespace mb::sim::internal
