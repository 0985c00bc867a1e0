#include "sim/external/internal/model.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>

#include "sim/external/internal/api_error.h"

namespace mb::sim::external {

namespace json = boost::json;

bool Service::accepts(std::string_view metric) const {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::none_of(id.begin(), id.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool valid_vendor_customer_id(std::string_view id) {
  return valid_id(id) && id.find('/') == std::string_view::npos;
}

const Link* Ledger::link_for_customer(std::string_view customer_id) const {
  auto it = linked_vendor_ids.find(std::string(customer_id));
  if (it == linked_vendor_ids.end()) return nullptr;
  auto link = links.find(it->second);
  return link == links.end() ? nullptr : &link->second;
}

bool Ledger::put_link(const std::string& vendor_customer_id, const std::string& customer_id,
                      std::optional<std::string> vendor_customer_name, const std::string& now) {
  if (customers.count(customer_id) == 0) {
    throw ApiError(422, "unknown_customer", "there is no customer " + customer_id,
                   {{"customer_id", customer_id}});
  }
  auto holder = linked_vendor_ids.find(customer_id);
  if (holder != linked_vendor_ids.end() && holder->second != vendor_customer_id) {
    throw ApiError(
        409, "customer_already_linked",
        "customer " + customer_id + " is already linked to vendor customer " + holder->second,
        {{"customer_id", customer_id}, {"vendor_customer_id", holder->second}});
  }
  auto existing = links.find(vendor_customer_id);
  const bool created = existing == links.end();
  if (!created) {
    if (existing->second.customer_id == customer_id) {
      // The same customer: a PUT replaces the name and keeps linked_at.
      existing->second.vendor_customer_name = std::move(vendor_customer_name);
      return false;
    }
    linked_vendor_ids.erase(existing->second.customer_id);  // the link moves
  }
  Link& link = links[vendor_customer_id];
  link.vendor_customer_id = vendor_customer_id;
  link.customer_id = customer_id;
  link.vendor_customer_name = std::move(vendor_customer_name);
  link.linked_at = now;
  linked_vendor_ids[customer_id] = vendor_customer_id;
  return created;
}

void Ledger::delete_link(const std::string& vendor_customer_id) {
  auto it = links.find(vendor_customer_id);
  if (it == links.end()) return;
  linked_vendor_ids.erase(it->second.customer_id);
  links.erase(it);
}

std::vector<std::pair<const CountKey*, const Count*>> Ledger::counts_of(
    const std::string& customer_id) const {
  std::vector<std::pair<const CountKey*, const Count*>> out;
  for (auto it = counts.lower_bound(CountKey{customer_id, "", ""});
       it != counts.end() && std::get<0>(it->first) == customer_id; ++it) {
    out.emplace_back(&it->first, &it->second);
  }
  return out;
}

std::string Ledger::next_batch_id() const {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "b_%06lld", static_cast<long long>(next_batch_number));
  return buffer;
}

json::object link_json(const Link& link) {
  return json::object{
      {"vendor_customer_id", link.vendor_customer_id},
      {"customer_id", link.customer_id},
      {"vendor_customer_name",
       link.vendor_customer_name ? json::value(*link.vendor_customer_name) : json::value(nullptr)},
      {"linked_at", link.linked_at}};
}

json::value Ledger::state() const {
  json::array service_list, customer_list, link_list, count_list, batch_list;
  for (const auto& [id, service] : services) {
    json::array metrics;
    for (const auto& m : service.metrics) metrics.emplace_back(m);
    service_list.push_back(
        json::object{{"id", id}, {"name", service.name}, {"metrics", std::move(metrics)}});
  }
  for (const auto& [id, customer] : customers) {
    customer_list.push_back(
        json::object{{"id", id}, {"name", customer.name}, {"active", customer.active}});
  }
  for (const auto& [id, link] : links) link_list.push_back(link_json(link));
  for (const auto& [key, count] : counts) {
    count_list.push_back(json::object{{"customer_id", std::get<0>(key)},
                                      {"service_id", std::get<1>(key)},
                                      {"metric", std::get<2>(key)},
                                      {"quantity", count.quantity},
                                      {"effective_date", count.effective_date},
                                      {"updated_at", count.updated_at},
                                      {"changes", count.changes}});
  }
  std::vector<const BatchRecord*> by_id;
  for (const auto& [key, record] : batches) by_id.push_back(&record);
  std::sort(by_id.begin(), by_id.end(),
            [](const BatchRecord* a, const BatchRecord* b) { return a->batch_id < b->batch_id; });
  for (const BatchRecord* record : by_id) {
    batch_list.push_back(json::object{{"batch_id", record->batch_id},
                                      {"idempotency_key", record->idempotency_key},
                                      {"items", record->items},
                                      {"applied", record->applied},
                                      {"unchanged", record->unchanged},
                                      {"rejected", record->rejected},
                                      {"replays", record->replays}});
  }
  return json::object{{"integration", json::object{{"id", integration.id},
                                                   {"name", integration.name},
                                                   {"platform_name", integration.platform_name}}},
                      {"services", std::move(service_list)},
                      {"customers", std::move(customer_list)},
                      {"links", std::move(link_list)},
                      {"counts", std::move(count_list)},
                      {"batches", std::move(batch_list)}};
}

}  // namespace mb::sim::external
