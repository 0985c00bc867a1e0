// Ticket operations (docs/alerts.md, "Check permissions"): a connector's alerts policy against
// what its platform offers. The policy names a board, statuses, priorities and a type by id or
// name; `check_alerts` lists the platform's boards and priorities (read-only), resolves every
// name to the platform's id, asks the plugin what the credentials may do, and says what is
// missing — before any ticket is opened.
//
//   auto check = ops::check_alerts(app, "contoso-cw");
//   if (!check) return check.status();          // no "tickets" capability, no platform, ...
//   if (!check->ready()) print(check->problems, check->permissions.missing);
#ifndef METERBRIDGE_HOST_APP_TICKET_OPERATIONS_H_
#define METERBRIDGE_HOST_APP_TICKET_OPERATIONS_H_

#include <boost/json/value.hpp>
#include <meterbridge/documents.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/alerts/alert_policy.h"
#include "host/app/app.h"
#include "host/plugin/plugin.h"

namespace mb::ops {

// A policy with every name it holds replaced by the platform's id.
struct ResolvedAlertPolicy {
  std::optional<std::string> board_id;  // nullopt: the platform routes by itself
  std::string board_name;
  std::optional<std::string> status_new_id;     // nullopt: the board's default
  std::optional<std::string> status_closed_id;  // nullopt: the board's closed status
  std::map<AlertSeverity, std::string> priority_ids;
  std::optional<std::string> type_id;
  std::optional<std::string> subtype_id;
};

// Resolves `policy` against the platform's boards and priorities. Each name that matches
// nothing, matches two entries, or names a status of the wrong kind (a "closed" status that
// does not close) is one line of `problems`, naming the policy's field; the result is complete
// only when `problems` stays empty.
ResolvedAlertPolicy resolve_alert_policy(const AlertPolicy& policy,
                                         const meterbridge::ListTicketBoardsResult& platform,
                                         const std::string& where,
                                         std::vector<std::string>* problems);

struct AlertsCheck {
  std::string connector_id;
  meterbridge::ListTicketBoardsResult platform;
  meterbridge::TicketPermissions permissions;
  ResolvedAlertPolicy resolved;
  std::vector<std::string> problems;  // the policy's names the platform does not have

  // Whether alerts can become tickets as the policy says: every name resolved, and the
  // credentials may list, create, update and close tickets.
  bool ready() const {
    return problems.empty() && permissions.can_list && permissions.can_create &&
           permissions.can_update && permissions.can_close;
  }
};

// The session's plugin offers the "tickets" capability, or Unsupported naming the plugin.
Status require_tickets(const PluginSession& session, const std::string& connector_id);

// `alerts check --connector ID`: read-only. Fails (not a verdict) when the connector does not
// exist, its plugin lacks the capability, or the platform cannot be read. A connector without an
// alerts policy is checked as one with an empty policy, its absence the first problem: the
// boards, priorities and rights are what a policy is written from.
Result<AlertsCheck> check_alerts(app::App& app, const std::string& connector_id);
// Its JSON form (`alerts check --json`): boards with statuses and types, priorities, the
// permissions, the resolved ids and the problems.
boost::json::object alerts_check_to_json(const AlertsCheck& check);

// `alerts sync --connector ID` (docs/alerts.md, "Alert runs"): for each stored alert the
// connector's policy takes (its severity, its partner's workspaces), routes it through the
// workspace mapping and brings its ticket up to date — opened (the intent is stored as
// 'opening' before the create, so a lost answer is searched for, never created twice), a note
// for a later version of the alert, closed once it resolves. An alert whose workspace is not
// mapped, excluded, or whose company is inactive stays `not_routed` with the reason, and is
// routed by the first run after that changes. Holds the connector's lease; records the run
// (lines for what it did; an alert already up to date adds none). `trigger`: manual, push,
// schedule. Fails before touching anything when the policy does not resolve on the platform.
// Like a sync, it takes a slot of the connector's platform tenant unless `slot` says the caller
// holds one, and is refused (Conflict) while the tenant is full.
Result<AlertRun> sync_alerts(app::App& app, const std::string& connector_id,
                             const std::string& trigger,
                             app::TenantSlotTaker slot = app::TenantSlotTaker::kTheRun);
boost::json::object alert_run_to_json(const AlertRun& run);

// ---- Alerts runs through the job queue (docs/alerts.md, "Routed as they arrive") ----
// Pushes in one window of this length are routed by one alerts run per connector, due when
// the window ends: a stream of single alerts costs a run per window, not a run per alert.
inline constexpr int64_t kAlertsDebounceMs = 2'000;
// An alerts job's window_key starts with this; serve's workers run it as an alerts run only.
inline constexpr std::string_view kAlertsJobPrefix = "alerts:";
bool is_alerts_job(const SyncJob& job);
// After a push that recorded something: one alerts job (trigger "push") for every enabled
// connector whose alerts policy routes alerts, in the window of `now_ms` and due at its end.
// Pushes in the same window, on any node, coalesce into the same job. Returns the connectors
// whose job was new.
Result<std::vector<std::string>> enqueue_alert_runs(app::App& app, int64_t now_ms);
// One alerts run of the connector for any node's workers, due now, never merged with another
// (the API's "queue": true). Fails like sync_alerts when the connector routes no alerts.
Result<SyncJob> enqueue_alerts_now(app::App& app, const std::string& connector_id,
                                   const std::string& trigger);
std::string describe_alert_run(const AlertRun& run);

}  // namespace mb::ops

#endif  // METERBRIDGE_HOST_APP_TICKET_OPERATIONS_H_
