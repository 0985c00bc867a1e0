// The Autotask simulator's built-in seed and its --generate tenant (rules in docs/simulators.md,
// "Autotask": which companies get which contracts, the edge cases and their fixed positions).
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_SEED_DATA_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_SEED_DATA_H_

#include <boost/json/value.hpp>

#include "sim/core/seed.h"

namespace mb::sim::autotask {

// Small and readable; reproduces the examples of Autotask's REST API documentation (company 412,
// contract 9001, contract service 55120 with unit rows 7001 = 40 and 7002 = 43).
boost::json::value default_tenant_seed();

// --generate companies=N,services=M,seed=S,year=Y. Throws SeedError for unknown keys or values
// out of range.
boost::json::value generate_tenant_seed(const GenerateSpec& spec);

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_SEED_DATA_H_
