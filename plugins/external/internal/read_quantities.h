// read_quantities: GET /v1/counts for the lines' customers, in groups run as one batch; a line
// of a customer no workspace links reads as not linked (internal/lines.h).
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_READ_QUANTITIES_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_READ_QUANTITIES_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

ReadResult read_quantities(Call& call, const Client& client, PlatformCache& cache,
                           const ReadRequest& request);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_READ_QUANTITIES_H_
