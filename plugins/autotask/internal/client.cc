#include "internal/client.h"

#include <meterbridge/http.hpp>
#include <meterbridge/json_fields.hpp>

#include <boost/json/serialize.hpp>

#include <set>
#include <utility>

namespace meterbridge::autotask {

namespace {

// A query that pages on and on is a bug somewhere; 100,000 pages is 50 million rows.
constexpr int kMaxPageRounds = 100000;

// `url`, a link into the old zone, moved to the origin of `new_base` (its path is kept).
std::string rebase(const std::string& url, const std::string& new_base) {
  size_t scheme_end = url.find("://");
  size_t path_start =
      scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  auto new_origin = origin_of(new_base);
  if (path_start == std::string::npos || !new_origin) return url;
  return *new_origin + url.substr(path_start);
}

// A query of `entity`: its first page, or the page `next_page_url` links to, which Autotask
// wants POSTed with the identical body.
HttpRequest query_request(std::string_view entity, const std::string& body,
                          const std::string& next_page_url) {
  HttpRequest request;
  request.method = "POST";
  request.url = next_page_url.empty() ? std::string(entity) + "/query" : next_page_url;
  request.body = body;
  request.endpoint = std::string(entity);
  return request;
}

// The page a query answered; throws PluginError when it failed or is not a query answer.
QueryPage query_page_of(const HttpResponse& response, std::string_view entity) {
  const std::string what = std::string(entity) + " query: ";
  if (response.status != 200) {
    HttpFailure failure = classify_failure(response);
    failure.message = what + failure.message;
    throw_failure(failure);
  }
  auto doc = parse_json_object(response.body);
  const boost::json::value* items = doc ? field_any_case(*doc, "items") : nullptr;
  if (items == nullptr || !items->is_array())
    throw PluginError(MB_STATUS_FATAL, what + "Autotask's answer has no items array");
  QueryPage page;
  for (const auto& item : items->get_array()) {
    if (item.is_object()) page.items.push_back(item.get_object());
  }
  if (const auto* details = field_any_case(*doc, "pageDetails");
      details != nullptr && details->is_object())
    page.next_page_url = text(field_any_case(details->get_object(), "nextPageUrl")).value_or("");
  return page;
}

}  // namespace

AutotaskClient::AutotaskClient(ConnectorConfig config) : config_(std::move(config)) {
  if (config_.pinned_rest_root) {
    zone_ = ZoneInformation{"", *config_.pinned_rest_root};
    api_base_ = api_base(zone_->rest_root);
  }
}

const ZoneInformation& AutotaskClient::zone(Call& call) {
  if (!zone_) {
    zone_ = discover(call);
    api_base_ = api_base(zone_->rest_root);
  }
  return *zone_;
}

const ZoneInformation& AutotaskClient::rediscover_zone(Call& call) {
  if (zone_is_pinned()) return *zone_;
  zone_.reset();
  return zone(call);
}

ZoneInformation AutotaskClient::discover(Call& call) {
  HttpRequest request;
  request.url = zone_information_url(config_.discovery_root, config_.username);
  request.endpoint = "ZoneInformation";
  // zoneInformation needs no credentials, so none are sent to the discovery host.
  request.headers = {{"Accept", "application/json"}};
  HttpResponse response = run(call, {request}).front();
  if (response.status == 200) {
    if (auto info = parse_zone_information(response.body)) {
      call.debug("Autotask user " + config_.username + " is in zone " + info->rest_root);
      return *info;
    }
    throw PluginError(MB_STATUS_FATAL, "Autotask zoneInformation answered without a zone URL");
  }
  if (is_unknown_user_refusal(response))
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "Autotask does not know the API user '" + config_.username +
                          "' (zone information could not be determined); check the user name");
  HttpFailure failure = classify_failure(response);
  if (response.status == 0) failure.status = MB_STATUS_RETRY;
  failure.message = "Autotask zone discovery at " + config_.discovery_root + ": " + failure.message;
  throw_failure(failure);
}

