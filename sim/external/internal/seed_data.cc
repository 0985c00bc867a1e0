#include "sim/external/internal/seed_data.h"

#include <boost/json.hpp>

#include <cstdio>

namespace mb::sim::external {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultGeneratedCustomers = 50;
constexpr int64_t kMaxGeneratedCustomers = 1000000;

json::array default_services() {
  auto service = [](const char* id, const char* name, std::initializer_list<const char*> metrics) {
    json::array m;
    for (const char* metric : metrics) m.emplace_back(metric);
    return json::object{{"id", id}, {"name", name}, {"metrics", std::move(m)}};
  };
  return json::array{
      service("coro-edr", "Coro EDR", {"devices"}),
      service("coro-email-security", "Coro Email Security", {"users"}),
      service("coro-endpoint-security", "Coro Endpoint Security", {"devices", "users"}),
      service("coro-network", "Coro Network", {"users", "devices"}),
      service("coro-user-data-governance", "Coro User Data Governance", {"users"}),
  };
}

json::object default_integration() {
  return json::object{{"id", "int_0001"}, {"name", "Coro for Acme IT"}};
}

std::string numbered(const char* prefix, int64_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%s%05lld", prefix, static_cast<long long>(n));
  return buffer;
}

// ---- Loading --------------------------------------------------------------------------------

const json::array& required_array(const json::object& seed, const char* name) {
  const json::value* v = seed.if_contains(name);
  if (v == nullptr || !v->is_array()) {
    throw SeedError(std::string("external seed: \"") + name + "\" must be an array");
  }
  return v->get_array();
}

const json::array* optional_array(const json::object& seed, const char* name) {
  const json::value* v = seed.if_contains(name);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) {
    throw SeedError(std::string("external seed: \"") + name + "\" must be an array");
  }
  return &v->get_array();
}

const json::object& object_at(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw SeedError("external seed: " + where + " must be an object");
  return v.get_object();
}

std::string string_member(const json::object& o, const char* name, const std::string& where) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    throw SeedError("external seed: " + where + "." + name + " must be a non-empty string");
  }
  return std::string(v->get_string());
}

std::string id_member(const json::object& o, const char* name, const std::string& where) {
  std::string id = string_member(o, name, where);
  if (!valid_id(id)) {
    throw SeedError("external seed: " + where + "." + name +
                    " must be 1-128 characters without control characters");
  }
  return id;
}

void load_services(const json::array& list, Ledger& ledger) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "services[" + std::to_string(i) + "]";
    const json::object& o = object_at(list[i], where);
    Service service{id_member(o, "id", where), string_member(o, "name", where), {}};
    const json::value* metrics = o.if_contains("metrics");
    if (metrics == nullptr || !metrics->is_array() || metrics->get_array().empty()) {
      throw SeedError("external seed: " + where + ".metrics must be a non-empty array");
    }
    for (const json::value& m : metrics->get_array()) {
      if (!m.is_string() || (m.get_string() != "users" && m.get_string() != "devices") ||
          service.accepts(m.get_string())) {
        throw SeedError("external seed: " + where +
                        ".metrics must hold distinct values from users, devices");
      }
      service.metrics.emplace_back(m.get_string());
    }
    if (!ledger.services.emplace(service.id, service).second) {
      throw SeedError("external seed: service " + service.id + " appears twice");
    }
  }
}

void load_customers(const json::array& list, Ledger& ledger) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "customers[" + std::to_string(i) + "]";
    const json::object& o = object_at(list[i], where);
    Customer customer{id_member(o, "id", where), string_member(o, "name", where), true};
    if (const json::value* active = o.if_contains("active"); active != nullptr) {
      if (!active->is_bool())
        throw SeedError("external seed: " + where + ".active must be a boolean");
      customer.active = active->get_bool();
    }
    if (!ledger.customers.emplace(customer.id, customer).second) {
      throw SeedError("external seed: customer " + customer.id + " appears twice");
    }
  }
}

void load_links(const json::array& list, Ledger& ledger, const std::string& now) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "links[" + std::to_string(i) + "]";
    const json::object& o = object_at(list[i], where);
    const std::string vendor_id = string_member(o, "vendor_customer_id", where);
    if (!valid_vendor_customer_id(vendor_id)) {
      throw SeedError("external seed: " + where +
                      ".vendor_customer_id must be 1-128 characters without '/' or control "
                      "characters");
    }
    const std::string customer_id = string_member(o, "customer_id", where);
    std::optional<std::string> name;
    if (const json::value* n = o.if_contains("vendor_customer_name");
        n != nullptr && !n->is_null()) {
      if (!n->is_string()) {
        throw SeedError("external seed: " + where + ".vendor_customer_name must be a string");
      }
      name = std::string(n->get_string());
    }
    if (ledger.customers.count(customer_id) == 0) {
      throw SeedError("external seed: " + where + " links unknown customer " + customer_id);
    }
    if (ledger.links.count(vendor_id) > 0) {
      throw SeedError("external seed: vendor customer " + vendor_id + " is linked twice");
    }
    if (ledger.linked_vendor_ids.count(customer_id) > 0) {
      throw SeedError("external seed: customer " + customer_id + " is linked twice");
    }
    ledger.put_link(vendor_id, customer_id, std::move(name), now);
  }
}

