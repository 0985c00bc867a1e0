// The connector's plugin config, parsed and checked once when a session opens.
//
// The host has already validated the document against the manifest's config_schema and
// resolved secret references; this adds the checks a schema cannot express (URLs that
// normalise to an ATServicesRest root) and fills in defaults.
//
//   ConnectorConfig c = parse_connector_config(
//       R"({"username":"api@acme.example","secret":"...","integration_code":"..."})");
//   c.discovery_root;   // "https://webservices.autotask.net/atservicesrest/"
//   c.company_types;    // {1}: Customer
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONFIG_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::autotask {

struct ConnectorConfig {
  std::string username;          // the API-only user's login ("Username (Key)")
  std::string secret;            // that user's secret
  std::string integration_code;  // the API tracking identifier
  // ATServicesRest root asked for zone discovery.
  std::string discovery_root;
  // Set when the operator pins the zone (or points at a simulator): its ATServicesRest root.
  // Discovery is skipped then and a 401 is final.
  std::optional<std::string> pinned_rest_root;
  // companyType values listed as accounts; empty lists every type. Autotask's default picklist
  // has 1 = Customer.
  std::vector<int64_t> company_types;
};

// Throws PluginError(MB_STATUS_CONFIG_INVALID) naming the offending key.
ConnectorConfig parse_connector_config(std::string_view json);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONFIG_H_
