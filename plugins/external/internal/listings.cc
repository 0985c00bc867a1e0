#include "internal/operations.h"

#include <boost/json.hpp>

#include <algorithm>
#include <string>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultListLimit = 100;

// One page of the protocol's list at `path`, with the host's limit and cursor.
Page list_page(Call& call, const Client& client, const ListRequest& request,
               const std::string& path, std::string_view what, const std::string& search = "") {
  const int64_t limit =
      request.limit ? std::clamp<int64_t>(*request.limit, 1, kMaxListLimit) : kDefaultListLimit;
  const std::string target = path + "?limit=" + std::to_string(limit) + search;
  const std::string endpoint = path.substr(std::string_view("/v1/").size());  // "customers"
  return parse_page(client.get(call, with_cursor(target, given(request.cursor)), endpoint, what),
                    "GET " + path);
}

}  // namespace

ListPage list_accounts(Call& call, const Client& client, const ListRequest& request) {
  const std::optional<std::string> search = given(request.search);
  Page page = list_page(call, client, request, "/v1/customers", "list the platform's customers",
                        search ? "&search=" + percent_encode(*search) : "");
  ListPage out;
  for (const json::object& item : page.data) {
    CustomerInfo customer = parse_customer(item);
    json::value linked = nullptr;
    if (customer.linked_vendor_customer_id) linked = *customer.linked_vendor_customer_id;
    out.items.push_back(
        ListItem{customer.id, customer.name, customer.active,
                 json::serialize(json::object{{"linked_vendor_customer_id", linked}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

ListPage list_services(Call& call, const Client& client, const ListRequest& request) {
  Page page = list_page(call, client, request, "/v1/services", "list the platform's services");
  ListPage out;
  for (const json::object& item : page.data) {
    ServiceInfo service = parse_service(item);
    // The protocol has no service search (the list is short): this page, filtered here.
    if (!matches_search(request, service.id, service.name)) continue;
    json::array metrics(service.metrics.begin(), service.metrics.end());
    out.items.push_back(ListItem{service.id, service.name, std::nullopt,
                                 json::serialize(json::object{{"metrics", std::move(metrics)}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

}  // namespace meterbridge::external
