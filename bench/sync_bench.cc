// meterbridge-bench-sync: how close a sync comes to what each billing platform allows.
//
// For every platform, against its simulator (a separate process, with latency injected into
// every response), a large MSP's scenario — companies × services lines — is synced twice:
//   first   every line the platform can read has changed (the first full sync);
//   steady  a share of the lines has changed since (the daily steady state).
// Each sync reports the API calls it made against the minimal calls its plan needs (the
// platform's documented formula), its wall time against the lower bound that the platform's
// concurrency and rate limits allow, the host CPU per line and the peak resident memory.
// Then, with no platform at all, at growing sizes: the planner, a dry run and a sync of the whole
// engine, each with its lines per second and peak resident memory.
//
// Every figure comes from the same run; nothing is asserted. Every step runs in a process of
// its own (this binary again, with --phase or --host-only), so getrusage and ru_maxrss describe
// that step alone and never the simulator. bench/README.md explains each figure.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/resources.h"
#include "bench/sim_control.h"
#include "bench/subprocess.h"
#include "bench/sync_bench_host.h"
#include "bench/sync_bench_phases.h"
#include "bench/sync_bench_platforms.h"
#include "host/common/logging.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using mb::bench::ChildProcess;
using mb::bench::PlatformBench;
using mb::bench::Scenario;

struct Options {
  Scenario scenario;
  std::vector<std::string> platforms;
  // Sizes of the host-only figures, each printed under the other so growth shows.
  std::vector<size_t> host_lines{100000, 1000000, 5000000};
  bool no_host = false;
  bool no_platforms = false;
  bool quick = false;
  fs::path sim;
  fs::path plugins;
  fs::path work_dir;
  bool keep = false;
  int sim_threads = 2;
  fs::path json_out;
  std::string isolation = "none";
  bool request_logs = false;
  // Internal modes: one step in this process.
  std::string phase;
  std::string platform;
  fs::path dir;
  std::string host_only;
  size_t lines = 0;
};

// Arguments that hand the scenario to a child step.
std::vector<std::string> scenario_args(const Scenario& s) {
  std::ostringstream change;
  change << s.change_percent;
  return {"--companies",      std::to_string(s.companies),
          "--services",       std::to_string(s.services),
          "--change-percent", change.str(),
          "--latency-ms",     std::to_string(s.latency_ms),
          "--seed",           std::to_string(s.seed),
          "--steady-trigger", s.steady_trigger};
}

// Runs this binary in another mode and returns the JSON object it prints last.
json::object run_step(std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), mb::bench::kSelfExecutable);
  ChildProcess::Options options;
  options.stderr_path = log;
  options.capture_stdout = true;
  ChildProcess child = ChildProcess::start(args, options);
  std::string out;
  int code = child.wait_and_read(&out);
  if (code != 0) {
    std::string tail = mb::bench::tail_of_file(log, 12);
    throw std::runtime_error("exited with status " + std::to_string(code) +
                             (tail.empty() ? "" : ":\n" + tail));
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  boost::system::error_code ec;
  json::value v =
      json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1), ec);
  if (ec || !v.is_object()) throw std::runtime_error("printed no result: " + out);
  return v.get_object();
}

double num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

