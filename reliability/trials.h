// The reliability trials, each seeded and runnable on its own (docs/reliability.md):
//
//   fault   a first sync and a changed sync, each under random faults per request, each followed
//           by clean runs and a read-back of every line from the simulator's state;
//   kill    a sync SIGKILLed at a random point (also while writes are being processed, and `serve`
//           during an API sync), rerun at once and after the journal's grace period;
//   race    2 or 4 processes (CLI and `serve` API) syncing one connector at once;
//   approve `runs approve` racing a sync over lines held for approval;
//   alerts  (platforms that route alerts to tickets) ticket creates under faults, or `alerts
//           sync` killed while a create is held, then the closes under faults: every alert ends
//           with exactly one ticket on the simulator, closed once resolved.
//
//   Lab lab(...); lab.set_up();
//   Tally t = run_trial(lab, {.kind = "fault", .index = 3, .seed = trial_seed(42, "autotask",
//   "fault", 3)}); t.counts["mismatched_lines"];
#ifndef METERBRIDGE_RELIABILITY_TRIALS_H_
#define METERBRIDGE_RELIABILITY_TRIALS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reliability/lab.h"

namespace mb::reliability {

struct TrialSpec {
  std::string kind;  // fault | kill | race | approve | alerts
  int index = 0;
  uint64_t seed = 0;
};

// Figures summed over trials, and what went wrong, in words.
struct Tally {
  std::map<std::string, int64_t> counts;  // figure name -> value (docs/reliability.md)
  std::vector<std::string> problems;      // each names its trial's kind, index and seed

  void add(const Tally& other);
  int64_t operator[](const std::string& figure) const;
};

// Every trial kind, in the order the harness runs them.
const std::vector<std::string>& trial_kinds();

// The seed of one trial: the same for the same arguments on every machine.
uint64_t trial_seed(uint64_t base_seed, const std::string& platform, const std::string& kind,
                    int index);

// Runs one trial; a trial that cannot run (the harness's own failure) throws
// std::runtime_error.
Tally run_trial(Lab& lab, const TrialSpec& spec);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_TRIALS_H_
