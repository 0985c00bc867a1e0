#include "host/server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <list>
#include <mutex>
#include <thread>

namespace mb::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

ApiRequest to_api_request(const http::request<http::string_body>& req) {
  ApiRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.body = req.body();
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
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

class BeastServer : public HttpServer {
 public:
  BeastServer(HttpServerOptions options, ApiHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io_) {}

  ~BeastServer() override { stop(); }

  Status listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Status::ConfigInvalid("admin API: invalid listen address '" + options_.host + "'");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::ConfigInvalid("admin API: cannot listen on " + options_.host + ":" +
                                   std::to_string(options_.port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void stop() override {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.cancel(ec);
    acceptor_.close(ec);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::list<Connection> connections;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : connections_) {
        c.socket->shutdown(tcp::socket::shutdown_both, ec);
        c.socket->close(ec);
      }
      connections.swap(connections_);
    }
    for (auto& c : connections)
      if (c.thread.joinable()) c.thread.join();
  }

 private:
  struct Connection {
    std::shared_ptr<tcp::socket> socket;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void accept_loop() {
    while (!stopped_) {
      auto socket = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) {
        if (stopped_) return;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      reap_finished();
      if (connections_.size() >= options_.max_connections) {
        socket->close(ec);  // over the limit: the client retries, nothing half-served
        continue;
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      connections_.push_back({socket, std::thread([this, socket, done] {
                                serve(*socket);
                                done->store(true);
                              }),
                              done});
    }
  }

  // Caller holds mu_.
  void reap_finished() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      boost::system::error_code ec;
      http::read(socket, buffer, parser, ec);
      if (ec) return;  // closed, reset or malformed: nothing to answer
      auto& req = parser.get();
      ApiResponse response;
      try {
        response = handler_(to_api_request(req));
      } catch (const std::exception& e) {
        spdlog::error("admin API handler failed: {}", e.what());
        response.status = 500;
        response.body = R"({"error":{"code":"fatal","message":"internal error","details":{}}})";
      }
      http::response<http::string_body> res{static_cast<http::status>(response.status), req.version()};
      res.set(http::field::server, "meterbridge");
      res.set(http::field::content_type, response.content_type);
      for (const auto& [name, value] : response.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(response.body);
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !res.keep_alive() || stopped_) return;
    }
  }

  HttpServerOptions options_;
  ApiHandler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<Connection> connections_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, ApiHandler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  MB_RETURN_IF_ERROR(server->listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace mb::server
