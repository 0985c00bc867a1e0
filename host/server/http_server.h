// A small HTTP/1.1 server for the admin API: plain request/response structs in, an admission
// function and a handler function, Beast confined to http_server.cc.
//
// Design (docs/admin-api.md, "Server design"): one I/O thread serves every socket
// asynchronously, so an idle or slow client costs a buffer and a timer, never a thread; handlers
// run on two bounded worker pools, a quick lane for local work and a long lane for calls that
// reach a platform and may run for minutes, so a long sync never delays health, runs or usage.
// Each request is admitted from its head (request line and headers) before any body byte is
// read: the admission may answer at once (401, health) or set the body limit and the lane.
// Timeouts, size limits and a connection cap give every malformed, slow or excess request a
// definite answer (400, 408, 411, 413, 414, 431, 503) instead of a hang or a reset.
//
//   auto server = HttpServer::start({.host = "127.0.0.1", .port = 0}, admit, handler);
//   std::cout << (*server)->port();
#ifndef METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_
#define METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/common/status.h"

namespace mb::server {

struct ApiRequest {
  std::string method;
  std::string target;                          // as sent, with the query string
  std::string path;                            // percent-decoded, without the query
  std::vector<std::string> segments;           // path segments, each decoded (so ids may hold '/')
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names lower-case; repeated fields joined by ", "
  std::string body;                            // empty while the request is being admitted
  // With Admission::spool_body: the file the body was written to as it arrived (`body` stays
  // empty), for the handler to read; the server removes it once the request is done with.
  std::string body_file;
  std::string remote_address;                  // the client's IP address, as text
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

// Which worker pool runs a request's handler.
enum class HandlerLane {
  kQuick,  // local reads and writes (store, usage import): milliseconds to seconds
  kLong,   // calls that reach a platform (sync, test, refresh): seconds to minutes
};

// What the server does with a request once its head has arrived, before any body byte is read.
struct Admission {
  std::optional<ApiResponse> answer;  // answer now; a body, if any, is never read
  size_t max_body_bytes = 64 * 1024;  // 413 beyond it (at once when Content-Length says so)
  bool body_required = false;         // 411 when neither Content-Length nor chunked is sent
  // Write the body to a temporary file (ApiRequest::body_file) as it arrives instead of holding
  // it: a body of max_body_bytes then costs disk, not memory. The file is created 0600 in the
  // system's temporary folder (TMPDIR) and removed however the request ends.
  bool spool_body = false;
  HandlerLane lane = HandlerLane::kQuick;
};

// Called on the I/O thread with the request's head (body empty): must not block.
using AdmitFn = std::function<Admission(const ApiRequest& head)>;
// Called on a worker thread of the admitted lane. An exception becomes a 500.
using ApiHandler = std::function<ApiResponse(const ApiRequest&)>;

struct HttpServerLimits {
  // Connections served at once. Up to 64 more are answered 503 and closed; beyond that the
  // server stops accepting until a connection ends (clients wait in the listen backlog).
  size_t max_connections = 1024;
  size_t max_request_line_bytes = 8 * 1024;  // 414 beyond
  size_t max_header_bytes = 16 * 1024;       // request line and headers together; 431 beyond
  // To receive a request's line and headers, counted from the end of the previous response on
  // a kept-alive connection: an idle connection is closed silently, a partial request gets 408.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};   // to receive the body; 408 beyond
  std::chrono::milliseconds write_timeout{30'000};  // for a client to take its response
  size_t quick_workers = 4;
  size_t long_workers = 8;
  size_t max_queued_long = 32;  // long-lane requests waiting for a worker; 503 beyond
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP address
  uint16_t port = 0;               // 0: the system picks
  // PEM files; both set: every connection is TLS (1.2 or later). Both empty: plain HTTP.
  std::string tls_cert_file = {};
  std::string tls_key_file = {};
  HttpServerLimits limits;
  // Called on the I/O thread every `heartbeat_interval` until stop() (never when zero or empty):
  // it runs only while the I/O loop turns, so it can prove liveness (systemd's watchdog).
  std::chrono::milliseconds heartbeat_interval{0};
  std::function<void()> heartbeat;
};

class HttpServer {
 public:
  // `admit` may be empty: every request is then admitted to the quick lane with the default
  // Admission body limit.
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, AdmitFn admit,
                                                   ApiHandler handler);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Connections open now (served and refused), for tests and status pages.
  virtual size_t open_connections() const = 0;
  // Stops accepting. Connections waiting for a request are closed (a partly received one gets
  // 503); requests already admitted run to the end and their answers close the connection;
  // queued ones that have not started get 503. Returns at once. Idempotent.
  virtual void drain() = 0;
  // True once no handler runs or waits; false if that has not happened by `deadline`.
  virtual bool wait_idle(std::chrono::steady_clock::time_point deadline) = 0;
  // Drains, waits for running handlers, closes every connection and joins every thread.
  // Idempotent; the destructor calls it.
  virtual void stop() = 0;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_HTTP_SERVER_H_