void load_counts(const json::array& list, Ledger& ledger, const std::string& now) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "counts[" + std::to_string(i) + "]";
    const json::object& o = object_at(list[i], where);
    const std::string customer_id = string_member(o, "customer_id", where);
    const std::string service_id = string_member(o, "service_id", where);
    const std::string metric = string_member(o, "metric", where);
    if (ledger.customers.count(customer_id) == 0) {
      throw SeedError("external seed: " + where + " names unknown customer " + customer_id);
    }
    auto service = ledger.services.find(service_id);
    if (service == ledger.services.end()) {
      throw SeedError("external seed: " + where + " names unknown service " + service_id);
    }
    if (!service->second.accepts(metric)) {
      throw SeedError("external seed: " + where + ": service " + service_id +
                      " is not counted in " + metric);
    }
    const json::value* quantity = o.if_contains("quantity");
    if (quantity == nullptr || !quantity->is_int64() || quantity->get_int64() < 0 ||
        quantity->get_int64() > kMaxQuantity) {
      throw SeedError("external seed: " + where + ".quantity must be an integer 0-2147483647");
    }
    Count count;
    count.quantity = quantity->get_int64();
    count.effective_date = now.substr(0, 10);
    if (const json::value* d = o.if_contains("effective_date"); d != nullptr && d->is_string()) {
      count.effective_date = std::string(d->get_string());
    }
    count.updated_at = now;
    if (!ledger.counts.emplace(CountKey{customer_id, service_id, metric}, count).second) {
      throw SeedError("external seed: " + where + " repeats a count");
    }
  }
}

}  // namespace

json::value default_seed_document() {
  auto customer = [](const char* id, const char* name, bool active) {
    return json::object{{"id", id}, {"name", name}, {"active", active}};
  };
  return json::object{{"integration", default_integration()},
                      {"platform", json::object{{"name", "Example Distribution"}}},
                      {"services", default_services()},
                      {"customers", json::array{customer("c-1001", "Northwind Dental", true),
                                                customer("c-1002", "Harbor Legal LLP", true),
                                                customer("c-1003", "Bluebird Bakery", true),
                                                customer("c-1004", "O'Brien & Sons Plumbing", true),
                                                customer("c-1005", "Summit Pediatrics", false)}},
                      {"links", json::array()},
                      {"counts", json::array()}};
}

json::value generate_seed_document(const GenerateSpec& spec) {
  spec.require_only({"customers", "links", "seed"});
  const int64_t customers = spec.get("customers", kDefaultGeneratedCustomers);
  const int64_t links = spec.get("links", 0);
  if (customers < 0 || customers > kMaxGeneratedCustomers) {
    throw SeedError("customers must be between 0 and " + std::to_string(kMaxGeneratedCustomers));
  }
  if (links < 0 || links > customers) throw SeedError("links must be between 0 and customers");
  DeterministicRandom random(spec.seed());
  json::array services = default_services();
  json::array customer_list, link_list, count_list;
  for (int64_t i = 1; i <= customers; ++i) {
    const std::string id = numbered("c-", i);
    customer_list.push_back(
        json::object{{"id", id}, {"name", generated_company_name(random, i)}, {"active", true}});
    if (i > links) continue;
    link_list.push_back(json::object{{"vendor_customer_id", numbered("ws-", i)},
                                     {"customer_id", id},
                                     {"vendor_customer_name", nullptr}});
    for (const json::value& service : services) {
      if (!random.chance(0.5)) continue;
      const json::object& s = service.get_object();
      count_list.push_back(json::object{{"customer_id", id},
                                        {"service_id", s.at("id")},
                                        {"metric", s.at("metrics").get_array().front()},
                                        {"quantity", random.uniform(0, 250)}});
    }
  }
  return json::object{{"integration", default_integration()},
                      {"platform", json::object{{"name", "Example Distribution"}}},
                      {"services", std::move(services)},
                      {"customers", std::move(customer_list)},
                      {"links", std::move(link_list)},
                      {"counts", std::move(count_list)}};
}

Ledger load_seed_document(const json::value& seed, const std::string& now) {
  if (!seed.is_object()) throw SeedError("external seed must be a JSON object");
  const json::object& o = seed.get_object();
  Ledger ledger;
  ledger.integration = {"int_0001", "Coro for Acme IT", "Example Distribution"};
  if (const json::value* i = o.if_contains("integration"); i != nullptr) {
    const json::object& integration = object_at(*i, "integration");
    ledger.integration.id = string_member(integration, "id", "integration");
    ledger.integration.name = string_member(integration, "name", "integration");
  }
  if (const json::value* p = o.if_contains("platform"); p != nullptr) {
    ledger.integration.platform_name = string_member(object_at(*p, "platform"), "name", "platform");
  }
  load_services(required_array(o, "services"), ledger);
  load_customers(required_array(o, "customers"), ledger);
  if (const json::array* links = optional_array(o, "links")) load_links(*links, ledger, now);
  if (const json::array* counts = optional_array(o, "counts")) load_counts(*counts, ledger, now);
  return ledger;
}

}  // namespace mb::sim::external
