// authenticate: the keys checked with Gradient's Get Partner Integration Settings, and the
// integration's status read (and cached in the session) for the host's connect flow.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_AUTHENTICATE_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_AUTHENTICATE_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/session_state.h"

namespace meterbridge::gradient {

AuthenticateResult authenticate(Call& call, const Client& client, SessionState& state,
                                const AuthenticateRequest& request);

// GET organization: the integration's status, cached in `state`. Throws PluginError.
const std::string& refresh_integration_status(Call& call, const Client& client,
                                              SessionState& state);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_AUTHENTICATE_H_
