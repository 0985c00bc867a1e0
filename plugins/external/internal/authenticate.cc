#include "internal/operations.h"

#include <optional>
#include <string>
#include <utility>

namespace meterbridge::external {
namespace {

AuthenticateResult verdict(AuthStatus status, std::string message) {
  return AuthenticateResult{status, std::move(message), std::nullopt};
}

}  // namespace

AuthenticateResult authenticate(Call& call, const Client& client, PlatformCache& cache) {
  const HttpResponse r =
      client.execute(call, {client.request("GET", "/v1/integration", "integration")}).front();
  if (r.ok()) {
    IntegrationInfo info = parse_integration(r.body);
    if (info.protocol_version.rfind("1.", 0) != 0) {
      return verdict(AuthStatus::kConfigInvalid, "the platform speaks external protocol " +
                                                     info.protocol_version +
                                                     "; this plugin speaks version 1");
    }
    cache.remember(info, call.now_ms());
    return verdict(AuthStatus::kOk, info.platform_name + ": integration " + info.integration_name +
                                        " (" + info.integration_id + "), external protocol " +
                                        info.protocol_version + ", up to " +
                                        std::to_string(info.max_batch_items) + " counts per batch");
  }
  const HttpFailure failure = failure_for(r, "check the API key");
  switch (failure.status) {
    case MB_STATUS_AUTH_FAILED:
      return verdict(AuthStatus::kAuthFailed, failure.message);
    case MB_STATUS_CONFIG_INVALID: {
      const bool versioned = client.config().base_url.ends_with("/v1");
      return verdict(AuthStatus::kConfigInvalid,
                     failure.message + (versioned ? "; base_url must not include /v1" : ""));
    }
    case MB_STATUS_RETRY:
      return verdict(AuthStatus::kUnreachable, failure.message);
    default:
      throw_failure(failure);
  }
}

}  // namespace meterbridge::external
