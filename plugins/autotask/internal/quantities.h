// read_quantities and apply_quantities: the host's line documents (abi.h) against Autotask.
//
// Both work in bulk. For a batch of lines they ask, with `in` filters of up to 500 ids and
// every chunk of one entity in one concurrent batch:
//   Companies            which companies exist and are active,
//   Contracts            their active Recurring Service contracts,
//   ContractServices     those contracts' lines for the services asked about,
//   ContractServiceUnits the units of the lines found, on the effective date.
// apply_quantities skips the first three for lines carrying the line_ref a read returned, and
// always re-reads the units before computing a delta.
//
//   std::string out = read_quantities(client, call,
//   R"({"effective_date":"2025-06-01","lines":[...]})");
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUANTITIES_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUANTITIES_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "internal/adjustments.h"
#include "internal/client.h"
#include "internal/contract_lines.h"

namespace meterbridge::autotask {

// Companies, their active Recurring Service contracts, and those contracts' lines for
// `service_ids`, fetched in bulk.
ContractBook fetch_contract_book(AutotaskClient& client, meterbridge::Call& call,
                                 const std::vector<int64_t>& company_ids,
                                 const std::vector<int64_t>& service_ids, std::string_view date);

// Units on `date` for each contract service (0 when no period covers the date).
std::map<int64_t, int64_t> fetch_units_on(AutotaskClient& client, meterbridge::Call& call,
                                          const std::vector<int64_t>& contract_service_ids,
                                          std::string_view date);

meterbridge::ReadResult read_quantities(AutotaskClient& client, meterbridge::Call& call,
                                        const meterbridge::ReadRequest& request);

meterbridge::ApplyResult apply_quantities(AutotaskClient& client, AdjustmentLedger& ledger,
                                          meterbridge::Call& call,
                                          const meterbridge::ApplyRequest& request);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_QUANTITIES_H_
