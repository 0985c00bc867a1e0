// The plugin's Gradient client: every request goes through the host's HTTP engine
// (Call::http) with the GRADIENT-TOKEN, and every failure is classified once, here.
//
//   Client client(config);
//   std::vector<ApiResponse> r = client.execute(call, {
//       {"GET", "/api/vendor-api/organization/accounts", std::nullopt, "accounts", true}});
//   if (!r[0].ok()) throw_failure(classify(r[0], "list accounts"));
//
// Independent requests go in one execute() so the engine runs them concurrently within the
// connector's limits (the manifest keeps Gradient well under its 100 requests a second).
// Retries are the engine's: 429 for every method, 5xx and timeouts only for requests marked
// idempotent, so a create that may have reached Gradient comes back to the plugin, which re-reads
// before deciding.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CLIENT_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CLIENT_H_

#include <meterbridge/http.hpp>
#include <meterbridge/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/config.h"

namespace meterbridge::gradient {

// The route prefix of every vendor-API call.
inline constexpr std::string_view kApi = "/api/vendor-api";

// Requests handed to the host per batch: bounds memory and lets cancellation be seen between
// batches; the engine's limits decide how many run at once.
inline constexpr size_t kMaxBatch = 200;

struct ApiRequest {
  std::string method = "GET";
  std::string path;                 // after the base URL, starting with kApi
  std::optional<std::string> body;  // JSON
  std::string endpoint;             // the engine's concurrency and counting key
  bool idempotent = true;
};

struct ApiResponse {
  int status = 0;  // 0: no HTTP response (see error_*)
  std::string body;
  int attempts = 0;
  uint64_t retry_after_ms = 0;  // a 429 the engine gave up on, when Gradient said how long
  std::string error_class;      // status 0: "retry", "config_invalid", "fatal", ...
  std::string error_message;
  bool maybe_sent = false;  // status 0: the request may have reached Gradient

  bool ok() const { return status >= 200 && status < 300; }
  // No HTTP answer, or a 5xx: the request may or may not have taken effect.
  bool ambiguous() const { return (status == 0 && maybe_sent) || status >= 500; }
};

// Why a request failed, in the ABI's terms (the SDK's, with throw_failure()).
using Failure = HttpFailure;

// 401 auth_failed; 403 (Gradient's "anomaly with your API usage") and 429 rate_limited;
// 404 not_found; 409 conflict; 5xx and transport errors retry; the rest fatal. `what` names the
// call ("list accounts") and starts the message.
Failure classify(const ApiResponse& response, std::string_view what);

// A refusal of the caller rather than of one request (401, 403, 429): every further call would
// fail alike, so a loop over accounts or services stops at it.
inline bool stops_everything(const ApiResponse& r) {
  return r.status == 401 || r.status == 403 || r.status == 429;
}

// The ABI's names of error classes ("retry", "auth_failed", ...), from the SDK.
using ::meterbridge::error_class_name;

class Client {
 public:
  explicit Client(const ConnectorConfig& config);

  const std::string& base_url() const { return base_url_; }

  // Runs the requests in host batches of kMaxBatch and returns the responses in order. Between
  // batches a cancelled call leaves the rest unsent (status 0, "retry", not maybe_sent). Throws
  // PluginError only when the host refuses a batch as a whole or answers nonsense.
  std::vector<ApiResponse> execute(Call& call, const std::vector<ApiRequest>& requests) const;
  ApiResponse execute_one(Call& call, const ApiRequest& request) const;

 private:
  std::vector<ApiResponse> send_batch(Call& call, const ApiRequest* first, size_t count) const;

  std::string base_url_;
  std::string token_;
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CLIENT_H_
