#include "sim/core/simulator.h"

#include <stdexcept>

#include "sim/core/internal/http_server.h"
#include "sim/core/internal/simulator_core.h"
#include "sim/core/platform_registry.h"

namespace mb::sim {

Simulator::Simulator() = default;

Simulator::~Simulator() { stop(); }

std::unique_ptr<Simulator> Simulator::start(const PlatformRegistry& registry,
                                            const std::string& platform,
                                            const SimOptions& options) {
  std::unique_ptr<Platform> instance = registry.create(platform);
  if (!instance) {
    throw std::runtime_error("unknown platform '" + platform + "' (known: " + registry.names() +
                             ")");
  }
  if (options.threads < 1) throw std::runtime_error("threads must be at least 1");

  std::unique_ptr<Simulator> simulator(new Simulator());
  simulator->core_ =
      std::make_unique<internal::SimulatorCore>(platform, std::move(instance), options);
  internal::HttpServer::Options server_options;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.tls_cert_file = options.tls_cert_file;
  server_options.tls_key_file = options.tls_key_file;
  simulator->server_ = std::make_unique<internal::HttpServer>(server_options, *simulator->core_);
  simulator->port_ = simulator->server_->port();
  simulator->base_url_ = std::string(simulator->server_->uses_tls() ? "https" : "http") +
                         "://127.0.0.1:" + std::to_string(simulator->port_);
  simulator->core_->set_base_url(simulator->base_url_);
  simulator->server_->run();
  return simulator;
}

std::string Simulator::base_url() const { return base_url_; }

uint16_t Simulator::port() const { return port_; }

void Simulator::stop() {
  // The server goes first: its sessions report to the core until they are destroyed.
  if (server_) {
    server_->stop();
    server_.reset();
  }
  core_.reset();
}

}  // namespace mb::sim
