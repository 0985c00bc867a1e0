// The plugin's ConnectWise client: every request goes through the host's HTTP engine
// (Call::http), carrying Basic credentials, the clientId and the versioned Accept header.
//
// The REST base URL depends on the company's codebase, learnt from the unauthenticated
// `login/companyinfo/<company>` call and cached for the session. Cloud codebases change at
// upgrades, after which the old one answers 404: the first 404 of a hook re-reads companyinfo
// once and, when the codebase changed, runs the 404'd requests again under the new one.
//
//   Client client(config);
//   client.begin_hook();
//   client.ensure_discovered(call);
//   auto responses =
//       client.execute(call, {{"GET", "company/companies?pageSize=1", "", "companies"}});
//
// Independent requests go in one execute() so the engine runs them concurrently within the
// connector's limits. Retries (429 with Retry-After for every method, 5xx only for GETs) are the
// engine's: PATCHes are sent as non-idempotent, so a 5xx or a reset comes back to the plugin,
// which re-reads the addition before deciding.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CLIENT_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CLIENT_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/http.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/conditions.h"
#include "internal/config.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {

// ConnectWise's largest page (the default is 25, which silently truncates listings).
inline constexpr size_t kPageSize = 1000;
// ConnectWise asks for URLs of at most 2,000 characters.
inline constexpr size_t kMaxUrlLength = 2000;
// Requests handed to the host per batch: bounds memory and lets cancellation be seen between
// batches; the engine's own limits decide how many run at once.
inline constexpr size_t kMaxBatch = 100;

struct ApiRequest {
  std::string method = "GET";
  std::string target;    // relative to ".../apis/3.0/", e.g. "company/companies?pageSize=1"
  std::string body;      // JSON, for PATCH
  std::string endpoint;  // the engine's concurrency and counting key
};

// Why a failed response failed, as the ABI reports it. `what` says what the request was for
// ("list companies").
HttpFailure failure_for(const HttpResponse& response, std::string_view what);

class Client {
 public:
  explicit Client(ConnectorConfig config) : config_(std::move(config)) {}

  const ConnectorConfig& config() const { return config_; }

  // Starts a hook: allows one codebase refresh after a 404 during it.
  void begin_hook() { refreshed_in_hook_ = false; }

  // Asks companyinfo for the codebase. On success the cached codebase and API base change and
  // nullopt is returned; on failure they stay as they were and the failure says why:
  // config_invalid for an unknown company or a site that is not ConnectWise, retry when
  // unreachable, rate_limited when throttled.
  std::optional<HttpFailure> discover(Call& call);

  // Discovers unless a codebase is cached; throws PluginError when discovery fails.
  void ensure_discovered(Call& call);

  const CompanyInfo& company_info() const { return *info_; }
  // "https://api-na.myconnectwise.net/v2025_1/apis/3.0/"
  const std::string& api_base() const { return api_base_; }

  // Runs the requests as one or more host batches (kMaxBatch each) and returns the responses in
  // order (http_in_batches): once the call is cancelled, or when the host refuses a later batch,
  // the rest are not sent (status 0, not sent). Requires discovery. Throws PluginError only when
  // the host refuses the first batch (budget exhausted, malformed batch) or answers nonsense.
  std::vector<HttpResponse> execute(Call& call, const std::vector<ApiRequest>& requests);

 private:
  // The requests in host batches (http_in_batches), under the current codebase.
  std::vector<HttpResponse> send(Call& call, const std::vector<ApiRequest>& requests);
  HttpRequest http_request(const ApiRequest& request) const;

  ConnectorConfig config_;
  std::optional<CompanyInfo> info_;
  std::string api_base_;
  bool refreshed_in_hook_ = false;
};

// ---- Listing with navigable pagination ----------------------------------------------------------

struct ListQuery {
  Query query;                    // without page / pageSize; pageSize is always kPageSize
  std::string endpoint;           // engine key
  std::string what;               // for messages: "list agreements"
  bool missing_is_empty = false;  // a 404 means "no rows" (e.g. an agreement removed meanwhile)
};

struct Page {
  std::vector<boost::json::object> rows;
  std::optional<int64_t> next;  // the next page number, from rel="next"
};

// One page of one listing. Throws PluginError on failure.
Page fetch_page(Call& call, Client& client, const ListQuery& list, int64_t page);

// Every page of each listing; the pages of different listings share batches, so independent
// listings run concurrently. Rows are deduplicated by "id" per listing. Checks cancellation
// between batches. Throws PluginError on the first failure.
std::vector<std::vector<boost::json::object>> fetch_all(Call& call, Client& client,
                                                        const std::vector<ListQuery>& lists);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CLIENT_H_
