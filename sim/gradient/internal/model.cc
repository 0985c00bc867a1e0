#include "sim/gradient/internal/model.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "sim/gradient/internal/service_catalog.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

std::string hex(uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    text[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return text;
}

// --- Seed reading helpers: every error names where it happened. ------------------------------

const json::object& require_object(const json::value& value, const std::string& where) {
  if (!value.is_object()) throw SeedError(where + " must be a JSON object");
  return value.get_object();
}

const json::array& optional_array(const json::object& object, std::string_view key,
                                  const std::string& where) {
  static const json::array kEmpty;
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return kEmpty;
  if (!value->is_array()) throw SeedError(where + "." + std::string(key) + " must be an array");
  return value->get_array();
}

std::optional<std::string> optional_string(const json::object& object, std::string_view key,
                                           const std::string& where) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) throw SeedError(where + "." + std::string(key) + " must be a string");
  return std::string(value->get_string());
}

std::string required_string(const json::object& object, std::string_view key,
                            const std::string& where) {
  std::optional<std::string> value = optional_string(object, key, where);
  if (!value || value->empty()) {
    throw SeedError(where + "." + std::string(key) + " is required (non-empty string)");
  }
  return *value;
}

std::string required_object_id(const json::object& object, std::string_view key,
                               const std::string& where) {
  std::string value = required_string(object, key, where);
  if (!is_object_id(value)) {
    throw SeedError(where + "." + std::string(key) + " must be a 24-hex ObjectId, not '" + value +
                    "'");
  }
  return value;
}

std::string at(const std::string& where, size_t index) {
  return where + "[" + std::to_string(index) + "]";
}

Service parse_service(const json::value& value, const std::string& where) {
  const json::object& object = require_object(value, where);
  Service service;
  service.id = required_object_id(object, "id", where);
  service.name = required_string(object, "name", where);
  service.description = required_string(object, "description", where);
  service.category = required_string(object, "category", where);
  service.subcategory = required_string(object, "subcategory", where);
  if (!is_service_category(service.category)) {
    throw SeedError(where + ".category '" + service.category + "' is not a Gradient category");
  }
  if (!is_service_subcategory(service.subcategory)) {
    throw SeedError(where + ".subcategory '" + service.subcategory +
                    "' is not a Gradient subcategory");
  }
  service.logo = optional_string(object, "logo", where);
  service.support_article = optional_string(object, "supportArticle", where);
  service.support_contact = optional_string(object, "supportContact", where);
  return service;
}

Vendor parse_vendor(const json::value* value) {
  if (value == nullptr) throw SeedError("the seed needs a \"vendor\" object");
  const std::string where = "vendor";
  const json::object& object = require_object(*value, where);
  Vendor vendor;
  vendor.vendor_key = required_string(object, "vendorKey", where);
  vendor.id = required_object_id(object, "id", where);
  vendor.name = required_string(object, "name", where);
  vendor.description = optional_string(object, "description", where).value_or("");
  vendor.image_uri = optional_string(object, "imageUri", where).value_or("");
  vendor.integration_portal_url =
      optional_string(object, "integrationPortalUrl", where).value_or("");
  vendor.vendor_support_page_url =
      optional_string(object, "vendorSupportPageUrl", where).value_or("");
  vendor.organization_id = optional_string(object, "organizationId", where).value_or(vendor.id);
  vendor.created_at =
      optional_string(object, "createdAt", where).value_or("2024-05-24T14:21:54.112Z");
  vendor.updated_at = optional_string(object, "updatedAt", where).value_or(vendor.created_at);
  std::set<std::string> ids;
  const json::array& skus = optional_array(object, "skus", where);
  for (size_t i = 0; i < skus.size(); ++i) {
    Service service = parse_service(skus[i], at(where + ".skus", i));
    if (!ids.insert(service.id).second)
      throw SeedError("service id " + service.id + " appears twice");
    vendor.services.push_back(std::move(service));
  }
  return vendor;
}

void parse_accounts(const json::object& object, const std::string& where, Partner& partner,
                    IdSource& ids) {
  const json::array& accounts = optional_array(object, "accounts", where);
  for (size_t i = 0; i < accounts.size(); ++i) {
    const std::string item = at(where + ".accounts", i);
    const json::object& account = require_object(accounts[i], item);
    Account parsed{ids.object_id(), required_string(account, "id", item),
                   required_string(account, "name", item),
                   optional_string(account, "description", item).value_or("")};
    if (partner.find_account(parsed.id) != nullptr) {
      throw SeedError(item + ": account id '" + parsed.id + "' appears twice");
    }
    partner.accounts.push_back(std::move(parsed));
  }
}

