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
#include "host/http/counters.h"

namespace mb::http {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whether a retry after a 5xx, timeout or reset is safe. Defaults from the method when the
  // plugin does not say.
  bool idempotent = true;
  // Key for per-endpoint concurrency and budget accounting (e.g. the resource or entity a
  // request addresses), and the `endpoint` label of its metrics (request_metrics.h).
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
  // How long the server asked us to wait (Retry-After on a 429/503 that was returned to the
  // caller, because retries ran out or the wait exceeded the policy's retry_after_max); 0 when
  // the server did not say.
  int64_t retry_after_ms = 0;
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
  // Names the platform tenant whose hourly budget the connector shares with others (counted
  // by the host, not the engine); empty: the host derives it (docs/scale-out.md, "Budgets").
  std::string budget_key;
  // Syncs at once on the connector's platform tenant (the budget_key's tenant), across every
  // connector and node; 0: unlimited. Counted by the host's job runner, not the engine
  // (docs/scale-out.md, "Tenant slots").
  int tenant_concurrency = 0;
  std::string ca_file;                   // extra CA bundle (PEM) trusted besides the system store
  bool verify_tls = true;
  bool allow_plain_http = false;         // plain http:// beyond loopback
  // A Retry-After longer than this is not waited out: the response goes back to the caller with
  // HttpResponse::retry_after_ms set.
  std::chrono::milliseconds retry_after_max{600000};
  // Statuses retried for idempotent requests (429 is always retried; see docs/http-engine.md).
  std::vector<int> retry_statuses{500, 502, 503, 504};
  // A response whose body contains one of these is a throttling refusal, retried like a 429
  // (some platforms refuse with a 500 and a recognisable text instead of a 429).
  std::vector<std::string> throttle_body_markers;
  // Header names (case-insensitive) whose values are credentials, masked in every log line.
  // Only generic ones here; a plugin's manifest adds its platform's own (http.masked_headers).
  std::vector<std::string> masked_headers{"authorization", "proxy-authorization", "cookie",
                                          "set-cookie", "x-api-key"};
  // Idle keep-alive connections older than this are closed instead of reused.
  std::chrono::milliseconds idle_timeout{30000};
  int64_t max_response_bytes = 64 * 1024 * 1024;
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
  // A snapshot of what this client has done so far (for the sync report and the benchmark).
  virtual HttpCounters counters() const { return {}; }
};

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_HTTP_CLIENT_H_
