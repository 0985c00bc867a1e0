// The operations behind the session hooks of Gradient MSP, one .cc each (internal/<operation>.cc);
// the session (gradient_session.h) hands each hook to its operation.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_OPERATIONS_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_OPERATIONS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <map>
#include <string>
#include <string_view>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

// authenticate: the keys checked with Gradient's Get Partner Integration Settings, and the
// integration's status read (and cached in the session) for the host's connect flow.
AuthenticateResult authenticate(Call& call, const Client& client, SessionState& state,
                                const AuthenticateRequest& request);

// GET organization: the integration's status, cached in `state`. Throws PluginError.
const std::string& refresh_integration_status(Call& call, const Client& client,
                                              SessionState& state);

// list_accounts and list_services: Gradient's accounts (listed whole, paged from the session's
// copy), the MSP's PSA clients (a search starting "psa:"), and the vendor's services.
ListPage list_accounts(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request);
ListPage list_services(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request);

// provision_accounts and provision_services: the host's documents turned into the plans of
// internal/accounts.h and internal/services.h, what was created remembered in the session.
ProvisionAccountsResult provision_accounts(Call& call, const Client& client, SessionState& state,
                                           const ProvisionAccountsRequest& request);
ProvisionServicesResult provision_services(Call& call, const Client& client,
                                           const ConnectorConfig& config, SessionState& state,
                                           const ProvisionServicesRequest& request);

// The integration's status (internal/integration_status.cc says what each one means).
struct StatusReading {
  // authenticate's verdict: "ok" (active), "pending" (waiting for the MSP's mapping, or about
  // to be set pending by this connect), "conflict" (a status only the MSP or Gradient changes).
  std::string verdict;
  std::string message;
  // Set when connecting should end by setting this status (inactive -> "pending").
  std::string status_after_connect;
};

// `who` names the MSP for messages ("'Northwind IT'"). `connecting`: the first connect or an
// explicit reconnect, the only time meterbridge sets a status.
//
//   StatusReading r = read_status("disabled", "'Northwind IT'", /*connecting=*/false);
//   // r.verdict == "conflict", r.message says what it means and what to do
StatusReading read_status(std::string_view status, const std::string& who, bool connecting);

// A warning for a sync that finds the integration in a state where the MSP cannot see or bill
// the counts; empty for active and pending.
std::string sync_warning(std::string_view status);

// "'<the MSP's name>'" for messages, or "the MSP" when Gradient did not name it.
std::string who(const Integration& integration);

// set_status: PATCH organization/status/<status>, one of active, inactive or pending.
SetStatusResult set_status(Call& call, const Client& client, SessionState& state,
                           const SetStatusRequest& request);

// disconnect: the integration goes back to inactive and the session forgets what it learnt.
std::string disconnect(Call& call, const Client& client, SessionState& state);

// read_quantities and apply_quantities. Gradient cannot report counts, so a read answers from
// what the session learnt (see SessionState) and the host's last pushed count; an apply POSTs
// one count per line, every one with no_build but the run's last, which rebuilds the Billing view.
ReadResult read_quantities(Call& call, const Client& client, SessionState& state,
                           const ReadRequest& request);
ApplyResult apply_quantities(Call& call, const Client& client, SessionState& state,
                             const ApplyRequest& request);

// "2 created, 1 unchanged" (by name), or "none": what a hook logs about its items.
inline std::string tally_text(const std::map<std::string, int>& tally) {
  std::string text;
  for (const auto& [name, n] : tally)
    text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  return text.empty() ? "none" : text;
}

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_OPERATIONS_H_
