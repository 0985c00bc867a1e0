// authenticate: GET /v1/integration with the API key; the platform must speak protocol 1.x.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_AUTHENTICATE_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_AUTHENTICATE_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

AuthenticateResult authenticate(Call& call, const Client& client, PlatformCache& cache);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_AUTHENTICATE_H_
