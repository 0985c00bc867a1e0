// The tenant's old header name, kept for the query fuzzer (fuzz/sim_query_fuzzer.cc) until it
// includes sim/autotask/internal/model.h; nothing in sim/ includes it.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_TENANT_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_TENANT_H_

#include "sim/autotask/internal/model.h"

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_TENANT_H_
