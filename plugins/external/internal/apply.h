// apply_quantities: the lines pushed as POST /v1/count-batches of at most the smaller of the
// connector's batch_size and the platform's max_batch_items, each under its own idempotency key
// (internal/idempotency.h), all in one host batch.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_APPLY_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_APPLY_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>

#include "internal/cache.h"
#include "internal/client.h"

namespace meterbridge::external {

ApplyResult apply_quantities(Call& call, const Client& client, PlatformCache& cache,
                             const ApplyRequest& request);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_APPLY_H_
