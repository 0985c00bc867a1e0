#include "internal/wire.h"

#include <meterbridge/json_fields.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

[[noreturn]] void malformed(std::string_view what, std::string_view why) {
  throw PluginError(MB_STATUS_FATAL,
                    "the platform answered " + std::string(what) +
                        " with a document this plugin cannot read: " + std::string(why));
}

json::object parse_object(std::string_view body, std::string_view what) {
  std::optional<json::object> o = parse_json_object(body);
  if (!o) malformed(what, "not a JSON object");
  return std::move(*o);
}

std::string string_member(const json::object& o, const char* name, std::string_view what) {
  std::optional<std::string> value = text(o.if_contains(name));
  if (!value) malformed(what, std::string(name) + " is not a string");
  return std::move(*value);
}

std::optional<std::string> nullable_string(const json::object& o, const char* name,
                                           std::string_view what) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) malformed(what, std::string(name) + " is not a string or null");
  return std::string(v->get_string());
}

// The object member `name`.
const json::object& object_member(const json::object& o, const char* name, std::string_view what) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_object()) malformed(what, std::string("no ") + name);
  return v->get_object();
}

// The array member `name`.
const json::array& array_member(const json::object& o, const char* name, std::string_view what) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_array()) malformed(what, std::string(name) + " is not an array");
  return v->get_array();
}

int64_t limit_member(const json::object& limits, const char* name) {
  std::optional<int64_t> value = whole_number(limits.if_contains(name));
  if (!value || *value < 1)
    malformed("GET /v1/integration", std::string("limits.") + name + " is not a positive integer");
  return *value;
}

// The minor of a "1.<minor>" version; 0 when it cannot be read, so nothing newer is relied on.
int64_t protocol_minor(const std::string& version) {
  if (!version.starts_with("1.") || version.size() == 2) return 0;
  int64_t minor = 0;
  for (char c : version.substr(2)) {
    if (c < '0' || c > '9' || minor > 1000000) return 0;
    minor = minor * 10 + (c - '0');
  }
  return minor;
}

// The results of a batch's 200 answer: one object per item sent, in order, each echoing its
// item's identity (`is_for(result, i, what)`), which proves the platform answered for these
// items in this order.
template <typename IsFor>
std::vector<ItemResult> batch_results(std::string_view body, size_t items, std::string_view what,
                                      std::string_view item_name, IsFor is_for) {
  json::object o = parse_object(body, what);
  const json::array& list = array_member(o, "results", what);
  if (list.size() != items) {
    malformed(what, std::to_string(list.size()) + " results for " + std::to_string(items) + " " +
                        std::string(item_name) + "s");
  }
  std::vector<ItemResult> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) malformed(what, "a result is not an object");
    const json::object& r = list[i].get_object();
    if (!is_for(r, i, what)) {
      malformed(what, "result " + std::to_string(i) + " is not for " + std::string(item_name) +
                          " " + std::to_string(i));
    }
    ItemResult result;
    result.status = string_member(r, "status", what);
    result.quantity = whole_number(r.if_contains("quantity"));
    result.reason = nullable_string(r, "reason", what).value_or("");
    result.message = nullable_string(r, "message", what).value_or("");
    out.push_back(std::move(result));
  }
  return out;
}

}  // namespace

IntegrationInfo parse_integration(std::string_view body) {
  constexpr std::string_view kWhat = "GET /v1/integration";
  json::object o = parse_object(body, kWhat);
  IntegrationInfo info;
  info.protocol_version = string_member(o, "protocol_version", kWhat);
  const json::object& integration = object_member(o, "integration", kWhat);
  info.integration_id = string_member(integration, "id", kWhat);
  info.integration_name = string_member(integration, "name", kWhat);
  info.platform_name = string_member(object_member(o, "platform", kWhat), "name", kWhat);
  const json::object& limits = object_member(o, "limits", kWhat);
  info.max_batch_items = limit_member(limits, "max_batch_items");
  info.max_page_size = limit_member(limits, "max_page_size");
  info.max_customer_filter = limit_member(limits, "max_customer_filter");
  if (protocol_minor(info.protocol_version) >= 1)
    info.max_link_batch_items = limit_member(limits, "max_link_batch_items");
  return info;
}

