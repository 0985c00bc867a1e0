// Host-only figures of the sync benchmark: no platform, no network.
//
//   planner  ChunkPlanner + compare_line/decide_compared (host/sync/planner.h) over `lines`
//            lines, a chunk of 500 workspaces at a time as the engine plans them, each chunk's
//            usage counts generated as the store would hand them over: lines per second and
//            the peak resident set.
//   prepare  fills a state database (a SQLite file in `dir`) with an MSP of `lines` lines:
//            usage streamed into one import, accounts and mappings. Not measured.
//   dryrun   the whole SyncEngine path of a dry run (plan, durable plan, read, diff, every line
//            recorded) against an in-process fake plugin and the prepared database.
//   engine   the same as a sync that writes (apply, every batch stored).
//
// Each runs in a process of its own (`meterbridge-bench-sync --host-only WHICH`), so the peak
// resident set it reports is its own; prepare runs first, so the measured processes open a
// store that holds the data already, as a production process does.
#ifndef METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_
#define METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>

namespace mb::bench {

// `change_percent` of the lines differ from the platform's current value.
boost::json::object run_host_planner(size_t lines, double change_percent);
boost::json::object run_host_prepare(size_t lines, double change_percent,
                                     const std::filesystem::path& dir);
boost::json::object run_host_engine(size_t lines, double change_percent,
                                    const std::filesystem::path& dir, bool dry_run);

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SYNC_BENCH_HOST_H_
