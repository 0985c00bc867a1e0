#include "internal/operations.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "internal/accounts.h"
#include "internal/services.h"

namespace meterbridge::gradient {

ProvisionAccountsResult provision_accounts(Call& call, const Client& client, SessionState& state,
                                           const ProvisionAccountsRequest& request) {
  std::vector<DesiredAccount> desired;
  std::set<std::string> unnamed;
  for (const AccountToProvision& v : request.accounts) {
    DesiredAccount a{v.id, trimmed(v.name)};
    if (a.id.empty()) continue;
    if (a.name.empty()) {
      // Gradient requires a name; the id still lets the MSP recognise and map the customer.
      a.name = a.id;
      unnamed.insert(a.id);
    }
    desired.push_back(std::move(a));
  }
  // While connecting, the status is about to be set; otherwise a sync should say why the MSP
  // may not see its counts.
  if (std::string warning = sync_warning(refresh_integration_status(call, client, state));
      !warning.empty() && !state.connecting)
    call.warn(warning);
  AccountsResult result = provision(call, client, desired);
  state.accounts = result.on_gradient;
  state.created_accounts = std::move(result.created);

  std::map<std::string, int> tally;
  for (ProvisionedAccount& item : result.items) {
    ++tally[wire_name(*item.outcome)];
    if (unnamed.count(item.id) > 0 && item.outcome != ProvisionOutcome::kFailed)
      item.message = "the workspace has no name; its id is the account's name in Gradient";
  }
  call.info("Gradient accounts: " + tally_text(tally));
  return {std::move(result.items)};
}

ProvisionServicesResult provision_services(Call& call, const Client& client,
                                           const ConnectorConfig& config, SessionState& state,
                                           const ProvisionServicesRequest& request) {
  std::vector<DesiredService> desired;
  for (const ServiceToProvision& o : request.services) {
    DesiredService s{o.id, o.name, std::nullopt};
    if (s.id.empty()) continue;
    if (o.platform_id && !o.platform_id->empty()) s.platform_id = o.platform_id;
    desired.push_back(std::move(s));
  }
  ServicesResult result = gradient::provision_services(call, client, config, desired);
  state.catalog_ids = result.catalog_ids;
  state.created_services = std::move(result.created);

  for (const ProvisionedService& item : result.items)
    if (item.outcome == ProvisionOutcome::kCreated)
      call.info("Gradient service created for '" + item.id + "': " + item.platform_id);
  return {std::move(result.items)};
}

}  // namespace meterbridge::gradient
