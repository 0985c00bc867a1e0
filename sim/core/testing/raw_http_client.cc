#include "sim/core/testing/raw_http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>

#include <stdexcept>

namespace mb::sim::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

// Every operation is asynchronous on a private io_context run for at most the timeout, which is
// the simplest way to give synchronous-looking calls a hard deadline.
struct RawHttpConnection::Impl {
  net::io_context io;
  ssl::context tls_context{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool broken = false;

  beast::tcp_stream& lowest() { return plain ? *plain : secure->next_layer(); }

  // Runs the io_context until `done` or the timeout; on timeout the connection is closed.
  bool run_until(const bool& done, std::chrono::milliseconds timeout) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io.run_one_until(deadline);
    }
    if (done) return true;
    broken = true;
    beast::error_code ignored;
    lowest().socket().close(ignored);
    io.restart();
    io.poll();  // lets the cancelled operation complete so its handler does not dangle
    return false;
  }

  template <class Operation>
  void with_stream(Operation&& operation) {
    if (plain) {
      operation(*plain);
    } else {
      operation(*secure);
    }
  }
};

RawHttpConnection::RawHttpConnection(uint16_t port, bool tls) : impl_(std::make_unique<Impl>()) {
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
  beast::error_code ec;
  if (tls) {
    impl_->tls_context.set_verify_mode(ssl::verify_none);
    impl_->secure.emplace(impl_->io, impl_->tls_context);
  } else {
    impl_->plain.emplace(impl_->io);
  }
  impl_->lowest().socket().connect(endpoint, ec);
  if (ec)
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             ec.message());
  impl_->lowest().socket().set_option(tcp::no_delay(true), ec);
  if (tls) {
    bool done = false;
    impl_->secure->async_handshake(ssl::stream_base::client, [&](beast::error_code handshake_ec) {
      ec = handshake_ec;
      done = true;
    });
    if (!impl_->run_until(done, kDefaultTimeout) || ec) {
      throw std::runtime_error("TLS handshake failed: " +
                               (ec ? ec.message() : std::string("timeout")));
    }
  }
}

RawHttpConnection::~RawHttpConnection() = default;

bool RawHttpConnection::write_request(const std::string& method, const std::string& target,
                                      const Headers& headers, const std::string& body,
                                      std::chrono::milliseconds timeout) {
  if (impl_->broken) return false;
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  request.prepare_payload();
  bool done = false;
  beast::error_code ec;
  impl_->with_stream([&](auto& stream) {
    http::async_write(stream, request, [&](beast::error_code write_ec, size_t) {
      ec = write_ec;
      done = true;
    });
  });
  return impl_->run_until(done, timeout) && !ec;
}

RawResult RawHttpConnection::read_response(std::chrono::milliseconds timeout) {
  RawResult result;
  if (impl_->broken) {
    result.error = "connection already broken";
    return result;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  bool done = false;
  beast::error_code ec;
  impl_->with_stream([&](auto& stream) {
    http::async_read(stream, impl_->buffer, parser, [&](beast::error_code read_ec, size_t) {
      ec = read_ec;
      done = true;
    });
  });
  const bool finished = impl_->run_until(done, timeout);
  result.header_received = parser.is_header_done();
  if (result.header_received) result.partial_status = parser.get().result_int();
  result.body_bytes_received = parser.get().body().size();
  if (!finished) {
    result.error = "timeout";
    return result;
  }
  if (ec) {
    impl_->broken = true;
    result.error = ec.message();
    return result;
  }
  RawResponse response;
  response.status = parser.get().result_int();
  for (const auto& field : parser.get()) {
    std::string& value = response.headers[lower(field.name_string())];
    if (!value.empty()) value += ", ";
    value += field.value();
  }
  response.body = std::move(parser.get().body());
  result.response = std::move(response);
  return result;
}

RawResult RawHttpConnection::send(const std::string& method, const std::string& target,
                                  const Headers& headers, const std::string& body,
                                  std::chrono::milliseconds timeout) {
  if (!write_request(method, target, headers, body, timeout)) {
    RawResult result;
    result.error = "write failed";
    return result;
  }
  return read_response(timeout);
}

bool RawHttpConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  if (impl_->broken) return true;
  bool done = false;
  beast::error_code ec;
  char byte = 0;
  impl_->with_stream([&](auto& stream) {
    stream.async_read_some(net::buffer(&byte, 1), [&](beast::error_code read_ec, size_t) {
      ec = read_ec;
      done = true;
    });
  });
  if (!impl_->run_until(done, timeout)) return false;
  impl_->broken = true;
  return static_cast<bool>(ec);
}

RawResult http_request(uint16_t port, const std::string& method, const std::string& target,
                       const Headers& headers, const std::string& body) {
  RawHttpConnection connection(port);
  return connection.send(method, target, headers, body);
}

boost::json::value control_json(uint16_t port, const std::string& method, const std::string& target,
                                const std::string& body) {
  RawResult result =
      http_request(port, method, target, {{"Content-Type", "application/json"}}, body);
  if (!result.response) throw std::runtime_error(method + " " + target + ": " + result.error);
  if (result.response->status / 100 != 2) {
    throw std::runtime_error(method + " " + target + ": status " +
                             std::to_string(result.response->status) + ": " +
                             result.response->body);
  }
  return boost::json::parse(result.response->body);
}

}  // namespace mb::sim::testing
