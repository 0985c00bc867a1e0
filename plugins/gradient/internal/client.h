// The plugin's Gradient client: every request goes through the host's HTTP engine
// (http_in_batches) with the GRADIENT-TOKEN, ids spliced into paths and queries are URL-encoded,
// and every failure is classified once, here.
//
//   Client client(config);
//   std::vector<HttpResponse> r =
//       client.execute(call, {client.request("GET", "/organization/accounts", "accounts")});
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

// The GRADIENT-TOKEN header: standard base64 (with padding, the SDK's base64_encode) of the UTF-8
// text "<vendor key>:<partner key>", with no "Basic " prefix and no expiry: there is no exchange
// call. gradient_token("vk_live_123", "pk_456") is "dmtfbGl2ZV8xMjM6cGtfNDU2".
std::string gradient_token(std::string_view vendor_api_key, std::string_view partner_api_key);

// Whether an id may be used as one path segment at all (percent_encode()d): not empty, not "."
// and not "..", which URL normalisation would turn into a different path however they are
// encoded.
bool is_usable_path_id(std::string_view id);

// Why a request failed, in the ABI's terms (the SDK's, with throw_failure()).
using Failure = HttpFailure;

// 401 auth_failed; 403 (Gradient's "anomaly with your API usage") and 429 rate_limited;
// 404 not_found; 409 conflict; 5xx and transport errors retry; the rest fatal. `what` names the
// call ("list accounts") and starts the message.
Failure classify(const HttpResponse& response, std::string_view what);

// No HTTP answer after the request may have been sent, or a 5xx: it may or may not have taken
// effect.
bool ambiguous(const HttpResponse& response);

// A refusal of the caller rather than of one request (401, 403, 429): every further call would
// fail alike, so a loop over accounts or services stops at it.
inline bool stops_everything(const HttpResponse& r) {
  return r.status == 401 || r.status == 403 || r.status == 429;
}

// The ABI's names of error classes ("retry", "auth_failed", ...), from the SDK.
using ::meterbridge::error_class_name;

class Client {
 public:
  explicit Client(const ConnectorConfig& config);

  const std::string& base_url() const { return base_url_; }

  // A request for `path` (after kApi) with the token. `endpoint` is the engine's concurrency and
  // counting key; `idempotent` lets the engine resend it after a 5xx or a timeout; `json_body`,
  // when given, is sent as JSON.
  HttpRequest request(std::string method, std::string_view path, std::string endpoint,
                      bool idempotent = true,
                      std::optional<std::string> json_body = std::nullopt) const;

  // Runs the requests in host batches of kMaxBatch and returns the responses in order
  // (http_in_batches): a cancelled call, or a host refusing a later batch, leaves the rest
  // unsent (status 0, not sent). Throws PluginError only when the host refuses the first batch
  // or answers nonsense.
  std::vector<HttpResponse> execute(const Call& call,
                                    const std::vector<HttpRequest>& requests) const {
    return http_in_batches(call, requests, kMaxBatch);
  }
  HttpResponse execute_one(const Call& call, HttpRequest request) const {
    return std::move(execute(call, {std::move(request)}).front());
  }

 private:
  std::string base_url_;
  std::string token_;
};

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CLIENT_H_
