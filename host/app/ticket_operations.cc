#include "host/app/ticket_operations.h"

#include <boost/json.hpp>
#include <meterbridge/documents_json.hpp>

#include <map>
#include <sstream>
#include <utility>

#include "host/app/operations.h"
#include "host/common/clock.h"
#include "host/sync/lease.h"
#include "host/sync/mapping.h"

namespace mb::ops {
namespace {

namespace bj = boost::json;
using meterbridge::ListTicketBoardsResult;
using meterbridge::TicketBoard;

// The entry `wanted` names: by id first, then by name ignoring ASCII case. Exactly one must
// match; otherwise a problem naming `field` and what was there to choose from.
template <typename Entry>
const Entry* find_named(const std::vector<Entry>& entries, const std::string& wanted,
                        const std::string& field, const std::string& kind,
                        std::vector<std::string>* problems) {
  for (const Entry& e : entries)
    if (e.id == wanted) return &e;
  const Entry* found = nullptr;
  int matches = 0;
  for (const Entry& e : entries) {
    if (meterbridge::ascii_lower(e.name) == meterbridge::ascii_lower(wanted)) {
      found = &e;
      ++matches;
    }
  }
  if (matches == 1) return found;
  if (matches > 1) {
    problems->push_back(field + ": " + std::to_string(matches) + " " + kind + "s are named '" +
                        wanted + "'; name it by id");
    return nullptr;
  }
  std::string choices;
  for (const Entry& e : entries) {
    if (choices.size() > 300) {
      choices += ", ...";
      break;
    }
    choices += (choices.empty() ? "" : ", ") + e.name + " (" + e.id + ")";
  }
  problems->push_back(field + ": no " + kind + " '" + wanted + "'" +
                      (choices.empty() ? "" : " (there are: " + choices + ")"));
  return nullptr;
}

// Invokes a ticket hook and reads its answer; a failed call or an answer in the wrong shape is
// the error, naming the hook.
template <typename Document>
Result<Document> ask(PluginSession& session, Operation op, const std::string& input) {
  auto answer = session.invoke(op, input);
  if (!answer) return answer.status();
  try {
    return meterbridge::decode<Document>(*answer);
  } catch (const meterbridge::DocumentError& e) {
    return Status::Fatal(std::string(operation_name(op)) + " answered: " + e.what());
  }
}

bj::value or_null(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

}  // namespace

ResolvedAlertPolicy resolve_alert_policy(const AlertPolicy& policy,
                                         const ListTicketBoardsResult& platform,
                                         const std::string& where,
                                         std::vector<std::string>* problems) {
  ResolvedAlertPolicy r;
  for (const auto& [severity, wanted] : policy.priorities) {
    std::string field = where + "/priorities/" + std::string(to_text(severity));
    if (const auto* p = find_named(platform.priorities, wanted, field, "priority", problems))
      r.priority_ids[severity] = p->id;
  }
  if (policy.board.empty()) {
    if (!platform.boards.empty()) {
      problems->push_back(where + "/board: required: choose one of the platform's " +
                          std::to_string(platform.boards.size()) + " boards");
      return r;
    }
    // The platform routes alerts to a board of its own choosing: a status or type would name
    // something no board of ours holds, and would silently do nothing.
    const std::pair<const char*, const std::string*> on_a_board[] = {
        {"status_new", &policy.status_new},
        {"status_closed", &policy.status_closed},
        {"type", &policy.type},
        {"subtype", &policy.subtype}};
    for (const auto& [field, value] : on_a_board)
      if (!value->empty())
        problems->push_back(where + "/" + field +
                            ": the platform has no boards (it routes alerts to tickets itself), "
                            "so there is nothing to choose; leave it out");
    return r;
  }
  if (platform.boards.empty()) {
    problems->push_back(where +
                        "/board: the platform has no boards: it routes alerts to tickets "
                        "itself; leave board out");
    return r;
  }
  const TicketBoard* board =
      find_named(platform.boards, policy.board, where + "/board", "board", problems);
  if (board == nullptr) return r;
  r.board_id = board->id;
  r.board_name = board->name;
  if (!policy.status_new.empty()) {
    if (const auto* s = find_named(board->statuses, policy.status_new, where + "/status_new",
                                   "status on board '" + board->name + "'", problems)) {
      if (s->closed)
        problems->push_back(where + "/status_new: '" + s->name + "' closes the ticket");
      else
        r.status_new_id = s->id;
    }
  }
  bool closes = false;
  for (const auto& s : board->statuses) closes = closes || s.closed;
  if (!policy.status_closed.empty()) {
    if (const auto* s = find_named(board->statuses, policy.status_closed, where + "/status_closed",
                                   "status on board '" + board->name + "'", problems)) {
      if (!s->closed)
        problems->push_back(where + "/status_closed: '" + s->name +
                            "' does not close the ticket on board '" + board->name + "'");
      else
        r.status_closed_id = s->id;
    }
  } else if (!closes) {
    problems->push_back(where + "/board: board '" + board->name +
                        "' has no status that closes a ticket, so resolved alerts could not "
                        "close theirs");
  }
  if (!policy.type.empty()) {
    if (const auto* t = find_named(board->types, policy.type, where + "/type",
                                   "type on board '" + board->name + "'", problems)) {
      r.type_id = t->id;
      if (!policy.subtype.empty())
        if (const auto* s = find_named(t->subtypes, policy.subtype, where + "/subtype",
                                       "sub-type of type '" + t->name + "'", problems))
          r.subtype_id = s->id;
    }
  }
  return r;
}

Status require_tickets(const PluginSession& session, const std::string& connector_id) {
  if (session.plugin().offers(Operation::kOpenTicket)) return Status::Ok();
  return Status::Unsupported("connector '" + connector_id + "': plugin '" +
                             session.plugin().manifest().id +
                             "' does not offer the tickets capability, so its alerts cannot "
                             "become tickets");
}

Result<AlertsCheck> check_alerts(app::App& app, const std::string& connector_id) {
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector_id));
  auto session = app.open_session(connector_id);
  if (!session) return session.status();
  MB_RETURN_IF_ERROR(require_tickets(**session, connector_id));

