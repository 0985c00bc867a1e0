// AutotaskClient: one connector's way to Autotask through the host's HTTP engine.
//
// It owns what every call needs: the credential headers, the tenant's zone (discovered through
// zoneInformation on first use, cached for the session, re-discovered when Autotask answers
// 401 because tenants move between zones), and Autotask's query paging. All HTTP goes through
// the host in batches (Call::http), so independent requests run concurrently within the limits
// the host applies per entity.
//
//   AutotaskClient client(parse_connector_config(config_json));
//   std::vector<boost::json::object> rows = client.query_all(
//       call, "Companies", {query_model({in_list("id", ids)}, {"id", "isActive"})});
//
// Not thread-safe: a session's calls are serialized by the host (abi.h threading contract).
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CLIENT_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CLIENT_H_

#include <meterbridge/http.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/config.h"
#include "internal/wire.h"
#include "internal/zone.h"

namespace meterbridge::autotask {

// One page of a query: its rows and the link to the next page (empty on the last page).
struct QueryPage {
  std::vector<boost::json::object> items;
  std::string next_page_url;
};

class AutotaskClient {
 public:
  explicit AutotaskClient(ConnectorConfig config);

  const ConnectorConfig& config() const { return config_; }

  // The tenant's zone, discovering it when none is cached. Throws PluginError:
  // config_invalid when Autotask does not know the user name, retry when discovery fails.
  const ZoneInformation& zone(Call& call);
  // Asks zoneInformation again, replacing the cache. No-op for a pinned zone.
  const ZoneInformation& rediscover_zone(Call& call);
  bool zone_is_pinned() const { return config_.pinned_rest_root.has_value(); }

  // Sends the requests as one batch, with the credentials, and returns the responses in order.
  // A request's url is relative to the tenant's API base ("Companies/query"), or an absolute
  // link Autotask gave (nextPageUrl), which must be on the same origin. Its endpoint is the
  // Autotask entity, which is what Autotask's thread limit counts ("3 concurrent requests per
  // entity"); idempotent is false for writes that must not be resent after they may have
  // reached Autotask. Any 401 makes the client re-discover the zone; if the tenant moved, the
  // refused requests are sent once more to the new zone (a 401 changed nothing, so even writes
  // are safe to resend). Throws PluginError only when the host refused the whole batch (budget
  // exhausted, ...) or a link leads elsewhere.
  std::vector<HttpResponse> send(Call& call, const std::vector<HttpRequest>& requests);

  // Runs every query (all QueryModels of one entity) concurrently and follows each one's
  // nextPageUrl until it ends, POSTing the identical body each time as Autotask requires.
  // Returns every row of every query. Throws PluginError on the first failed page.
  std::vector<boost::json::object> query_all(Call& call, std::string_view entity,
                                             const std::vector<boost::json::object>& queries);

  // One page of one query: the first when `next_page_url` is empty, else that page (which
  // must belong to the tenant's zone). Throws PluginError on failure.
  QueryPage query_page(Call& call, std::string_view entity, const std::string& query_body,
                       const std::string& next_page_url);

 private:
  HttpRequest with_credentials(HttpRequest request) const;
  std::vector<HttpResponse> run(Call& call, const std::vector<HttpRequest>& requests);
  ZoneInformation discover(Call& call);

  ConnectorConfig config_;
  std::optional<ZoneInformation> zone_;
  std::string api_base_;  // api_base(zone_->rest_root) once the zone is known
};

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CLIENT_H_
