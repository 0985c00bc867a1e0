// The harness's output: one table of figures per platform for stdout, the same figures as JSON,
// and whether every goal holds (docs/reliability.md explains each figure).
#ifndef METERBRIDGE_RELIABILITY_REPORT_H_
#define METERBRIDGE_RELIABILITY_REPORT_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reliability/secret_audit.h"
#include "reliability/trials.h"

namespace mb::reliability {

// One platform's trials, summed.
struct PlatformResult {
  std::string platform;
  int64_t lines = 0;  // tracked lines in its tenant
  Tally tally;
  std::vector<std::string> failed_trials;  // KIND:INDEX of trials with problems
  std::string error;                       // the harness could not go on with this platform
  double seconds = 0;
  bool audited = false;
  AuditResult audit;  // when audited
};

// What was run.
struct RunInfo {
  uint64_t seed = 0;
  bool quick = false;
  std::string trial;                     // the one trial rerun, or empty
  std::map<std::string, int64_t> sizes;  // as given
};

// One row per figure, one column per platform, and the goal where there is one.
std::string format_table(const std::vector<PlatformResult>& results);

// {"seed","quick","sizes","machine":{...},"platforms":{"autotask":{"figures":{...},"goals_met",
// "failed_trials","problems","seconds","error"}}, "goals_met"}
boost::json::value results_to_json(const RunInfo& info, const std::vector<PlatformResult>& results);

// True when no platform failed to run and every figure with a goal of 0 is 0.
bool goals_met(const std::vector<PlatformResult>& results);

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_REPORT_H_
