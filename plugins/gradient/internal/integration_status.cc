// What each Gradient integration status means to the vendor, and who may change it. Gradient's
// lifecycle (its vendor API docs and "Connecting to Partner Environment"): `inactive` is the
// default and the state after a disconnect; the vendor sets `pending` once the partner has
// entered their key and the vendor's accounts exist, and that is what the MSP's mapping wizard
// waits for; Gradient itself sets `active` when it first accepts usage. `disabled` and `error`
// (older docs) are set on Gradient's side. meterbridge therefore moves only `inactive` to
// `pending`, only when connecting, and never touches the others.
#include "internal/operations.h"

#include <meterbridge/abi.h>

#include <optional>

namespace meterbridge::gradient {
namespace {

HttpRequest status_request(const Client& client, std::string_view status) {
  // Setting a status is absolute: a replay changes nothing, so the engine may retry it.
  return client.request("PATCH", "/organization/status/" + std::string(status), "status");
}

}  // namespace

std::string who(const Integration& integration) {
  return integration.name.empty() ? "the MSP" : "'" + integration.name + "'";
}

StatusReading read_status(std::string_view status, const std::string& who, bool connecting) {
  const std::string integration =
      "Gradient integration with " + who + " is '" + std::string(status) + "'";
  if (status == "active") return {MB_AUTH_OK, integration + ": Gradient accepts its counts", ""};
  if (status == "pending")
    return {MB_AUTH_PENDING,
            integration +
                ": the MSP maps the accounts and services in Synthesize; Gradient "
                "makes it active when it accepts the first counts",
            ""};
  if (status == "inactive" && connecting)
    return {MB_AUTH_PENDING,
            integration +
                " (Gradient's state before a partner connects and after a disconnect): "
                "it becomes pending once the accounts and services exist",
            "pending"};
  if (status == "inactive")
    return {MB_AUTH_CONFLICT,
            integration +
                ": Gradient's state before a partner connects and after a disconnect "
                "(the MSP's, which deletes the accounts, or the vendor's); Synthesize "
                "offers the MSP nothing to map. meterbridge sets it pending only when "
                "connecting: run `meterbridge connectors connect` for this connector "
                "(with the MSP's new Partner API Key if they generated one)",
            ""};
  if (status == "disabled")
    return {MB_AUTH_CONFLICT,
            integration +
                ": it was disabled on Gradient's side (by the MSP in Synthesize, or by "
                "Gradient), and meterbridge never overrides that. Ask the MSP to enable "
                "it again in Synthesize, then run `meterbridge connectors test`",
            ""};
  if (status == "error")
    return {MB_AUTH_CONFLICT,
            integration +
                ": Gradient marked it as failing, and meterbridge never overrides "
                "that. Ask the MSP to check the integration in Synthesize (or Gradient "
                "support), then run `meterbridge connectors test`",
            ""};
  return {MB_AUTH_CONFLICT,
          integration +
              ": a status Gradient does not document; meterbridge leaves it alone. Ask "
              "the MSP or Gradient support what it means",
          ""};
}

std::string sync_warning(std::string_view status) {
  if (status == "active" || status == "pending") return "";
  return "the Gradient integration is '" + std::string(status) +
         "': the MSP may not see or bill these counts until it is pending or active; "
         "`meterbridge connectors test` says why and what to do";
}

SetStatusResult set_status(Call& call, const Client& client, SessionState& state,
                           const SetStatusRequest& request) {
  std::string status = ascii_lower(trimmed(request.status));
  // The SDK also lists "disabled" and "error", but the newer docs list only these three and
  // Gradient's guidance is to send nothing else.
  if (status != "active" && status != "inactive" && status != "pending")
    throw PluginError(
        MB_STATUS_CONFIG_INVALID,
        "Gradient integration status must be active, inactive or pending, not '" + status + "'");
  HttpResponse r = client.execute_one(call, status_request(client, status));
  if (!r.ok()) throw_failure(classify(r, "set the integration status to " + status));
  std::optional<Integration> now = parse_integration(r.body);
  std::string result = now && !now->status.empty() ? now->status : status;
  state.integration_status = result;
  call.info("Gradient integration status set to '" + result + "'");
  std::string message = "Gradient integration with " + (now ? who(*now) : std::string("the MSP")) +
                        " is now '" + result + "'";
  if (result == "pending")
    message += ": the MSP can now map the accounts and services in Synthesize";
  return SetStatusResult{result, message};
}

// The partner leaves: Gradient's lifecycle says the integration goes back to inactive. The host
// then deletes the credentials and every local mapping; the accounts stay on Gradient until the
// MSP disconnects there (which deletes them), so a reconnect finds and reuses them.
std::string disconnect(Call& call, const Client& client, SessionState& state) {
  HttpResponse r = client.execute_one(call, status_request(client, "inactive"));
  state.integration_status = "inactive";
  state.accounts.reset();
  state.created_accounts.clear();
  state.catalog_ids.reset();
  state.created_services.clear();
  state.listing.clear();
  if (!r.ok()) throw_failure(classify(r, "set the integration status to inactive"));
  call.info("Gradient integration status set to 'inactive'");
  return "{}";
}

}  // namespace meterbridge::gradient
