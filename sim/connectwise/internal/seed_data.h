// The ConnectWise simulator's seed document: reading one into a Dataset (with every record
// completed as the platform would store it), writing a Dataset back out (GET /_sim/state and
// /_sim/seed), the small built-in seed, and the --generate data set. docs/simulators.md
// ("ConnectWise") describes the format and the generation rules.
//
//   Dataset data = load_dataset(generate_seed_document(GenerateSpec::parse("companies=2000")));
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SEED_DATA_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SEED_DATA_H_

#include <boost/json/value.hpp>

#include "sim/connectwise/internal/records.h"
#include "sim/core/seed.h"

namespace mb::sim::connectwise {

// The API member of a seed that names none, and of generated seeds.
inline constexpr const char* kDefaultPublicKey = "Pk7hQ2";
inline constexpr const char* kDefaultPrivateKey = "Sx9mR4";

// Throws SeedError naming the record and the problem.
Dataset load_dataset(const boost::json::value& seed);
// The same shape load_dataset reads, so a state can be saved and loaded again.
boost::json::value dataset_to_json(const Dataset& data);
// The "site" object of a seed document.
boost::json::value site_to_json(const SiteInfo& site);

boost::json::value default_seed_document();
// Keys: companies (default 25), products (default 4), seed. Throws SeedError.
boost::json::value generate_seed_document(const GenerateSpec& spec);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_SEED_DATA_H_
