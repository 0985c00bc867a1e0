#include "host/app/alert_operations.h"

#include <boost/json.hpp>

#include <set>

#include "host/alerts/alert_document.h"

namespace mb::ops {
namespace {

namespace bj = boost::json;

Result<AlertsPushed> record_document(app::App& app, Result<AlertDocument> document,
                                     const std::string& origin) {
  if (!document) return document.status();
  auto store = app.store();
  if (!store) return store.status();
  auto recorded = (*store)->record_alerts(document->alerts, origin);
  if (!recorded) return recorded.status();
  AlertsPushed pushed;
  pushed.alerts = std::move(*recorded);
  for (const auto& r : pushed.alerts) {
    switch (r.outcome) {
      case AlertRecordOutcome::kCreated:
        ++pushed.created;
        break;
      case AlertRecordOutcome::kUpdated:
        ++pushed.updated;
        break;
      case AlertRecordOutcome::kUnchanged:
        ++pushed.unchanged;
        break;
      case AlertRecordOutcome::kStale:
        ++pushed.stale;
        break;
    }
  }
  auto workspaces = (*store)->list_workspaces();
  if (!workspaces) return workspaces.status();
  std::set<std::string> known, unknown;
  for (const auto& w : *workspaces) known.insert(w.id);
  for (const auto& a : document->alerts)
    if (!known.count(a.workspace_id)) unknown.insert(a.workspace_id);
  pushed.unknown_workspaces.assign(unknown.begin(), unknown.end());
  return pushed;
}

}  // namespace

Result<AlertsPushed> push_alerts(app::App& app, std::string_view text, const std::string& origin) {
  return record_document(app, parse_alert_document(text, origin), origin);
}

Result<AlertsPushed> push_alert_file(app::App& app, const std::string& file) {
  return record_document(app, read_alert_file(file), file == "-" ? "stdin" : file);
}

bj::value alerts_pushed_to_json(const AlertsPushed& pushed) {
  bj::array alerts, unknown;
  for (const auto& r : pushed.alerts)
    alerts.push_back(
        bj::object{{"id", r.alert_id}, {"outcome", to_text(r.outcome)}, {"version", r.version}});
  for (const auto& w : pushed.unknown_workspaces) unknown.push_back(bj::value(w));
  return bj::object{{"created", pushed.created},     {"updated", pushed.updated},
                    {"unchanged", pushed.unchanged}, {"stale", pushed.stale},
                    {"alerts", std::move(alerts)},   {"unknown_workspaces", std::move(unknown)}};
}

std::string describe_alerts_pushed(const AlertsPushed& pushed) {
  std::string text = "recorded " + std::to_string(pushed.alerts.size()) + " alert" +
                     (pushed.alerts.size() == 1 ? "" : "s") + ": " +
                     std::to_string(pushed.created) + " new, " + std::to_string(pushed.updated) +
                     " changed, " + std::to_string(pushed.unchanged) + " unchanged";
  if (pushed.stale > 0)
    text += ", " + std::to_string(pushed.stale) + " older than what is stored (ignored)";
  text += "\n";
  if (!pushed.unknown_workspaces.empty()) {
    text +=
        "  note: no usage import declared these workspaces yet (their alerts are kept, and "
        "reach a ticket once the workspace is known and mapped):";
    for (const auto& w : pushed.unknown_workspaces) text += " " + w;
    text += "\n";
  }
  return text;
}

bj::object alert_to_json(const Alert& a) {
  return bj::object{{"id", a.id},
                    {"workspace_id", a.workspace_id},
                    {"title", a.title},
                    {"description", a.description},
                    {"severity", to_text(a.severity)},
                    {"status", to_text(a.status)},
                    {"time", a.time},
                    {"device", a.device},
                    {"service_id", a.service_id},
                    {"version", a.version},
                    {"first_received_at", a.first_received_at},
                    {"received_at", a.received_at}};
}

bj::object alert_with_history_to_json(const Alert& alert, const std::vector<AlertChange>& changes) {
  bj::array history;
  for (const auto& c : changes) {
    auto entry = alert_to_json(c.alert);
    entry.erase("first_received_at");
    entry["source"] = c.source;
    history.push_back(std::move(entry));
  }
  auto shown = alert_to_json(alert);
  shown["history"] = std::move(history);
  return shown;
}

}  // namespace mb::ops
