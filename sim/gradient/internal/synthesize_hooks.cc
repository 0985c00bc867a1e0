#include "sim/gradient/internal/synthesize_hooks.h"

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

json::object body_object(const Request& request) {
  json::value body = request.json_body();
  if (!body.is_object()) throw HttpError(400, "the hook's body must be a JSON object");
  return std::move(body.as_object());
}

std::string required_field(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || !value->is_string() || value->get_string().empty()) {
    throw HttpError(400, std::string(field) + " is required (non-empty string)");
  }
  return std::string(value->get_string());
}

std::optional<std::string> optional_field(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string() || value->get_string().empty()) {
    throw HttpError(400, std::string(field) + " must be a non-empty string");
  }
  return std::string(value->get_string());
}

json::object account_mapping_json(const Account& account, const Client& client) {
  return json::object{
      {"accountId", account.id}, {"clientId", client.id}, {"clientName", client.name}};
}

}  // namespace

void SynthesizeHooks::register_routes(Router& router) {
  const auto add = [&](std::string_view name, Response (SynthesizeHooks::*hook)(const Request&)) {
    router.add("POST", "/_sim/gradient/" + std::string(name),
               [this, hook](const Request& request) { return (this->*hook)(request); });
  };
  add("map-account", &SynthesizeHooks::map_account);
  add("unmap-account", &SynthesizeHooks::unmap_account);
  add("map-service", &SynthesizeHooks::map_service);
  add("unmap-service", &SynthesizeHooks::unmap_service);
  add("auto-map", &SynthesizeHooks::auto_map);
  add("regenerate-key", &SynthesizeHooks::regenerate_key);
  add("disconnect", &SynthesizeHooks::disconnect);
  add("connect", &SynthesizeHooks::connect);
  add("set-status", &SynthesizeHooks::set_status);
  add("drop-counts", &SynthesizeHooks::drop_counts);
  add("set-modules", &SynthesizeHooks::set_modules);
}

Partner& SynthesizeHooks::named_partner(const json::object& body) {
  if (std::optional<std::string> key = optional_field(body, "partnerKey")) {
    Partner* partner = world_.partner_by_key(*key);
    if (partner == nullptr) throw HttpError(404, "no connected partner has key '" + *key + "'");
    return *partner;
  }
  if (std::optional<std::string> organization = optional_field(body, "organizationId")) {
    Partner* partner = world_.partner_by_organization(*organization);
    if (partner == nullptr) throw HttpError(404, "no partner organization '" + *organization + "'");
    return *partner;
  }
  throw HttpError(400, "name the partner with \"partnerKey\" or \"organizationId\"");
}

std::string SynthesizeHooks::new_partner_key(const json::object& body, std::string_view field) {
  std::string key = optional_field(body, field).value_or("pk_sim_" + ids_.object_id());
  if (key == world_.vendor.vendor_key || world_.partner_by_key(key) != nullptr) {
    throw HttpError(409, "partner key '" + key + "' is already in use");
  }
  return key;
}

const Account* SynthesizeHooks::named_account(const Partner& partner,
                                              const std::string& account_id) {
  const Account* account = partner.find_account(account_id);
  if (account == nullptr) {
    throw HttpError(404, "partner " + partner.name + " has no account '" + account_id + "'");
  }
  return account;
}

Response SynthesizeHooks::map_account(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const std::string account_id = required_field(body, "accountId");
  const Account* account = named_account(partner, account_id);
  const Client* client = nullptr;
  if (std::optional<std::string> client_id = optional_field(body, "clientId")) {
    client = partner.find_client(*client_id);
    if (client == nullptr) throw HttpError(404, "no PSA client '" + *client_id + "'");
  } else {
    // The mapping wizard's automatic step: an exact name match.
    for (const Client& candidate : partner.clients) {
      if (candidate.name == account->name) {
        client = &candidate;
        break;
      }
    }
    if (client == nullptr) {
      throw HttpError(404, "no PSA client is named '" + account->name + "'; give clientId");
    }
  }
  const Account* holder = partner.account_mapped_to(client->id);
  if (holder != nullptr && holder != account) {
    // Synthesize maps accounts one-to-one.
    throw HttpError(
        409, "PSA client '" + client->name + "' is already mapped to account '" + holder->id + "'");
  }
  partner.account_to_client[account->record_id] = client->id;
  return Response::json(200, account_mapping_json(*account, *client));
}

