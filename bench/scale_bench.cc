// meterbridge-bench-scale: many `meterbridge serve` worker processes on one PostgreSQL database,
// hundreds of connectors across every billing platform's simulator (docs/scale-out.md).
//
// Set-up, not measured: a throwaway PostgreSQL cluster, one simulator per platform (its latency
// added once the set-up is done), a config of --connectors connectors dealt round-robin over the
// platforms, each a partner of its own billing accounts no other connector touches; usage for
// each; accounts and services mapped (or linked, or provisioned by the first sync).
//
// Then schedule windows, each enqueueing one sync job per connector straight into the store, as
// every node's scheduler would, and run by the worker processes:
//   1. the kill window: the most workers; once a third of the jobs are done, the worker running
//      some job is SIGKILLed and started again;
//   2. one window per worker count (1, 2, 3): the throughput figures.
// Each window changes every line, and is checked from the store (every connector's job done,
// exactly one finished run per connector) and from the simulators' own state (every quantity
// equals its target, none changed twice). Throughput is printed beside its bound: what the
// platforms' latency and limits allow the worker slots (workers × workers.concurrency).
//
// Nothing is asserted on time. Exit status: 0 when every check holds, 1 when one does not, 2
// when the benchmark could not run. bench/README.md explains every figure.
#include <signal.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/resources.h"
#include "bench/scale_bench_world.h"
#include "bench/subprocess.h"
#include "host/common/clock.h"
#include "host/common/logging.h"
#include "host/store/testing/postgres_cluster.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using mb::bench::ChildProcess;
using mb::bench::ScaleWorld;
using Clock = std::chrono::steady_clock;

struct Options {
  mb::bench::ScaleOptions scale;
  std::vector<int> worker_counts{1, 2, 3};
  bool no_kill = false;
  bool quick = false;
  int window_limit_seconds = 1800;
  fs::path work_dir;
  bool keep = false;
  fs::path json_out;
  bool request_logs = false;
};

// The worker processes: `meterbridge serve` on the shared config, each on a port of its own.
class Workers {
 public:
  Workers(const ScaleWorld& world, fs::path dir) : world_(world), dir_(std::move(dir)) {}
  ~Workers() { stop_all(); }

  void start(int n) {
    for (int i = 0; i < n; ++i) start_one();
  }

  void start_one() {
    const std::string name = "worker-" + std::to_string(++started_);
    ChildProcess process = ChildProcess::start(
        {world_.options().tools.meterbridge.string(), "--config", world_.config_path().string(),
         "serve", "--listen", "127.0.0.1:0"},
        {.stdout_path = dir_ / (name + ".out"), .stderr_path = dir_ / (name + ".log")});
    try {
      process.wait_for_first_line(dir_ / (name + ".out"), std::chrono::seconds(120));
    } catch (const std::exception& e) {
      throw std::runtime_error(name + ": " + e.what() + "\n" +
                               mb::bench::tail_of_file(dir_ / (name + ".log"), 10));
    }
    running_.push_back(std::move(process));
  }

  bool ours(pid_t pid) const {
    return std::any_of(running_.begin(), running_.end(),
                       [&](const ChildProcess& p) { return p.pid() == pid; });
  }

