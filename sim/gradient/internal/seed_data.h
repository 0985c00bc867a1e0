// The Gradient simulator's built-in seed and its --generate data set (both described in
// docs/simulators.md, "The gradient platform").
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_SEED_DATA_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_SEED_DATA_H_

#include <boost/json/value.hpp>

#include "sim/core/seed.h"

namespace mb::sim::gradient {

// The keys of the reference's examples: a token for vk_live_123:pk_456 is
// dmtfbGl2ZV8xMjM6cGtfNDU2 (Gradient's vendor API documentation).
inline constexpr char kDefaultVendorKey[] = "vk_live_123";
inline constexpr char kDefaultPartnerKey[] = "pk_456";
inline constexpr char kSecondPartnerKey[] = "pk_contoso_789";

// Small and readable, reproducing the reference's examples: vendor "Acme Security" with two
// services, partner "Northwind IT" (pending, account cust-7f3a mapped, the EDR service mapped)
// and partner "Contoso Managed Services" (freshly connected: inactive, no accounts).
boost::json::value default_gradient_seed();

// --generate partners=P,accounts=N,clients=M,services=K,seed=S. Throws SeedError for unknown
// keys or values out of range.
boost::json::value generate_gradient_seed(const GenerateSpec& spec);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_SEED_DATA_H_
