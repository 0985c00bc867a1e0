// Simulator: one simulated platform API served on 127.0.0.1 in background threads — the
// in-process face of `meterbridge-sim`. Tests start one, point an HTTP client at base_url(),
// and inspect or steer it through its control endpoints (/_sim/state, /_sim/requests,
// /_sim/faults, /_sim/reset; see docs/simulators.md).
//
//   mb::sim::SimOptions options;
//   options.faults = "429:count=1,retry_after=1";
//   auto simulator = mb::sim::Simulator::start("test", options);   // link mb::sim
//   http_get(simulator->base_url() + "/api/items");                 // 429, then 200 on retry
//
// start(name, options) looks the platform up in builtin_platforms() and is defined in
// sim/platforms.cc, so link mb::sim (every platform). Code that brings its own platforms links
// mb::sim_core and calls the overload taking a PlatformRegistry.
#ifndef METERBRIDGE_SIM_CORE_SIMULATOR_H_
#define METERBRIDGE_SIM_CORE_SIMULATOR_H_

#include <cstdint>
#include <memory>
#include <string>

namespace mb::sim {

class PlatformRegistry;

namespace internal {
class SimulatorCore;
class HttpServer;
}  // namespace internal

struct SimOptions {
  uint16_t port = 0;      // 0: the system picks a free port
  std::string seed_json;  // seed document text (empty = platform default / generated)
  std::string generate;   // e.g. "companies=2000,services=10,seed=42"
  int latency_ms = 0;     // added to every platform response, asynchronously
  std::string faults;     // same syntax as --faults
  std::string tls_cert_file, tls_key_file;  // both set => https
  int threads = 2;                          // io threads serving connections
  std::string settings_json;  // platform settings applied at start and after each reset
  bool log_requests = false;  // one line per request on stderr (the CLI's --log-requests)
};

class Simulator {
 public:
  // Starts serving on 127.0.0.1 in background threads; throws std::runtime_error on failure
  // (unknown platform, bad seed/faults/settings, port in use, unreadable TLS files).
  static std::unique_ptr<Simulator> start(const std::string& platform, const SimOptions& options);
  static std::unique_ptr<Simulator> start(const PlatformRegistry& registry,
                                          const std::string& platform, const SimOptions& options);

  std::string base_url() const;  // "http://127.0.0.1:PORT" (or https)
  uint16_t port() const;
  void stop();  // idempotent; destructor calls it
  ~Simulator();

  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

 private:
  Simulator();

  std::unique_ptr<internal::SimulatorCore> core_;
  std::unique_ptr<internal::HttpServer> server_;
  uint16_t port_ = 0;
  std::string base_url_;
};

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_SIMULATOR_H_
