// What a session reuses between hooks: the platform's integration (its protocol version and
// batch size) and its services, each read again after kCacheTtlMs.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CACHE_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CACHE_H_

#include <meterbridge/plugin.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "internal/client.h"
#include "internal/wire.h"

namespace meterbridge::external {

class PlatformCache {
 public:
  // How long the integration and the service list are reused.
  static constexpr int64_t kCacheTtlMs = 5 * 60 * 1000;

  // GET /v1/integration, unless read less than kCacheTtlMs ago. Throws PluginError.
  const IntegrationInfo& integration(Call& call, const Client& client);
  // Every service by id (GET /v1/services, all pages), unless read less than kCacheTtlMs ago.
  const std::map<std::string, ServiceInfo>& services(Call& call, const Client& client);
  // The integration as authenticate just read it.
  void remember(IntegrationInfo info, int64_t now_ms) {
    integration_ = std::move(info);
    integration_read_at_ms_ = now_ms;
  }

 private:
  static bool fresh(Call& call, int64_t read_at_ms);

  std::optional<IntegrationInfo> integration_;
  int64_t integration_read_at_ms_ = 0;
  std::optional<std::map<std::string, ServiceInfo>> services_;
  int64_t services_read_at_ms_ = 0;
};

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_CACHE_H_
