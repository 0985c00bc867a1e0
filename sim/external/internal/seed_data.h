// Seed documents of the external platform: the built-in one, generated ones, and loading a
// document into a Ledger with every reference checked.
//
//   {"integration": {"id": "int_0001", "name": "Coro for Acme IT"},
//    "platform": {"name": "Example Distribution"},
//    "services": [{"id": "coro-edr", "name": "Coro EDR", "metrics": ["devices"]}],
//    "customers": [{"id": "c-1001", "name": "Northwind Dental", "active": true}],
//    "links": [{"vendor_customer_id": "ws-88", "customer_id": "c-1001",
//               "vendor_customer_name": "Northwind"}],
//    "counts": [{"customer_id": "c-1001", "service_id": "coro-edr", "metric": "devices",
//                "quantity": 12, "effective_date": "2026-11-01"}]}
//
// Only "services" and "customers" are required. --generate takes customers=N (default 50),
// links=M (the first M customers linked to ws-00001.., each with deterministic counts;
// default 0) and seed=S.
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_SEED_DATA_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_SEED_DATA_H_

#include <boost/json/value.hpp>

#include <string>

#include "sim/core/seed.h"
#include "sim/external/internal/model.h"

namespace mb::sim::external {

boost::json::value default_seed_document();
// Throws SeedError for unknown keys or out-of-range counts.
boost::json::value generate_seed_document(const GenerateSpec& spec);
// Throws SeedError naming the first problem (a missing member, a duplicate id, a link to an
// unknown customer, a customer linked twice, a count of an unknown service or metric, ...).
// `now` stamps linked_at and updated_at.
Ledger load_seed_document(const boost::json::value& seed, const std::string& now);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_SEED_DATA_H_
