// The host's HTTP client interface: what a plugin's callback_http_batch turns into. Plain
// structs, no Beast, so the plugin host and tests never compile the engine's headers.
//
// The real engine (Beast + OpenSSL, pools, limits, retries, redaction, counters) implements
// HttpClient; a connector gets one client with its own HttpPolicy.
#ifndef METERBRIDGE_HOST_HTTP_HTTP_CLIENT_H_
#define METERBRIDGE_HOST_HTTP_HTTP_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/common/status.h"

namespace mb::http {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whether a retry after a 5xx, timeout or reset is safe. Defaults from the method when the
  // plugin does not say.
  bool idempotent = true;
  // Key for per-endpoint concurrency and budget accounting (e.g. Autotask's entity name).
  std::string endpoint;
  std::chrono::milliseconds timeout{0};  // 0: the policy's total timeout
};

struct HttpResponse {
  int status = 0;  // 0 when no HTTP response was obtained
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  int attempts = 0;
  // Set when status == 0: why, and whether the request may have reached the server.
  ErrorClass error_class = ErrorClass::kOk;
  std::string error_message;
  bool maybe_sent = false;
};

// Per-connector limits; the plugin manifest gives defaults and the connector config overrides.
struct HttpPolicy {
  int max_concurrency = 8;
  int per_endpoint_concurrency = 0;      // 0: no separate limit
  double requests_per_second = 0;        // 0: no rate limit
  int burst = 1;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{60000};
  int max_retries = 4;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{30000};
  int64_t hourly_budget = 0;             // 0: unlimited
  std::string ca_file;                   // extra CA bundle (PEM) trusted besides the system store
  bool verify_tls = true;
  bool allow_plain_http = false;         // plain http:// beyond loopback
};

// What the batch as a whole did; per-request outcomes are in the responses.
struct BatchOutcome {
  Status status;  // non-OK only when nothing was sent (bad batch, budget exhausted)
  std::vector<HttpResponse> responses;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Runs every request (concurrently within the policy) and returns responses in order.
  // Blocks until all are done or `cancelled` becomes true.
  virtual BatchOutcome execute(std::vector<HttpRequest> requests,
                               const std::atomic<bool>* cancelled) = 0;
};

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_HTTP_CLIENT_H_
