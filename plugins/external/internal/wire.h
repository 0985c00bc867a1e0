// The external protocol's documents as this plugin reads and writes them
// (docs/external-protocol.md): the integration, list pages, customers, services, links,
// counts, batch bodies and results, and the error body. Parsing is tolerant of members the
// plugin does not know and strict about the ones it relies on: a document without them throws
// PluginError(MB_STATUS_FATAL) saying what was wrong.
//
//   Page page = parse_page(response.body, "the customer list");
//   for (const auto& item : page.data) CustomerInfo c = parse_customer(item);
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_WIRE_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_WIRE_H_

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::external {

// What GET /v1/integration says.
struct IntegrationInfo {
  std::string protocol_version;  // "1.0"
  std::string integration_id;
  std::string integration_name;
  std::string platform_name;
  int64_t max_batch_items = 100;
  int64_t max_page_size = 100;
  int64_t max_customer_filter = 100;
  // Most links per POST /v1/link-batches; only a platform of protocol 1.1 or later offers them.
  std::optional<int64_t> max_link_batch_items;
};
// Throws PluginError(MB_STATUS_FATAL) when the document is malformed, including a 1.1 platform
// that does not say how many links a batch may hold.
IntegrationInfo parse_integration(std::string_view body);

// {"data":[...],"next_cursor":...}
struct Page {
  std::vector<boost::json::object> data;
  std::optional<std::string> next_cursor;
};
Page parse_page(std::string_view body, std::string_view what);

struct CustomerInfo {
  std::string id;
  std::string name;
  bool active = true;
  std::optional<std::string> linked_vendor_customer_id;
};
CustomerInfo parse_customer(const boost::json::object& item);

struct ServiceInfo {
  std::string id;
  std::string name;
  std::vector<std::string> metrics;
  bool accepts(std::string_view metric) const;
};
ServiceInfo parse_service(const boost::json::object& item);

struct LinkInfo {
  std::string vendor_customer_id;
  std::string customer_id;
};
LinkInfo parse_link(const boost::json::object& item);

struct CountInfo {
  std::string service_id;
  std::string metric;
  int64_t quantity = 0;
};
// One entry of GET /v1/counts: a linked customer and its counts.
struct CustomerCounts {
  std::string customer_id;
  std::string vendor_customer_id;
  std::vector<CountInfo> counts;
};
CustomerCounts parse_customer_counts(const boost::json::object& item);

// One item of a pushed batch.
struct CountItem {
  std::string customer_id;
  std::string service_id;
  std::string metric;
  int64_t quantity = 0;
};
// The body of POST /v1/count-batches. Deterministic: the same items give the same bytes, which
// is what makes a retry under the same Idempotency-Key a replay.
std::string batch_body(std::string_view effective_date, const std::vector<CountItem>& items);

// One entry of a batch's "results".
struct ItemResult {
  std::string status;  // applied | unchanged | rejected
  std::optional<int64_t> quantity;
  std::string reason;   // for rejected
  std::string message;  // for rejected
};
// The results of a 200 answer, checked against the items sent: one per item, in order, with
// the same identity. Throws PluginError(MB_STATUS_FATAL) otherwise.
std::vector<ItemResult> parse_batch_results(std::string_view body,
                                            const std::vector<CountItem>& items);

// The results of a 200 answer to POST /v1/link-batches, checked like parse_batch_results: one
// per link sent, in order, echoing its vendor_customer_id; status created | moved | unchanged |
// rejected.
std::vector<ItemResult> parse_link_batch_results(
    std::string_view body, const std::vector<std::string>& vendor_customer_ids);

// The {"error":{"code","message","details"}} body; nullopt when the body is not one.
struct ErrorBody {
  std::string code;
  std::string message;
  boost::json::object details;
};
std::optional<ErrorBody> parse_error_body(std::string_view body);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_WIRE_H_
