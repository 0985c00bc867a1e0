#include "host/sync/sync_engine.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <meterbridge/documents_json.hpp>

#include <ctime>
#include <set>
#include <utility>

#include "host/common/json.h"
#include "host/common/redaction.h"
#include "host/sync/mapping.h"
#include "host/sync/planner.h"

namespace mb {
namespace {

constexpr int64_t kAccountCacheMaxAgeMs = 12LL * 3600 * 1000;

bool is_run_level(ErrorClass c) {
  // These say nothing about one line: every further call would fail the same way.
  return c == ErrorClass::kAuthFailed || c == ErrorClass::kConfigInvalid || c == ErrorClass::kRateLimited ||
         c == ErrorClass::kUnsupported;
}

void fail_line(SyncLine& line, ErrorClass cls, const std::string& message) {
  line.outcome = outcome::kFailed;
  line.error_class = std::string(error_class_name(cls));
  line.message = redact(message);
}

boost::json::value parse_or_empty(const std::string& text) {
  auto v = json::parse(text.empty() ? "{}" : text);
  return v ? *v : boost::json::value(boost::json::object());
}

// A plugin's result document read with the SDK's codec; what the host's strict parser refuses
// reads as an empty document, whose lines then fail one by one.
template <typename Document>
Document decode_result(const std::string& text) {
  Document d;
  auto v = parse_or_empty(text);
  if (v.is_object()) meterbridge::codec::decode_into(v.get_object(), d);
  return d;
}

std::string counts_json(const std::map<std::string, int64_t>& counts) {
  boost::json::object o;
  for (const auto& [k, v] : counts) o[k] = v;
  return boost::json::serialize(o);
}

int64_t parse_iso_ms(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

SyncSettings SyncSettings::from(const Config& config) {
  SyncSettings settings;
  settings.ended_workspaces = config.ended_workspaces;
  return settings;
}

SyncEngine::SyncEngine(Store& store, SyncSettings settings, const Clock& clock)
    : store_(store), settings_(std::move(settings)), clock_(clock) {}

std::string SyncEngine::effective_date(const Policies& policies) const {
  std::time_t secs = static_cast<std::time_t>(clock_.now_ms() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  if (policies.effective_date == "first_of_month") {
    tm.tm_mday = 1;
  } else if (policies.effective_date == "first_of_next_month") {
    tm.tm_mday = 1;
    if (++tm.tm_mon == 12) {
      tm.tm_mon = 0;
      ++tm.tm_year;
    }
  }
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

Result<size_t> SyncEngine::close_interrupted(const std::string& connector_id, const std::string& own_owner_id) {
  auto runs = store_.unfinished_runs(connector_id);
  if (!runs) return runs.status();
  if (!own_owner_id.empty())
    std::erase_if(*runs, [&](const SyncRun& r) { return r.owner_id == own_owner_id; });
  for (SyncRun run : *runs) {
    auto lines = store_.list_lines(run.id);
    if (!lines) return lines.status();
    std::vector<SyncLine> changed;
    for (auto line : *lines) {
      if (line.outcome != outcome::kPending) continue;
      line.outcome = outcome::kInterrupted;
      line.message = "the run stopped before this line completed; the next run re-reads the platform";
      changed.push_back(std::move(line));
    }
    MB_RETURN_IF_ERROR(store_.update_lines(run.id, changed));
    auto all = store_.list_lines(run.id);
    if (!all) return all.status();
    run.state = "interrupted";
    run.finished_at = format_iso8601_utc(clock_.now_ms());
    run.message = "interrupted (" + std::to_string(changed.size()) +
                  " lines unfinished); the next run re-reads the platform for them";
    run.counts_json = counts_json(count_outcomes(*all));
    MB_RETURN_IF_ERROR(store_.update_run(run));
    spdlog::warn("connector {}: run {} was interrupted; closed it, the next run re-reads the platform", connector_id,
                 run.id);
  }
  return runs->size();
}

Status SyncEngine::provision(const ConnectorConfig& connector, PluginSession& session,
                             std::vector<std::string>& notes) {
  const LoadedPlugin& plugin = session.plugin();
  auto snapshot = store_.latest_snapshot();
  if (!snapshot) return snapshot.status();
  if (plugin.offers(Operation::kProvisionAccounts) && *snapshot) {
    auto workspaces = store_.list_workspaces();
    if (!workspaces) return workspaces.status();
    std::erase_if(*workspaces, [&](const Workspace& w) { return !visible_to(w, connector.partner_id); });
    auto mappings = store_.list_account_mappings(connector.id);
    if (!mappings) return mappings.status();
    std::map<std::string, const AccountMapping*> mapped;
    for (const auto& m : *mappings) mapped[m.workspace_id] = &m;
    std::set<std::string> present;
    for (const auto& c : (*snapshot)->counts) present.insert(c.workspace_id);
    meterbridge::ProvisionAccountsRequest request;
    for (const auto& w : *workspaces) {
      auto it = mapped.find(w.id);
      if (it != mapped.end() && it->second->excluded) continue;
      if (present.count(w.id) == 0 && it == mapped.end()) continue;
      request.accounts.push_back(meterbridge::AccountToProvision{w.id, w.name});
    }
    auto result = session.invoke(Operation::kProvisionAccounts, meterbridge::encode(request));
    if (!result) return Status(result.status().code(), "provision_accounts: " + result.status().message());
    std::map<std::string, int> by_outcome;
    std::vector<AccountMapping> created;
    std::map<std::string, std::string> names;
    for (const auto& w : *workspaces) names[w.id] = w.name;
    for (const auto& item : decode_result<meterbridge::ProvisionAccountsResult>(*result).items) {
      const std::string& id = item.id;
      std::string result_outcome = item.outcome ? meterbridge::wire_name(*item.outcome)
                                                : (item.unknown_outcome.empty() ? "unchanged" : item.unknown_outcome);
      ++by_outcome[result_outcome];
      if (item.outcome == meterbridge::ProvisionOutcome::kFailed) {
        notes.push_back("account for workspace '" + id + "' not provisioned: " + redact(item.message));
        continue;
      }
      if (id.empty() || mapped.count(id) > 0 || names.count(id) == 0) continue;
      AccountMapping m;
      m.workspace_id = id;
      m.account_id = item.account_id.value_or(id);
      m.account_name = names[id];
      m.source = "provisioned";
      created.push_back(std::move(m));
    }
    MB_RETURN_IF_ERROR(store_.put_account_mappings(connector.id, created));
    std::string summary;
    for (const auto& [k, v] : by_outcome) summary += (summary.empty() ? "" : ", ") + std::to_string(v) + " " + k;
    notes.push_back("accounts provisioned on the platform: " + (summary.empty() ? "none" : summary));
  }
  if (plugin.offers(Operation::kProvisionServices) && *snapshot) {
    auto services = store_.list_services();
    if (!services) return services.status();
    auto known = store_.list_provisioned_services(connector.id);
    if (!known) return known.status();
    meterbridge::ProvisionServicesRequest request;
    for (const auto& s : *services) {
      auto it = known->find(s.id);
      request.services.push_back(meterbridge::ServiceToProvision{
          s.id, s.name, it == known->end() ? std::nullopt : std::optional<std::string>(it->second)});
    }
    auto result = session.invoke(Operation::kProvisionServices, meterbridge::encode(request));
    if (!result) return Status(result.status().code(), "provision_services: " + result.status().message());
    auto mappings = store_.list_service_mappings(connector.id);
    if (!mappings) return mappings.status();
    std::set<std::string> mapped;
    for (const auto& m : *mappings) mapped.insert(m.service_id);
    std::map<std::string, int> by_outcome;
    for (const auto& item : decode_result<meterbridge::ProvisionServicesResult>(*result).items) {
      const std::string& id = item.id;
      const std::string& platform_id = item.platform_id;
      ++by_outcome[item.outcome ? meterbridge::wire_name(*item.outcome)
                   : !item.unknown_outcome.empty() ? item.unknown_outcome
                   : platform_id.empty()           ? "failed"
                                                   : "unchanged"];
      if (id.empty() || platform_id.empty()) {
        notes.push_back("service '" + id + "' not provisioned: " +
                        redact(item.message.empty() ? "no platform id returned" : item.message));
        continue;
      }
      MB_RETURN_IF_ERROR(store_.set_provisioned_service(connector.id, id, platform_id));
      if (mapped.count(id) == 0) {
        std::string metric = item.metric.value_or(MB_METRIC_USERS);
        MB_RETURN_IF_ERROR(store_.put_service_mapping(connector.id, {id, platform_id, metric}));
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

Result<std::vector<SyncLine>> SyncEngine::plan(const ConnectorConfig& connector, PluginSession& session,
                                               std::vector<std::string>& notes) {
  const LoadedPlugin& plugin = session.plugin();
  bool vendor_provisioned = plugin.offers(Operation::kProvisionAccounts);
  PlanInput in;
  auto accounts = store_.list_psa_accounts(connector.id);
  if (!accounts) return accounts.status();
  if (!vendor_provisioned) {
    // Refresh the account cache at most every few hours so drift (missing, inactive, renamed
    // accounts) shows in the next report without listing the whole platform on every run.
    int64_t oldest = INT64_MAX;
    for (const auto& a : *accounts)
      if (!a.missing_since) oldest = std::min(oldest, parse_iso_ms(a.fetched_at));
    if (accounts->empty() || clock_.now_ms() - oldest > kAccountCacheMaxAgeMs) {
      auto refreshed = refresh_accounts(store_, connector.id, session);
      if (!refreshed) {
        if (is_run_level(refreshed.status().code())) return refreshed.status();
        notes.push_back("could not refresh the platform's accounts: " + redact(refreshed.status().message()));
      }
      accounts = store_.list_psa_accounts(connector.id);
      if (!accounts) return accounts.status();
    }
  }
  auto workspaces = store_.list_workspaces();
  if (!workspaces) return workspaces.status();
  auto snapshot = store_.latest_snapshot();
  if (!snapshot) return snapshot.status();
  auto account_mappings = store_.list_account_mappings(connector.id);
  if (!account_mappings) return account_mappings.status();
  auto service_mappings = store_.list_service_mappings(connector.id);
  if (!service_mappings) return service_mappings.status();

  // A connector serving one partner sees only that partner's workspaces and their usage.
  if (!connector.partner_id.empty()) {
    std::set<std::string> visible;
    for (const auto& w : *workspaces)
      if (visible_to(w, connector.partner_id)) visible.insert(w.id);
    std::erase_if(*workspaces, [&](const Workspace& w) { return visible.count(w.id) == 0; });
    if (*snapshot)
      std::erase_if((*snapshot)->counts, [&](const UsageCount& c) { return visible.count(c.workspace_id) == 0; });
  }
  in.workspaces = std::move(*workspaces);
  in.snapshot = std::move(*snapshot);
  in.account_mappings = std::move(*account_mappings);
  in.service_mappings = std::move(*service_mappings);
  in.psa_accounts = std::move(*accounts);
  in.ended_workspaces = settings_.ended_workspaces;
  in.link_based = plugin.offers(Operation::kLinkAccounts);

  if (!in.snapshot) notes.push_back("no usage imported yet: nothing to plan");
  if (in.service_mappings.empty()) notes.push_back("no services are mapped on this connector: nothing to plan");
  if (in.snapshot) {
    std::set<std::string> mapped_services;
    for (const auto& m : in.service_mappings) mapped_services.insert(m.service_id);
    std::map<std::string, int> unmapped_usage;
    for (const auto& c : in.snapshot->counts)
      if (mapped_services.count(c.service_id) == 0 && (c.users > 0 || c.devices > 0)) ++unmapped_usage[c.service_id];
    for (const auto& [service, n] : unmapped_usage)
      notes.push_back("service '" + service + "' is not mapped: " + std::to_string(n) +
                      " workspaces have usage of it");
  }
  for (const auto& m : in.account_mappings)
    if (m.drift == "account_renamed")
      notes.push_back("workspace '" + m.workspace_id + "': PSA account '" + m.account_id.value_or("") +
                      "' was renamed since it was mapped (was '" + m.account_name + "'); still billed, please confirm");
  return plan_lines(in);
}

namespace {

Status check_connected(Store& store, const std::string& connector_id) {
  auto record = store.get_connector(connector_id);
  if (!record) return record.status();
  if (*record && (*record)->status == "disconnected")
    return Status::Conflict("connector '" + connector_id +
                            "' is disconnected: reconnect it (meterbridge connectors connect) and map again; nothing was written");
  return Status::Ok();
}

bool cancelled(const SyncOptions& options) { return options.cancelled != nullptr && options.cancelled->load(); }

Status confirm_owner(const SyncOptions& options) {
  return options.confirm_owner ? options.confirm_owner() : Status::Ok();
}

// Marks every still-pending line (from index `from`) failed because the run cannot go on.
void fail_remaining(std::vector<SyncLine*>& lines, size_t from, const Status& why, const std::string& prefix) {
  for (size_t i = from; i < lines.size(); ++i)
    if (lines[i]->outcome == outcome::kPending) fail_line(*lines[i], why.code(), prefix + why.message());
}

SyncRun new_run(const ConnectorConfig& connector, const std::string& trigger, bool dry_run,
                const SyncOptions& options, const std::string& effective, int64_t now_ms) {
  SyncRun run;
  run.connector_id = connector.id;
  run.trigger = trigger;
  run.dry_run = dry_run || connector.policies.dry_run;
  run.owner_id = options.owner_id;
  run.effective_date = effective;
  run.started_at = format_iso8601_utc(now_ms);
  return run;
}

// Lines are numbered in plan order: how users name them (`runs approve RUN --line N`).
void number_lines(std::vector<SyncLine>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) lines[i].number = static_cast<int64_t>(i) + 1;
}

std::string join_numbers(const std::vector<int64_t>& numbers) {
  std::string out;
  for (int64_t n : numbers) out += (out.empty() ? "" : ", ") + std::to_string(n);
  return out;
}

}  // namespace

Result<SyncReport> SyncEngine::record_failed_attempt(SyncRun run, const Status& why, std::vector<std::string> notes) {
  // Record the failed attempt: a billing admin reads history, not logs.
  run.state = "failed";
  run.finished_at = format_iso8601_utc(clock_.now_ms());
  run.message = redact(why.to_string());
  auto id = store_.create_run(run, {});
  if (!id) return id.status();
  run.id = *id;
  MB_RETURN_IF_ERROR(store_.update_run(run));
  SyncReport report;
  report.run = run;
  report.notes = std::move(notes);
  return report;
}

Result<SyncReport> SyncEngine::sync(const ConnectorConfig& connector, PluginSession& session,
                                    const SyncOptions& options) {
  auto closed = close_interrupted(connector.id, options.owner_id);
  if (!closed) return closed.status();
  MB_RETURN_IF_ERROR(check_connected(store_, connector.id));
  std::vector<std::string> notes;
  SyncRun run = new_run(connector, options.trigger, options.dry_run, options, effective_date(connector.policies),
                        clock_.now_ms());
  Status prepared = run.dry_run ? Status::Ok() : provision(connector, session, notes);
  Result<std::vector<SyncLine>> lines = prepared.ok() ? plan(connector, session, notes) : Result<std::vector<SyncLine>>(prepared);
  if (!lines) return record_failed_attempt(run, lines.status(), std::move(notes));
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;
  // A plugin may declare that its platform wants every value again on some runs (e.g. each
  // scheduled daily run), so a value dropped on the platform's side comes back.
  const PluginManifest& manifest = session.plugin().manifest();
  if (!effective.force_full_push && manifest.resends_unchanged_on(options.trigger)) {
    effective.force_full_push = true;
    notes.push_back(
        "unchanged lines are sent again: the plugin resends every value on " +
        std::string(manifest.resend_unchanged == ResendUnchanged::kAlways ? "every run"
                                                                          : "scheduled runs") +
        " (resend_unchanged: " + std::string(resend_unchanged_name(manifest.resend_unchanged)) +
        ")");
  }
  return execute(connector, session, run, std::move(*lines), connector.policies, effective, std::move(notes));
}

namespace {

// The held, undecided lines of a run that `line_numbers` names (all when empty). Names that
// are not held lines, or already decided, are errors that say which.
Result<std::vector<SyncLine>> select_held(const std::vector<SyncLine>& lines, const SyncRun& run,
                                          const std::vector<int64_t>& line_numbers, const char* verb) {
  std::map<int64_t, const SyncLine*> by_number;
  for (const auto& l : lines) by_number[l.number] = &l;
  std::vector<SyncLine> chosen;
  std::vector<int64_t> unknown, not_held, decided;
  if (line_numbers.empty()) {
    std::map<std::string, int64_t> decisions;
    for (const auto& l : lines) {
      if (l.action != action::kHold) continue;
      if (l.decision.empty()) chosen.push_back(l);
      else ++decisions[l.decision];
    }
    if (chosen.empty()) {
      std::string already;
      for (const auto& [d, n] : decisions) already += (already.empty() ? "" : ", ") + std::to_string(n) + " " + d;
      return Status::Conflict("run " + std::to_string(run.id) + " has nothing awaiting approval" +
                              (already.empty() ? " (it held no lines)" : ": its held lines are already decided (" +
                                                                             already + ")"));
    }
    return chosen;
  }
  std::set<int64_t> seen;
  for (int64_t n : line_numbers) {
    if (!seen.insert(n).second) continue;
    auto it = by_number.find(n);
    if (it == by_number.end()) unknown.push_back(n);
    else if (it->second->action != action::kHold) not_held.push_back(n);
    else if (!it->second->decision.empty()) decided.push_back(n);
    else chosen.push_back(*it->second);
  }
  std::string problems;
  if (!unknown.empty()) problems += "\n  no line " + join_numbers(unknown) + " in run " + std::to_string(run.id);
  if (!not_held.empty()) problems += "\n  line " + join_numbers(not_held) + " was not held for approval";
  if (!decided.empty()) problems += "\n  line " + join_numbers(decided) + " is already decided";
  if (!problems.empty())
    return Status::ConfigInvalid(std::string("cannot ") + verb + " run " + std::to_string(run.id) +
                                 ", nothing was changed:" + problems);
  return chosen;
}

Result<SyncRun> load_run_of(Store& store, const std::string& connector_id, int64_t run_id) {
  auto original = store.get_run(run_id);
  if (!original) return original.status();
  if (!*original || (*original)->connector_id != connector_id)
    return Status::NotFound("no run " + std::to_string(run_id) + " for connector '" + connector_id + "'");
  return **original;
}

// Why an approved line no longer stands, or "" when it does: `planned` is today's plan of its
// key (null when today's plan has no such line).
std::string staleness(const SyncLine& held, const SyncLine* planned) {
  if (planned == nullptr)
    return "today's plan has no such line (the workspace or service was unmapped, excluded, or left the usage)";
  if (planned->account_id != held.account_id)
    return "the workspace is now mapped to PSA account '" + planned->account_id + "' (was '" + held.account_id + "')";
  if (planned->psa_service_id != held.psa_service_id)
    return "the service is now mapped to PSA service '" + planned->psa_service_id + "' (was '" +
           held.psa_service_id + "')";
  if (!planned->target || planned->outcome != outcome::kPending)
    return "today's plan says " + planned->outcome + (planned->message.empty() ? "" : ": " + planned->message);
  if (planned->target != held.target)
    return "usage changed: the target is now " + std::to_string(*planned->target) + " (was " +
           std::to_string(held.target.value_or(0)) + " when held)";
  return "";
}

void mark_stale(SyncLine& line, const std::string& why) {
  line.action = action::kSkip;
  line.outcome = outcome::kStale;
  line.message = "not applied: " + why + "; sync again to review today's numbers";
}

}  // namespace

Result<SyncReport> SyncEngine::approve(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                                       const std::vector<int64_t>& line_numbers, const SyncOptions& options) {
  auto original = load_run_of(store_, connector.id, run_id);
  if (!original) return original.status();
  if (original->dry_run)
    return Status::Conflict("run " + std::to_string(run_id) +
                            " was a dry run: its held lines show what a sync would hold; sync for real, then "
                            "approve that run");
  if (original->state == "planned" || original->state == "applying")
    return Status::Conflict("run " + std::to_string(run_id) + " has not finished");
  auto lines = store_.list_lines(run_id);
  if (!lines) return lines.status();
  auto chosen = select_held(*lines, *original, line_numbers, "approve");
  if (!chosen) return chosen.status();
  auto closed = close_interrupted(connector.id, options.owner_id);
  if (!closed) return closed.status();
  MB_RETURN_IF_ERROR(check_connected(store_, connector.id));

  // A line a later run planned again is that run's to decide.
  auto pending = store_.pending_approvals(connector.id);
  if (!pending) return pending.status();
  std::set<std::string> still_pending;
  for (const auto& p : *pending)
    if (p.run_id == run_id) still_pending.insert(p.line.key);

  std::vector<std::string> notes{"approving " + std::to_string(chosen->size()) + " held line(s) of run " +
                                 std::to_string(run_id) + " against today's numbers"};
  auto planned = plan(connector, session, notes);
  if (!planned) return planned.status();
  std::map<std::string, const SyncLine*> today;
  for (const auto& l : *planned) today[l.key] = &l;

  SyncRun run = new_run(connector, "approve", options.dry_run, options, effective_date(connector.policies),
                        clock_.now_ms());
  run.parent_run_id = run_id;
  std::vector<SyncLine> approval_lines;
  std::map<std::string, SyncLine> held;
  for (const auto& h : *chosen) {
    held[h.key] = h;
    auto it = today.find(h.key);
    SyncLine line = it == today.end() ? h : *it->second;
    line.number = 0;
    line.decision.clear();
    line.current.reset();
    line.delta.reset();
    std::string why = still_pending.count(h.key) == 0
                          ? "a later run planned this line again; decide it there (runs pending)"
                          : staleness(h, it == today.end() ? nullptr : it->second);
    if (!why.empty()) {
      line = h;
      line.number = 0;
      line.decision.clear();
      mark_stale(line, why);
    }
    approval_lines.push_back(std::move(line));
  }
  return execute_approval(connector, session, run, run_id, std::move(approval_lines), held, options, std::move(notes));
}

Result<SyncReport> SyncEngine::execute_approval(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                                int64_t held_run_id, std::vector<SyncLine> lines,
                                                const std::map<std::string, SyncLine>& held,
                                                const SyncOptions& options, std::vector<std::string> notes) {
  MB_RETURN_IF_ERROR(confirm_owner(options));
  run.state = "planned";
  number_lines(lines);
  auto id = store_.create_run(run, lines);
  if (!id) return id.status();
  run.id = *id;
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;

  std::map<std::string, CurrentValue> current;
  Status run_error = read_current(session, run, lines, effective, current);
  if (run_error.ok()) run_error = settle_journal(run, connector.policies, lines, current);
  // The approval was given for the value the platform showed then; another value is another
  // decision.
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending) continue;
    auto it = current.find(line.key);
    if (it == current.end()) continue;
    const SyncLine& h = held.at(line.key);
    if (it->second.reason.empty() && it->second.quantity != h.current)
      mark_stale(line, "the platform's value is now " +
                           (it->second.quantity ? std::to_string(*it->second.quantity) : std::string("empty")) +
                           " (was " + (h.current ? std::to_string(*h.current) : std::string("empty")) +
                           " when held)");
  }
  apply_diff(lines, current, approved_policies(connector.policies), run.dry_run);
  MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));

  // Each held line is decided once, before anything is written: a crash from here on leaves
  // it approved, never approvable a second time.
  if (!run.dry_run && run_error.ok()) {
    std::vector<SyncLine> decided;
    for (const auto& line : lines) {
      SyncLine d = held.at(line.key);
      if (line.outcome == outcome::kStale) {
        d.decision = decision::kStale;
        d.decision_note = line.message;
      } else if (line.outcome == outcome::kPending || line.outcome == outcome::kUnchanged ||
                 line.action == action::kUpdate) {
        d.decision = decision::kApproved;
        d.decision_note = "approved in run " + std::to_string(run.id);
      } else {
        continue;  // failed to read, waiting for a write: still awaiting a decision
      }
      d.decision_run_id = run.id;
      decided.push_back(std::move(d));
    }
    MB_RETURN_IF_ERROR(store_.decide_lines(held_run_id, decided));
  }
  return apply_and_finish(connector, session, std::move(run), std::move(lines), effective, run_error,
                          std::move(notes));
}

Result<std::vector<SyncLine>> SyncEngine::dismiss(const std::string& connector_id, int64_t run_id,
                                                  const std::vector<int64_t>& line_numbers, const std::string& note) {
  auto original = load_run_of(store_, connector_id, run_id);
  if (!original) return original.status();
  auto lines = store_.list_lines(run_id);
  if (!lines) return lines.status();
  auto chosen = select_held(*lines, *original, line_numbers, "dismiss");
  if (!chosen) return chosen.status();
  for (auto& l : *chosen) {
    l.decision = decision::kDismissed;
    l.decision_note = note;
  }
  MB_RETURN_IF_ERROR(store_.decide_lines(run_id, *chosen));
  return chosen;
}

Result<SyncReport> SyncEngine::retry(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                                     const SyncOptions& options) {
  auto original = load_run_of(store_, connector.id, run_id);
  if (!original) return original.status();
  auto lines = store_.list_lines(run_id);
  if (!lines) return lines.status();
  std::set<std::string> failed;
  for (const auto& l : *lines)
    if (l.outcome == outcome::kFailed || l.outcome == outcome::kInterrupted ||
        l.outcome == outcome::kPendingConfirmation)
      failed.insert(l.key);
  if (failed.empty()) return Status::NotFound("run " + std::to_string(run_id) + " has no failed lines");
  auto closed = close_interrupted(connector.id, options.owner_id);
  if (!closed) return closed.status();
  MB_RETURN_IF_ERROR(check_connected(store_, connector.id));
  std::vector<std::string> notes{"retrying " + std::to_string(failed.size()) + " failed lines of run " +
                                 std::to_string(run_id) + " with the latest usage"};
  SyncRun run = new_run(connector, "retry", options.dry_run, options, effective_date(connector.policies),
                        clock_.now_ms());
  run.parent_run_id = run_id;
  auto planned = plan(connector, session, notes);
  if (!planned) return record_failed_attempt(run, planned.status(), std::move(notes));
  std::vector<SyncLine> chosen;
  for (auto& l : *planned)
    if (failed.count(l.key) > 0) chosen.push_back(std::move(l));
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;
  return execute(connector, session, run, std::move(chosen), connector.policies, effective, std::move(notes));
}

Result<SyncReport> SyncEngine::execute(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                       std::vector<SyncLine> lines, const Policies& policies,
                                       const SyncOptions& options, std::vector<std::string> notes) {
  MB_RETURN_IF_ERROR(confirm_owner(options));
  run.state = "planned";
  number_lines(lines);
  auto id = store_.create_run(run, lines);  // the plan is durable before any write
  if (!id) return id.status();
  run.id = *id;

  std::map<std::string, CurrentValue> current;
  Status run_error = read_current(session, run, lines, options, current);
  if (run_error.ok()) run_error = settle_journal(run, policies, lines, current);
  apply_diff(lines, current, policies, options.dry_run);
  if (options.force_full_push) {
    for (auto& line : lines) {
      if (line.outcome != outcome::kUnchanged) continue;
      line.action = action::kUpdate;
      line.outcome = options.dry_run ? outcome::kWouldUpdate : outcome::kPending;
    }
  }
  MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));
  return apply_and_finish(connector, session, std::move(run), std::move(lines), options, run_error, std::move(notes));
}

Result<SyncReport> SyncEngine::apply_and_finish(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                                std::vector<SyncLine> lines, const SyncOptions& options,
                                                Status run_error, std::vector<std::string> notes) {
  if (run_error.ok() && !options.dry_run) {
    run.state = "applying";
    MB_RETURN_IF_ERROR(store_.update_run(run));
    run_error = apply_changes(connector, session, run, lines, options);
  }
  finish(run, lines, run_error);
  MB_RETURN_IF_ERROR(store_.update_run(run));
  SyncReport report;
  report.run = run;
  report.counts = count_outcomes(lines);
  report.lines = std::move(lines);
  report.notes = std::move(notes);
  return report;
}

Status SyncEngine::read_current(PluginSession& session, const SyncRun& run, std::vector<SyncLine>& lines,
                                const SyncOptions& options, std::map<std::string, CurrentValue>& current) {
  std::vector<SyncLine*> pending;
  for (auto& l : lines)
    if (l.outcome == outcome::kPending && l.target) pending.push_back(&l);
  if (pending.empty()) return Status::Ok();
  auto pushed = store_.list_pushed(run.connector_id);
  if (!pushed) return pushed.status();
  size_t batch = std::max<size_t>(1, options.read_batch_size);
  for (size_t start = 0; start < pending.size(); start += batch) {
    if (cancelled(options)) {
      Status stop = Status::Retry("cancelled before the platform was read");
      fail_remaining(pending, start, stop, "");
      return stop;
    }
    size_t end = std::min(pending.size(), start + batch);
    meterbridge::ReadRequest input;
    input.effective_date = run.effective_date;
    for (size_t i = start; i < end; ++i) {
      const SyncLine& l = *pending[i];
      auto it = pushed->find({l.account_id, l.psa_service_id});
      input.lines.push_back(meterbridge::ReadLine{
          l.key, l.account_id, l.psa_service_id, l.metric,
          it == pushed->end() ? std::nullopt : std::optional<int64_t>(it->second)});
    }
    auto result =
        session.invoke(Operation::kReadQuantities, meterbridge::encode(input), options.cancelled);
    if (!result) {
      for (size_t i = start; i < end; ++i)
        fail_line(*pending[i], result.status().code(), "reading the platform failed: " + result.status().message());
      if (is_run_level(result.status().code())) {
        fail_remaining(pending, end, result.status(), "not read: ");
        return result.status();
      }
      continue;
    }
    std::set<std::string> answered;
    for (auto& item : decode_result<meterbridge::ReadResult>(*result).lines) {
      CurrentValue cv;
      cv.quantity = item.quantity;
      cv.reason = item.reason ? meterbridge::wire_name(*item.reason) : item.unknown_reason;
      cv.message = redact(item.message);
      cv.line_ref_json = std::move(item.line_ref);
      answered.insert(item.key);
      current[item.key] = std::move(cv);
    }
    for (size_t i = start; i < end; ++i)
      if (answered.count(pending[i]->key) == 0)
        fail_line(*pending[i], ErrorClass::kFatal, "the plugin returned no current value for this line");
    if (options.progress) options.progress(end, pending.size());
  }
  return Status::Ok();
}

Status SyncEngine::settle_journal(const SyncRun& run, const Policies& policies, std::vector<SyncLine>& lines,
                                  const std::map<std::string, CurrentValue>& current) {
  auto open = store_.open_write_intents(run.connector_id);
  if (!open) return open.status();
  if (open->empty()) return Status::Ok();
  // Intents are about the platform's object, so they are matched by PSA account and service,
  // whichever workspace is mapped there today.
  std::map<std::pair<std::string, std::string>, std::vector<const WriteIntent*>> by_pair;
  for (const auto& i : *open) by_pair[{i.account_id, i.psa_service_id}].push_back(&i);
  const int64_t now_ms = clock_.now_ms();
  const int64_t grace_ms = policies.unconfirmed_write_grace_seconds * 1000;
  std::vector<WriteIntent> settled;
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending || !line.target) continue;
    auto pit = by_pair.find({line.account_id, line.psa_service_id});
    if (pit == by_pair.end()) continue;
    auto cit = current.find(line.key);
    if (cit == current.end() || !cit->second.reason.empty() || !cit->second.quantity) continue;
    const int64_t now_value = *cit->second.quantity;
    const WriteIntent* youngest_unconfirmed = nullptr;
    std::string expired_note;
    for (const WriteIntent* intent : pit->second) {
      WriteIntent done = *intent;
      done.resolved_run_id = run.id;
      if (now_value == intent->target) {
        done.state = "applied";
        done.resolution = "confirmed by run " + std::to_string(run.id) + ": the platform shows the target " +
                          std::to_string(intent->target);
      } else if (now_ms - intent->created_at_ms < grace_ms) {
        youngest_unconfirmed = intent;
        continue;
      } else {
        done.state = "expired";
        done.resolution = "not confirmed within " + std::to_string(policies.unconfirmed_write_grace_seconds) +
                          " s: the platform shows " + std::to_string(now_value) + "; run " + std::to_string(run.id) +
                          " writes from that value";
        expired_note = "an earlier write (run " + std::to_string(intent->run_id) + " at " + intent->created_at +
                       ", " + (intent->units_before ? std::to_string(*intent->units_before) : std::string("?")) +
                       " -> " + std::to_string(intent->target) + ") was not confirmed within " +
                       std::to_string(policies.unconfirmed_write_grace_seconds) + " s; written again from " +
                       std::to_string(now_value);
      }
      settled.push_back(std::move(done));
    }
    if (youngest_unconfirmed != nullptr) {
      const WriteIntent& i = *youngest_unconfirmed;
      line.action = action::kWait;
      line.outcome = outcome::kPendingConfirmation;
      line.current = now_value;
      line.message = "a write sent by run " + std::to_string(i.run_id) + " at " + i.created_at + " (" +
                     (i.units_before ? std::to_string(*i.units_before) : std::string("?")) + " -> " +
                     std::to_string(i.target) + ") is not confirmed yet and may still land; not sent again before " +
                     format_iso8601_utc(i.created_at_ms + grace_ms) + " (runs retry " + std::to_string(run.id) +
                     " after that)";
    } else if (!expired_note.empty()) {
      line.message = expired_note;
    }
  }
  // A dry run only looks: it leaves the journal to the run that writes.
  if (run.dry_run || settled.empty()) return Status::Ok();
  return store_.resolve_write_intents(settled);
}