  AlertsCheck check;
  check.connector_id = connector_id;
  auto listed = ask<ListTicketBoardsResult>(**session, Operation::kListTicketBoards, "{}");
  if (!listed) return listed.status();
  check.platform = std::move(*listed);
  // Without a policy the boards and rights are still worth knowing: they are what one is
  // written from (the console fills its form with them).
  std::string where = (*connector)->pointer + "/alerts";
  if (!(*connector)->alerts)
    check.problems.push_back(where +
                             ": none: this connector routes no alerts until it has a policy");
  const AlertPolicy& policy = (*connector)->alerts ? *(*connector)->alerts : AlertPolicy{};
  check.resolved = resolve_alert_policy(policy, check.platform, where, &check.problems);
  meterbridge::CheckTicketPermissionsRequest request;
  request.board_id = check.resolved.board_id;
  auto permitted = ask<meterbridge::TicketPermissions>(
      **session, Operation::kCheckTicketPermissions, meterbridge::encode(request));
  if (!permitted) return permitted.status();
  check.permissions = std::move(*permitted);
  return check;
}

bj::object alerts_check_to_json(const AlertsCheck& check) {
  bj::value platform = bj::parse(meterbridge::encode(check.platform));
  bj::value permissions = bj::parse(meterbridge::encode(check.permissions));
  bj::object priorities;
  for (const auto& [severity, id] : check.resolved.priority_ids)
    priorities[std::string(to_text(severity))] = id;
  bj::array problems;
  for (const auto& p : check.problems) problems.emplace_back(p);
  return bj::object{
      {"connector", check.connector_id},
      {"ready", check.ready()},
      {"boards", platform.at("boards")},
      {"priorities", platform.at("priorities")},
      {"permissions", permissions},
      {"resolved", bj::object{{"board_id", or_null(check.resolved.board_id)},
                              {"status_new_id", or_null(check.resolved.status_new_id)},
                              {"status_closed_id", or_null(check.resolved.status_closed_id)},
                              {"priority_ids", std::move(priorities)},
                              {"type_id", or_null(check.resolved.type_id)},
                              {"subtype_id", or_null(check.resolved.subtype_id)}}},
      {"problems", std::move(problems)}};
}

