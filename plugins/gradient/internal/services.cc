#include "internal/services.h"

#include <boost/json.hpp>

#include <map>

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

std::string config_key(const std::string& id) { return "services." + id; }

}  // namespace

std::vector<ServiceDecision> plan_services(const std::vector<DesiredService>& desired,
                                           const std::vector<Sku>& catalog,
                                           const ConnectorConfig& config) {
  std::map<std::string, const Sku*> by_id;
  for (const Sku& s : catalog) by_id.emplace(s.id, &s);

  std::vector<ServiceDecision> decisions;
  std::set<std::string> seen;
  for (const DesiredService& d : desired) {
    if (!seen.insert(d.id).second) continue;
    ServiceDecision decision;
    decision.service = d;
    decision.spec = service_spec(config, d.id, d.name);
    decisions.push_back(std::move(decision));
  }

  // First every recorded id, so a name match can never take a service another one owns.
  std::set<std::string> claimed;
  for (ServiceDecision& d : decisions) {
    const auto& recorded = d.service.platform_id;
    if (!recorded || by_id.count(*recorded) == 0) continue;
    if (!claimed.insert(*recorded).second) {
      d.message = "Gradient service " + *recorded + " is recorded for another vendor service too";
      continue;
    }
    d.action = ServiceAction::kKeep;
    d.platform_id = *recorded;
    const Sku& sku = *by_id.at(*recorded);
    if (sku.name != d.spec.name)
      d.message = "kept as '" + sku.name +
                  "' in Gradient (services are matched by their recorded id; "
                  "meterbridge does not rename them, so the MSP's mapping stays)";
  }

  std::set<std::string> creating;
  for (ServiceDecision& d : decisions) {
    if (d.action == ServiceAction::kKeep || !d.message.empty()) continue;
    std::string note = d.service.platform_id
                           ? "the recorded Gradient service " + *d.service.platform_id +
                                 " is no longer in the vendor's catalog; "
                           : "";
    const Sku* free_match = nullptr;
    bool name_taken = creating.count(d.spec.name) > 0;
    for (const Sku& s : catalog) {
      if (s.name != d.spec.name) continue;
      if (claimed.count(s.id) == 0) {
        free_match = &s;
        break;
      }
      name_taken = true;
    }
    if (free_match != nullptr) {
      claimed.insert(free_match->id);
      d.action = ServiceAction::kMatch;
      d.platform_id = free_match->id;
      d.message = note + "found by name in the vendor's Gradient catalog";
    } else if (name_taken) {
      d.message = note + "another vendor service already uses the name '" + d.spec.name +
                  "' in Gradient: give this one its own name in " + config_key(d.service.id) +
                  ".name";
    } else if (d.spec.creatable()) {
      creating.insert(d.spec.name);
      d.action = ServiceAction::kCreate;
      d.message = note;
    } else {
      d.message = note + "'" + d.spec.name +
                  "' is not in the vendor's Gradient catalog and cannot be created: set " +
                  config_key(d.service.id) +
                  ".category and .subcategory (or service_defaults) in the "
                  "connector config";
    }
  }
  return decisions;
}

std::string create_service_body(const ServiceSpec& spec) {
  json::object body{{"name", spec.name},
                    {"description", spec.description},
                    {"category", spec.category},
                    {"subcategory", spec.subcategory}};
  if (!spec.support_article.empty()) body["supportArticle"] = spec.support_article;
  if (!spec.support_contact.empty()) body["supportContact"] = spec.support_contact;
  return json::serialize(body);
}

std::optional<std::string> created_sku_id(const std::vector<Sku>& after,
                                          const std::set<std::string>& before_ids,
                                          const std::string& name) {
  std::optional<std::string> last;
  for (const Sku& s : after) {
    if (s.name != name) continue;
    if (before_ids.count(s.id) == 0) return s.id;
    last = s.id;
  }
  return last;
}

std::vector<Sku> fetch_catalog(Call& call, const Client& client) {
  HttpResponse r = client.execute_one(call, client.request("GET", "", "vendor"));
  if (!r.ok()) {
    Failure f = classify(r, "read the vendor's services");
    if (r.status == 404) f.status = MB_STATUS_CONFIG_INVALID;
    throw_failure(f);
  }
  auto skus = parse_vendor_skus(r.body);
  if (!skus)
    throw PluginError(MB_STATUS_FATAL, "read the vendor's services: Gradient answered " +
                                           std::to_string(r.status) +
                                           " without the vendor profile's skus");
  return std::move(*skus);
}

ServicesResult provision_services(Call& call, const Client& client, const ConnectorConfig& config,
                                  const std::vector<DesiredService>& desired) {
  std::vector<Sku> catalog = fetch_catalog(call, client);
  std::set<std::string> before;
  for (const Sku& s : catalog) before.insert(s.id);
  std::vector<ServiceDecision> decisions = plan_services(desired, catalog, config);

  ServicesResult result;
  result.catalog_ids = before;
  std::vector<size_t> to_create;
  std::vector<HttpRequest> requests;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const ServiceDecision& d = decisions[i];
    ProvisionedService o{d.service.id, d.platform_id, ProvisionOutcome::kFailed,
                         "",           d.spec.metric, d.message};
    if (d.action == ServiceAction::kKeep) o.outcome = ProvisionOutcome::kUnchanged;
    if (d.action == ServiceAction::kMatch) o.outcome = ProvisionOutcome::kMatched;
    if (d.action == ServiceAction::kCreate) {
      to_create.push_back(i);
      // A replayed create would add a second service of the same name, so the engine must not
      // resend it; an uncertain outcome is settled below by reading the catalog again.
      requests.push_back(
          client.request("POST", "/service", "services", false, create_service_body(d.spec)));
    }
    result.items.push_back(std::move(o));
  }
  if (requests.empty()) return result;

  auto created = [&result](ProvisionedService& o, const std::string& id) {
    o.platform_id = id;
    o.outcome = ProvisionOutcome::kCreated;
    result.created.insert(id);
    result.catalog_ids.insert(id);
  };
  std::vector<HttpResponse> responses = client.execute(call, requests);
  std::vector<size_t> uncertain;
  for (size_t k = 0; k < to_create.size(); ++k) {
    const ServiceDecision& d = decisions[to_create[k]];
    ProvisionedService& o = result.items[to_create[k]];
    const HttpResponse& r = responses[k];
    Failure f = classify(r, "create service '" + d.spec.name + "'");
    if (r.ok()) {
      auto after = parse_vendor_skus(r.body);
      auto id = after ? created_sku_id(*after, before, d.spec.name) : std::nullopt;
      if (id)
        created(o, *id);
      else
        uncertain.push_back(k);
    } else if (stops_everything(r)) {
      throw_failure(f);
    } else if (ambiguous(r)) {
      o.message = f.message;
      uncertain.push_back(k);
    } else {
      o.message = f.message;
    }
  }
  if (uncertain.empty()) return result;

  std::vector<Sku> now = fetch_catalog(call, client);
  for (const Sku& s : now) result.catalog_ids.insert(s.id);
  for (size_t k : uncertain) {
    const ServiceDecision& d = decisions[to_create[k]];
    ProvisionedService& o = result.items[to_create[k]];
    auto id = created_sku_id(now, before, d.spec.name);
    if (id && before.count(*id) == 0) {
      created(o, *id);
      o.message.clear();
    } else {
      o.message = (o.message.empty() ? "" : o.message + "; ") +
                  "Gradient did not confirm the service and it is not in the catalog: the next run "
                  "tries again";
    }
  }
  return result;
}

}  // namespace meterbridge::gradient
