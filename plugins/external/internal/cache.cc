#include "internal/cache.h"

#include <boost/json.hpp>

#include <utility>

namespace meterbridge::external {

namespace json = boost::json;

bool PlatformCache::fresh(Call& call, int64_t fetched_at_ms) {
  const int64_t now = call.now_ms();
  return now >= fetched_at_ms && now - fetched_at_ms < kCacheTtlMs;
}

const IntegrationInfo& PlatformCache::integration(Call& call, const Client& client) {
  if (integration_ && fresh(call, integration_->fetched_at_ms)) return integration_->value;
  integration_ = Cached<IntegrationInfo>{
      parse_integration(client.get(call, "/v1/integration", "integration", "read the integration")),
      call.now_ms()};
  return integration_->value;
}

const std::map<std::string, ServiceInfo>& PlatformCache::services(Call& call,
                                                                  const Client& client) {
  if (services_ && fresh(call, services_->fetched_at_ms)) return services_->value;
  std::map<std::string, ServiceInfo> by_id;
  for (const json::object& item :
       fetch_all(call, client, "/v1/services?limit=" + std::to_string(kMaxListLimit), "services",
                 "list the services")) {
    ServiceInfo service = parse_service(item);
    by_id.emplace(service.id, std::move(service));
  }
  services_ = Cached<std::map<std::string, ServiceInfo>>{std::move(by_id), call.now_ms()};
  return services_->value;
}

}  // namespace meterbridge::external
