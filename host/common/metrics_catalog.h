// The host's metrics, in one place: every family `GET /metrics` shows, its name, labels and help
// (docs/operations.md, "Metrics", describes the same list). Call sites take the families from
// here, so a name is spelled once and the docs have one list to follow.
//
//   const HostMetrics& m = host_metrics();
//   m.sync_runs.labels({connector, trigger, state, dry_run}).inc();
//
// Labels stay bounded: connector ids come from the config, states and outcomes from fixed
// lists, and HTTP endpoints are a plugin's operation names or path templates, capped per client
// (host/http/request_metrics.h). No label value is ever a secret or a raw URL.
#ifndef METERBRIDGE_HOST_COMMON_METRICS_CATALOG_H_
#define METERBRIDGE_HOST_COMMON_METRICS_CATALOG_H_

#include "host/common/metrics.h"

namespace mb {

struct HostMetrics {
  // Sync runs that ended, by how they ended. A run is counted once, when it finishes.
  metrics::Family<metrics::Counter>& sync_runs;  // connector, trigger, state, dry_run
  // Lines of finished runs, by outcome (updated, unchanged, not_mapped, failed, ...).
  metrics::Family<metrics::Counter>& sync_lines;  // connector, outcome
  // When the connector's last real (not dry) run ended ok, in unix seconds.
  metrics::Family<metrics::Gauge>& sync_last_success;  // connector
  // Attempts put on the wire (retries included), by response status ("transport_error": none).
  metrics::Family<metrics::Counter>& http_requests;  // connector, method, endpoint, status
  metrics::Family<metrics::Counter>& http_retries;   // connector
  // 429 responses and throttling refusals recognised by their body.
  metrics::Family<metrics::Counter>& http_throttled;          // connector
  metrics::Family<metrics::Histogram>& http_request_seconds;  // connector
  // The engine's rolling-hour request budget (only connectors whose policy sets one).
  metrics::Family<metrics::Gauge>& http_budget_used;   // connector
  metrics::Family<metrics::Gauge>& http_budget_limit;  // connector
  // 1 while this process holds the connector's lease, else 0.
  metrics::Family<metrics::Gauge>& leases_held;  // connector
  // When the scheduler runs the connector next, in unix seconds (enabled schedules only).
  metrics::Family<metrics::Gauge>& scheduler_next_run;     // connector
  metrics::Family<metrics::Counter>& usage_imports;        // outcome: ok | rejected | failed
  metrics::Family<metrics::Counter>& usage_rows_imported;  // (no labels)
  metrics::Family<metrics::Gauge>& build_info;             // version
};

// The families, registered in metrics::default_registry() on first use.
const HostMetrics& host_metrics();

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_METRICS_CATALOG_H_
