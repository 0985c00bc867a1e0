// authenticate: proves the whole credential set with one cheap authenticated call.
//
// zoneInformation only proves the user name exists, so the check is: discover the zone afresh
// (the tenant may have moved), then GET ThresholdInformation, which needs every header and
// also tells how much of the tenant's hourly request threshold is in use.
//
//   authenticate(client, call)
//   // {"status":"ok","message":"Autotask accepted api@acme.example in zone America East 3 ..."}
//   // {"status":"auth_failed","message":"Autotask rejected the integration code (HTTP 500):
//   IntegrationCode is invalid."}
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTHENTICATE_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTHENTICATE_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/client.h"

namespace meterbridge::autotask {

// The verdict document of on_authenticate. Throws PluginError only when no verdict could be
// reached for a reason worth retrying as such (throttled, the host's budget exhausted).
meterbridge::AuthenticateResult authenticate(AutotaskClient& client, meterbridge::Call& call);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_AUTHENTICATE_H_
