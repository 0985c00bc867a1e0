#include "internal/operations.h"

#include <optional>
#include <string>

#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

AuthenticateResult verdict(AuthStatus status, const std::string& message) {
  return AuthenticateResult{status, message, std::nullopt};
}

// Get Partner Integration Settings: Gradient's preferred check of the token.
HttpRequest organization_request(const Client& client) {
  return client.request("GET", "/organization", "organization");
}

}  // namespace

// Checks the keys and reads the integration's status. Only a connect (input "purpose":
// "connect": the first connect or an explicit reconnect) may lead to a status change, and not
// here: the host provisions the accounts and services first, then sets the status this answer
// names in "status_after_connect" through set_status, so the MSP never finds an empty wizard.
AuthenticateResult authenticate(Call& call, const Client& client, SessionState& state,
                                const AuthenticateRequest& request) {
  const bool connecting = request.purpose == AuthPurpose::kConnect;
  state.connecting = connecting;
  HttpResponse r = client.execute_one(call, organization_request(client));
  if (!r.ok()) {
    Failure f = classify(r, "read the partner integration settings");
    if (r.status == 429) throw_failure(f);
    if (r.status == 401 || r.status == 403) return verdict(AuthStatus::kAuthFailed, f.message);
    if (r.status == 0 && f.status == MB_STATUS_CONFIG_INVALID)
      return verdict(AuthStatus::kConfigInvalid, f.message);
    if (r.status == 0 || r.status >= 500) return verdict(AuthStatus::kUnreachable, f.message);
    if (r.status == 404)
      return verdict(AuthStatus::kConfigInvalid,
                     f.message + ": no Gradient vendor API at " + client.base_url() +
                         ", or no vendor profile for the Vendor API Key");
    return verdict(AuthStatus::kConfigInvalid, f.message);
  }
  std::optional<Integration> integration = parse_integration(r.body);
  if (!integration)
    return verdict(AuthStatus::kConfigInvalid,
                   client.base_url() + " answered " + std::to_string(r.status) +
                       " but not like Gradient's vendor API: check the base URL");
  state.integration_status = integration->status;
  StatusReading reading = read_status(integration->status, who(*integration), connecting);
  AuthenticateResult out{from_wire<AuthStatus>(reading.verdict).value_or(AuthStatus::kUnreachable),
                         reading.message, std::nullopt};
  if (!reading.status_after_connect.empty())
    out.status_after_connect = reading.status_after_connect;
  return out;
}

const std::string& refresh_integration_status(Call& call, const Client& client,
                                              SessionState& state) {
  HttpResponse r = client.execute_one(call, organization_request(client));
  if (!r.ok()) throw_failure(classify(r, "read the partner integration settings"));
  std::optional<Integration> integration = parse_integration(r.body);
  if (!integration)
    throw PluginError(MB_STATUS_FATAL, "read the partner integration settings: Gradient answered " +
                                           std::to_string(r.status) + " without the integration");
  state.integration_status = integration->status;
  return *state.integration_status;
}

}  // namespace meterbridge::gradient
