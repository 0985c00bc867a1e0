// The steps of one platform's sync benchmark, each run in a process of its own so that the CPU
// time and the peak resident set it reports belong to that step alone. They share state through
// a work folder: the config file, the SQLite store and the key file.
//
//   setup   list the platform's accounts and services, import usage (one workspace per account,
//           one vendor service per platform service), bind and map them, learn the current
//           quantities with a dry run (or provision, on push-only platforms), then import usage
//           that changes every line: the first full sync.
//   first   the measured first full sync.
//   change  import usage that changes a share of the lines (deterministic).
//   steady  the measured steady-state sync.
//
// Each prints one JSON object on stdout; logs go to stderr.
#ifndef METERBRIDGE_BENCH_SYNC_BENCH_PHASES_H_
#define METERBRIDGE_BENCH_SYNC_BENCH_PHASES_H_

#include <boost/json/object.hpp>

#include <filesystem>
#include <string>

#include "bench/sync_bench_platforms.h"

namespace mb::bench {

// Writes <dir>/config.json: the store and key file in `dir`, `plugin_dir`, one connector
// (kConnectorId) for `platform` pointing at `base_url`, with `isolation` ("none", or "process":
// the plugin runs in meterbridge-plugin-runner, docs/plugin-protocol.md).
void write_bench_config(const std::filesystem::path& dir, const PlatformBench& platform,
                        const std::string& base_url, const std::filesystem::path& plugin_dir,
                        const std::string& isolation = "none");

// Runs one step ("setup", "first", "change", "steady") in this process and returns its result.
// Throws std::runtime_error when the step cannot complete.
boost::json::object run_sync_phase(const std::string& phase, const PlatformBench& platform,
                                   const std::filesystem::path& dir, const Scenario& scenario);

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SYNC_BENCH_PHASES_H_
