// HttpServer: the simulator's HTTP/1.1 transport (keep-alive, optional TLS) on 127.0.0.1.
// Boost.Beast is confined to http_server.cc so the rest of the simulator compiles without it.
#ifndef METERBRIDGE_SIM_CORE_INTERNAL_HTTP_SERVER_H_
#define METERBRIDGE_SIM_CORE_INTERNAL_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "sim/core/internal/exchange.h"

namespace mb::sim::internal {

class HttpServer {
 public:
  struct Options {
    uint16_t port = 0;
    int threads = 2;
    std::string tls_cert_file;  // PEM certificate chain; with tls_key_file => https
    std::string tls_key_file;   // PEM private key
  };

  // Binds and listens on 127.0.0.1:port; throws std::runtime_error (port in use, bad TLS
  // files). Nothing is served until run().
  HttpServer(const Options& options, ExchangeHandler& handler);
  ~HttpServer();

  void run();
  // Stops accepting, abandons open connections and joins the io threads. Idempotent.
  void stop();

  uint16_t port() const;
  bool uses_tls() const;

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mb::sim::internal

#endif  // METERBRIDGE_SIM_CORE_INTERNAL_HTTP_SERVER_H_
