#include "host/sync/run_metrics.h"

#include "host/common/metrics_catalog.h"
#include "host/store/states.h"

namespace mb {

void count_finished_run(const SyncRun& run, const std::map<std::string, int64_t>& outcome_counts,
                        int64_t now_ms) {
  const HostMetrics& m = host_metrics();
  m.sync_runs
      .labels({run.connector_id, run.trigger, to_text(run.state), run.dry_run ? "true" : "false"})
      .inc();
  for (const auto& [outcome, count] : outcome_counts)
    if (count > 0)
      m.sync_lines.labels({run.connector_id, outcome}).inc(static_cast<uint64_t>(count));
  if (run.state == RunState::kOk && !run.dry_run)
    m.sync_last_success.labels({run.connector_id}).set(static_cast<double>(now_ms) / 1000.0);
}

}  // namespace mb
