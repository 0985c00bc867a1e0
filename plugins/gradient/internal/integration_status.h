// What each Gradient integration status means to the vendor, and who may change it. Gradient's
// lifecycle (its vendor API docs and "Connecting to Partner Environment"): `inactive` is the
// default and the state after a disconnect; the vendor sets `pending` once the partner has
// entered their key and the vendor's accounts exist, and that is what the MSP's mapping wizard
// waits for; Gradient itself sets `active` when it first accepts usage. `disabled` and `error`
// (older docs) are set on Gradient's side. meterbridge therefore moves only `inactive` to
// `pending`, only when connecting, and never touches the others.
//
//   StatusReading r = read_status("disabled", "'Northwind IT'", /*connecting=*/false);
//   // r.verdict == "conflict", r.message says what it means and what to do
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_INTEGRATION_STATUS_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_INTEGRATION_STATUS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>
#include <string_view>

#include "internal/client.h"
#include "internal/session_state.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

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
StatusReading read_status(std::string_view status, const std::string& who, bool connecting);

// A warning for a sync that finds the integration in a state where the MSP cannot see or bill
// the counts; empty for active and pending.
std::string sync_warning(std::string_view status);

// set_status: PATCH organization/status/<status>, one of active, inactive or pending.
SetStatusResult set_status(Call& call, const Client& client, SessionState& state,
                           const SetStatusRequest& request);

// disconnect: the integration goes back to inactive and the session forgets what it learnt.
std::string disconnect(Call& call, const Client& client, SessionState& state);

// "'<the MSP's name>'" for messages, or "the MSP" when Gradient did not name it.
std::string who(const Integration& integration);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_INTEGRATION_STATUS_H_
