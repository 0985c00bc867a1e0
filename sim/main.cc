// meterbridge-sim: serves one simulated platform API on 127.0.0.1 until SIGINT or SIGTERM.
// The first line on stdout is the base URL, so scripts can start it with --port 0 and read
// where it listens. docs/simulators.md describes the flags, seeds, faults and control API.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

#include "sim/core/platform_registry.h"
#include "sim/core/seed.h"
#include "sim/core/simulator.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read '" + path + "'");
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string platform_list() {
  std::string list = "Platforms:\n";
  for (const auto& entry : mb::sim::builtin_platforms().entries()) {
    list += "  " + entry.name +
            std::string(entry.name.size() < 14 ? 14 - entry.name.size() : 1, ' ') +
            entry.description + "\n";
  }
  list +=
      "\nControl endpoints: GET /_sim/state, GET /_sim/requests, GET|POST /_sim/faults,\n"
      "POST /_sim/reset (see docs/simulators.md).";
  return list;
}

// Prints the seed document the simulator would load, so a generated data set can be saved,
// edited and passed back with --seed.
int print_seed(const std::string& platform_name, const std::string& generate) {
  std::unique_ptr<mb::sim::Platform> platform = mb::sim::builtin_platforms().create(platform_name);
  const boost::json::value seed =
      generate.empty() ? platform->default_seed()
                       : platform->generate_seed(mb::sim::GenerateSpec::parse(generate));
  std::cout << boost::json::serialize(seed) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meterbridge-sim: a local simulator of one billing platform's API"};
  app.footer(platform_list());

  std::string platform;
  std::string seed_file;
  std::vector<std::string> tls_files;
  bool print_seed_only = false;
  mb::sim::SimOptions options;

  std::vector<std::string> names;
  for (const auto& entry : mb::sim::builtin_platforms().entries()) names.push_back(entry.name);
  app.add_option("platform", platform, "Platform to simulate")
      ->required()
      ->check(CLI::IsMember(names));
  app.add_option("--port", options.port, "Port on 127.0.0.1; 0 picks a free one")
      ->capture_default_str();
  auto* seed =
      app.add_option("--seed", seed_file, "Seed document (JSON) to load")->check(CLI::ExistingFile);
  app.add_option("--generate", options.generate,
                 "Generate seed data, e.g. companies=2000,services=10,seed=42")
      ->excludes(seed);
  app.add_option("--latency-ms", options.latency_ms, "Latency added to every response")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--faults", options.faults,
                 "Fault rules, e.g. '429:count=2,retry_after=1;reset:path=/api/items'");
  app.add_option("--tls", tls_files, "Serve https with this PEM certificate chain and key")
      ->expected(2)
      ->type_name("CERT KEY");
  app.add_option("--threads", options.threads, "IO threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--settings", options.settings_json,
                 "Platform settings as a JSON object, applied at start and after each reset");
  app.add_flag("--log-requests", options.log_requests, "Log one line per request to stderr");
  app.add_flag("--print-seed", print_seed_only,
               "Print the seed document (default or --generate) and exit");

  CLI11_PARSE(app, argc, argv);

  try {
    if (print_seed_only) return print_seed(platform, options.generate);
    if (!seed_file.empty()) options.seed_json = read_file(seed_file);
    if (tls_files.size() == 2) {
      options.tls_cert_file = tls_files[0];
      options.tls_key_file = tls_files[1];
    }

    // Block the stop signals before any io thread exists, so every thread inherits the mask and
    // sigwait below is the one place they are received.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::unique_ptr<mb::sim::Simulator> simulator = mb::sim::Simulator::start(platform, options);
    std::cout << simulator->base_url() << std::endl;  // endl flushes: scripts wait for this line

    int received = 0;
    sigwait(&stop_signals, &received);
    simulator->stop();
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "meterbridge-sim: " << error.what() << std::endl;
    return 1;
  }
}
