// Host-only figures of the sync benchmark: no platform, no network.
//
//   planner  plan_lines + apply_diff (host/sync/planner.h) over `lines` lines held in memory:
//            lines per second, and the resident memory of the input, the lines and the current
//            values.
//   engine   the whole SyncEngine path (plan, durable plan in SQLite, read, diff, apply, every
//            line recorded) against an in-process fake plugin and an in-memory store.
//
// Each runs in a process of its own (`meterbridge-bench-sync --host-only planner|engine`), so
// the peak resident set it reports is its own.
#ifndef METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_
#define METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_

#include <boost/json/object.hpp>

#include <cstddef>

namespace mb::bench {

// `change_percent` of the lines differ from the platform's current value.
boost::json::object run_host_planner(size_t lines, double change_percent);
boost::json::object run_host_engine(size_t lines, double change_percent);

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_