Response SynthesizeHooks::unmap_account(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const std::string account_id = required_field(body, "accountId");
  const Account* account = named_account(partner, account_id);
  const bool was_mapped = partner.account_to_client.erase(account->record_id) > 0;
  return Response::json(200, json::object{{"accountId", account_id}, {"unmapped", was_mapped}});
}

Response SynthesizeHooks::map_service(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const std::string service_id = required_field(body, "serviceId");
  const Service* service = world_.vendor.find_service(service_id);
  if (service == nullptr) throw HttpError(404, "the vendor has no service '" + service_id + "'");
  const std::string product = optional_field(body, "product").value_or(service->name);
  partner.service_to_product[service_id] = product;
  return Response::json(200, json::object{{"serviceId", service_id}, {"product", product}});
}

Response SynthesizeHooks::unmap_service(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const std::string service_id = required_field(body, "serviceId");
  const bool was_mapped = partner.service_to_product.erase(service_id) > 0;
  return Response::json(200, json::object{{"serviceId", service_id}, {"unmapped", was_mapped}});
}

Response SynthesizeHooks::auto_map(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  json::array accounts;
  for (const Account& account : partner.accounts) {
    if (partner.is_account_mapped(account)) continue;
    for (const Client& client : partner.clients) {
      if (client.name == account.name && partner.account_mapped_to(client.id) == nullptr) {
        partner.account_to_client[account.record_id] = client.id;
        accounts.push_back(account_mapping_json(account, client));
        break;
      }
    }
  }
  json::array services;
  for (const Service& service : world_.vendor.services) {
    if (partner.is_service_mapped(service.id)) continue;
    partner.service_to_product[service.id] = service.name;
    services.push_back(json::object{{"serviceId", service.id}, {"product", service.name}});
  }
  return Response::json(200, json::object{{"accountMappings", std::move(accounts)},
                                          {"serviceMappings", std::move(services)}});
}

Response SynthesizeHooks::regenerate_key(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  if (!partner.partner_key) {
    throw HttpError(409, "partner " + partner.name + " is disconnected; use connect");
  }
  // Regenerating without disconnecting keeps the accounts, the mappings and the counts; only
  // the old key stops working.
  const std::string previous = *partner.partner_key;
  partner.partner_key = new_partner_key(body, "newPartnerKey");
  return Response::json(200, json::object{{"organizationId", partner.organization_id},
                                          {"partnerKey", *partner.partner_key},
                                          {"previousPartnerKey", previous}});
}

Response SynthesizeHooks::disconnect(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const json::object result{{"organizationId", partner.organization_id},
                            {"deletedAccounts", partner.accounts.size()},
                            {"removedAccountMappings", partner.account_to_client.size()},
                            {"removedServiceMappings", partner.service_to_product.size()}};
  // "When the integration is disconnected, all Accounts you create will be deleted", and
  // disconnecting "will remove the authentication settings and all account and service mapping".
  partner.partner_key.reset();
  partner.accounts.clear();
  partner.account_to_client.clear();
  partner.service_to_product.clear();
  partner.counts.clear();
  partner.alerts.clear();
  partner.alert_tickets.clear();
  partner.change_status("inactive", "disconnect");
  return Response::json(200, result);
}