void parse_clients(const json::object& object, const std::string& where, Partner& partner) {
  const json::array& clients = optional_array(object, "clients", where);
  for (size_t i = 0; i < clients.size(); ++i) {
    const std::string item = at(where + ".clients", i);
    const json::object& client = require_object(clients[i], item);
    Client parsed{required_string(client, "id", item), required_string(client, "name", item)};
    if (partner.find_client(parsed.id) != nullptr) {
      throw SeedError(item + ": client id '" + parsed.id + "' appears twice");
    }
    partner.clients.push_back(std::move(parsed));
  }
}

void parse_mappings(const json::object& object, const std::string& where, const Vendor& vendor,
                    Partner& partner) {
  const json::array& account_mappings = optional_array(object, "accountMappings", where);
  for (size_t i = 0; i < account_mappings.size(); ++i) {
    const std::string item = at(where + ".accountMappings", i);
    const json::object& mapping = require_object(account_mappings[i], item);
    const std::string account_id = required_string(mapping, "accountId", item);
    const std::string client_id = required_string(mapping, "clientId", item);
    const Account* account = partner.find_account(account_id);
    if (account == nullptr) throw SeedError(item + ": no account '" + account_id + "'");
    if (partner.find_client(client_id) == nullptr) {
      throw SeedError(item + ": no client '" + client_id + "'");
    }
    // Account mapping is one-to-one in Synthesize.
    if (partner.is_account_mapped(*account) || partner.account_mapped_to(client_id) != nullptr) {
      throw SeedError(item + ": account or client is already mapped (mapping is one-to-one)");
    }
    partner.account_to_client[account->record_id] = client_id;
  }
  const json::array& service_mappings = optional_array(object, "serviceMappings", where);
  for (size_t i = 0; i < service_mappings.size(); ++i) {
    const std::string item = at(where + ".serviceMappings", i);
    const json::object& mapping = require_object(service_mappings[i], item);
    const std::string service_id = required_string(mapping, "serviceId", item);
    const Service* service = nullptr;
    for (const Service& candidate : vendor.services) {
      if (candidate.id == service_id) service = &candidate;
    }
    if (service == nullptr) throw SeedError(item + ": no service '" + service_id + "'");
    partner.service_to_product[service_id] =
        optional_string(mapping, "product", item).value_or(service->name);
  }
}

Partner parse_partner(const json::value& value, const std::string& where, const Vendor& vendor,
                      IdSource& ids) {
  const json::object& object = require_object(value, where);
  Partner partner;
  partner.partner_key = optional_string(object, "partnerKey", where);
  if (partner.partner_key && partner.partner_key->empty()) {
    throw SeedError(where + ".partnerKey must not be empty (null means disconnected)");
  }
  partner.organization_id = required_object_id(object, "organizationId", where);
  partner.name = required_string(object, "name", where);
  partner.integration_id = required_object_id(object, "integrationId", where);
  partner.status = optional_string(object, "status", where).value_or("inactive");
  if (std::find(kIntegrationStatuses.begin(), kIntegrationStatuses.end(), partner.status) ==
      kIntegrationStatuses.end()) {
    throw SeedError(where + ".status '" + partner.status +
                    "' is not one of active, inactive, pending, disabled, error");
  }
  partner.last_synced_at =
      optional_string(object, "lastSyncedAt", where).value_or(std::string(kNeverSynced));
  parse_accounts(object, where, partner, ids);
  parse_clients(object, where, partner);
  parse_mappings(object, where, vendor, partner);
  return partner;
}