namespace {

constexpr size_t kAlertPage = 500;

// What the run did for one alert, and the record it leaves.
struct AlertStep {
  std::optional<AlertRunLine> line;  // none: the alert was already up to date
};

// The alert as a ticket's text: its description, then what a technician needs to find it.
std::string ticket_description(const Alert& a) {
  std::string text = a.description;
  if (!text.empty()) text += "\n\n";
  text += "Severity: " + std::string(to_text(a.severity)) + "\nRaised: " + a.time;
  if (!a.device.empty()) text += "\nDevice: " + a.device;
  if (!a.service_id.empty()) text += "\nService: " + a.service_id;
  text += "\nAlert: " + a.id + " (workspace " + a.workspace_id + ")";
  return text;
}

std::string note_text(const Alert& a) {
  std::string text = "Alert " + a.id + " changed (version " + std::to_string(a.version) +
                     "): " + std::string(to_text(a.status)) + ", severity " +
                     std::string(to_text(a.severity)) + ", at " + a.time + ".";
  if (!a.title.empty()) text += "\n" + a.title;
  return text;
}

// Runs one alerts run of a connector; every store write is durable before the next platform
// call.
class AlertRunner {
 public:
  AlertRunner(Store& store, PluginSession& session, const ConnectorConfig& connector,
              ResolvedAlertPolicy resolved)
      : store_(store),
        session_(session),
        connector_(connector),
        policy_(*connector.alerts),
        resolved_(std::move(resolved)) {}

  Status load() {
    auto workspaces = store_.list_workspaces();
    if (!workspaces) return workspaces.status();
    for (auto& w : *workspaces) workspaces_[w.id] = std::move(w);
    auto mappings = store_.list_account_mappings(connector_.id);
    if (!mappings) return mappings.status();
    for (auto& m : *mappings) mappings_[m.workspace_id] = std::move(m);
    MB_RETURN_IF_ERROR(load_accounts());
    // A mapped company missing from the cached list may only be newer than the list (a
    // platform whose accounts the sync creates): read the platform's list once before calling
    // it gone.
    for (const auto& [workspace, m] : mappings_) {
      if (m.account_id && !m.excluded && !accounts_.count(*m.account_id)) {
        auto refreshed = refresh_accounts(store_, connector_.id, session_);
        if (!refreshed) return refreshed.status();
        MB_RETURN_IF_ERROR(load_accounts());
        break;
      }
    }
    auto tickets = store_.list_alert_tickets(connector_.id);
    if (!tickets) return tickets.status();
    for (auto& t : *tickets) tickets_[t.alert_id] = std::move(t);
    return Status::Ok();
  }

  Status load_accounts() {
    auto accounts = store_.list_psa_accounts(connector_.id);
    if (!accounts) return accounts.status();
    accounts_.clear();
    for (auto& a : *accounts) accounts_[a.id] = std::move(a);
    return Status::Ok();
  }

  Status run(AlertRun& run) {
    for (std::string after;;) {
      auto page = store_.list_alerts(after, kAlertPage);
      if (!page) return page.status();
      for (const Alert& alert : *page) {
        auto line = step(alert);
        if (!line) return line.status();
        if (*line) run.lines.push_back(std::move(**line));
      }
      if (page->size() < kAlertPage) break;
      after = page->back().id;
    }
    for (const auto& l : run.lines) ++run.counts[l.outcome];
    return Status::Ok();
  }

 private:
  using Line = std::optional<AlertRunLine>;

  // Whether the alert is this connector's at all: a connector with a partner_id sees only its
  // partner's workspaces.
  bool mine(const Alert& a) const {
    if (connector_.partner_id.empty()) return true;
    auto w = workspaces_.find(a.workspace_id);
    return w != workspaces_.end() && w->second.partner_id == connector_.partner_id;
  }

  // Why the alert cannot reach a ticket now, or "" with its company's id.
  std::string why_not_routed(const Alert& a, std::string* account_id) const {
    if (!workspaces_.count(a.workspace_id))
      return "workspace '" + a.workspace_id + "' is not known yet (no usage names it)";
    auto m = mappings_.find(a.workspace_id);
    if (m == mappings_.end() || (!m->second.account_id && !m->second.excluded))
      return "workspace '" + a.workspace_id + "' is not mapped to a company";
    if (m->second.excluded) return "workspace '" + a.workspace_id + "' is excluded";
    auto account = accounts_.find(*m->second.account_id);
    if (account == accounts_.end())
      return "company " + *m->second.account_id + " is gone from the platform";
    if (!account->second.active)
      return "company '" + account->second.name + "' (" + account->second.id + ") is inactive";
    *account_id = *m->second.account_id;
    return "";
  }

