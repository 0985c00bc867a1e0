#include "host/sync/sync_engine.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>
#include <set>

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

SyncEngine::SyncEngine(Store& store, const Config& config, const Clock& clock)
    : store_(store), config_(config), clock_(clock) {}

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

Result<size_t> SyncEngine::close_interrupted(const std::string& connector_id) {
  auto runs = store_.unfinished_runs(connector_id);
  if (!runs) return runs.status();
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
    run.message = "interrupted (" + std::to_string(changed.size()) + " lines unfinished); closed by the next run";
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
    boost::json::array accounts;
    for (const auto& w : *workspaces) {
      auto it = mapped.find(w.id);
      if (it != mapped.end() && it->second->excluded) continue;
      if (present.count(w.id) == 0 && it == mapped.end()) continue;
      accounts.push_back(boost::json::object{{"id", w.id}, {"name", w.name}});
    }
    auto result = session.invoke(Operation::kProvisionAccounts,
                                 boost::json::serialize(boost::json::object{{"accounts", accounts}}));
    if (!result) return Status(result.status().code(), "provision_accounts: " + result.status().message());
    auto doc = parse_or_empty(*result);
    std::map<std::string, int> by_outcome;
    std::vector<AccountMapping> created;
    std::map<std::string, std::string> names;
    for (const auto& w : *workspaces) names[w.id] = w.name;
    if (const auto* items = json::get(doc, "items"); items != nullptr && items->is_array()) {
      for (const auto& item : items->get_array()) {
        std::string id = json::get_string(item, "id").value_or("");
        std::string result_outcome = json::get_string(item, "outcome").value_or("unchanged");
        ++by_outcome[result_outcome];
        if (result_outcome == "failed") {
          notes.push_back("account for workspace '" + id + "' not provisioned: " +
                          redact(json::get_string(item, "message").value_or("")));
          continue;
        }
        if (id.empty() || mapped.count(id) > 0 || names.count(id) == 0) continue;
        AccountMapping m;
        m.workspace_id = id;
        m.account_id = json::get_string(item, "account_id").value_or(id);
        m.account_name = names[id];
        m.source = "provisioned";
        created.push_back(std::move(m));
      }
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
    boost::json::array list;
    for (const auto& s : *services) {
      auto it = known->find(s.id);
      list.push_back(boost::json::object{
          {"id", s.id}, {"name", s.name},
          {"platform_id", it == known->end() ? boost::json::value(nullptr) : boost::json::value(it->second)}});
    }
    auto result = session.invoke(Operation::kProvisionServices,
                                 boost::json::serialize(boost::json::object{{"services", list}}));
    if (!result) return Status(result.status().code(), "provision_services: " + result.status().message());
    auto doc = parse_or_empty(*result);
    auto mappings = store_.list_service_mappings(connector.id);
    if (!mappings) return mappings.status();
    std::set<std::string> mapped;
    for (const auto& m : *mappings) mapped.insert(m.service_id);
    if (const auto* items = json::get(doc, "items"); items != nullptr && items->is_array()) {
      for (const auto& item : items->get_array()) {
        std::string id = json::get_string(item, "id").value_or("");
        std::string platform_id = json::get_string(item, "platform_id").value_or("");
        if (id.empty() || platform_id.empty()) {
          notes.push_back("service '" + id + "' not provisioned: " +
                          redact(json::get_string(item, "message").value_or("no platform id returned")));
          continue;
        }
        MB_RETURN_IF_ERROR(store_.set_provisioned_service(connector.id, id, platform_id));
        if (mapped.count(id) == 0) {
          std::string metric = json::get_string(item, "metric").value_or("users");
          MB_RETURN_IF_ERROR(store_.put_service_mapping(connector.id, {id, platform_id, metric}));
        }
      }
    }
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
  in.ended_workspaces = config_.ended_workspaces;
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

Result<SyncReport> SyncEngine::sync(const ConnectorConfig& connector, PluginSession& session,
                                    const SyncOptions& options) {
  auto closed = close_interrupted(connector.id);
  if (!closed) return closed.status();
  auto record = store_.get_connector(connector.id);
  if (!record) return record.status();
  if (*record && (*record)->status == "disconnected")
    return Status::Conflict("connector '" + connector.id +
                            "' is disconnected: reconnect it (connectors test or connectors connect) and map again");
  std::vector<std::string> notes;
  SyncRun run;
  run.connector_id = connector.id;
  run.trigger = options.trigger;
  run.dry_run = options.dry_run || connector.policies.dry_run;
  run.effective_date = effective_date(connector.policies);
  run.started_at = format_iso8601_utc(clock_.now_ms());

  Status prepared = run.dry_run ? Status::Ok() : provision(connector, session, notes);
  Result<std::vector<SyncLine>> lines = prepared.ok() ? plan(connector, session, notes) : Result<std::vector<SyncLine>>(prepared);
  if (!lines) {
    // Record the failed attempt: a billing admin reads history, not logs.
    run.state = "failed";
    run.finished_at = format_iso8601_utc(clock_.now_ms());
    run.message = redact(lines.status().to_string());
    auto id = store_.create_run(run, {});
    if (!id) return id.status();
    run.id = *id;
    MB_RETURN_IF_ERROR(store_.update_run(run));
    SyncReport report;
    report.run = run;
    report.notes = notes;
    return report;
  }
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;
  return execute(connector, session, run, std::move(*lines), connector.policies, effective, std::move(notes));
}

Result<SyncReport> SyncEngine::approve(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                                       const SyncOptions& options) {
  auto original = store_.get_run(run_id);
  if (!original) return original.status();
  if (!*original || (*original)->connector_id != connector.id)
    return Status::NotFound("no run " + std::to_string(run_id) + " for connector '" + connector.id + "'");
  auto lines = store_.list_lines(run_id);
  if (!lines) return lines.status();
  std::vector<SyncLine> held;
  for (auto line : *lines) {
    if (line.action != action::kHold || !line.target) continue;
    line.outcome = outcome::kPending;
    line.action.clear();
    line.current.reset();
    line.delta.reset();
    line.message.clear();
    held.push_back(std::move(line));
  }
  if (held.empty()) return Status::NotFound("run " + std::to_string(run_id) + " has no lines held for approval");
  auto closed = close_interrupted(connector.id);
  if (!closed) return closed.status();
  SyncRun run;
  run.connector_id = connector.id;
  run.trigger = "approve";
  run.parent_run_id = run_id;
  run.effective_date = effective_date(connector.policies);
  run.started_at = format_iso8601_utc(clock_.now_ms());
  Policies approved = connector.policies;
  approved.decreases = "auto";  // the operator approved exactly these targets
  approved.max_change_ratio.reset();
  SyncOptions effective = options;
  effective.dry_run = false;
  return execute(connector, session, run, std::move(held), approved, effective,
                 {"approving " + std::to_string(run_id) + "'s held lines"});
}

Result<SyncReport> SyncEngine::retry(const ConnectorConfig& connector, PluginSession& session, int64_t run_id,
                                     const SyncOptions& options) {
  auto original = store_.get_run(run_id);
  if (!original) return original.status();
  if (!*original || (*original)->connector_id != connector.id)
    return Status::NotFound("no run " + std::to_string(run_id) + " for connector '" + connector.id + "'");
  auto lines = store_.list_lines(run_id);
  if (!lines) return lines.status();
  std::set<std::string> failed;
  for (const auto& l : *lines)
    if (l.outcome == outcome::kFailed || l.outcome == outcome::kInterrupted) failed.insert(l.key);
  if (failed.empty()) return Status::NotFound("run " + std::to_string(run_id) + " has no failed lines");
  auto closed = close_interrupted(connector.id);
  if (!closed) return closed.status();
  std::vector<std::string> notes{"retrying " + std::to_string(failed.size()) + " failed lines of run " +
                                 std::to_string(run_id) + " with the latest usage"};
  auto planned = plan(connector, session, notes);
  if (!planned) return planned.status();
  std::vector<SyncLine> chosen;
  for (auto& l : *planned)
    if (failed.count(l.key) > 0) chosen.push_back(std::move(l));
  SyncRun run;
  run.connector_id = connector.id;
  run.trigger = "retry";
  run.parent_run_id = run_id;
  run.dry_run = options.dry_run;
  run.effective_date = effective_date(connector.policies);
  run.started_at = format_iso8601_utc(clock_.now_ms());
  return execute(connector, session, run, std::move(chosen), connector.policies, options, std::move(notes));
}

Result<SyncReport> SyncEngine::execute(const ConnectorConfig& connector, PluginSession& session, SyncRun run,
                                       std::vector<SyncLine> lines, const Policies& policies,
                                       const SyncOptions& options, std::vector<std::string> notes) {
  run.state = "planned";
  auto id = store_.create_run(run, lines);  // the plan is durable before any write
  if (!id) return id.status();
  run.id = *id;

  std::map<std::string, CurrentValue> current;
  Status run_error = read_current(session, run, lines, options, current);
  apply_diff(lines, current, policies, options.dry_run);
  if (options.force_full_push) {
    for (auto& line : lines) {
      if (line.outcome != outcome::kUnchanged) continue;
      line.action = action::kUpdate;
      line.outcome = options.dry_run ? outcome::kWouldUpdate : outcome::kPending;
    }
  }
  MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));
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

namespace {

bool cancelled(const SyncOptions& options) { return options.cancelled != nullptr && options.cancelled->load(); }

// Marks every still-pending line (from index `from`) failed because the run cannot go on.
void fail_remaining(std::vector<SyncLine*>& lines, size_t from, const Status& why, const std::string& prefix) {
  for (size_t i = from; i < lines.size(); ++i)
    if (lines[i]->outcome == outcome::kPending) fail_line(*lines[i], why.code(), prefix + why.message());
}

}  // namespace

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
    boost::json::array input_lines;
    for (size_t i = start; i < end; ++i) {
      const SyncLine& l = *pending[i];
      auto it = pushed->find({l.account_id, l.psa_service_id});
      input_lines.push_back(boost::json::object{
          {"key", l.key}, {"account_id", l.account_id}, {"service_id", l.psa_service_id}, {"metric", l.metric},
          {"last_pushed", it == pushed->end() ? boost::json::value(nullptr) : boost::json::value(it->second)}});
    }
    boost::json::object input{{"effective_date", run.effective_date}, {"lines", std::move(input_lines)}};
    auto result = session.invoke(Operation::kReadQuantities, boost::json::serialize(input), options.cancelled);
    if (!result) {
      for (size_t i = start; i < end; ++i)
        fail_line(*pending[i], result.status().code(), "reading the platform failed: " + result.status().message());
      if (is_run_level(result.status().code())) {
        fail_remaining(pending, end, result.status(), "not read: ");
        return result.status();
      }
      continue;
    }
    auto doc = parse_or_empty(*result);
    std::set<std::string> answered;
    if (const auto* out = json::get(doc, "lines"); out != nullptr && out->is_array()) {
      for (const auto& item : out->get_array()) {
        CurrentValue cv;
        std::string key = json::get_string(item, "key").value_or("");
        cv.quantity = json::get_int(item, "quantity");
        cv.reason = json::get_string(item, "reason").value_or("");
        cv.message = redact(json::get_string(item, "message").value_or(""));
        if (const auto* ref = json::get(item, "line_ref"); ref != nullptr && !ref->is_null())
          cv.line_ref_json = json::serialize(*ref);
        answered.insert(key);
        current[key] = std::move(cv);
      }
    }
    for (size_t i = start; i < end; ++i)
      if (answered.count(pending[i]->key) == 0)
        fail_line(*pending[i], ErrorClass::kFatal, "the plugin returned no current value for this line");
    if (options.progress) options.progress(end, pending.size());
  }
  return Status::Ok();
}

