#include "sim/external/internal/count_batch.h"

#include <boost/json.hpp>

#include <optional>
#include <set>
#include <vector>

#include "sim/external/internal/api_error.h"

namespace mb::sim::external {
namespace {

namespace json = boost::json;

struct Rejection {
  const char* reason;
  std::string message;
};

const json::value* member(const json::object* item, const char* name) {
  return item == nullptr ? nullptr : item->if_contains(name);
}

// The item's identity as the result echoes it: the string, or null.
json::value echo(const json::value* v) {
  return v != nullptr && v->is_string() ? json::value(v->get_string()) : json::value(nullptr);
}

bool id_value(const json::value* v) {
  return v != nullptr && v->is_string() && valid_id(v->get_string());
}

std::optional<int64_t> quantity_value(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= kMaxQuantity) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(kMaxQuantity)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;  // doubles (12.0, 1.2e1) are not integers on the wire
}

std::string effective_date_of(const json::object& body, const BatchContext& context) {
  const json::value* date = body.if_contains("effective_date");
  if (date == nullptr || date->is_null()) return context.today;
  if (!date->is_string() || !valid_date(date->get_string())) {
    throw ApiError(400, "invalid_request", "effective_date must be a date written YYYY-MM-DD",
                   {{"field", "effective_date"}});
  }
  return std::string(date->get_string());
}

}  // namespace

bool valid_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](size_t from, size_t length) {
    int value = 0;
    for (size_t i = from; i < from + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

BatchResult process_count_batch(Ledger& ledger, const json::value& body,
                                const BatchContext& context, const std::string& batch_id) {
  if (!body.is_object()) {
    throw ApiError(400, "invalid_request", "the body must be a JSON object", {{"field", ""}});
  }
  const json::object& request = body.get_object();
  const std::string effective_date = effective_date_of(request, context);
  const json::value* items_value = request.if_contains("items");
  if (items_value == nullptr || !items_value->is_array() || items_value->get_array().empty()) {
    throw ApiError(400, "invalid_request", "items must be a non-empty array", {{"field", "items"}});
  }
  const json::array& items = items_value->get_array();
  if (static_cast<int64_t>(items.size()) > context.max_items) {
    throw ApiError(400, "batch_too_large",
                   "a batch holds at most " + std::to_string(context.max_items) + " items, not " +
                       std::to_string(items.size()),
                   {{"max_items", context.max_items}});
  }

  BatchResult result;
  result.items = static_cast<int64_t>(items.size());
  json::array results;
  std::set<CountKey> seen;
  std::vector<std::pair<CountKey, int64_t>> changes;  // committed after every item is judged
  for (size_t index = 0; index < items.size(); ++index) {
    const json::object* item = items[index].if_object();
    const json::value* customer_id = member(item, "customer_id");
    const json::value* service_id = member(item, "service_id");
    const json::value* metric = member(item, "metric");
    const std::optional<int64_t> quantity = quantity_value(member(item, "quantity"));

    json::object out{{"index", static_cast<int64_t>(index)},
                     {"customer_id", echo(customer_id)},
                     {"service_id", echo(service_id)},
                     {"metric", echo(metric)}};
    std::optional<Rejection> rejection;
    std::optional<CountKey> key;
    const Count* current = nullptr;
    const bool known_metric =
        metric != nullptr && metric->is_string() &&
        (metric->get_string() == "users" || metric->get_string() == "devices");
    if (item == nullptr || !id_value(customer_id) || !id_value(service_id) || !known_metric) {
      rejection = Rejection{"invalid_item",
                            "an item needs customer_id and service_id (1-128 characters) and a "
                            "metric of users or devices"};
    } else {
      key = CountKey{std::string(customer_id->get_string()), std::string(service_id->get_string()),
                     std::string(metric->get_string())};
      const auto& [customer, service, unit] = *key;
      auto existing = ledger.counts.find(*key);
      if (existing != ledger.counts.end()) current = &existing->second;
      auto known_service = ledger.services.find(service);
      if (!quantity) {
        rejection =
            Rejection{"invalid_quantity", "quantity must be an integer from 0 to 2147483647"};
      } else if (ledger.customers.count(customer) == 0) {
        rejection = Rejection{"unknown_customer", "there is no customer " + customer};
      } else if (ledger.link_for_customer(customer) == nullptr) {
        rejection = Rejection{"customer_not_linked",
                              "customer " + customer + " is not linked to a vendor customer"};
      } else if (known_service == ledger.services.end()) {
        rejection = Rejection{"unknown_service", "there is no service " + service};
      } else if (!known_service->second.accepts(unit)) {
        std::string accepted;
        for (const auto& m : known_service->second.metrics)
          accepted += (accepted.empty() ? "" : " or ") + m;
        rejection = Rejection{"unsupported_metric", "service " + service + " is counted in " +
                                                        accepted + ", not " + unit};
      } else if (seen.count(*key) > 0) {
        rejection = Rejection{"duplicate_item",
                              "an earlier item has the same customer_id, service_id and metric"};
      }
    }
    if (key) seen.insert(*key);

    const json::value before = current ? json::value(current->quantity) : json::value(nullptr);
    if (rejection) {
      out["status"] = "rejected";
      out["quantity"] = before;
      out["previous_quantity"] = before;
      out["reason"] = rejection->reason;
      out["message"] = rejection->message;
      ++result.rejected;
    } else if (current != nullptr && current->quantity == *quantity) {
      out["status"] = "unchanged";
      out["quantity"] = *quantity;
      out["previous_quantity"] = before;
      ++result.unchanged;
    } else {
      out["status"] = "applied";
      out["quantity"] = *quantity;
      out["previous_quantity"] = before;
      changes.emplace_back(*key, *quantity);
      ++result.applied;
    }
    results.push_back(std::move(out));
  }

  for (const auto& [key, quantity] : changes) {
    Count& count = ledger.counts[key];
    count.quantity = quantity;
    count.effective_date = effective_date;
    count.updated_at = context.now;
    ++count.changes;
  }
  result.response = json::object{{"batch_id", batch_id},
                                 {"results", std::move(results)},
                                 {"summary", json::object{{"applied", result.applied},
                                                          {"unchanged", result.unchanged},
                                                          {"rejected", result.rejected}}}};
  return result;
}

}  // namespace mb::sim::external