namespace {

// Collects a batch's journaled intents: the plugin's callback_journal_intents, made durable in
// the store before the plugin may send the writes they describe.
class BatchJournal {
 public:
  BatchJournal(Store& store, const SyncRun& run, const std::vector<SyncLine*>& batch) : store_(store), run_(run) {
    for (SyncLine* l : batch) lines_[l->key] = l;
  }

  Status record(std::string_view intents_json) {
    auto doc = json::parse(intents_json);
    if (!doc || !doc->is_array()) return Status::ConfigInvalid("journal: intents must be a JSON array");
    std::vector<WriteIntent> intents;
    for (const auto& item : doc->get_array()) {
      std::string key = json::get_string(item, "key").value_or("");
      auto it = lines_.find(key);
      if (it == lines_.end()) return Status::ConfigInvalid("journal: intent for a key not in this call: '" + key + "'");
      auto target = json::get_int(item, "target");
      if (!target) return Status::ConfigInvalid("journal: intent for '" + key + "' has no integer target");
      WriteIntent intent;
      intent.connector_id = run_.connector_id;
      intent.run_id = run_.id;
      intent.line_key = key;
      intent.account_id = it->second->account_id;
      intent.psa_service_id = it->second->psa_service_id;
      intent.units_before = json::get_int(item, "units_before");
      intent.target = *target;
      intent.effective_date = run_.effective_date;
      if (const auto* ref = json::get(item, "ref"); ref != nullptr && ref->is_object())
        intent.ref_json = redact(json::serialize(*ref));
      intents.push_back(std::move(intent));
    }
    auto ids = store_.record_write_intents(intents);
    if (!ids) return ids.status();
    for (size_t i = 0; i < intents.size(); ++i) {
      intents[i].id = (*ids)[i];
      by_key_[intents[i].line_key].push_back(std::move(intents[i]));
    }
    return Status::Ok();
  }