  Result<Line> step(const Alert& alert) {
    if (!mine(alert)) return Line();
    auto known = tickets_.find(alert.id);
    AlertTicket record = known != tickets_.end()
                             ? known->second
                             : AlertTicket{.connector_id = connector_.id, .alert_id = alert.id};
    bool has_record = known != tickets_.end();
    bool resolved = alert.status == AlertStatus::kResolved;
    switch (record.state) {
      case AlertTicketState::kOpen:
        if (resolved) return close(alert, record);
        if (alert.version > record.alert_version) return note(alert, record);
        return Line();
      case AlertTicketState::kClosed:
        return Line();  // a closed ticket stays closed; docs/alerts.md
      case AlertTicketState::kOpening:
        // An earlier create's answer was lost: finish it, searching first — once it cannot
        // still be in flight, since a search that misses a create the platform has yet to
        // process would be followed by a second one.
        if (auto wait = create_may_still_land(record))
          return Line(AlertRunLine{alert.id, "failed", "", *wait});
        break;
      case AlertTicketState::kNotRouted:
        if (!has_record && !policy_.opens_ticket_for(alert.severity)) return Line();
        if (resolved) {
          if (!has_record) return Line();  // resolved before it was ever routed: no ticket
          record.state = AlertTicketState::kClosed;
          record.reason = "resolved before it could be routed";
          MB_RETURN_IF_ERROR(put(record));
          return Line(AlertRunLine{alert.id, "unrouted_resolved", "", record.reason});
        }
        break;
    }
    std::string account_id;
    std::string reason = why_not_routed(alert, &account_id);
    if (!reason.empty()) {
      if (record.state == AlertTicketState::kOpening) {
        // The create may have happened; keep the intent so the run after the mapping returns
        // searches before creating.
        return Line(AlertRunLine{alert.id, "failed", "",
                                 reason + "; its earlier create is "
                                          "not settled yet"});
      }
      if (has_record && record.reason == reason) return Line();
      record.state = AlertTicketState::kNotRouted;
      record.reason = reason;
      record.alert_version = alert.version;
      MB_RETURN_IF_ERROR(put(record));
      return Line(AlertRunLine{alert.id, "not_routed", "", reason});
    }
    return open(alert, record, account_id);
  }

  // Why an 'opening' record's create may still land on the platform, or nullopt once the
  // connector's grace (policies.unconfirmed_write_grace_seconds, as for billing writes) has
  // passed since the record was last written: when the create was sent, or when a run failed
  // to learn its outcome. Waiting runs leave the record as it is, so the grace does end.
  std::optional<std::string> create_may_still_land(const AlertTicket& record) const {
    const int64_t grace_ms = connector_.policies.unconfirmed_write_grace_seconds * 1000;
    const std::optional<int64_t> written = parse_iso8601_utc_ms(record.updated_at);
    if (grace_ms <= 0 || !written) return std::nullopt;
    // The stored time is whole seconds; the write may have come up to a second later.
    const int64_t until = *written + 1000 + grace_ms;
    if (SystemClock::instance().now_ms() >= until) return std::nullopt;
    return "the ticket create sent at " + record.updated_at +
           " has no known outcome and may still land; a run after " + format_iso8601_utc(until) +
           " searches the platform for it before creating (policies."
           "unconfirmed_write_grace_seconds)";
  }

  Result<Line> open(const Alert& alert, AlertTicket& record, const std::string& account_id) {
    meterbridge::OpenTicketRequest request;
    request.reference = meterbridge::ticket_reference(alert.id);
    request.account_id = account_id;
    request.board_id = resolved_.board_id;
    request.status_id = resolved_.status_new_id;
    if (auto p = resolved_.priority_ids.find(alert.severity); p != resolved_.priority_ids.end())
      request.priority_id = p->second;
    request.type_id = resolved_.type_id;
    request.subtype_id = resolved_.subtype_id;
    request.title = alert.title;
    request.description = ticket_description(alert);
    request.search_first = record.state == AlertTicketState::kOpening;
    // The journal: the intent is durable before the create is sent.
    record.state = AlertTicketState::kOpening;
    record.alert_version = alert.version;
    record.reason.clear();
    MB_RETURN_IF_ERROR(put(record));
    auto answer = ask<meterbridge::OpenTicketResult>(session_, Operation::kOpenTicket,
                                                     meterbridge::encode(request));
    if (!answer) return failed(alert, record, answer.status().message());
    const meterbridge::OpenTicketResult& opened = *answer;
    if (opened.ticket_id.empty() || !opened.outcome ||
        (*opened.outcome != meterbridge::TicketOutcome::kCreated &&
         *opened.outcome != meterbridge::TicketOutcome::kFound))
      return failed(alert, record, "open_ticket answered without a ticket id and outcome");
    record.ticket_id = opened.ticket_id;
    record.state = opened.closed ? AlertTicketState::kClosed : AlertTicketState::kOpen;
    MB_RETURN_IF_ERROR(put(record));
    std::string outcome =
        *opened.outcome == meterbridge::TicketOutcome::kCreated ? "opened" : "found";
    if (alert.status == AlertStatus::kResolved && record.state == AlertTicketState::kOpen)
      return close(alert, record);
    return Line(AlertRunLine{alert.id, outcome, record.ticket_id, opened.message});
  }