HttpRequest AutotaskClient::with_credentials(HttpRequest request) const {
  if (request.url.find("://") == std::string::npos) {
    request.url = api_base_ + request.url;
  } else if (!same_origin(request.url, api_base_)) {
    throw PluginError(MB_STATUS_FATAL, "Autotask returned a link to another host (" +
                                           origin_of(request.url).value_or("unparsable URL") +
                                           "); credentials are sent only to the tenant's zone");
  }
  request.headers = {{"ApiIntegrationCode", config_.integration_code},
                     {"UserName", config_.username},
                     {"Secret", config_.secret},
                     {"Accept", "application/json"}};
  if (request.body) request.headers.emplace_back("Content-Type", "application/json");
  // Queries and reads change nothing, so the host may resend them; a write says otherwise.
  request.idempotent = request.idempotent.value_or(true);
  return request;
}

std::vector<HttpResponse> AutotaskClient::run(Call& call,
                                              const std::vector<HttpRequest>& requests) {
  if (requests.empty()) return {};
  return call.http(requests);
}

std::vector<HttpResponse> AutotaskClient::send(Call& call,
                                               const std::vector<HttpRequest>& requests) {
  zone(call);
  std::vector<HttpRequest> http;
  http.reserve(requests.size());
  for (const auto& r : requests) http.push_back(with_credentials(r));
  std::vector<HttpResponse> responses = run(call, http);

  std::vector<size_t> refused;
  for (size_t i = 0; i < responses.size(); ++i)
    if (responses[i].status == 401) refused.push_back(i);
  if (refused.empty() || zone_is_pinned()) return responses;

  // A 401 may mean the tenant moved to another zone; ask again where it lives now.
  std::string old_base = api_base_;
  try {
    rediscover_zone(call);
  } catch (const PluginError& e) {
    // Keep the 401s: the caller reports them, and the responses that succeeded stay known.
    call.warn(std::string("re-discovering the Autotask zone after a 401 failed: ") + e.what());
    zone_.reset();
    return responses;
  }
  if (api_base_ == old_base) return responses;
  call.info("Autotask moved the tenant to " + zone_->rest_root + "; resending " +
            std::to_string(refused.size()) + " refused request(s)");
  std::vector<HttpRequest> again;
  for (size_t i : refused) {
    HttpRequest moved = requests[i];
    if (moved.url.find("://") != std::string::npos) moved.url = rebase(moved.url, api_base_);
    again.push_back(with_credentials(std::move(moved)));
  }
  std::vector<HttpResponse> second = run(call, again);
  for (size_t k = 0; k < refused.size(); ++k) responses[refused[k]] = std::move(second[k]);
  return responses;
}

QueryPage AutotaskClient::query_page(Call& call, std::string_view entity,
                                     const std::string& query_body,
                                     const std::string& next_page_url) {
  return query_page_of(send(call, {query_request(entity, query_body, next_page_url)}).front(),
                       entity);
}

std::vector<boost::json::object> AutotaskClient::query_all(
    Call& call, std::string_view entity, const std::vector<boost::json::object>& queries) {
  struct Pending {
    size_t query;
    std::string next_page_url;  // empty: the first page
  };
  std::vector<std::string> bodies;
  std::vector<Pending> pending;
  for (size_t i = 0; i < queries.size(); ++i) {
    bodies.push_back(boost::json::serialize(queries[i]));
    pending.push_back({i, ""});
  }
  std::vector<boost::json::object> rows;
  std::set<std::string> links_followed;
  for (int round = 0; !pending.empty(); ++round) {
    if (round >= kMaxPageRounds)
      throw PluginError(MB_STATUS_FATAL,
                        std::string(entity) + " query: Autotask never reached a last page");
    if (call.cancelled())
      throw PluginError(MB_STATUS_RETRY, "cancelled while querying " + std::string(entity));
    std::vector<HttpRequest> requests;
    for (const auto& p : pending)
      requests.push_back(query_request(entity, bodies[p.query], p.next_page_url));
    std::vector<HttpResponse> responses = send(call, requests);
    std::vector<Pending> next;
    for (size_t i = 0; i < responses.size(); ++i) {
      QueryPage page = query_page_of(responses[i], entity);
      for (auto& item : page.items) rows.push_back(std::move(item));
      if (page.next_page_url.empty()) continue;
      if (!links_followed.insert(page.next_page_url).second)
        throw PluginError(MB_STATUS_FATAL,
                          std::string(entity) + " query: Autotask repeated a page link");
      next.push_back({pending[i].query, page.next_page_url});
    }
    pending = std::move(next);
  }
  return rows;
}

}  // namespace meterbridge::autotask
