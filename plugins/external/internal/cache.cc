#include "internal/cache.h"

#include <boost/json.hpp>

#include <utility>

namespace meterbridge::external {

namespace json = boost::json;

bool PlatformCache::fresh(Call& call, int64_t read_at_ms) {
  const int64_t now = call.now_ms();
  return now >= read_at_ms && now - read_at_ms < kCacheTtlMs;
}

const IntegrationInfo& PlatformCache::integration(Call& call, const Client& client) {
  if (!integration_ || !fresh(call, integration_read_at_ms_)) {
    remember(parse_integration(
                 client.get(call, "/v1/integration", "integration", "read the integration")),
             call.now_ms());
  }
  return *integration_;
}

const std::map<std::string, ServiceInfo>& PlatformCache::services(Call& call,
                                                                  const Client& client) {
  if (services_ && fresh(call, services_read_at_ms_)) return *services_;
  std::map<std::string, ServiceInfo> by_id;
  for (const json::object& item :
       fetch_all(call, client, {"/v1/services?limit=" + std::to_string(kMaxListLimit)}, "services",
                 "list the services")) {
    ServiceInfo service = parse_service(item);
    by_id.emplace(service.id, std::move(service));
  }
  services_ = std::move(by_id);
  services_read_at_ms_ = call.now_ms();
  return *services_;
}

}  // namespace meterbridge::external
