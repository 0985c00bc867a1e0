#include "host/common/metrics_catalog.h"

namespace mb {

const HostMetrics& host_metrics() {
  static const HostMetrics catalog = [] {
    metrics::Registry& r = metrics::default_registry();
    // From a fast local call to a slow platform page: 5 ms to a minute.
    std::vector<double> latency_bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                       1,     2.5,  5,     10,   30,  60};
    return HostMetrics{
        .sync_runs = r.counter("meterbridge_sync_runs_total", "Sync runs that ended, by state.",
                               {"connector", "trigger", "state", "dry_run"}),
        .sync_lines = r.counter("meterbridge_sync_lines_total",
                                "Lines of ended sync runs, by outcome.", {"connector", "outcome"}),
        .sync_last_success =
            r.gauge("meterbridge_sync_last_success_timestamp_seconds",
                    "When the connector's last run that was not a dry run ended ok (unix time).",
                    {"connector"}),
        .http_requests = r.counter(
            "meterbridge_http_requests_total",
            "Platform request attempts (retries included), by endpoint and response status.",
            {"connector", "method", "endpoint", "status"}),
        .http_retries = r.counter("meterbridge_http_retries_total",
                                  "Platform request attempts beyond the first.", {"connector"}),
        .http_throttled = r.counter(
            "meterbridge_http_throttled_total",
            "Platform responses that were 429 or another throttling refusal.", {"connector"}),
        .http_request_seconds =
            r.histogram("meterbridge_http_request_duration_seconds",
                        "Platform request attempt latency, connection set-up included.",
                        {"connector"}, latency_bounds),
        .http_budget_used =
            r.gauge("meterbridge_http_hourly_budget_used_requests",
                    "Requests counted in the connector's rolling-hour budget.", {"connector"}),
        .http_budget_limit = r.gauge("meterbridge_http_hourly_budget_limit_requests",
                                     "The connector's rolling-hour request budget.", {"connector"}),
        .leases_held = r.gauge("meterbridge_leases_held",
                               "1 while this process holds the connector's lease.", {"connector"}),
        .scheduler_next_run =
            r.gauge("meterbridge_scheduler_next_run_timestamp_seconds",
                    "When the scheduler runs the connector next (unix time).", {"connector"}),
        .usage_imports = r.counter(
            "meterbridge_usage_imports_total",
            "Usage documents imported (ok), refused as invalid (rejected) or not stored (failed).",
            {"outcome"}),
        .usage_rows_imported =
            r.counter("meterbridge_usage_rows_imported_total",
                      "Workspace x service usage rows in imported usage documents."),
        .build_info =
            r.gauge("meterbridge_build_info",
                    "Always 1; the version label says which meterbridge runs.", {"version"}),
    };
  }();
  return catalog;
}

}  // namespace mb
