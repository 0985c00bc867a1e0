#include "internal/operations.h"

#include <boost/json.hpp>

#include <algorithm>
#include <string>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultListLimit = 100;
constexpr int64_t kMaxListLimit = 1000;
int64_t limit_input(const ListRequest& request) {
  if (!request.limit) return kDefaultListLimit;
  return std::clamp<int64_t>(*request.limit, 1, kMaxListLimit);
}

}  // namespace

ListPage list_accounts(Call& call, const Client& client, const ListRequest& request) {
  std::string target = "/v1/customers?limit=" + std::to_string(limit_input(request));
  if (auto search = given(request.search)) target += "&search=" + percent_encode(*search);
  ApiResponse r = client.execute_one(
      call, ApiRequest::get(with_cursor(target, given(request.cursor)), "customers"));
  if (!r.ok()) throw_failure(failure_for(r, "list the platform's customers"));
  Page page = parse_page(r.body, "GET /v1/customers");
  ListPage out;
  for (const json::object& item : page.data) {
    CustomerInfo customer = parse_customer(item);
    out.items.push_back(ListItem{
        customer.id, customer.name, customer.active,
        json::serialize(json::object{
            {"linked_vendor_customer_id", customer.linked_vendor_customer_id
                                              ? json::value(*customer.linked_vendor_customer_id)
                                              : json::value(nullptr)}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

ListPage list_services(Call& call, const Client& client, const ListRequest& request) {
  const std::string target = "/v1/services?limit=" + std::to_string(limit_input(request));
  ApiResponse r = client.execute_one(
      call, ApiRequest::get(with_cursor(target, given(request.cursor)), "services"));
  if (!r.ok()) throw_failure(failure_for(r, "list the platform's services"));
  Page page = parse_page(r.body, "GET /v1/services");
  ListPage out;
  for (const json::object& item : page.data) {
    ServiceInfo service = parse_service(item);
    // The protocol has no service search (the list is short): this page, filtered here.
    if (!matches_search(request, service.id, service.name)) continue;
    json::array metrics;
    for (const auto& m : service.metrics) metrics.emplace_back(m);
    out.items.push_back(ListItem{service.id, service.name, std::nullopt,
                                 json::serialize(json::object{{"metrics", std::move(metrics)}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

}  // namespace meterbridge::external
