// SimulatorCore: everything between the transport and a platform — request classification,
// concurrency limits, fault and latency decisions, the data lock around platform calls, the
// request log and statistics, and the /_sim/ control endpoints.
#ifndef METERBRIDGE_SIM_CORE_INTERNAL_SIMULATOR_CORE_H_
#define METERBRIDGE_SIM_CORE_INTERNAL_SIMULATOR_CORE_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "sim/core/faults.h"
#include "sim/core/internal/exchange.h"
#include "sim/core/internal/traffic.h"
#include "sim/core/platform.h"
#include "sim/core/router.h"
#include "sim/core/simulator.h"

namespace mb::sim::internal {

class SimulatorCore : public ExchangeHandler {
 public:
  // Registers the platform's routes, loads its seed, faults and settings. Throws
  // std::runtime_error with a message fit for the command line.
  SimulatorCore(std::string platform_name, std::unique_ptr<Platform> platform,
                const SimOptions& options);
  ~SimulatorCore() override;

  // Must be called before the server accepts connections.
  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }

  void connection_opened(uint64_t connection_id) override;
  void connection_closed(uint64_t connection_id) override;
  std::unique_ptr<Exchange> begin(Request request) override;

 private:
  friend class PlatformExchange;

  // Runs the platform route for `request` under the data lock; never throws.
  Response run_platform_route(Request& request);
  Response call_handler(const Handler& handler, const Request& request);
  // The reply for an injected status or throttle fault.
  Response injected_error(const Request& request, const FaultRule& rule,
                          const std::string& endpoint_key);
  void record(RequestLogEntry entry, uint64_t log_generation);

  void register_control_routes();
  Response handle_control(Request& request);
  Response reset();

  const std::string platform_name_;
  std::string base_url_;
  const bool log_requests_;

  // Guards the platform and its router: every platform call happens under it.
  std::mutex data_mutex_;
  std::unique_ptr<Platform> platform_;
  Router platform_router_;
  boost::json::value seed_;
  boost::json::object startup_settings_;

  Router control_router_;
  FaultInjector faults_;
  RequestLog log_;
  TrafficStats stats_;
  std::atomic<int> latency_ms_;
  std::atomic<uint64_t> next_request_id_{0};
  std::mutex stderr_mutex_;
};

}  // namespace mb::sim::internal

#endif  // METERBRIDGE_SIM_CORE_INTERNAL_SIMULATOR_CORE_H_
