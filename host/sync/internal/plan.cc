#include "host/sync/internal/plan.h"

#include <algorithm>
#include <climits>
#include <ctime>
#include <map>
#include <set>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/mapping.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {
namespace {

// How old the PSA account cache may be before a run lists the platform's accounts again.
constexpr int64_t kAccountCacheMaxAgeMs = 12LL * 3600 * 1000;

int64_t parse_iso_ms(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

Result<std::vector<SyncLine>> plan_run(Store& store, const Clock& clock,
                                       const SyncSettings& settings,
                                       const ConnectorConfig& connector, PluginSession& session,
                                       std::vector<std::string>& notes) {
  const LoadedPlugin& plugin = session.plugin();
  bool vendor_provisioned = plugin.offers(Operation::kProvisionAccounts);
  PlanInput in;
  auto accounts = store.list_psa_accounts(connector.id);
  if (!accounts) return accounts.status();
  if (!vendor_provisioned) {
    // Refresh the account cache at most every few hours so drift (missing, inactive, renamed
    // accounts) shows in the next report without listing the whole platform on every run.
    int64_t oldest = INT64_MAX;
    for (const auto& a : *accounts)
      if (!a.missing_since) oldest = std::min(oldest, parse_iso_ms(a.fetched_at));
    if (accounts->empty() || clock.now_ms() - oldest > kAccountCacheMaxAgeMs) {
      auto refreshed = refresh_accounts(store, connector.id, session);
      if (!refreshed) {
        if (is_run_level(refreshed.status().code())) return refreshed.status();
        notes.push_back("could not refresh the platform's accounts: " +
                        redact(refreshed.status().message()));
      }
      accounts = store.list_psa_accounts(connector.id);
      if (!accounts) return accounts.status();
    }
  }
  auto workspaces = store.list_workspaces();
  if (!workspaces) return workspaces.status();
  auto snapshot = store.latest_snapshot();
  if (!snapshot) return snapshot.status();
  auto account_mappings = store.list_account_mappings(connector.id);
  if (!account_mappings) return account_mappings.status();
  auto service_mappings = store.list_service_mappings(connector.id);
  if (!service_mappings) return service_mappings.status();

  // A connector serving one partner sees only that partner's workspaces and their usage.
  if (!connector.partner_id.empty()) {
    std::set<std::string> visible;
    for (const auto& w : *workspaces)
      if (visible_to(w, connector.partner_id)) visible.insert(w.id);
    std::erase_if(*workspaces, [&](const Workspace& w) { return visible.count(w.id) == 0; });
    if (*snapshot)
      std::erase_if((*snapshot)->counts,
                    [&](const UsageCount& c) { return visible.count(c.workspace_id) == 0; });
  }
  in.workspaces = std::move(*workspaces);
  in.snapshot = std::move(*snapshot);
  in.account_mappings = std::move(*account_mappings);
  in.service_mappings = std::move(*service_mappings);
  in.psa_accounts = std::move(*accounts);
  in.ended_workspaces = settings.ended_workspaces;
  in.link_based = plugin.offers(Operation::kLinkAccounts);

  if (!in.snapshot) notes.push_back("no usage imported yet: nothing to plan");
  if (in.service_mappings.empty())
    notes.push_back("no services are mapped on this connector: nothing to plan");
  if (in.snapshot) {
    std::set<std::string> mapped_services;
    for (const auto& m : in.service_mappings) mapped_services.insert(m.service_id);
    std::map<std::string, int> unmapped_usage;
    for (const auto& c : in.snapshot->counts)
      if (mapped_services.count(c.service_id) == 0 && (c.users > 0 || c.devices > 0))
        ++unmapped_usage[c.service_id];
    for (const auto& [service, n] : unmapped_usage)
      notes.push_back("service '" + service + "' is not mapped: " + std::to_string(n) +
                      " workspaces have usage of it");
  }
  for (const auto& m : in.account_mappings)
    if (m.drift == MappingDrift::kAccountRenamed)
      notes.push_back("workspace '" + m.workspace_id + "': PSA account '" +
                      m.account_id.value_or("") + "' was renamed since it was mapped (was '" +
                      m.account_name + "'); still billed, please confirm");
  return plan_lines(in);
}

}  // namespace mb::sync_internal