json::value optional_json(const std::optional<std::string>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

json::object partner_state_json(const Vendor& vendor, const Partner& partner) {
  json::array accounts;
  for (const Account& account : partner.accounts) {
    auto mapped = partner.account_to_client.find(account.record_id);
    accounts.push_back(json::object{
        {"id", account.id},
        {"name", account.name},
        {"description", account.description},
        {"mappingId", account.record_id},
        {"clientId", mapped == partner.account_to_client.end() ? json::value(nullptr)
                                                               : json::value(mapped->second)}});
  }
  json::array clients;
  for (const Client& client : partner.clients) clients.push_back(client_json(client));
  json::array account_mappings;
  for (const auto& [record_id, client_id] : partner.account_to_client) {
    const Account* account = partner.find_account_by_record(record_id);
    const Client* client = partner.find_client(client_id);
    account_mappings.push_back(json::object{{"accountId", account ? account->id : record_id},
                                            {"clientId", client_id},
                                            {"clientName", client ? client->name : ""}});
  }
  json::array service_mappings;
  for (const auto& [service_id, product] : partner.service_to_product) {
    const Service* service = nullptr;
    for (const Service& candidate : vendor.services) {
      if (candidate.id == service_id) service = &candidate;
    }
    service_mappings.push_back(json::object{{"serviceId", service_id},
                                            {"serviceName", service ? service->name : ""},
                                            {"product", product}});
  }
  json::array counts;
  for (const auto& [key, pushed] : partner.counts) {
    const Account* account = partner.find_account_by_record(key.first);
    counts.push_back(json::object{{"accountId", account ? account->id : key.first},
                                  {"serviceId", key.second},
                                  {"unitCount", pushed.unit_count},
                                  {"noBuild", pushed.no_build},
                                  {"pushes", pushed.pushes},
                                  {"changes", pushed.changes},
                                  {"lastPushedAt", pushed.last_pushed_at}});
  }
  json::array alerts;
  for (const Alert& alert : partner.alerts) {
    json::object entry = alert_debug_json(alert);
    entry["alertId"] = alert.alert_id;
    entry["accountId"] = alert.account_id;
    entry["title"] = alert.title;
    entry["priority"] = alert.priority;
    entry["alertStatus"] = alert.status;
    entry["serviceId"] = optional_json(alert.service_id);
    entry["debugPolls"] = alert.debug_polls;
    alerts.push_back(std::move(entry));
  }
  json::array history;
  for (const StatusChange& change : partner.status_history) {
    history.push_back(json::object{{"from", change.from}, {"to", change.to}, {"by", change.by}});
  }
  return json::object{{"organizationId", partner.organization_id},
                      {"name", partner.name},
                      {"integrationId", partner.integration_id},
                      {"partnerKey", optional_json(partner.partner_key)},
                      {"connected", partner.partner_key.has_value()},
                      {"status", partner.status},
                      {"statusHistory", std::move(history)},
                      {"lastSyncedAt", partner.last_synced_at},
                      {"accounts", std::move(accounts)},
                      {"clients", std::move(clients)},
                      {"accountMappings", std::move(account_mappings)},
                      {"serviceMappings", std::move(service_mappings)},
                      {"counts", std::move(counts)},
                      {"acceptedCountCalls", partner.accepted_count_calls},
                      {"billingViewBuilds", partner.billing_view_builds},
                      {"alerts", std::move(alerts)}};
}

}  // namespace

// --- Lookups -----------------------------------------------------------------------------------

Service* Vendor::find_service(std::string_view service_id) {
  for (Service& service : services) {
    if (service.id == service_id) return &service;
  }
  return nullptr;
}

Account* Partner::find_account(std::string_view account_id) {
  auto found = std::find_if(accounts.begin(), accounts.end(),
                            [&](const Account& account) { return account.id == account_id; });
  return found == accounts.end() ? nullptr : &*found;
}

const Account* Partner::find_account(std::string_view account_id) const {
  auto found = std::find_if(accounts.begin(), accounts.end(),
                            [&](const Account& account) { return account.id == account_id; });
  return found == accounts.end() ? nullptr : &*found;
}

const Account* Partner::find_account_by_record(std::string_view record_id) const {
  for (const Account& account : accounts) {
    if (account.record_id == record_id) return &account;
  }
  return nullptr;
}

const Client* Partner::find_client(std::string_view client_id) const {
  for (const Client& client : clients) {
    if (client.id == client_id) return &client;
  }
  return nullptr;
}

const Account* Partner::account_mapped_to(std::string_view client_id) const {
  for (const auto& [record_id, mapped_client] : account_to_client) {
    if (mapped_client == client_id) return find_account_by_record(record_id);
  }
  return nullptr;
}

bool Partner::is_account_mapped(const Account& account) const {
  return account_to_client.contains(account.record_id);
}

bool Partner::is_service_mapped(std::string_view service_id) const {
  return service_to_product.find(std::string(service_id)) != service_to_product.end();
}

void Partner::change_status(std::string_view new_status, std::string_view by) {
  if (status == new_status) return;
  status_history.push_back({status, std::string(new_status), std::string(by)});
  status = std::string(new_status);
}

Partner* World::partner_by_key(std::string_view partner_key) {
  for (Partner& partner : partners) {
    if (partner.partner_key && *partner.partner_key == partner_key) return &partner;
  }
  return nullptr;
}

Partner* World::partner_by_organization(std::string_view organization_id) {
  for (Partner& partner : partners) {
    if (partner.organization_id == organization_id) return &partner;
  }
  return nullptr;
}

// --- Ids and time ------------------------------------------------------------------------------

std::string IdSource::object_id() {
  // A real ObjectId starts with a creation timestamp; a fixed one keeps generated data stable.
  return "6650b1" + hex(random_.next(), 16) + hex(random_.next() & 0xFF, 2);
}

std::string IdSource::uuid() {
  const uint64_t high = random_.next();
  const uint64_t low = random_.next();
  const std::string digits = hex(high, 16) + hex(low, 16);
  // Version 4, variant 10xx.
  std::string version = digits.substr(12, 4);
  version[0] = '4';
  std::string variant = digits.substr(16, 4);
  variant[0] = "89ab"[low >> 62];
  return digits.substr(0, 8) + "-" + digits.substr(8, 4) + "-" + version + "-" + variant + "-" +
         digits.substr(20, 12);
}