  Result<Line> note(const Alert& alert, AlertTicket& record) {
    meterbridge::AddTicketNoteRequest request;
    request.ticket_id = record.ticket_id;
    request.reference = meterbridge::ticket_reference(alert.id);
    request.note_key = request.reference + "/v" + std::to_string(alert.version);
    request.text = note_text(alert);
    auto answer = session_.invoke(Operation::kAddTicketNote, meterbridge::encode(request));
    if (!answer) return failed(alert, record, answer.status().message());
    record.alert_version = alert.version;
    record.reason.clear();
    MB_RETURN_IF_ERROR(put(record));
    return Line(AlertRunLine{alert.id, "noted", record.ticket_id, ""});
  }

  Result<Line> close(const Alert& alert, AlertTicket& record) {
    meterbridge::CloseTicketRequest request;
    request.ticket_id = record.ticket_id;
    request.status_id = resolved_.status_closed_id;
    request.note = "The alert " + alert.id + " was resolved at " + alert.time + ".";
    auto answer = ask<meterbridge::TicketChangeResult>(session_, Operation::kCloseTicket,
                                                       meterbridge::encode(request));
    if (!answer) return failed(alert, record, answer.status().message());
    const meterbridge::TicketChangeResult& closed = *answer;
    if (!closed.outcome || (*closed.outcome != meterbridge::TicketOutcome::kClosed &&
                            *closed.outcome != meterbridge::TicketOutcome::kAlreadyClosed))
      return failed(alert, record, "close_ticket answered without closed or already_closed");
    record.state = AlertTicketState::kClosed;
    record.alert_version = alert.version;
    record.reason.clear();
    MB_RETURN_IF_ERROR(put(record));
    return Line(AlertRunLine{alert.id, "closed", record.ticket_id, closed.message});
  }

  // The step failed; the record keeps its state (an 'opening' intent stays open), with the
  // reason, and the next run tries again.
  Result<Line> failed(const Alert& alert, AlertTicket& record, const std::string& message) {
    record.reason = message;
    MB_RETURN_IF_ERROR(put(record));
    return Line(AlertRunLine{alert.id, "failed", record.ticket_id, message});
  }

  Status put(const AlertTicket& record) {
    MB_RETURN_IF_ERROR(store_.put_alert_ticket(record));
    tickets_[record.alert_id] = record;
    return Status::Ok();
  }

  Store& store_;
  PluginSession& session_;
  const ConnectorConfig& connector_;
  const AlertPolicy& policy_;
  ResolvedAlertPolicy resolved_;
  std::map<std::string, Workspace> workspaces_;
  std::map<std::string, AccountMapping> mappings_;
  std::map<std::string, PsaAccount> accounts_;
  std::map<std::string, AlertTicket> tickets_;
};

}  // namespace

namespace {

// The connector's policy routes alerts, or ConfigInvalid saying why not.
Status require_alert_policy(const ConnectorConfig& c) {
  if (!c.alerts)
    return Status::ConfigInvalid("connector '" + c.id + "' has no alerts policy (\"alerts\" in " +
                                 c.pointer + ", docs/alerts.md)");
  if (!c.alerts->enabled)
    return Status::ConfigInvalid("connector '" + c.id + "': " + c.pointer +
                                 "/alerts/enabled is false");
  return Status::Ok();
}

}  // namespace

namespace {

Result<AlertRun> run_alerts_holding_lease(app::App& app, const ConnectorConfig& c, Store& store,
                                          const std::string& trigger) {
  const std::string& connector_id = c.id;
  auto session = app.open_session(connector_id);
  if (!session) return session.status();
  MB_RETURN_IF_ERROR(require_tickets(**session, connector_id));
  auto platform = ask<ListTicketBoardsResult>(**session, Operation::kListTicketBoards, "{}");
  if (!platform) return platform.status();
  std::vector<std::string> problems;
  ResolvedAlertPolicy resolved =
      resolve_alert_policy(*c.alerts, *platform, c.pointer + "/alerts", &problems);
  if (!problems.empty()) {
    std::string message = "the alerts policy does not match the platform (alerts check):";
    for (const auto& p : problems) message += "\n" + p;
    return Status::ConfigInvalid(message);
  }
  AlertRun run;
  run.connector_id = connector_id;
  run.trigger = trigger;
  run.started_at = format_iso8601_utc(SystemClock::instance().now_ms());
  AlertRunner runner(store, **session, c, std::move(resolved));
  MB_RETURN_IF_ERROR(runner.load());
  MB_RETURN_IF_ERROR(runner.run(run));
  run.finished_at = format_iso8601_utc(SystemClock::instance().now_ms());
  auto id = store.record_alert_run(run);
  if (!id) return id.status();
  run.id = *id;
  return run;
}

}  // namespace

