#include "host/server/connector_cards.h"

#include <boost/json.hpp>

#include <map>

#include "host/config/config.h"
#include "host/server/scheduler.h"
#include "host/sync/mapping.h"
#include "host/sync/report.h"

namespace mb::server {
namespace {

namespace bj = boost::json;

bj::object counter(size_t mapped, size_t total) {
  return bj::object{{"mapped", mapped}, {"total", total}};
}

struct MappingCounts {
  size_t workspaces_mapped = 0;
  size_t workspaces_total = 0;  // the workspaces the connector sees, excluded ones left out
  size_t services_mapped = 0;
  size_t account_mappings = 0;  // every stored row, excluded ones too: what Disconnect removes
};

Result<MappingCounts> count_mappings(Store& store, const ConnectorConfig& connector,
                                     const std::vector<Workspace>& workspaces) {
  auto mappings = store.list_account_mappings(connector.id);
  if (!mappings) return mappings.status();
  auto services = store.list_service_mappings(connector.id);
  if (!services) return services.status();
  std::map<std::string, const AccountMapping*> by_workspace;
  for (const auto& m : *mappings) by_workspace[m.workspace_id] = &m;
  MappingCounts counts;
  counts.account_mappings = mappings->size();
  counts.services_mapped = services->size();
  for (const auto& w : workspaces) {
    if (!visible_to(w, connector.partner_id)) continue;
    auto it = by_workspace.find(w.id);
    if (it != by_workspace.end() && it->second->excluded) continue;
    ++counts.workspaces_total;
    if (it != by_workspace.end()) ++counts.workspaces_mapped;
  }
  return counts;
}

bj::value next_run_at(const ConnectorConfig& connector, const ConnectorCardOptions& options) {
  if (!options.scheduler_on || !connector.enabled || !connector.schedule.enabled) return nullptr;
  auto fire = next_fire_ms(connector.schedule, connector.id, options.now_ms);
  if (!fire) return nullptr;
  return bj::value(format_iso8601_utc(*fire));
}

std::string disconnect_removes(const ConnectorRecord& record, const MappingCounts& counts) {
  std::string what = std::to_string(counts.account_mappings) + " workspace mapping" +
                     (counts.account_mappings == 1 ? "" : "s") + ", " +
                     std::to_string(counts.services_mapped) + " service mapping" +
                     (counts.services_mapped == 1 ? "" : "s") +
                     ", the cached PSA accounts and services";
  if (record.has_credentials) what = "the stored credentials, " + what;
  return what + ". Run history stays.";
}

}  // namespace

std::string console_status(const ConnectorRecord& record, size_t workspaces_mapped) {
  switch (record.status) {
    case ConnectorStatus::kNew:
      return "setup_required";
    case ConnectorStatus::kOk:
      return workspaces_mapped == 0 ? "setup_required" : "connected";
    case ConnectorStatus::kPending:
      return "pending";
    case ConnectorStatus::kError:
      return "error";
    case ConnectorStatus::kDisconnected:
      return "disconnected";
  }
  return "error";
}

Result<bj::value> connector_cards(app::App& app, const Principal& principal,
                                  const ConnectorCardOptions& given) {
  ConnectorCardOptions options = given;
  if (options.now_ms == 0) options.now_ms = SystemClock::instance().now_ms();
  auto config = app.config();
  if (!config) return config.status();
  auto store = app.store();
  if (!store) return store.status();
  auto records = (*store)->list_connectors();
  if (!records) return records.status();
  auto workspaces = (*store)->list_workspaces();
  if (!workspaces) return workspaces.status();
  auto services = (*store)->list_services();
  if (!services) return services.status();
  auto plugins = app.plugins();
  std::map<std::string, ConnectorRecord> by_id;
  for (auto& r : *records) by_id[r.id] = r;
  bj::array cards;
  for (const auto& c : (*config)->connectors) {
    if (!principal.reaches(c.partner_id)) continue;
    const ConnectorRecord& record = by_id[c.id];
    auto counts = count_mappings(**store, c, *workspaces);
    if (!counts) return counts.status();
    auto last = (*store)->list_runs(c.id, 1);
    if (!last) return last.status();
    std::string platform = c.plugin;
    bool tickets = false;  // whether an alerts policy can apply (docs/alerts.md)
    if (plugins)
      if (auto loaded = (*plugins)->find(c.plugin)) {
        platform = loaded->manifest().name;
        tickets = loaded->manifest().has_capability("tickets");
      }
    cards.push_back(bj::object{
        {"id", c.id},
        {"plugin", c.plugin},
        {"platform", platform},
        {"tickets", tickets},
        {"partner", c.partner},
        {"partner_id", c.partner_id},
        {"from_config", !c.from_console},
        {"enabled", c.enabled},
        {"status", console_status(record, counts->workspaces_mapped)},
        {"connector_status", to_text(record.status)},
        {"status_message", record.status_message},
        {"status_at", record.status_at},
        {"workspaces", counter(counts->workspaces_mapped, counts->workspaces_total)},
        {"services", counter(counts->services_mapped, services->size())},
        {"last_run", last->empty() ? bj::value(nullptr) : run_header_to_json(last->front())},
        {"next_run_at", next_run_at(c, options)},
        {"settings", connector_settings_json(c)},
        {"disconnect_removes", disconnect_removes(record, *counts)}});
  }
  return bj::value(bj::object{{"connectors", std::move(cards)}});
}

}  // namespace mb::server
