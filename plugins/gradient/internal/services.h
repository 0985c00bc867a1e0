// Services: the vendor's catalog of SKUs in Gradient (one per module and metric), which the MSP
// maps to PSA products in Synthesize. Gradient has no lookup by name and no delete, and a second
// service of the same name must be mapped all over again, so a vendor service is matched first
// by the Gradient id meterbridge recorded for it (a renamed service keeps its Gradient service),
// then by exact name, and only then created, with the category and subcategory the connector
// config gives it.
//
//   auto decisions = plan_services({{"edr", "Coro EDR", std::nullopt}}, catalog, config);
//   ServicesResult done = provision_services(call, client, config, desired);  // GET, POSTs
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SERVICES_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SERVICES_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "internal/client.h"
#include "internal/config.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

struct DesiredService {
  std::string id;                          // the vendor service id
  std::string name;                        // the vendor service name
  std::optional<std::string> platform_id;  // the Gradient service id recorded for it, if any
};

enum class ServiceAction {
  kKeep,    // the recorded Gradient service exists
  kMatch,   // found by exact name
  kCreate,  // missing and creatable
  kRefuse,  // missing and not creatable, or its name is taken by another vendor service
};

struct ServiceDecision {
  DesiredService service;
  ServiceSpec spec;
  ServiceAction action = ServiceAction::kRefuse;
  std::string platform_id;  // kKeep, kMatch
  std::string message;
};

// One decision per distinct service id, in input order. Recorded ids are honoured before any
// name is matched, and no Gradient service is given to two vendor services.
std::vector<ServiceDecision> plan_services(const std::vector<DesiredService>& desired,
                                           const std::vector<Sku>& catalog,
                                           const ConnectorConfig& config);

// The Create Service body: name, description, category, subcategory and, when configured,
// supportArticle and supportContact.
std::string create_service_body(const ServiceSpec& spec);

// The id of the service called `name` in `after` that was not in `before_ids`; failing that, the
// last one called `name`; nullopt when none is.
std::optional<std::string> created_sku_id(const std::vector<Sku>& after,
                                          const std::set<std::string>& before_ids,
                                          const std::string& name);

struct ServicesResult {
  std::vector<ProvisionedService> items;  // platform_id empty when failed
  std::set<std::string> catalog_ids;      // after the changes
  std::set<std::string> created;          // Gradient ids created now
};

// GET the vendor profile once, create what is missing (one POST each, in one batch). Throws
// PluginError for what stops every service alike (auth, throttling, an unreadable catalog).
ServicesResult provision_services(Call& call, const Client& client, const ConnectorConfig& config,
                                  const std::vector<DesiredService>& desired);

// GET /api/vendor-api: the vendor's services. Throws PluginError on failure.
std::vector<Sku> fetch_catalog(Call& call, const Client& client);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_SERVICES_H_
