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

json::value optional_json(const std::optional<std::string>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

json::object partner_state_json(const Vendor& vendor, const Partner& partner,
                                int64_t closed_status) {
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
  json::array alert_tickets;
  for (const AlertTicket& ticket : partner.alert_tickets)
    alert_tickets.push_back(alert_ticket_json(ticket, closed_status));
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
                      {"alerts", std::move(alerts)},
                      {"alertTickets", std::move(alert_tickets)}};
}

}  // namespace

// --- Lookups -----------------------------------------------------------------------------------

Service* Vendor::find_service(std::string_view service_id) {
  for (Service& service : services) {
    if (service.id == service_id) return &service;
  }
  return nullptr;
}

bool Vendor::has_module(std::string_view module) const {
  return std::find(modules.begin(), modules.end(), module) != modules.end();
}

AlertTicket* Partner::find_alert_ticket(std::string_view account_id, std::string_view alert_id) {
  for (AlertTicket& ticket : alert_tickets) {
    if (ticket.account_id == account_id && ticket.alert_id == alert_id) return &ticket;
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
  json::array modules;
  for (const std::string& module : vendor.modules)
    modules.push_back(json::object{{"variation", module}});
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
                      {"modules", std::move(modules)},
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
    message = alert.repeat ? "Ticket updated" : "Ticket created";
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

json::object alert_ticket_json(const AlertTicket& ticket, int64_t closed_status) {
  json::array notes;
  for (const std::string& note : ticket.notes) notes.push_back(json::value(note));
  return json::object{{"ticketId", ticket.ticket_id},
                      {"accountId", ticket.account_id},
                      {"alertId", ticket.alert_id},
                      {"title", ticket.title},
                      {"description", ticket.description},
                      {"notes", std::move(notes)},
                      {"priority", ticket.priority},
                      {"status", ticket.status},
                      {"closed", ticket.status == closed_status},
                      {"deliveries", ticket.deliveries},
                      {"createdAt", ticket.created_at},
                      {"updatedAt", ticket.updated_at}};
}

// --- State -------------------------------------------------------------------------------------

json::value world_state_json(const World& world, int64_t closed_status) {
  json::object vendor = vendor_json(world.vendor);
  vendor["vendorKey"] = world.vendor.vendor_key;
  json::array partners;
  for (const Partner& partner : world.partners) {
    partners.push_back(partner_state_json(world.vendor, partner, closed_status));
  }
  return json::object{{"vendor", std::move(vendor)}, {"partners", std::move(partners)}};
}

}  // namespace mb::sim::gradient
