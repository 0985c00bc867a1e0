#include "host/sync/internal/provision.h"

#include <meterbridge/documents_json.hpp>

#include <map>
#include <set>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/plugin_result.h"
#include "host/sync/mapping.h"

namespace mb::sync_internal {
namespace {

// Workspaces whose usage counts are read at once to learn which workspaces the snapshot names.
constexpr size_t kPresentChunkWorkspaces = 1000;

}  // namespace

Status provision(Store& store, const ConnectorConfig& connector, PluginSession& session,
                 std::vector<std::string>& notes) {
  const LoadedPlugin& plugin = session.plugin();
  if (!plugin.offers(Operation::kProvisionAccounts) &&
      !plugin.offers(Operation::kProvisionServices))
    return Status::Ok();
  // The snapshot's counts are read a chunk at a time: only which workspaces it names is kept.
  auto snapshot = store.latest_snapshot_header();
  if (!snapshot) return snapshot.status();
  if (plugin.offers(Operation::kProvisionAccounts) && *snapshot) {
    auto workspaces = store.list_workspaces();
    if (!workspaces) return workspaces.status();
    std::erase_if(*workspaces,
                  [&](const Workspace& w) { return !visible_to(w, connector.partner_id); });
    auto mappings = store.list_account_mappings(connector.id);
    if (!mappings) return mappings.status();
    std::map<std::string, const AccountMapping*> mapped;
    for (const auto& m : *mappings) mapped[m.workspace_id] = &m;
    std::set<std::string> present;
    for (std::string after;;) {
      auto counts = store.list_usage_counts((*snapshot)->id, after, kPresentChunkWorkspaces);
      if (!counts) return counts.status();
      if (counts->empty()) break;
      for (const auto& c : *counts) present.insert(c.workspace_id);
      after = counts->back().workspace_id;
    }
    meterbridge::ProvisionAccountsRequest request;
    for (const auto& w : *workspaces) {
      auto it = mapped.find(w.id);
      if (it != mapped.end() && it->second->excluded) continue;
      if (present.count(w.id) == 0 && it == mapped.end()) continue;
      request.accounts.push_back(meterbridge::AccountToProvision{w.id, w.name});
    }
    auto result = session.invoke(Operation::kProvisionAccounts, meterbridge::encode(request));
    if (!result)
      return Status(result.status().code(), "provision_accounts: " + result.status().message());
    std::map<std::string, int> by_outcome;
    std::vector<AccountMapping> created;
    std::map<std::string, std::string> names;
    for (const auto& w : *workspaces) names[w.id] = w.name;
    for (const auto& item : decode_result<meterbridge::ProvisionAccountsResult>(*result).items) {
      const std::string& id = item.id;
      std::string result_outcome =
          item.outcome ? meterbridge::wire_name(*item.outcome)
                       : (item.unknown_outcome.empty() ? "unchanged" : item.unknown_outcome);
      ++by_outcome[result_outcome];
      if (item.outcome == meterbridge::ProvisionOutcome::kFailed) {
        notes.push_back("account for workspace '" + id +
                        "' not provisioned: " + redact(item.message));
        continue;
      }
      if (id.empty() || mapped.count(id) > 0 || names.count(id) == 0) continue;
      AccountMapping m;
      m.workspace_id = id;
      m.account_id = item.account_id.value_or(id);
      m.account_name = names[id];
      m.source = MappingSource::kProvisioned;
      created.push_back(std::move(m));
    }
    MB_RETURN_IF_ERROR(store.put_account_mappings(connector.id, created));
    std::string summary;
    for (const auto& [k, v] : by_outcome)
      summary += (summary.empty() ? "" : ", ") + std::to_string(v) + " " + k;
    notes.push_back("accounts provisioned on the platform: " +
                    (summary.empty() ? "none" : summary));
  }
  if (plugin.offers(Operation::kProvisionServices) && *snapshot) {
    auto services = store.list_services();
    if (!services) return services.status();
    auto known = store.list_provisioned_services(connector.id);
    if (!known) return known.status();
    meterbridge::ProvisionServicesRequest request;
    for (const auto& s : *services) {
      auto it = known->find(s.id);
      request.services.push_back(meterbridge::ServiceToProvision{
          s.id, s.name,
          it == known->end() ? std::nullopt : std::optional<std::string>(it->second)});
    }
    auto result = session.invoke(Operation::kProvisionServices, meterbridge::encode(request));
    if (!result)
      return Status(result.status().code(), "provision_services: " + result.status().message());
    auto mappings = store.list_service_mappings(connector.id);
    if (!mappings) return mappings.status();
    std::set<std::string> mapped;
    for (const auto& m : *mappings) mapped.insert(m.service_id);
    auto answer = decode_result<meterbridge::ProvisionServicesResult>(*result);
    // The metric each new mapping bills by; a metric this host does not know is the plugin's
    // error, refused before anything is recorded.
    std::map<std::string, ServiceMetric> metrics;
    for (const auto& item : answer.items) {
      if (!item.metric) continue;
      auto metric = parse_state<ServiceMetric>(*item.metric);
      if (!metric)
        return Status::Fatal("provision_services: the plugin answered service '" + item.id +
                             "' with an unknown metric '" + redact(*item.metric) +
                             "' (users or devices); none of its services were recorded");
      metrics[item.id] = *metric;
    }
    std::map<std::string, int> by_outcome;
    for (const auto& item : answer.items) {
      const std::string& id = item.id;
      const std::string& platform_id = item.platform_id;
      ++by_outcome[item.outcome                    ? meterbridge::wire_name(*item.outcome)
                   : !item.unknown_outcome.empty() ? item.unknown_outcome
                   : platform_id.empty()           ? "failed"
                                                   : "unchanged"];
      if (id.empty() || platform_id.empty()) {
        notes.push_back("service '" + id + "' not provisioned: " +
                        redact(item.message.empty() ? "no platform id returned" : item.message));
        continue;
      }
      MB_RETURN_IF_ERROR(store.set_provisioned_service(connector.id, id, platform_id));
      if (mapped.count(id) == 0) {
        auto metric = metrics.find(id);
        MB_RETURN_IF_ERROR(store.put_service_mapping(
            connector.id,
            {id, platform_id, metric == metrics.end() ? ServiceMetric::kUsers : metric->second}));
      }
    }
    std::string summary;
    for (const auto& [k, v] : by_outcome)
      summary += (summary.empty() ? "" : ", ") + std::to_string(v) + " " + k;
    notes.push_back("services provisioned on the platform: " +
                    (summary.empty() ? "none" : summary));
  }
  return Status::Ok();
}

}  // namespace mb::sync_internal
