// read_quantities and apply_quantities. Gradient cannot report counts, so a read answers from
// what the session learnt (see SessionState) and the host's last pushed count; an apply POSTs
// one count per line, every one with no_build but the run's last, which rebuilds the Billing view.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_QUANTITIES_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_QUANTITIES_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"

namespace meterbridge::gradient {

ReadResult read_quantities(Call& call, const Client& client, SessionState& state,
                           const ReadRequest& request);
ApplyResult apply_quantities(Call& call, const Client& client, SessionState& state,
                             const ApplyRequest& request);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_QUANTITIES_H_