Response SynthesizeHooks::connect(const Request& request) {
  const json::object body = body_object(request);
  if (std::optional<std::string> organization = optional_field(body, "organizationId")) {
    if (Partner* partner = world_.partner_by_organization(*organization)) {
      if (partner->partner_key) {
        throw HttpError(
            409, "partner " + partner->name + " is connected; use /_sim/gradient/regenerate-key");
      }
      partner->partner_key = new_partner_key(body, "partnerKey");
      return Response::json(200, json::object{{"organizationId", partner->organization_id},
                                              {"name", partner->name},
                                              {"partnerKey", *partner->partner_key},
                                              {"status", partner->status}});
    }
  }
  Partner partner;
  partner.organization_id = optional_field(body, "organizationId").value_or(ids_.object_id());
  if (!is_object_id(partner.organization_id)) {
    throw HttpError(400, "organizationId must be a 24-hex ObjectId");
  }
  partner.name = required_field(body, "name");
  partner.integration_id = ids_.object_id();
  partner.partner_key = new_partner_key(body, "partnerKey");
  if (const json::value* clients = body.if_contains("clients")) {
    if (!clients->is_array()) throw HttpError(400, "clients must be an array of {id?, name}");
    for (const json::value& client : clients->get_array()) {
      if (!client.is_object()) throw HttpError(400, "clients must be an array of {id?, name}");
      const json::object& fields = client.get_object();
      partner.clients.push_back(
          {optional_field(fields, "id").value_or(ids_.uuid()), required_field(fields, "name")});
    }
  }
  world_.partners.push_back(std::move(partner));
  const Partner& added = world_.partners.back();
  return Response::json(201, json::object{{"organizationId", added.organization_id},
                                          {"name", added.name},
                                          {"partnerKey", *added.partner_key},
                                          {"status", added.status}});
}

// The MSP (in Synthesize) or Gradient sets the integration's status, e.g. "disabled" or
// "error", which the vendor must report and leave alone.
Response SynthesizeHooks::set_status(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  const std::string status = required_field(body, "status");
  if (std::find(kIntegrationStatuses.begin(), kIntegrationStatuses.end(), status) ==
      kIntegrationStatuses.end()) {
    throw HttpError(400, "status must be one of active, inactive, pending, disabled, error");
  }
  const std::string by = optional_field(body, "by").value_or("partner");
  if (by != "partner" && by != "gradient") throw HttpError(400, "by must be partner or gradient");
  const std::string previous = partner.status;
  partner.change_status(status, by);
  return Response::json(200, json::object{{"organizationId", partner.organization_id},
                                          {"previousStatus", previous},
                                          {"status", partner.status}});
}

// Gradient no longer holds some pushed counts: the MSP remapped an account, a service was
// re-created, support reset them. The vendor is not told; only resending brings them back.
Response SynthesizeHooks::drop_counts(const Request& request) {
  const json::object body = body_object(request);
  Partner& partner = named_partner(body);
  std::optional<std::string> record_id;
  if (std::optional<std::string> account_id = optional_field(body, "accountId")) {
    const Account* account = partner.find_account(*account_id);
    if (account == nullptr) {
      throw HttpError(404, "partner " + partner.name + " has no account '" + *account_id + "'");
    }
    record_id = account->record_id;
  }
  const std::optional<std::string> service_id = optional_field(body, "serviceId");
  const size_t before = partner.counts.size();
  std::erase_if(partner.counts, [&](const auto& entry) {
    return (!record_id || entry.first.first == *record_id) &&
           (!service_id || entry.first.second == *service_id);
  });
  return Response::json(200, json::object{{"organizationId", partner.organization_id},
                                          {"dropped", before - partner.counts.size()}});
}

// Gradient changes the modules of the vendor's integration (vendor-wide: no partner named).
// Without "alerts", the alerting route refuses the vendor.
Response SynthesizeHooks::set_modules(const Request& request) {
  const json::object body = body_object(request);
  const json::value* modules = body.if_contains("modules");
  if (modules == nullptr || !modules->is_array())
    throw HttpError(400, "modules is required: an array of \"alerts\" and \"billing\"");
  std::vector<std::string> chosen;
  for (const json::value& module : modules->get_array()) {
    if (!module.is_string() ||
        (module.get_string() != "alerts" && module.get_string() != "billing"))
      throw HttpError(400, "modules may hold only \"alerts\" and \"billing\"");
    chosen.emplace_back(module.get_string());
  }
  world_.vendor.modules = chosen;
  json::array listed;
  for (const std::string& module : chosen) listed.push_back(json::value(module));
  return Response::json(200, json::object{{"modules", std::move(listed)}});
}

}  // namespace mb::sim::gradient
