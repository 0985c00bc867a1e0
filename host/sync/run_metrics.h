// Counts a sync run that ended in the process's metrics (host/common/metrics_catalog.h): the run
// by connector, trigger, state and dry run, its lines by outcome, and, for a real run that ended
// ok, the connector's last-success time. Called once per run, where the run's end is recorded.
//
//   finish_run(run, lines, run_error, now_ms);
//   count_finished_run(run, count_outcomes(lines), now_ms);
#ifndef METERBRIDGE_HOST_SYNC_RUN_METRICS_H_
#define METERBRIDGE_HOST_SYNC_RUN_METRICS_H_

#include <cstdint>
#include <map>
#include <string>

#include "host/store/model.h"

namespace mb {

// `outcome_counts`: lines by outcome, as count_outcomes() gives them.
void count_finished_run(const SyncRun& run, const std::map<std::string, int64_t>& outcome_counts,
                        int64_t now_ms);

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_RUN_METRICS_H_