  void kill(pid_t pid) {
    auto it = std::find_if(running_.begin(), running_.end(),
                           [&](const ChildProcess& p) { return p.pid() == pid; });
    if (it == running_.end()) return;
    ::kill(pid, SIGKILL);
    for (int i = 0; i < 500 && !it->poll(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    running_.erase(it);
  }

  // SIGTERM to each (a graceful stop); one still running after a minute gets SIGKILL.
  void stop_all() {
    for (auto& p : running_) ::kill(p.pid(), SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (auto& p : running_) {
      while (!p.poll() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!p.poll()) ::kill(p.pid(), SIGKILL);
      p.terminate();
    }
    running_.clear();
  }

 private:
  const ScaleWorld& world_;
  fs::path dir_;
  std::vector<ChildProcess> running_;
  int started_ = 0;
};

struct WindowResult {
  int window = 0;
  int workers = 0;
  bool kill = false;
  double seconds = 0;        // first claim to the last job's end
  double bound_seconds = 0;  // what the platforms' limits allow with these worker slots
  int64_t syncs = 0;
  int64_t lines = 0;
  // The store's side.
  int64_t jobs_done = 0;
  int64_t jobs_not_done = 0;
  int64_t connectors_synced_once = 0;
  int64_t connectors_not_once = 0;
  int64_t runs_interrupted = 0;
  int64_t runs_not_ok = 0;
  int64_t taken_over = 0;
  int64_t taken_over_wrong = 0;  // a killed worker's job not claimed again, or ended by it
  std::string killed_worker;
  // The simulators' side.
  mb::bench::WindowCheck check;
  std::map<std::string, int64_t> requests;  // per platform
  std::map<std::string, int64_t> throttled;  // of them, refused by the platform's limits
  std::vector<std::string> problems;

  bool ok() const {
    return jobs_not_done == 0 && connectors_not_once == 0 && taken_over_wrong == 0 &&
           check.mismatched == 0 && check.double_writes == 0 && check.missed == 0 &&
           (!kill || taken_over > 0);
  }
};

std::string iso_now() { return mb::format_iso8601_utc(mb::SystemClock::instance().now_ms()); }

// The window's lower bound. Per connector of a platform (its calls are the window's requests on
// that platform's simulator, shared out evenly): every round of allowed concurrent calls costs
// one latency, Autotask's 3 per endpoint bound it too, and so does a rate limit. The worker
// slots run the connectors' bounds side by side; no window ends before its longest connector,
// nor before a platform-wide rate limit lets its requests through.
double bound_seconds(const ScaleWorld& world, const std::vector<mb::bench::RequestCounts>& before,
                     const std::vector<mb::bench::RequestCounts>& after, int workers) {
  const double latency = world.options().latency_ms / 1000.0;
  double total = 0, longest = 0, platform_wide = 0;
  for (size_t p = 0; p < world.platforms().size(); ++p) {
    const auto& platform = world.platforms()[p];
    const auto n = static_cast<double>(platform.connectors.size());
    const double calls = static_cast<double>(after[p].total - before[p].total) / n;
    double rounds = std::ceil(calls / std::max(1, platform.policy.max_concurrency));
    if (platform.policy.per_endpoint_concurrency > 0)
      for (const auto& [endpoint, count] : after[p].endpoints) {
        auto was = before[p].endpoints.find(endpoint);
        const double mine =
            static_cast<double>(count - (was == before[p].endpoints.end() ? 0 : was->second)) / n;
        rounds = std::max(rounds, std::ceil(mine / platform.policy.per_endpoint_concurrency));
      }
    double per_connector = rounds * latency;
    if (platform.policy.requests_per_second > 0)
      per_connector = std::max(per_connector, std::max(0.0, calls - platform.policy.burst) /
                                                  platform.policy.requests_per_second);
    total += per_connector * n;
    longest = std::max(longest, per_connector);
    if (platform.platform_rate > 0)
      platform_wide =
          std::max(platform_wide,
                   static_cast<double>(after[p].total - before[p].total) / platform.platform_rate);
  }
  const int slots = std::max(1, workers * world.options().concurrency);
  return std::max({total / slots, longest, platform_wide});
}

// worker_id is "host:pid:random".
pid_t pid_of(const std::string& worker_id) {
  const size_t first = worker_id.find(':');
  const size_t second = worker_id.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos) return 0;
  return static_cast<pid_t>(std::atol(worker_id.substr(first + 1, second - first - 1).c_str()));
}

WindowResult run_window(ScaleWorld& world, const Options& o, int window, int workers_n, bool kill) {
  WindowResult r;
  r.window = window;
  r.workers = workers_n;
  r.kill = kill;
  mb::Store& store = world.store();
  const auto n = static_cast<int>(world.connectors().size());

  world.set_latency(0);
  world.import_window(window);
  world.set_latency(o.scale.latency_ms);
  auto last_runs = store.list_runs("", 1);
  if (!last_runs) throw std::runtime_error("runs: " + last_runs.status().to_string());
  const int64_t runs_before = last_runs->empty() ? 0 : last_runs->front().id;

  if (o.request_logs)
    for (const auto& p : world.platforms()) p.sim->control("DELETE", "/_sim/requests");
  Workers workers(world, o.scale.dir);
  workers.start(workers_n);
  const mb::bench::Snapshot before = world.snapshot();
  const auto counts_before = world.request_counts();

  // One window of the schedule, enqueued as every node's scheduler enqueues it.
  const std::string key = "schedule:" + iso_now() + "#" + std::to_string(window);
  const auto enqueued = Clock::now();
  for (const auto& c : world.connectors()) {
    mb::SyncJob job;
    job.connector_id = c.id;
    job.window_key = key;
    job.trigger = "schedule";
    job.due_at_ms = mb::SystemClock::instance().now_ms();
    auto added = store.enqueue_job(job);
    if (!added || !*added) throw std::runtime_error("enqueue " + c.id + ": not added");
  }

  std::optional<Clock::time_point> first_claim;
  std::set<std::string> taken_over;
  std::map<std::string, mb::SyncJob> jobs;
  for (;;) {
    auto listed = store.list_jobs("", n + 50);
    if (!listed) throw std::runtime_error("jobs: " + listed.status().to_string());
    jobs.clear();
    int64_t ended = 0, running = 0;
    for (const auto& job : *listed) {
      if (job.window_key != key) continue;
      jobs[job.connector_id] = job;
      ended += job.state == mb::JobState::kDone || job.state == mb::JobState::kFailed ? 1 : 0;
      running += job.state == mb::JobState::kRunning ? 1 : 0;
    }
    if (!first_claim && (ended > 0 || running > 0)) first_claim = Clock::now();
    if (ended == n) break;
    if (kill && r.killed_worker.empty() && ended >= std::max(1, n / 3)) {
      for (const auto& [connector, job] : jobs) {
        if (job.state != mb::JobState::kRunning || !workers.ours(pid_of(job.worker_id))) continue;
        r.killed_worker = job.worker_id;
        for (const auto& [other, j] : jobs)
          if (j.state == mb::JobState::kRunning && j.worker_id == job.worker_id)
            taken_over.insert(other);
        std::fprintf(stderr, "  window %d: SIGKILL worker %s running %zu jobs; starting another\n",
                     window, job.worker_id.c_str(), taken_over.size());
        workers.kill(pid_of(job.worker_id));
        workers.start_one();
        break;
      }
    }
    if (Clock::now() - enqueued > std::chrono::seconds(o.window_limit_seconds))
      throw std::runtime_error("window " + std::to_string(window) + ": " +
                               std::to_string(n - ended) + " jobs still not ended after " +
                               std::to_string(o.window_limit_seconds) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto finished = Clock::now();
  r.seconds = std::chrono::duration<double>(finished - first_claim.value_or(enqueued)).count();
  workers.stop_all();
  world.set_latency(0);
  world.wait_idle();

  // The store: every connector's job done, one finished run each.
  for (const auto& c : world.connectors()) {
    auto it = jobs.find(c.id);
    if (it == jobs.end() || it->second.state != mb::JobState::kDone) {
      ++r.jobs_not_done;
      r.problems.push_back(c.id + ": job " +
                           (it == jobs.end() ? std::string("missing") : it->second.message));
    } else {
      ++r.jobs_done;
    }
  }
  auto runs = store.list_runs("", -1);
  if (!runs) throw std::runtime_error("runs: " + runs.status().to_string());
  std::map<std::string, int> finished_runs;
  for (const auto& run : *runs) {
    if (run.id <= runs_before || run.dry_run) continue;
    if (run.state == mb::RunState::kInterrupted) {
      ++r.runs_interrupted;
      continue;
    }
    ++finished_runs[run.connector_id];
    if (run.state != mb::RunState::kOk) {
      ++r.runs_not_ok;
      if (r.problems.size() < 10) r.problems.push_back(run.connector_id + ": run " + run.message);
    }
  }
  for (const auto& c : world.connectors()) {
    if (finished_runs[c.id] == 1) {
      ++r.connectors_synced_once;
    } else {
      ++r.connectors_not_once;
      r.problems.push_back(c.id + ": " + std::to_string(finished_runs[c.id]) +
                           " finished runs in the window");
    }
  }
  r.taken_over = static_cast<int64_t>(taken_over.size());
  for (const auto& connector : taken_over) {
    const mb::SyncJob& job = jobs[connector];
    if (job.attempts < 2 || job.worker_id == r.killed_worker) {
      ++r.taken_over_wrong;
      r.problems.push_back(connector + ": the killed worker's job was not taken over");
    }
  }

  if (o.request_logs)
    for (const auto& p : world.platforms())
      std::ofstream(o.scale.dir /
                    ("requests-" + p.model->id() + "-window-" + std::to_string(window) + ".json"))
          << json::serialize(p.sim->control("GET", "/_sim/requests?limit=1000000"));

  // The simulators: every quantity equals its target, none changed twice.
  const auto counts_after = world.request_counts();
  r.check = world.check(before, world.snapshot(), window);
  for (const auto& p : r.check.problems) r.problems.push_back(p);
  for (size_t p = 0; p < world.platforms().size(); ++p) {
    r.requests[world.platforms()[p].model->id()] = counts_after[p].total - counts_before[p].total;
    r.throttled[world.platforms()[p].model->id()] =
        counts_after[p].throttled - counts_before[p].throttled;
  }
  r.syncs = n;
  r.lines = static_cast<int64_t>(world.lines().size());
  r.bound_seconds = bound_seconds(world, counts_before, counts_after, workers_n);
  return r;
}

void print_results(const ScaleWorld& world, const std::vector<WindowResult>& results) {
  const auto& o = world.options();
  std::printf(
      "\n== Scale: %zu connectors over %zu platforms, %d workspaces x %d services each, "
      "%zu lines a window, %d ms latency, %d syncs at once per worker ==\n",
      world.connectors().size(), world.platforms().size(), o.companies, o.services,
      world.lines().size(), o.latency_ms, o.concurrency);
  std::printf("%-7s %7s %5s %6s %6s %9s %8s %8s %9s %8s %7s\n", "window", "workers", "kill",
              "syncs", "lines", "wall_s", "syncs/s", "lines/s", "bound_s", "bound/s", "ratio");
  for (const auto& r : results) {
    std::printf("%-7d %7d %5s %6lld %6lld %9.2f %8.2f %8.1f %9.2f %8.2f %7.3f\n", r.window,
                r.workers, r.kill ? "yes" : "-", static_cast<long long>(r.syncs),
                static_cast<long long>(r.lines), r.seconds, r.syncs / r.seconds,
                r.lines / r.seconds, r.bound_seconds, r.syncs / r.bound_seconds,
                r.seconds / r.bound_seconds);
  }
  const WindowResult* one = nullptr;
  for (const auto& r : results)
    if (!r.kill && (one == nullptr || r.workers < one->workers)) one = &r;
  if (one != nullptr) {
    std::printf("\nThroughput against %d worker%s (measured; the bound's own ratio beside):\n",
                one->workers, one->workers == 1 ? "" : "s");
    for (const auto& r : results) {
      if (r.kill) continue;
      std::printf("  %d worker%s: %.2fx syncs/s (bound %.2fx)\n", r.workers,
                  r.workers == 1 ? " " : "s", one->seconds / r.seconds,
                  one->bound_seconds / r.bound_seconds);
    }
  }
  std::printf(
      "\nChecks per window (store: jobs and runs; simulators: state and write counters):\n");
  std::printf("%-7s %9s %10s %11s %11s %8s %10s %8s %8s %8s %9s\n", "window", "jobs_done",
              "synced_1x", "interrupted", "taken_over", "not_ok", "mismatched", "double", "missed",
              "resent", "requests");
  for (const auto& r : results) {
    int64_t requests = 0;
    for (const auto& [p, count] : r.requests) requests += count;
    std::printf(
        "%-7d %9lld %10lld %11lld %11lld %8lld %10lld %8lld %8lld %8lld %9lld\n", r.window,
        static_cast<long long>(r.jobs_done), static_cast<long long>(r.connectors_synced_once),
        static_cast<long long>(r.runs_interrupted), static_cast<long long>(r.taken_over),
        static_cast<long long>(r.runs_not_ok), static_cast<long long>(r.check.mismatched),
        static_cast<long long>(r.check.double_writes), static_cast<long long>(r.check.missed),
        static_cast<long long>(r.check.repeated), static_cast<long long>(requests));
    std::string detail;
    for (const auto& [p, count] : r.requests)
      detail +=
          " " + p + " " + std::to_string(count) + " requests" +
          (r.throttled.at(p) > 0 ? ", " + std::to_string(r.throttled.at(p)) + " throttled" : "") +
          (r.check.repeated_by_platform.count(p)
               ? ", " + std::to_string(r.check.repeated_by_platform.at(p)) + " resent"
               : "") +
          ";";
    std::printf("        %s\n", detail.c_str() + 1);
    for (size_t i = 0; i < r.problems.size() && i < 10; ++i)
      std::printf("        problem: %s\n", r.problems[i].c_str());
  }
  std::printf(
      "\nDepartures from production settings: Autotask's thread limit off in its "
      "simulator (every partner's database is one simulator here), and its duplicate-"
      "adjustment rule off (each window adjusts the same day); policies."
      "unconfirmed_write_grace_seconds 2 (default 300), so that the run taking a killed "
      "worker's connector over confirms its writes in the same window. Every other limit "
      "is the platform's or its manifest's; each Autotask partner is a budget tenant of "
      "its own.\n");
}

json::object to_json(const WindowResult& r) {
  json::object requests;
  for (const auto& [p, count] : r.requests) requests[p] = count;
  json::object throttled;
  for (const auto& [p, count] : r.throttled) throttled[p] = count;
  json::object resent;
  for (const auto& [p, count] : r.check.repeated_by_platform) resent[p] = count;
  return {{"window", r.window},
          {"workers", r.workers},
          {"kill", r.kill},
          {"seconds", r.seconds},
          {"bound_seconds", r.bound_seconds},
          {"syncs", r.syncs},
          {"lines", r.lines},
          {"jobs_done", r.jobs_done},
          {"connectors_synced_once", r.connectors_synced_once},
          {"runs_interrupted", r.runs_interrupted},
          {"runs_not_ok", r.runs_not_ok},
          {"taken_over", r.taken_over},
          {"mismatched", r.check.mismatched},
          {"double_writes", r.check.double_writes},
          {"missed", r.check.missed},
          {"resent", r.check.repeated},
          {"resent_by_platform", std::move(resent)},
          {"throttled", std::move(throttled)},
          {"requests", std::move(requests)},
          {"ok", r.ok()}};
}

int run(Options o) {
  mb::init_logging("warn");  // the set-up's own operations log to stderr, as the CLI does
  const fs::path self_dir = mb::bench::self_executable().parent_path();
  if (o.scale.tools.meterbridge.empty()) o.scale.tools.meterbridge = self_dir / "meterbridge";
  if (o.scale.tools.simulator.empty()) o.scale.tools.simulator = self_dir / "meterbridge-sim";
  if (o.scale.tools.plugins.empty()) o.scale.tools.plugins = self_dir.parent_path() / "plugins";
  const bool temporary = o.work_dir.empty();
  if (temporary) {
    char pattern[] = "/tmp/mb-bench-scale-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a work folder");
    o.work_dir = pattern;
  }
  o.scale.dir = o.work_dir;
  std::fprintf(stderr, "meterbridge-bench-scale: work folder %s\n", o.work_dir.c_str());
  std::printf("Machine: %s at start\n", mb::bench::machine_summary().c_str());

  // The workers and this process share the sealing key and the API token; nothing from the
  // caller's environment picks another config or database password.
  ::setenv("MB_SECRET_KEY", std::string(64, 'b').c_str(), 1);
  ::setenv("MB_SCALE_API_TOKEN", "scale-bench-api-token", 1);
  ::unsetenv("MB_CONFIG");
  ::unsetenv("PGPASSWORD");

  auto cluster = mb::testing::PostgresCluster::shared();
  if (!cluster) throw std::runtime_error("PostgreSQL: " + cluster.status().message());
  auto database = (*cluster)->create_database();
  if (!database) throw std::runtime_error("PostgreSQL: " + database.status().message());
  o.scale.state_url = database->url;

  std::vector<WindowResult> results;
  {
    ScaleWorld world(o.scale);
    std::fprintf(stderr, "set-up (not measured)...\n");
    world.set_up();
    int window = 0;
    const int most = *std::max_element(o.worker_counts.begin(), o.worker_counts.end());
    if (!o.no_kill) {
      std::fprintf(stderr, "window %d: %d workers, one killed and restarted...\n", window + 1,
                   most);
      results.push_back(run_window(world, o, ++window, most, true));
    }
    for (int workers : o.worker_counts) {
      std::fprintf(stderr, "window %d: %d worker%s...\n", window + 1, workers,
                   workers == 1 ? "" : "s");
      results.push_back(run_window(world, o, ++window, workers, false));
    }
    print_results(world, results);
    std::printf("Machine: %s at the end\n", mb::bench::machine_summary().c_str());
  }
  (*cluster)->drop_database(database->name);
  if (!o.json_out.empty()) {
    json::array windows;
    for (const auto& r : results) windows.push_back(to_json(r));
    std::ofstream(o.json_out) << json::serialize(json::object{{"windows", std::move(windows)}})
                              << "\n";
  }
  bool ok = std::all_of(results.begin(), results.end(), [](const auto& r) { return r.ok(); });
  std::printf("\n%s\n", ok ? "Every check held." : "SOME CHECK FAILED (problems above).");
  if (temporary && !o.keep && !o.request_logs && ok) {
    std::error_code ec;
    fs::remove_all(o.work_dir, ec);
  }
  return ok ? 0 : 1;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"meterbridge-bench-scale: worker processes on one PostgreSQL, many connectors"};
  std::string platforms, worker_counts;
  cli.add_option("--connectors", o.scale.connectors, "connectors, dealt over the platforms")
      ->check(CLI::Range(1, 100000));
  cli.add_option("--companies", o.scale.companies, "workspaces (accounts) per connector")
      ->check(CLI::Range(1, 10000));
  cli.add_option("--services", o.scale.services, "services per connector")
      ->check(CLI::Range(1, 50));
  cli.add_option("--latency-ms", o.scale.latency_ms, "added to every platform response")
      ->check(CLI::Range(0, 10000));
  cli.add_option("--concurrency", o.scale.concurrency, "workers.concurrency of each worker")
      ->check(CLI::Range(1, 256));
  cli.add_option("--claim-ttl", o.scale.claim_ttl_seconds, "workers.claim_ttl_seconds")
      ->check(CLI::Range(2, 3600));
  cli.add_option("--workers", worker_counts, "worker counts of the measured windows (1,2,3)");
  cli.add_option("--platforms", platforms, "autotask,connectwise,gradient,external");
  cli.add_flag("--no-kill", o.no_kill, "skip the window in which a worker is killed");
  cli.add_flag("--quick", o.quick,
               "8 connectors x 2 workspaces x 2 services, 20 ms, 1 and 2 workers (explicit "
               "sizes win)");
  cli.add_option("--window-limit", o.window_limit_seconds, "seconds a window may take at most")
      ->check(CLI::Range(10, 86400));
  cli.add_option("--meterbridge", o.scale.tools.meterbridge, "the meterbridge binary");
  cli.add_option("--sim", o.scale.tools.simulator, "meterbridge-sim");
  cli.add_option("--plugins", o.scale.tools.plugins, "the plugin folder");
  cli.add_option("--work-dir", o.work_dir, "config and logs (default: a temporary folder)");
  cli.add_flag("--keep", o.keep, "keep the temporary work folder");
  cli.add_option("--json", o.json_out, "every window's figures as JSON");
  cli.add_flag("--request-logs", o.request_logs,
               "save each simulator's request log of each window in the work folder (kept)");
  CLI11_PARSE(cli, argc, argv);
  if (o.quick) {
    if (cli.count("--connectors") == 0) o.scale.connectors = 8;
    if (cli.count("--companies") == 0) o.scale.companies = 2;
    if (cli.count("--services") == 0) o.scale.services = 2;
    if (cli.count("--latency-ms") == 0) o.scale.latency_ms = 20;
    if (cli.count("--concurrency") == 0) o.scale.concurrency = 2;
    if (cli.count("--claim-ttl") == 0) o.scale.claim_ttl_seconds = 4;
    if (worker_counts.empty()) worker_counts = "1,2";
    if (cli.count("--window-limit") == 0) o.window_limit_seconds = 240;
  }
  if (!platforms.empty()) o.scale.platforms = comma_list(platforms);
  if (!worker_counts.empty()) {
    o.worker_counts.clear();
    for (const std::string& w : comma_list(worker_counts)) {
      int n = std::atoi(w.c_str());
      if (n < 1 || n > 64) {
        std::fprintf(stderr, "--workers: '%s' is not a worker count from 1 to 64\n", w.c_str());
        return 2;
      }
      o.worker_counts.push_back(n);
    }
  }
  if (o.worker_counts.empty() || o.scale.platforms.empty() ||
      o.scale.connectors < static_cast<int>(o.scale.platforms.size())) {
    std::fprintf(stderr, "need a worker count, a platform, and a connector per platform\n");
    return 2;
  }
  try {
    return run(std::move(o));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterbridge-bench-scale: %s\n", e.what());
    return 2;
  }
}