Page parse_page(std::string_view body, std::string_view what) {
  json::object o = parse_object(body, what);
  Page page;
  for (const json::value& item : array_member(o, "data", what)) {
    if (!item.is_object()) malformed(what, "an entry of data is not an object");
    page.data.push_back(item.get_object());
  }
  page.next_cursor = nullable_string(o, "next_cursor", what);
  if (page.next_cursor && page.next_cursor->empty()) malformed(what, "next_cursor is empty");
  return page;
}

CustomerInfo parse_customer(const json::object& item) {
  constexpr std::string_view kWhat = "GET /v1/customers";
  CustomerInfo customer;
  customer.id = string_member(item, "id", kWhat);
  customer.name = string_member(item, "name", kWhat);
  customer.active = boolean(item.if_contains("active")).value_or(true);
  customer.linked_vendor_customer_id = nullable_string(item, "linked_vendor_customer_id", kWhat);
  return customer;
}

bool ServiceInfo::accepts(std::string_view metric) const {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

ServiceInfo parse_service(const json::object& item) {
  constexpr std::string_view kWhat = "GET /v1/services";
  ServiceInfo service;
  service.id = string_member(item, "id", kWhat);
  service.name = string_member(item, "name", kWhat);
  for (const json::value& metric : array_member(item, "metrics", kWhat)) {
    if (metric.is_string()) service.metrics.emplace_back(metric.get_string());
  }
  return service;
}

LinkInfo parse_link(const json::object& item) {
  constexpr std::string_view kWhat = "GET /v1/links";
  return LinkInfo{string_member(item, "vendor_customer_id", kWhat),
                  string_member(item, "customer_id", kWhat)};
}

CustomerCounts parse_customer_counts(const json::object& item) {
  constexpr std::string_view kWhat = "GET /v1/counts";
  CustomerCounts entry;
  entry.customer_id = string_member(item, "customer_id", kWhat);
  entry.vendor_customer_id = string_member(item, "vendor_customer_id", kWhat);
  for (const json::value& c : array_member(item, "counts", kWhat)) {
    if (!c.is_object()) malformed(kWhat, "a count is not an object");
    const json::object& o = c.get_object();
    std::optional<int64_t> quantity = whole_number(o.if_contains("quantity"));
    if (!quantity) malformed(kWhat, "a quantity is not an integer");
    entry.counts.push_back(CountInfo{string_member(o, "service_id", kWhat),
                                     string_member(o, "metric", kWhat), *quantity});
  }
  return entry;
}

std::string batch_body(std::string_view effective_date, const std::vector<CountItem>& items) {
  json::array list;
  list.reserve(items.size());
  for (const CountItem& item : items) {
    list.push_back(json::object{{"customer_id", item.customer_id},
                                {"service_id", item.service_id},
                                {"metric", item.metric},
                                {"quantity", item.quantity}});
  }
  json::object body;
  if (!effective_date.empty()) body["effective_date"] = effective_date;
  body["items"] = std::move(list);
  return json::serialize(body);
}

std::vector<ItemResult> parse_batch_results(std::string_view body,
                                            const std::vector<CountItem>& items) {
  return batch_results(body, items.size(), "POST /v1/count-batches", "item",
                       [&](const json::object& r, size_t i, std::string_view what) {
                         return nullable_string(r, "customer_id", what) == items[i].customer_id &&
                                nullable_string(r, "service_id", what) == items[i].service_id &&
                                nullable_string(r, "metric", what) == items[i].metric;
                       });
}

std::vector<ItemResult> parse_link_batch_results(
    std::string_view body, const std::vector<std::string>& vendor_customer_ids) {
  return batch_results(body, vendor_customer_ids.size(), "POST /v1/link-batches", "link",
                       [&](const json::object& r, size_t i, std::string_view what) {
                         return nullable_string(r, "vendor_customer_id", what) ==
                                vendor_customer_ids[i];
                       });
}

std::optional<ErrorBody> parse_error_body(std::string_view body) {
  std::optional<json::object> doc = parse_json_object(body);
  const json::value* error = doc ? doc->if_contains("error") : nullptr;
  if (error == nullptr || !error->is_object()) return std::nullopt;
  const json::object& e = error->get_object();
  std::optional<std::string> code = text(e.if_contains("code"));
  if (!code) return std::nullopt;
  ErrorBody out{*code, text(e.if_contains("message")).value_or(""), {}};
  if (const json::value* d = e.if_contains("details"); d != nullptr && d->is_object())
    out.details = d->get_object();
  return out;
}

}  // namespace meterbridge::external
