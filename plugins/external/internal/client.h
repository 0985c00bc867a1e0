// The plugin's side of the wire: requests to the platform go through the host's HTTP engine
// (Call::http) with the bearer key, and failed answers become the ABI's error classes.
//
//   Client client(config);
//   std::vector<ApiResponse> r = client.execute(call, {ApiRequest::get("/v1/integration",
//   "integration")}); if (!r[0].ok()) throw_failure(failure_for(r[0], "read the integration"));
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
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/config.h"
#include "internal/wire.h"

namespace meterbridge::external {

struct ApiRequest {
  std::string method = "GET";
  std::string target;           // path and query under the base URL, e.g. "/v1/customers?limit=500"
  std::string body;             // JSON, for PUT and POST
  std::string endpoint;         // the engine's concurrency and counting key
  std::string idempotency_key;  // POST /v1/count-batches only

  static ApiRequest get(std::string target, std::string endpoint) {
    return ApiRequest{"GET", std::move(target), "", std::move(endpoint), ""};
  }
};

// The host's answer to one request (status 0: none; see its error).
using ApiResponse = HttpResponse;

// The protocol's error code in a response's body, or "" when the body is not an error body.
std::string error_code(const ApiResponse& response);

// Why a request failed, in the ABI's terms (the SDK's, with throw_failure()).
using Failure = HttpFailure;

// Classifies a failed answer to a request made to `what` ("push counts"): 401/403 auth_failed,
// 429 rate_limited, 5xx and lost connections retry, 404 not_found (config_invalid for a path
// the platform does not serve at all), 409 conflict, other 4xx fatal.
Failure failure_for(const ApiResponse& response, std::string_view what);

// The ABI's names of error classes ("retry", "auth_failed", ...), from the SDK.
using ::meterbridge::error_class_name;

class Client {
 public:
  explicit Client(Config config) : config_(std::move(config)) {}

  const Config& config() const { return config_; }

  // Runs the requests (as host batches of at most kMaxBatch) and returns the responses in
  // order. Throws PluginError only when the host refuses a batch as a whole (request budget
  // exhausted, malformed batch) or answers something that is not a response list.
  std::vector<ApiResponse> execute(Call& call, const std::vector<ApiRequest>& requests) const;
  ApiResponse execute_one(Call& call, const ApiRequest& request) const;

  // Requests handed to the host at once: bounds memory and lets cancellation be seen between
  // batches; the engine's limits decide how many run concurrently.
  static constexpr size_t kMaxBatch = 50;

 private:
  HttpRequest http_request(const ApiRequest& request) const;

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
std::optional<std::string> given(const std::string& text);

// Throws PluginError(retry) when the host cancelled the call.
void check_cancelled(Call& call, std::string_view what);

// `target` with the protocol's cursor parameter, when there is a cursor.
std::string with_cursor(const std::string& target, const std::optional<std::string>& cursor);

// Every entry of a paged list (`target` without cursor), following next_cursor.
std::vector<boost::json::object> fetch_all(Call& call, const Client& client,
                                           const std::string& target, const std::string& endpoint,
                                           std::string_view what);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CLIENT_H_
