// A small HTTP/1.1 server for the admin API: plain request/response structs in, one handler
// function, Beast confined to http_server.cc. Connections are served on their own threads
// (bounded), because admin calls such as "sync now" may run for minutes and must not stall the
// others; the API's traffic is a few requests, not thousands.
//
//   auto server = HttpServer::start("127.0.0.1", 0, [](const ApiRequest& r) { ... });
//   std::cout << (*server)->port();
#ifndef METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_
#define METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/common/status.h"

namespace mb::server {

struct ApiRequest {
  std::string method;
  std::string target;                         // as sent, with the query string
  std::string path;                           // percent-decoded, without the query
  std::vector<std::string> segments;          // path segments, each decoded (so ids may hold '/')
  std::map<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> headers; // names lower-case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using ApiHandler = std::function<ApiResponse(const ApiRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the system picks
  size_t max_connections = 32;
  size_t max_body_bytes = 64 * 1024 * 1024;
};

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, ApiHandler handler);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, closes open connections and joins their threads. Idempotent.
  virtual void stop() = 0;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_