std::string ratio(double a, double b) {
  if (b <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", a / b);
  return buf;
}

// ---- one platform
// ----------------------------------------------------------------------------------

struct PlatformResult {
  std::string id;
  std::string unavailable;  // why there are no figures
  json::object setup, first, change, steady;
};

PlatformResult run_platform(const PlatformBench& platform, const Options& o, const fs::path& work) {
  PlatformResult r;
  r.id = platform.id();
  if (!fs::exists(o.plugins / (platform.id() + ".plugin.json"))) {
    r.unavailable =
        "plugin not built (no " + platform.id() + ".plugin.json in " + o.plugins.string() + ")";
    return r;
  }
  const fs::path dir = work / platform.id();
  fs::create_directories(dir);

  std::vector<std::string> sim_args{o.sim.string(), platform.id()};
  for (auto& a : platform.simulator_args(o.scenario)) sim_args.push_back(a);
  if (std::string seed = platform.seed_document(o.scenario); !seed.empty()) {
    std::ofstream(dir / "seed.json") << seed;
    sim_args.insert(sim_args.end(), {"--seed", (dir / "seed.json").string()});
  }
  // Set-up runs without latency (it is not measured); the measured syncs get the scenario's.
  sim_args.insert(sim_args.end(),
                  {"--latency-ms", "0", "--threads", std::to_string(o.sim_threads)});
  ChildProcess sim;
  std::string url;
  try {
    ChildProcess::Options options;
    options.stdout_path = dir / "sim.out";
    options.stderr_path = dir / "sim.log";
    sim = ChildProcess::start(sim_args, options);
    url = sim.wait_for_first_line(dir / "sim.out", std::chrono::minutes(5));
  } catch (const std::exception& e) {
    std::string tail = mb::bench::tail_of_file(dir / "sim.log", 3);
    r.unavailable = std::string("simulator: ") + e.what() + (tail.empty() ? "" : ": " + tail);
    while (!r.unavailable.empty() && r.unavailable.back() == '\n') r.unavailable.pop_back();
    return r;
  }
  mb::bench::write_bench_config(dir, platform, url, o.plugins, o.isolation);

  auto step = [&](const std::string& phase) {
    std::vector<std::string> args{"--phase",     phase,   "--platform",
                                  platform.id(), "--dir", dir.string()};
    for (auto& a : scenario_args(o.scenario)) args.push_back(a);
    std::fprintf(stderr, "  %s: %s...\n", platform.id().c_str(), phase.c_str());
    try {
      return run_step(args, dir / (phase + ".log"));
    } catch (const std::exception& e) {
      throw std::runtime_error(platform.id() + " " + phase + ": " + e.what());
    }
  };
  r.setup = step("setup");
  for (const auto& [path, body] : platform.after_setup())
    mb::bench::sim_control(url, "POST", path, body);
  mb::bench::sim_control(url, "POST", "/_sim/latency",
                         json::serialize(json::object{{"latency_ms", o.scenario.latency_ms}}));
  // The simulator's request log shows where a sync's wall time went (start and end of every
  // request); it holds what clients sent, so it is written only on request.
  auto save_requests = [&](const std::string& phase) {
    if (!o.request_logs) return;
    std::ofstream(dir / (phase + "-requests.json"))
        << mb::bench::sim_control(url, "GET", "/_sim/requests?limit=1000000");
  };
  mb::bench::sim_control(url, "DELETE", "/_sim/requests");
  r.first = step("first");
  save_requests("first");
  r.change = step("change");
  mb::bench::sim_control(url, "DELETE", "/_sim/requests");
  r.steady = step("steady");
  save_requests("steady");
  sim.terminate();
  return r;
}

// ---- printing
// --------------------------------------------------------------------------------------

void print_sync_row(const std::string& platform, const char* sync, const json::object& m) {
  std::printf(
      "%-12s %-7s %7.0f %8.0f %8.0f %6.0f %8.0f %6s %9.2f %8.2f %6s %7.1f %-17s %8.1f %7.1f\n",
      platform.c_str(), sync, num(m, "lines"), num(m, "changed"), num(m, "calls"),
      num(m, "retries"), num(m, "minimal"), ratio(num(m, "calls"), num(m, "minimal")).c_str(),
      num(m, "wall_s"), num(m, "bound_s"), ratio(num(m, "wall_s"), num(m, "bound_s")).c_str(),
      num(m, "attempt_ms"), str(m, "concurrency").c_str(), num(m, "cpu_us_per_line"),
      num(m, "peak_rss_mb"));
}

std::string outcome_summary(const json::object& m) {
  std::string out;
  if (const json::value* v = m.if_contains("outcomes"); v != nullptr && v->is_object())
    for (const auto& [name, n] : v->get_object())
      out += (out.empty() ? "" : ", ") + std::to_string(n.to_number<int64_t>()) + " " +
             std::string(name);
  return out + " (run " + str(m, "state") + ")";
}

void print_platforms(const std::vector<PlatformResult>& results,
                     const std::vector<std::unique_ptr<PlatformBench>>& all, const Scenario& s) {
  std::printf("\n== Syncs against each platform's simulator ==\n");
  std::printf("%-12s %-7s %7s %8s %8s %6s %8s %6s %9s %8s %6s %7s %-17s %8s %7s\n", "platform",
              "sync", "lines", "changed", "calls", "retry", "minimal", "ratio", "wall_s", "bound_s",
              "ratio", "att_ms", "limits", "cpu_us/l", "rss_MB");
  for (const auto& r : results) {
    if (!r.unavailable.empty()) {
      std::printf("%-12s not available: %s\n", r.id.c_str(), r.unavailable.c_str());
      continue;
    }
    print_sync_row(r.id, "first", r.first);
    print_sync_row(r.id, "steady", r.steady);
  }
  std::printf("\nminimal calls, by the platform's formula:\n");
  for (const auto& r : results)
    if (r.unavailable.empty())
      std::printf("  %-12s first: %s\n  %-12s steady: %s\n", r.id.c_str(),
                  str(r.first, "minimal_breakdown").c_str(), "",
                  str(r.steady, "minimal_breakdown").c_str());
  // Endpoints whose attempts took clearly longer than the injected latency: time the platform
  // (here, the simulator) spent working, which no client can save.
  std::string slow;
  for (const auto& r : results) {
    if (!r.unavailable.empty()) continue;
    for (const auto* m : {&r.first, &r.steady}) {
      const json::value* endpoints = m->if_contains("endpoints");
      if (endpoints == nullptr || !endpoints->is_object()) continue;
      for (const auto& [name, e] : endpoints->get_object()) {
        const json::object& x = e.as_object();
        if (num(x, "mean_ms") < 1.5 * s.latency_ms + 5) continue;
        char buf[320];
        std::snprintf(buf, sizeof(buf),
                      "  %-12s %-6s %s: %.0f calls, mean %.0f ms, max %.0f ms (%.1f s beyond the "
                      "latency in all)\n",
                      r.id.c_str(), m == &r.first ? "first" : "steady", std::string(name).c_str(),
                      num(x, "calls"), num(x, "mean_ms"), num(x, "max_ms"),
                      num(x, "calls") * (num(x, "mean_ms") - s.latency_ms) / 1000.0);
        slow += buf;
      }
    }
  }
  if (!slow.empty())
    std::printf(
        "\nplatform time well above the injected latency (per attempt, as the engine timed "
        "it):\n%s",
        slow.c_str());
  std::printf("\nline outcomes:\n");
  for (const auto& r : results)
    if (r.unavailable.empty())
      std::printf("  %-12s first: %s\n  %-12s steady: %s\n", r.id.c_str(),
                  outcome_summary(r.first).c_str(), "", outcome_summary(r.steady).c_str());
  std::printf("\nset-up (not measured):\n");
  for (const auto& r : results)
    if (r.unavailable.empty())
      std::printf(
          "  %-12s %.0f accounts listed, %.0f workspaces x %.0f services, %.0f bound, %.0f lines "
          "(%.0f readable); %.0f lines changed for the steady sync\n",
          r.id.c_str(), num(r.setup, "accounts_listed"), num(r.setup, "workspaces"),
          num(r.setup, "services"), num(r.setup, "mapped"), num(r.setup, "lines"),
          num(r.setup, "readable"), num(r.change, "changed"));
  bool any = false;
  for (const auto& p : all)
    for (const auto& r : results)
      if (r.id == p->id() && r.unavailable.empty())
        for (const auto& d : p->deviations()) {
          if (!any) std::printf("\nwhere the benchmark departs from production settings:\n");
          any = true;
          std::printf("  %-12s %s\n", p->id().c_str(), d.c_str());
        }
  std::printf(
      "\nbound = %d ms x max(ceil(calls / max_concurrency), ceil(calls to one endpoint / "
      "per-endpoint "
      "limit)), and at least (calls - burst) / requests_per_second when the connector has a rate "
      "limit\n",
      s.latency_ms);
}

// One host-only figure at one size, or why it is missing.
struct HostFigure {
  std::string figure;  // plan | dry run | sync
  size_t lines = 0;
  std::optional<json::object> result;
};

void print_host(const std::vector<HostFigure>& figures) {
  std::printf(
      "\n== Host only: no platform, no I/O; each figure a process of its own, the store a SQLite "
      "file ==\n");
  std::printf("%-8s %9s %9s %9s %11s %9s %8s\n", "figure", "lines", "changed", "seconds", "lines/s",
              "cpu_us/l", "peak_MB");
  for (const auto& f : figures) {
    if (!f.result) {
      std::printf("%-8s %9zu  (failed: see the step log)\n", f.figure.c_str(), f.lines);
      continue;
    }
    const auto& r = *f.result;
    const bool plan = f.figure == "plan";
    std::printf("%-8s %9.0f %9.0f %9.2f %11.0f %9s %8.0f\n", f.figure.c_str(), num(r, "lines"),
                num(r, "changed"), plan ? num(r, "plan_s") + num(r, "diff_s") : num(r, "wall_s"),
                num(r, "lines_per_s"),
                plan ? "-" : std::to_string(static_cast<int>(num(r, "cpu_us_per_line"))).c_str(),
                num(r, "peak_rss_mb"));
  }
  std::printf(
      "plan: ChunkPlanner + diff over usage counts handed over 500 workspaces at a time; dry run "
      "and sync: SyncEngine::sync against an in-process fake plugin and a prepared state file\n");
}

// ---- modes
// -----------------------------------------------------------------------------------------

int run_child_mode(const Options& o) {
  mb::init_logging("warn");
  try {
    json::object result;
    if (!o.host_only.empty()) {
      size_t lines = o.lines > 0 ? o.lines : 1000000;
      const double change = o.scenario.change_percent;
      if (o.host_only == "planner")
        result = mb::bench::run_host_planner(lines, change);
      else if (o.host_only == "prepare")
        result = mb::bench::run_host_prepare(lines, change, o.dir);
      else if (o.host_only == "dryrun" || o.host_only == "engine")
        result = mb::bench::run_host_engine(lines, change, o.dir, o.host_only == "dryrun");
      else
        throw std::runtime_error("--host-only takes planner, prepare, dryrun or engine");
    } else {
      for (const auto& p : mb::bench::all_platforms())
        if (p->id() == o.platform)
          result = mb::bench::run_sync_phase(o.phase, *p, o.dir, o.scenario);
      if (result.empty()) throw std::runtime_error("unknown platform '" + o.platform + "'");
    }
    std::cout << json::serialize(result) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "meterbridge-bench-sync: " << e.what() << "\n";
    return 1;
  }
}

int run_benchmark(Options o) {
  const Scenario& s = o.scenario;
  auto all = mb::bench::all_platforms();
  std::printf(
      "meterbridge-bench-sync: %d companies x %d services, %.4g%% changed for the steady sync, %d "
      "ms "
      "latency, seed %llu%s\n",
      s.companies, s.services, s.change_percent, s.latency_ms,
      static_cast<unsigned long long>(s.seed),
      s.steady_trigger == "schedule" ? "; the steady sync is the scheduled daily run" : "");
  std::printf("machine: %s at start\n", mb::bench::machine_summary().c_str());
  std::printf(
      "targets (reported, not asserted): calls <= 1.05 x minimal; wall <= 1.25 x bound; planned "
      ">= 300,000 lines/s; host peak RSS <= 200 MB at 1M lines and <= 250 MB at 5M\n");
  std::fflush(stdout);

  bool created_work = o.work_dir.empty();
  if (created_work) {
    std::string tmpl = (fs::temp_directory_path() / "mb-bench-sync-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a work folder");
    o.work_dir = tmpl;
  }
  fs::create_directories(o.work_dir);
  json::object all_results;
  bool failed = false;

  std::vector<HostFigure> host_figures;
  if (!o.no_host) {
    auto host_step = [&](const std::string& which, size_t lines,
                         const fs::path& dir) -> std::optional<json::object> {
      std::fprintf(stderr, "  host: %s, %zu lines, %.4g%% changed...\n", which.c_str(), lines,
                   s.change_percent);
      std::ostringstream p;
      p << s.change_percent;
      try {
        return run_step({"--host-only", which, "--lines", std::to_string(lines), "--change-percent",
                         p.str(), "--dir", dir.string()},
                        o.work_dir / ("host-" + which + "-" + std::to_string(lines) + ".log"));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "host %s: %s\n", which.c_str(), e.what());
        failed = true;
        return std::nullopt;
      }
    };
    json::array host_results;
    for (size_t lines : o.host_lines) {
      const fs::path dir = o.work_dir / ("host-" + std::to_string(lines));
      host_figures.push_back({"plan", lines, host_step("planner", lines, dir)});
      // The dry run records its lines too; the sync that follows plans afresh from the same
      // usage, as the next run of a day would.
      if (host_step("prepare", lines, dir)) {
        host_figures.push_back({"dry run", lines, host_step("dryrun", lines, dir)});
        host_figures.push_back({"sync", lines, host_step("engine", lines, dir)});
      }
      std::error_code ec;
      fs::remove_all(dir, ec);  // gigabytes at the larger sizes
    }
    for (const auto& f : host_figures)
      if (f.result)
        host_results.push_back(
            json::object{{"figure", f.figure}, {"lines", f.lines}, {"result", *f.result}});
    all_results["host"] = std::move(host_results);
  }

  std::vector<PlatformResult> results;
  if (!o.no_platforms) {
    for (const auto& p : all) {
      if (!o.platforms.empty() &&
          std::find(o.platforms.begin(), o.platforms.end(), p->id()) == o.platforms.end())
        continue;
      std::fprintf(stderr, "%s:\n", p->id().c_str());
      try {
        results.push_back(run_platform(*p, o, o.work_dir));
      } catch (const std::exception& e) {
        failed = true;
        PlatformResult r;
        r.id = p->id();
        r.unavailable = std::string("FAILED: ") + e.what();
        results.push_back(std::move(r));
      }
      json::object entry;
      const PlatformResult& r = results.back();
      if (!r.unavailable.empty())
        entry["unavailable"] = r.unavailable;
      else
        entry = {
            {"setup", r.setup}, {"first", r.first}, {"change", r.change}, {"steady", r.steady}};
      all_results[r.id] = std::move(entry);
    }
    print_platforms(results, all, s);
  }
  if (!o.no_host) print_host(host_figures);

  if (!o.json_out.empty()) std::ofstream(o.json_out) << json::serialize(all_results) << "\n";
  if (created_work && !o.keep && !o.request_logs && !failed) {
    std::error_code ec;
    fs::remove_all(o.work_dir, ec);
  } else {
    std::printf("\nwork folder (configs, stores, simulator and step logs): %s\n",
                o.work_dir.string().c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{
      "meterbridge-bench-sync: syncs of a large MSP against every platform's simulator, and the "
      "host's "
      "planning speed; prints ratios measured in one run"};
  cli.add_option("--platforms", o.platforms, "Platforms to run (default: all)")->delimiter(',');
  cli.add_option("--companies", o.scenario.companies,
                 "Workspaces, one per platform account (default 2000)")
      ->check(CLI::Range(1, 100000));
  cli.add_option("--services", o.scenario.services, "Services per workspace (default 10)")
      ->check(CLI::Range(1, 50));
  cli.add_option("--change-percent", o.scenario.change_percent,
                 "Lines changed before the steady sync (default 5)")
      ->check(CLI::Range(0.0, 100.0));
  cli.add_option("--latency-ms", o.scenario.latency_ms,
                 "Latency of every platform response (default 50)")
      ->check(CLI::Range(0, 10000));
  cli.add_option("--seed", o.scenario.seed,
                 "Seed of the data and of the changed lines (default 42)");
  cli.add_option("--steady-trigger", o.scenario.steady_trigger,
                 "Trigger of the steady sync: manual (default) or schedule, the daily scheduled "
                 "run on which Gradient resends every count")
      ->check(CLI::IsMember({"manual", "schedule"}));
  cli.add_option("--host-lines", o.host_lines,
                 "Sizes of the host-only figures, comma-separated (default "
                 "100000,1000000,5000000)")
      ->delimiter(',');
  cli.add_option("--isolation", o.isolation,
                 "none (default), or process: the plugin runs in meterbridge-plugin-runner, to "
                 "measure the process runtime's overhead")
      ->check(CLI::IsMember({"none", "process"}));
  cli.add_flag("--no-host", o.no_host, "Skip the host-only figures");
  cli.add_flag("--no-platforms", o.no_platforms, "Skip the platform syncs");
  cli.add_flag("--quick", o.quick,
               "Smoke-test sizes: 20 companies x 3 services, 2 ms latency, 2,000 host-only lines "
               "(explicit size options still win)");
  cli.add_option("--sim", o.sim, "meterbridge-sim (default: beside this binary)");
  cli.add_option("--plugins", o.plugins, "Plugin folder (default: ../plugins from this binary)");
  cli.add_option("--work-dir", o.work_dir,
                 "Folder for configs, stores and logs (default: a new temporary one)");
  cli.add_flag("--keep", o.keep, "Keep the work folder");
  cli.add_option("--sim-threads", o.sim_threads, "Simulator I/O threads (default 2)")
      ->check(CLI::Range(1, 64));
  cli.add_option("--json", o.json_out, "Also write every figure as JSON to this file");
  cli.add_flag("--request-logs", o.request_logs,
               "Save each simulator's request log of the measured syncs in the work folder "
               "(implies --keep)");
  // Internal: the steps the benchmark runs in processes of their own.
  cli.add_option("--phase", o.phase)->group("");
  cli.add_option("--platform", o.platform)->group("");
  cli.add_option("--dir", o.dir)->group("");
  cli.add_option("--host-only", o.host_only,
                 "Run one host-only step in this process: planner, prepare, dryrun or engine");
  cli.add_option("--lines", o.lines, "Lines for --host-only");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (!o.phase.empty() || !o.host_only.empty()) return run_child_mode(o);

  if (o.quick) {
    auto defaulted = [&](const char* name) { return cli.count(name) == 0; };
    if (defaulted("--companies")) o.scenario.companies = 20;
    if (defaulted("--services")) o.scenario.services = 3;
    if (defaulted("--latency-ms")) o.scenario.latency_ms = 2;
    if (defaulted("--host-lines")) o.host_lines = {2000};
  }
  const fs::path here = mb::bench::self_executable().parent_path();
  if (o.sim.empty()) o.sim = here / "meterbridge-sim";
  if (o.plugins.empty()) o.plugins = (here / ".." / "plugins").lexically_normal();
  o.plugins = fs::absolute(o.plugins);
  try {
    return run_benchmark(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterbridge-bench-sync: %s\n", e.what());
    return 1;
  }
}
