// read_quantities: each (company, catalog item) line resolved to the one agreement addition
// billing it (internal/contracts.h), its quantity and a line_ref naming the addition for apply.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_READ_QUANTITIES_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_READ_QUANTITIES_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include "internal/client.h"

namespace meterbridge::connectwise {

ReadResult read_quantities(Call& call, Client& client, const ReadRequest& request);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_READ_QUANTITIES_H_
