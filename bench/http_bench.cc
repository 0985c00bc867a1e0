// meterbridge-bench-http: the host HTTP engine against the simulator's "test" platform.
//
//   1. Throughput at 0 ms latency: requests/s and host CPU per request for each concurrency
//      (connections) N.
//   2. Concurrency at L ms latency (default 50): wall time against the ideal bound
//      ceil(requests / concurrency) x latency, printed as a ratio (1.00 is perfect).
//
// The simulator runs in a child process forked before any thread starts, so the CPU figures
// (getrusage of this process) are the engine's alone. Nothing is asserted: it prints numbers.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "host/http/engine.h"
#include "sim/core/simulator.h"

namespace {

using mb::http::BatchOutcome;
using mb::http::HttpClient;
using mb::http::HttpEngine;
using mb::http::HttpPolicy;
using mb::http::HttpRequest;
using Clock = std::chrono::steady_clock;

// Runs the simulator in a child process; the child stops when the parent closes its pipe.
class SimulatorProcess {
 public:
  SimulatorProcess(int sim_threads) {
    int to_parent[2], to_child[2];
    if (pipe(to_parent) != 0 || pipe(to_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      close(to_parent[0]);
      close(to_child[1]);
      int code = 0;
      try {
        mb::sim::SimOptions options;
        options.threads = sim_threads;
        auto sim = mb::sim::Simulator::start("test", options);
        const std::string base = sim->base_url() + "\n";
        if (write(to_parent[1], base.data(), base.size()) < 0) code = 1;
        close(to_parent[1]);
        char c;
        while (read(to_child[0], &c, 1) > 0) {
        }
        sim->stop();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "simulator: %s\n", e.what());
        code = 1;
      }
      _exit(code);
    }
    close(to_parent[1]);
    close(to_child[0]);
    control_fd_ = to_child[1];
    std::string line;
    char c;
    while (read(to_parent[0], &c, 1) == 1 && c != '\n') line += c;
    close(to_parent[0]);
    if (line.empty()) throw std::runtime_error("the simulator did not start");
    base_url_ = line;
  }

  ~SimulatorProcess() {
    close(control_fd_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  const std::string& base_url() const { return base_url_; }

 private:
  pid_t pid_ = -1;
  int control_fd_ = -1;
  std::string base_url_;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::vector<HttpRequest> echo_batch(const std::string& base, int n) {
  HttpRequest r;
  r.url = base + "/api/echo";
  r.endpoint = "echo";
  return std::vector<HttpRequest>(static_cast<size_t>(n), r);
}

std::shared_ptr<HttpClient> make_client(HttpEngine& engine, int concurrency) {
  HttpPolicy policy;
  policy.max_concurrency = concurrency;
  policy.max_retries = 0;
  auto client = engine.make_client("bench-c" + std::to_string(concurrency), policy, {});
  if (!client) throw std::runtime_error(client.status().message());
  return *client;
}

int count_failures(const BatchOutcome& out) {
  if (!out.status.ok()) return static_cast<int>(out.responses.size());
  int failures = 0;
  for (const auto& r : out.responses) failures += r.status != 200;
  return failures;
}

void set_latency(HttpEngine& engine, const std::string& base, int latency_ms) {
  auto client = make_client(engine, 1);
  HttpRequest r;
  r.method = "POST";
  r.url = base + "/_sim/latency";
  r.body = "{\"latency_ms\":" + std::to_string(latency_ms) + "}";
  BatchOutcome out = client->execute({r}, nullptr);
  if (count_failures(out) != 0) throw std::runtime_error("cannot set the simulator's latency");
}

void throughput(HttpEngine& engine, const std::string& base, const std::vector<int>& levels,
                int requests) {
  std::printf("\n== Throughput at 0 ms latency: %d GET /api/echo per run ==\n", requests);
  std::printf("%6s %10s %10s %12s %10s %10s %10s %6s\n", "conns", "wall_s", "req/s", "cpu_us/req",
              "p50_ms", "p99_ms", "opened", "fail");
  for (int c : levels) {
    auto client = make_client(engine, c);
    (void)client->execute(echo_batch(base, c * 4), nullptr);  // warm the pool
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    BatchOutcome out = client->execute(echo_batch(base, requests), nullptr);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const auto counters = client->counters();
    const auto total = counters.total();
    std::printf("%6d %10.3f %10.0f %12.1f %10.2f %10.2f %10llu %6d\n", c, wall, requests / wall,
                cpu / requests * 1e6, total.latency.percentile_ms(0.50),
                total.latency.percentile_ms(0.99),
                static_cast<unsigned long long>(counters.connections_opened), count_failures(out));
  }
}

void bound(HttpEngine& engine, const std::string& base, const std::vector<int>& levels,
           int requests, int latency_ms) {
  set_latency(engine, base, latency_ms);
  std::printf("\n== Concurrency at %d ms latency: wall vs ceil(requests/conns) x latency ==\n",
              latency_ms);
  std::printf("%6s %9s %10s %10s %8s %6s\n", "conns", "requests", "wall_ms", "bound_ms", "ratio",
              "fail");
  for (int c : levels) {
    // Enough rounds to measure, few enough that concurrency 1 stays short.
    const int n = std::min(requests, 20 * c);
    auto client = make_client(engine, c);
    (void)client->execute(echo_batch(base, c), nullptr);  // open the connections first
    const auto t0 = Clock::now();
    BatchOutcome out = client->execute(echo_batch(base, n), nullptr);
    const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const double bound_ms = std::ceil(static_cast<double>(n) / c) * latency_ms;
    std::printf("%6d %9d %10.1f %10.1f %8.3f %6d\n", c, n, wall_ms, bound_ms, wall_ms / bound_ms,
                count_failures(out));
  }
  set_latency(engine, base, 0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meterbridge-bench-http: the host HTTP engine against the simulator"};
  std::vector<int> levels = {1, 4, 16, 64};
  int requests = 20000;
  int bound_requests = 400;
  int latency_ms = 50;
  int threads = 2;
  int sim_threads = 2;
  app.add_option("--concurrency", levels, "Connections (max_concurrency) to measure")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--requests", requests, "Requests per throughput run")->capture_default_str();
  app.add_option("--bound-requests", bound_requests,
                 "Requests per latency run (at most 20 x concurrency)")
      ->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "Simulator latency for the bound runs")
      ->capture_default_str();
  app.add_option("--threads", threads, "Engine I/O threads")->capture_default_str();
  app.add_option("--sim-threads", sim_threads, "Simulator I/O threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    // Fork before any thread exists (the engine starts threads).
    SimulatorProcess sim(sim_threads);
    spdlog::set_level(spdlog::level::warn);
    std::printf(
        "meterbridge-bench-http: simulator %s, engine threads %d, simulator threads %d, "
        "%u hardware threads\n",
        sim.base_url().c_str(), threads, sim_threads, std::thread::hardware_concurrency());
    mb::http::EngineOptions options;
    options.threads = threads;
    HttpEngine engine(options);
    throughput(engine, sim.base_url(), levels, requests);
    bound(engine, sim.base_url(), levels, bound_requests, latency_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterbridge-bench-http: %s\n", e.what());
    return 1;
  }
  return 0;
}