  // After the plugin answered: a line with a known outcome settles its intents; one in doubt
  // leaves them open for a later run to settle by reading.
  Status settle(const std::map<std::string, bool>& in_doubt) {
    std::vector<WriteIntent> settled;
    for (auto& [key, intents] : by_key_) {
      auto doubt = in_doubt.find(key);
      if (doubt == in_doubt.end() || doubt->second) continue;
      const SyncLine& line = *lines_.at(key);
      bool applied = line.outcome == outcome::kUpdated || line.outcome == outcome::kUnchanged;
      for (auto& intent : intents) {
        intent.state = applied ? "applied" : "not_applied";
        intent.resolution = "run " + std::to_string(run_.id) + ": " + line.outcome;
        intent.resolved_run_id = run_.id;
        settled.push_back(intent);
      }
    }
    if (settled.empty()) return Status::Ok();
    return store_.resolve_write_intents(settled);
  }

 private:
  Store& store_;
  const SyncRun& run_;
  std::map<std::string, SyncLine*> lines_;
  std::map<std::string, std::vector<WriteIntent>> by_key_;
};

}  // namespace

Status SyncEngine::apply_changes(const ConnectorConfig& connector, PluginSession& session, SyncRun& run,
                                 std::vector<SyncLine>& lines, const SyncOptions& options) {
  std::vector<SyncLine*> changes;
  for (auto& l : lines)
    if (l.action == action::kUpdate && l.outcome == outcome::kPending) changes.push_back(&l);
  size_t batch = std::max<size_t>(1, options.apply_batch_size);
  size_t batches = (changes.size() + batch - 1) / batch;
  for (size_t b = 0; b < batches; ++b) {
    size_t start = b * batch, end = std::min(changes.size(), start + batch);
    Status stop = cancelled(options) ? Status::Retry("cancelled before these lines were written") : confirm_owner(options);
    if (!stop.ok()) {
      fail_remaining(changes, start, stop, "not written: ");
      MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));
      return stop;
    }
    meterbridge::ApplyRequest input;
    for (size_t i = start; i < end; ++i) {
      const SyncLine& l = *changes[i];
      input.lines.push_back(meterbridge::ApplyLine{l.key, l.account_id, l.psa_service_id, *l.target,
                                                   l.current, l.metric, l.line_ref_json});
    }
    // Deterministic per (run, batch): a plugin or platform that retries sees the same key.
    input.idempotency_key =
        connector.id + ":run-" + std::to_string(run.id) + ":batch-" + std::to_string(b + 1);
    input.effective_date = run.effective_date;
    input.final = b + 1 == batches;
    std::vector<SyncLine*> in_batch(changes.begin() + static_cast<std::ptrdiff_t>(start),
                                    changes.begin() + static_cast<std::ptrdiff_t>(end));
    BatchJournal journal(store_, run, in_batch);
    InvokeHooks hooks;
    hooks.cancelled = options.cancelled;
    hooks.journal_intents = [&journal](std::string_view intents) { return journal.record(intents); };
    auto result = session.invoke(Operation::kApplyQuantities, meterbridge::encode(input), hooks);
    if (!result) {
      // The call as a whole failed: what it journaled may have been sent, so its intents stay
      // open for the next run to settle by reading.
      for (size_t i = start; i < end; ++i)
        fail_line(*changes[i], result.status().code(), "writing to the platform failed: " + result.status().message());
      std::vector<SyncLine> done;
      for (size_t i = start; i < end; ++i) done.push_back(*changes[i]);
      MB_RETURN_IF_ERROR(store_.update_lines(run.id, done));
      if (is_run_level(result.status().code())) {
        fail_remaining(changes, end, result.status(), "not attempted: ");
        MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));
        return result.status();
      }
      continue;
    }
    const meterbridge::ApplyResult answer = decode_result<meterbridge::ApplyResult>(*result);
    std::map<std::string, const meterbridge::ApplyLineResult*> by_key;
    for (const auto& item : answer.lines) by_key[item.key] = &item;
    std::vector<SyncLine> done;
    std::map<std::string, bool> in_doubt;
    for (size_t i = start; i < end; ++i) {
      SyncLine& l = *changes[i];
      auto it = by_key.find(l.key);
      if (it == by_key.end()) {
        fail_line(l, ErrorClass::kFatal, "the plugin returned no outcome for this line");
        in_doubt[l.key] = true;
      } else {
        const meterbridge::ApplyLineResult& item = *it->second;
        std::string result_outcome = meterbridge::wire_name(item.outcome);
        std::string message = redact(item.message);
        in_doubt[l.key] = item.in_doubt;
        if (result_outcome == outcome::kUpdated || result_outcome == outcome::kUnchanged) {
          l.outcome = result_outcome;
          // What the plan said (a journal note, a missing usage row) stays beside the result.
          l.message = l.message.empty() ? message : (message.empty() ? l.message : l.message + "; " + message);
          int64_t written = item.quantity.value_or(*l.target);
          if (written != *l.target) {
            fail_line(l, ErrorClass::kConflict, "the platform reports " + std::to_string(written) +
                                                    " after writing " + std::to_string(*l.target));
          } else {
            MB_RETURN_IF_ERROR(store_.record_pushed(connector.id, l.account_id, l.psa_service_id, written, run.id));
          }
        } else if (result_outcome == outcome::kPlatformNotMapped || result_outcome == outcome::kNoContractLine ||
                   result_outcome == outcome::kAmbiguousContractLine || result_outcome == outcome::kAccountInactive) {
          l.outcome = result_outcome;
          l.message = message;
          // The platform holds no value for a pair it refuses: what we pushed before is gone, and
          // must not count as current once the MSP maps the pair again.
          if (result_outcome == outcome::kPlatformNotMapped)
            MB_RETURN_IF_ERROR(store_.forget_pushed(connector.id, l.account_id, l.psa_service_id));
        } else {
          fail_line(l, error_class_from_abi(item.error_class.value_or(MB_STATUS_FATAL)),
                    message.empty() ? "the platform refused the change" : message);
        }
      }
      done.push_back(l);
    }
    MB_RETURN_IF_ERROR(store_.update_lines(run.id, done));  // each batch is durable before the next
    MB_RETURN_IF_ERROR(journal.settle(in_doubt));
    if (options.progress) options.progress(end, changes.size());
  }
  return Status::Ok();
}

void SyncEngine::finish(SyncRun& run, const std::vector<SyncLine>& lines, const Status& run_error) {
  auto counts = count_outcomes(lines);
  auto n = [&](const char* k) {
    auto it = counts.find(k);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  // A line waiting for an earlier write's confirmation is not done either.
  int64_t failed = n(outcome::kFailed) + n(outcome::kPendingConfirmation);
  int64_t succeeded = n(outcome::kUpdated) + n(outcome::kUnchanged) + n(outcome::kWouldUpdate);
  if (!run_error.ok() && succeeded == 0) run.state = "failed";
  else if (failed > 0 && succeeded == 0) run.state = "failed";
  else if (failed > 0 || !run_error.ok()) run.state = "partial";
  else run.state = "ok";
  run.finished_at = format_iso8601_utc(clock_.now_ms());
  std::string summary;
  for (const auto& [k, v] : counts) summary += (summary.empty() ? "" : ", ") + std::to_string(v) + " " + k;
  run.message = run_error.ok() ? (summary.empty() ? "nothing to do" : summary)
                               : redact(run_error.to_string()) + (summary.empty() ? "" : " (" + summary + ")");
  run.counts_json = counts_json(counts);
}

}  // namespace mb
