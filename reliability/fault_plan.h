// Random fault plans for the fault matrix: what a platform and the network do to a sync's
// requests, drawn from a menu (docs/reliability.md lists it) with a trial's seeded generator, as
// a document for the simulator's POST /_sim/faults (docs/simulators.md).
//
//   bench::SplitMix64 rng(seed);
//   FaultPlan plan = random_fault_plan(rng, platform, 1000);
//   sim.set_faults(plan.document);
#ifndef METERBRIDGE_RELIABILITY_FAULT_PLAN_H_
#define METERBRIDGE_RELIABILITY_FAULT_PLAN_H_

#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

#include "bench/splitmix64.h"
#include "reliability/platform_model.h"

namespace mb::reliability {

struct FaultPlan {
  boost::json::object document;         // {"seed": N, "rules": [...]}
  std::vector<std::string> rule_names;  // the menu name of each rule, in order
};

// Every fault the menu holds for `platform`, by name, with its rule (no probability or count
// yet). `client_timeout_ms` is the connector's http timeout, which some faults go past.
std::vector<std::pair<std::string, boost::json::object>> fault_menu(const PlatformModel& platform,
                                                                    int client_timeout_ms);

// One to four rules from the menu, each firing with a probability of 5-40% at most one to three
// times, half of them aimed at the platform's quantity writes.
FaultPlan random_fault_plan(bench::SplitMix64& rng, const PlatformModel& platform,
                            int client_timeout_ms);

// For the few writes of an alerts run: one to three rules, all aimed at `method` `path` (a
// ticket create, or its updates), each firing with a probability of 25-100% at most one to
// three times.
FaultPlan random_fault_plan_at(bench::SplitMix64& rng, const PlatformModel& platform,
                               int client_timeout_ms, const std::string& method,
                               const std::string& path);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_FAULT_PLAN_H_
