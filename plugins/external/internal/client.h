// The plugin's side of the wire: requests to the platform carry the bearer key and go through
// the host's HTTP engine, and failed answers become the ABI's error classes.
//
//   Client client(config);
//   auto r = client.execute(call, {client.request("DELETE", "/v1/links/ws-1", "links")});
//   if (!r[0].ok()) throw_failure(failure_for(r[0], "unlink workspace ws-1"));
//   std::string body = client.get(call, "/v1/integration", "integration", "read the integration");
//
// Independent requests go in one execute() so the engine runs them concurrently within the
// connector's limits. Retries are the engine's: 429 always (nothing was done), 5xx, timeouts
// and resets for requests marked idempotent, which every request of this protocol is (GET,
// PUT and DELETE by nature, POST /v1/count-batches by its Idempotency-Key).
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CLIENT_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CLIENT_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/http.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/config.h"
#include "internal/wire.h"

namespace meterbridge::external {

// The protocol's error code in a response's body, or "" when the body is not an error body.
std::string error_code(const HttpResponse& response);

// Classifies a failed answer to a request made to `what` ("push counts"): 401/403 auth_failed,
// 429 rate_limited, 5xx and lost connections retry, 404 not_found (config_invalid for a path
// the platform does not serve at all), 409 conflict, other 4xx fatal.
HttpFailure failure_for(const HttpResponse& response, std::string_view what);

class Client {
 public:
  explicit Client(Config config) : config_(std::move(config)) {}

  const Config& config() const { return config_; }

  // A request for `target` (path and query under the base URL, e.g. "/v1/customers?limit=500");
  // `endpoint` is the engine's concurrency and counting key.
  HttpRequest request(std::string method, std::string_view target, std::string endpoint) const;

  // Runs the requests (as host batches of at most kMaxBatch) and returns the responses in
  // order (http_in_batches: a cancelled call, or a host refusing a later batch, leaves the rest
  // unsent). Throws PluginError only when the host refuses the first batch (request budget
  // exhausted, malformed batch) or answers something that is not a response list.
  std::vector<HttpResponse> execute(Call& call, const std::vector<HttpRequest>& requests) const;

  // The body of GET `target`; throws the failure to `what` when the platform did not answer 2xx.
  std::string get(Call& call, std::string_view target, std::string endpoint,
                  std::string_view what) const;

  // Requests handed to the host at once: bounds memory and lets cancellation be seen between
  // batches; the engine's limits decide how many run concurrently.
  static constexpr size_t kMaxBatch = 50;

 private:
  Config config_;
};

// ---- Paging ---------------------------------------------------------------------------------

// Bounds every paging loop: 10,000 pages of the smallest page a platform may serve (100) is a
// million entries, far beyond any MSP.
inline constexpr int kMaxPages = 10000;
// The largest page a list asks for.
inline constexpr int64_t kMaxListLimit = 1000;

// A text member the host may leave out or send empty: either way, absent.
std::optional<std::string> given(const std::optional<std::string>& text);

// `target` with the protocol's cursor parameter, when there is a cursor.
std::string with_cursor(const std::string& target, const std::optional<std::string>& cursor);

// Every entry of the paged lists at `targets` (without cursor), following each next_cursor. The
// lists are read together: one host batch per round of pages, run concurrently.
std::vector<boost::json::object> fetch_all(Call& call, const Client& client,
                                           std::vector<std::string> targets,
                                           const std::string& endpoint, std::string_view what);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CLIENT_H_
