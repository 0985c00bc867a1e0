// parse_world: reading a seed document into the model; every error names where it happened.
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
  if (object.contains("modules")) {
    // As VendorData spells them: [{"variation": "alerts"}, {"variation": "billing"}].
    vendor.modules.clear();
    const json::array& modules = optional_array(object, "modules", where);
    for (size_t i = 0; i < modules.size(); ++i) {
      const std::string item = at(where + ".modules", i);
      const std::string module =
          required_string(require_object(modules[i], item), "variation", item);
      if (module != "alerts" && module != "billing")
        throw SeedError(item + ".variation '" + module + "' is not alerts or billing");
      vendor.modules.push_back(module);
    }
  }
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

}  // namespace

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

}  // namespace mb::sim::gradient