Status SyncEngine::apply_changes(const ConnectorConfig& connector, PluginSession& session, SyncRun& run,
                                 std::vector<SyncLine>& lines, const SyncOptions& options) {
  std::vector<SyncLine*> changes;
  for (auto& l : lines)
    if (l.action == action::kUpdate && l.outcome == outcome::kPending) changes.push_back(&l);
  size_t batch = std::max<size_t>(1, options.apply_batch_size);
  size_t batches = (changes.size() + batch - 1) / batch;
  for (size_t b = 0; b < batches; ++b) {
    size_t start = b * batch, end = std::min(changes.size(), start + batch);
    if (cancelled(options)) {
      Status stop = Status::Retry("cancelled before these lines were written");
      fail_remaining(changes, start, stop, "");
      MB_RETURN_IF_ERROR(store_.update_lines(run.id, lines));
      return stop;
    }
    boost::json::array input_lines;
    for (size_t i = start; i < end; ++i) {
      const SyncLine& l = *changes[i];
      input_lines.push_back(boost::json::object{
          {"key", l.key},
          {"account_id", l.account_id},
          {"service_id", l.psa_service_id},
          {"target", *l.target},
          {"expected_current", l.current ? boost::json::value(*l.current) : boost::json::value(nullptr)},
          {"metric", l.metric},
          {"line_ref", parse_or_empty(l.line_ref_json)}});
    }
    // Deterministic per (run, batch): a plugin or platform that retries sees the same key.
    std::string key = connector.id + ":run-" + std::to_string(run.id) + ":batch-" + std::to_string(b + 1);
    boost::json::object input{{"idempotency_key", key},
                              {"effective_date", run.effective_date},
                              {"lines", std::move(input_lines)},
                              {"final", b + 1 == batches}};
    auto result = session.invoke(Operation::kApplyQuantities, boost::json::serialize(input), options.cancelled);
    if (!result) {
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
    auto doc = parse_or_empty(*result);
    std::map<std::string, const boost::json::value*> by_key;
    if (const auto* out = json::get(doc, "lines"); out != nullptr && out->is_array())
      for (const auto& item : out->get_array()) by_key[json::get_string(item, "key").value_or("")] = &item;
    std::vector<SyncLine> done;
    for (size_t i = start; i < end; ++i) {
      SyncLine& l = *changes[i];
      auto it = by_key.find(l.key);
      if (it == by_key.end()) {
        fail_line(l, ErrorClass::kFatal, "the plugin returned no outcome for this line");
      } else {
        const boost::json::value& item = *it->second;
        std::string result_outcome = json::get_string(item, "outcome").value_or("failed");
        std::string message = redact(json::get_string(item, "message").value_or(""));
        if (result_outcome == outcome::kUpdated || result_outcome == outcome::kUnchanged) {
          l.outcome = result_outcome;
          l.message = message;
          int64_t written = json::get_int(item, "quantity").value_or(*l.target);
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
          fail_line(l, error_class_from_name(json::get_string(item, "error_class").value_or("fatal")),
                    message.empty() ? "the platform refused the change" : message);
        }
      }
      done.push_back(l);
    }
    MB_RETURN_IF_ERROR(store_.update_lines(run.id, done));  // each batch is durable before the next
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
  int64_t failed = n(outcome::kFailed);
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
