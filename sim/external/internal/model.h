// The external platform's data for one integration: its services, the MSP's customers, the
// one-to-one links to the vendor's customers, the current counts, and the processed batches
// remembered for idempotency. Plain data plus the operations that keep the link indexes
// consistent; the HTTP layer and the batch rules live elsewhere.
//
//   Ledger ledger = load_seed_document(seed);                   // seed_data.h
//   ledger.put_link("ws-88", "c-1001", "Northwind", now);        // throws ApiError 409/422
//   const Link* link = ledger.link_for_customer("c-1001");
#ifndef METERBRIDGE_SIM_EXTERNAL_INTERNAL_MODEL_H_
#define METERBRIDGE_SIM_EXTERNAL_INTERNAL_MODEL_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mb::sim::external {

inline constexpr int64_t kMaxQuantity = 2147483647;
inline constexpr size_t kMaxIdLength = 128;

struct IntegrationInfo {
  std::string id;
  std::string name;
  std::string platform_name;
};

struct Service {
  std::string id;
  std::string name;
  std::vector<std::string> metrics;  // a non-empty subset of {"users", "devices"}, in seed order

  bool accepts(std::string_view metric) const;
};

struct Customer {
  std::string id;
  std::string name;
  bool active = true;
};

struct Link {
  std::string vendor_customer_id;
  std::string customer_id;
  std::optional<std::string> vendor_customer_name;
  std::string linked_at;  // RFC 3339
};

// (customer_id, service_id, metric)
using CountKey = std::tuple<std::string, std::string, std::string>;

struct Count {
  int64_t quantity = 0;
  std::string effective_date;  // YYYY-MM-DD of the push that set it
  std::string updated_at;      // RFC 3339, when the value last changed
  int64_t changes = 0;         // how many pushes changed it (for tests: "applied exactly once")
};

// A processed batch, remembered under its Idempotency-Key.
struct BatchRecord {
  std::string batch_id;
  std::string idempotency_key;
  std::string request_body;   // compared byte for byte with a replay
  std::string response_body;  // sent again, unchanged, to a replay
  int64_t items = 0;
  int64_t applied = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  int64_t replays = 0;
};

// Whether a string is a protocol identifier: 1 to 128 characters, no control characters.
bool valid_id(std::string_view id);
// A vendor customer id additionally never contains '/'.
bool valid_vendor_customer_id(std::string_view id);

struct Ledger {
  IntegrationInfo integration;
  std::map<std::string, Service> services;
  std::map<std::string, Customer> customers;
  std::map<std::string, Link> links;                     // by vendor_customer_id
  std::map<std::string, std::string> linked_vendor_ids;  // customer_id -> vendor_customer_id
  std::map<CountKey, Count> counts;
  std::map<std::string, BatchRecord> batches;  // by idempotency key
  int64_t next_batch_number = 1;

  const Link* link_for_customer(std::string_view customer_id) const;

  // Links (or moves the link of) a vendor customer. Returns true when the vendor customer was
  // not linked before. Throws ApiError 422 unknown_customer or 409 customer_already_linked,
  // changing nothing.
  bool put_link(const std::string& vendor_customer_id, const std::string& customer_id,
                std::optional<std::string> vendor_customer_name, const std::string& now);
  // Removes the vendor customer's link, if any. Counts stay with the customer.
  void delete_link(const std::string& vendor_customer_id);

  // The counts of one customer, ordered by (service_id, metric).
  std::vector<std::pair<const CountKey*, const Count*>> counts_of(
      const std::string& customer_id) const;

  // The id the next processed batch gets: "b_000001", "b_000002", ... It is consumed only when
  // the batch is processed, so refused requests leave no gaps.
  std::string next_batch_id() const;

  // Everything, for GET /_sim/state.
  boost::json::value state() const;
};

boost::json::object link_json(const Link& link);

}  // namespace mb::sim::external

#endif  // METERBRIDGE_SIM_EXTERNAL_INTERNAL_MODEL_H_