bool is_object_id(std::string_view text) {
  return text.size() == 24 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

// --- API shapes --------------------------------------------------------------------------------

json::object integration_json(const Vendor& vendor, const Partner& partner) {
  return json::object{{"organizationId", partner.organization_id},
                      {"name", partner.name},
                      {"vendorId", vendor.id},
                      {"vendorName", vendor.name},
                      {"integrationId", partner.integration_id},
                      {"status", partner.status},
                      {"lastSyncedAt", partner.last_synced_at}};
}

json::object service_json(const Service& service) {
  json::object object{{"_id", service.id},
                      {"id", service.id},
                      {"name", service.name},
                      {"description", service.description}};
  if (service.logo) object["logo"] = *service.logo;
  object["category"] = service.category;
  object["subcategory"] = service.subcategory;
  if (service.support_article) object["supportArticle"] = *service.support_article;
  if (service.support_contact) object["supportContact"] = *service.support_contact;
  return object;
}

json::object vendor_json(const Vendor& vendor) {
  json::array skus;
  for (const Service& service : vendor.services) skus.push_back(service_json(service));
  return json::object{{"_id", vendor.id},
                      {"id", vendor.id},
                      {"name", vendor.name},
                      {"description", vendor.description},
                      {"integrationType", "custom"},
                      {"imageUri", vendor.image_uri},
                      {"isDistributor", false},
                      {"integrationPortalUrl", vendor.integration_portal_url},
                      {"vendorSupportPageUrl", vendor.vendor_support_page_url},
                      {"externalIntegrationStatus", "notIntegrated"},
                      {"mappingResponsibilities", json::array{"accounts", "services"}},
                      {"modules", json::array{json::object{{"variation", "alerts"}},
                                              json::object{{"variation", "billing"}}}},
                      {"organizationId", vendor.organization_id},
                      {"attributes", json::array{}},
                      {"skus", std::move(skus)},
                      {"createdAt", vendor.created_at},
                      {"updatedAt", vendor.updated_at},
                      {"__v", vendor.version}};
}

json::object account_json(const Account& account, const Partner& partner, bool mapping_fields) {
  json::object object{
      {"id", account.id}, {"name", account.name}, {"description", account.description}};
  if (mapping_fields) {
    object["isMapped"] = partner.is_account_mapped(account);
    object["mappingId"] = account.record_id;
  }
  return object;
}

json::object client_json(const Client& client) {
  return json::object{{"id", client.id}, {"name", client.name}};
}

json::object alert_debug_json(const Alert& alert) {
  std::string_view status = "pending";
  json::value status_code = nullptr;
  std::string message = "Alert is queued for processing";
  if (alert.outcome == AlertOutcome::kSuccess) {
    status = "success";
    message = "Ticket created";
  } else if (alert.outcome == AlertOutcome::kFailed) {
    status = "failed";
    status_code = 404;
    message = "Alert could not be delivered to the PSA";
  }
  json::array errors;
  for (const std::string& error : alert.errors) errors.push_back(json::value(error));
  return json::object{{"ticketId", optional_json(alert.ticket_id)},
                      {"createdAt", alert.created_at},
                      {"message", message},
                      {"messageId", alert.message_id},
                      {"status", status},
                      {"statusCode", status_code},
                      {"errors", std::move(errors)}};
}

// --- Seeds and state ---------------------------------------------------------------------------

World parse_world(const json::value& seed, IdSource& ids) {
  const json::object& root = require_object(seed, "the Gradient seed");
  World world;
  world.vendor = parse_vendor(root.if_contains("vendor"));
  const json::array& partners = optional_array(root, "partners", "seed");
  std::set<std::string> keys;
  std::set<std::string> organizations;
  for (size_t i = 0; i < partners.size(); ++i) {
    Partner partner = parse_partner(partners[i], at("partners", i), world.vendor, ids);
    if (partner.partner_key && !keys.insert(*partner.partner_key).second) {
      throw SeedError(at("partners", i) + ": partnerKey '" + *partner.partner_key +
                      "' is used twice");
    }
    if (!organizations.insert(partner.organization_id).second) {
      throw SeedError(at("partners", i) + ": organizationId appears twice");
    }
    world.partners.push_back(std::move(partner));
  }
  return world;
}

json::value world_state_json(const World& world) {
  json::object vendor = vendor_json(world.vendor);
  vendor["vendorKey"] = world.vendor.vendor_key;
  json::array partners;
  for (const Partner& partner : world.partners) {
    partners.push_back(partner_state_json(world.vendor, partner));
  }
  return json::object{{"vendor", std::move(vendor)}, {"partners", std::move(partners)}};
}

}  // namespace mb::sim::gradient