Result<AlertRun> sync_alerts(app::App& app, const std::string& connector_id,
                             const std::string& trigger, app::TenantSlotTaker slot) {
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  const ConnectorConfig& c = **connector;
  MB_RETURN_IF_ERROR(require_alert_policy(c));
  auto store = app.store();
  if (!store) return store.status();
  MB_RETURN_IF_ERROR(app.require_connected(connector_id));
  const LeaseOptions lease_options;
  auto lease = ConnectorLease::acquire(**store, connector_id, "alerts", lease_options);
  if (!lease) return lease.status();
  // Given back before the lease (declared after it); renewed by the lease's heartbeat.
  auto tenant_slot = app.take_tenant_slot(connector_id, lease_options.ttl_ms, slot);
  if (!tenant_slot) return tenant_slot.status();
  auto run = run_alerts_holding_lease(app, c, **store, trigger);
  // Notified like a sync: what the run did, or why it could not run.
  app.notify_alerts(c, run ? &*run : nullptr, trigger, run ? "" : run.status().message());
  return run;
}

bool is_alerts_job(const SyncJob& job) { return job.window_key.starts_with(kAlertsJobPrefix); }

Result<std::vector<std::string>> enqueue_alert_runs(app::App& app, int64_t now_ms) {
  auto config = app.config();
  if (!config) return config.status();
  auto store = app.store();
  if (!store) return store.status();
  const int64_t window_end = (now_ms / kAlertsDebounceMs + 1) * kAlertsDebounceMs;
  std::vector<std::string> queued;
  for (const ConnectorConfig& c : (*config)->connectors) {
    if (!c.enabled || !require_alert_policy(c).ok()) continue;
    SyncJob job;
    job.connector_id = c.id;
    job.trigger = "push";
    job.due_at_ms = window_end;
    job.window_key = std::string(kAlertsJobPrefix) + "push:" + format_iso8601_utc(window_end);
    auto added = (*store)->enqueue_job(job);
    if (!added) return added.status();
    if (*added) queued.push_back(c.id);
  }
  return queued;
}

Result<SyncJob> enqueue_alerts_now(app::App& app, const std::string& connector_id,
                                   const std::string& trigger) {
  auto connector = app.connector(connector_id);
  if (!connector) return connector.status();
  MB_RETURN_IF_ERROR(require_alert_policy(**connector));
  return enqueue_job_now(app, connector_id, trigger, kAlertsJobPrefix);
}

bj::object alert_run_to_json(const AlertRun& run) {
  bj::object counts;
  for (const auto& [outcome, n] : run.counts) counts[outcome] = n;
  bj::array lines;
  for (const auto& l : run.lines)
    lines.push_back(bj::object{{"alert_id", l.alert_id},
                               {"outcome", l.outcome},
                               {"ticket_id", l.ticket_id},
                               {"message", l.message}});
  return bj::object{{"run", run.id},
                    {"connector", run.connector_id},
                    {"trigger", run.trigger},
                    {"started_at", run.started_at},
                    {"finished_at", run.finished_at},
                    {"counts", std::move(counts)},
                    {"lines", std::move(lines)}};
}

std::string describe_alert_run(const AlertRun& run) {
  std::ostringstream out;
  out << run.connector_id << ": alerts run " << run.id << " — ";
  if (run.counts.empty()) out << "every alert's ticket is up to date";
  bool first = true;
  for (const auto& [outcome, n] : run.counts) {
    out << (first ? "" : ", ") << n << " " << outcome;
    first = false;
  }
  out << "\n";
  for (const auto& l : run.lines) {
    out << "  " << l.alert_id << "  " << l.outcome;
    if (!l.ticket_id.empty()) out << "  ticket " << l.ticket_id;
    if (!l.message.empty()) out << "  " << l.message;
    out << "\n";
  }
  return out.str();
}

}  // namespace mb::ops
