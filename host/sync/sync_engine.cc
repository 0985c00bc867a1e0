#include "host/sync/sync_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <set>
#include <utility>

#include "host/common/logging.h"
#include "host/sync/internal/apply.h"
#include "host/sync/internal/approval.h"
#include "host/sync/internal/decide.h"
#include "host/sync/internal/journal.h"
#include "host/sync/internal/line_batches.h"
#include "host/sync/internal/plan.h"
#include "host/sync/internal/provision.h"
#include "host/sync/internal/read_current.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/internal/run_record.h"
#include "host/sync/planner.h"
#include "host/sync/report.h"
#include "host/sync/run_metrics.h"

namespace mb {

using namespace sync_internal;  // the phases of a run; this file is their orchestration

SyncEngine::SyncEngine(Store& store, SyncSettings settings, const Clock& clock)
    : store_(store), settings_(std::move(settings)), clock_(clock) {}

namespace {

// Ok when `date` is a calendar date written YYYY-MM-DD (an approval's effective date).
Status check_calendar_date(const std::string& date) {
  auto refused = Status::ConfigInvalid("effective_date '" + date +
                                       "' is not a date written YYYY-MM-DD (e.g. 2026-12-01)");
  int year = 0;
  unsigned month = 0, day = 0;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || date[0] == '-') return refused;
  auto digits = [&](size_t at, size_t n, auto& value) {
    auto [end, ec] = std::from_chars(date.data() + at, date.data() + at + n, value);
    return ec == std::errc() && end == date.data() + at + n;
  };
  if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, day)) return refused;
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                        std::chrono::day{day}};
  return ymd.ok() ? Status::Ok() : refused;
}

}  // namespace

std::string SyncEngine::effective_date(const Policies& policies) const {
  return effective_date_at(policies, clock_.now_ms());
}

Result<size_t> SyncEngine::close_interrupted(const std::string& connector_id,
                                             const std::string& own_owner_id) {
  return close_interrupted_runs(store_, clock_, connector_id, own_owner_id);
}

Status SyncEngine::provision(const ConnectorConfig& connector, PluginSession& session,
                             std::vector<std::string>& notes) {
  return sync_internal::provision(store_, connector, session, notes);
}

Result<SyncReport> SyncEngine::record_failed_attempt(SyncRun run, const Status& why,
                                                     std::vector<std::string> notes) {
  auto recorded =
      sync_internal::record_failed_attempt(store_, std::move(run), why, clock_.now_ms());
  if (!recorded) return recorded.status();
  count_finished_run(*recorded, {}, clock_.now_ms());
  SyncReport report;
  report.run = std::move(*recorded);
  report.notes = std::move(notes);
  return report;
}

Result<SyncReport> SyncEngine::sync(const ConnectorConfig& connector, PluginSession& session,
                                    const SyncOptions& options) {
  auto closed = close_interrupted(connector.id, options.owner_id);
  if (!closed) return closed.status();
  MB_RETURN_IF_ERROR(check_connected(store_, connector.id));
  std::vector<std::string> notes;
  SyncRun run = new_run(connector, options.trigger, options.dry_run, options.owner_id,
                        effective_date(connector.policies), clock_.now_ms());
  report_progress(options, SyncPhase::kPlanning, run, 0, 0, 0);
  Status prepared = run.dry_run ? Status::Ok() : provision(connector, session, notes);
  std::unique_ptr<PlanSource> plan;
  if (prepared.ok()) {
    auto opened = open_plan(store_, clock_, settings_, connector, session, notes, options);
    if (opened)
      plan = std::move(*opened);
    else
      prepared = opened.status();
  }
  if (!prepared.ok()) return record_failed_attempt(run, prepared, std::move(notes));
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
  return execute(
      connector, session, run, [&](std::vector<SyncLine>& lines) { return plan->next(lines); },
      connector.policies, effective, notes);
}

Result<std::vector<SyncLine>> SyncEngine::held_or_named(int64_t run_id,
                                                        const std::vector<int64_t>& line_numbers) {
  std::set<int64_t> named(line_numbers.begin(), line_numbers.end());
  std::vector<SyncLine> lines;
  Status walked = for_each_batch(
      store_, run_id, 1000,
      [&](const SyncLine& l) { return l.action == LineAction::kHold || named.count(l.number) > 0; },
      [&](std::vector<SyncLine>& batch) {
        for (auto& l : batch) lines.push_back(std::move(l));
        return Status::Ok();
      });
  if (!walked.ok()) return walked;
  return lines;  // in key order, as list_lines gives them
}

Result<SyncReport> SyncEngine::approve(const ConnectorConfig& connector, PluginSession& session,
                                       int64_t run_id, const std::vector<int64_t>& line_numbers,
                                       const SyncOptions& options) {
  if (!options.effective_date.empty())
    MB_RETURN_IF_ERROR(check_calendar_date(options.effective_date));
  auto original = load_run_of(store_, connector.id, run_id);
  if (!original) return original.status();
  if (original->dry_run)
    return Status::Conflict(
        "run " + std::to_string(run_id) +
        " was a dry run: its held lines show what a sync would hold; sync for real, then "
        "approve that run");
  if (original->state == RunState::kPlanned || original->state == RunState::kApplying)
    return Status::Conflict("run " + std::to_string(run_id) + " has not finished");
  auto lines = held_or_named(run_id, line_numbers);
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

  std::vector<std::string> notes{"approving " + std::to_string(chosen->size()) +
                                 " held line(s) of run " + std::to_string(run_id) +
                                 " against today's numbers"};
  report_progress(options, SyncPhase::kPlanning, SyncRun{}, 0, 0, 0);
  std::set<std::string> chosen_keys;
  for (const auto& h : *chosen) chosen_keys.insert(h.key);
  auto opened = open_plan(store_, clock_, settings_, connector, session, notes, options);
  if (!opened) return opened.status();
  auto planned =
      plan_lines_kept(**opened, [&](const SyncLine& l) { return chosen_keys.count(l.key) > 0; });
  if (!planned) return planned.status();
  std::map<std::string, const SyncLine*> today;
  for (const auto& l : *planned) today[l.key] = &l;

  SyncRun run = new_run(
      connector, "approve", options.dry_run, options.owner_id,
      options.effective_date.empty() ? effective_date(connector.policies) : options.effective_date,
      clock_.now_ms());
  run.parent_run_id = run_id;
  std::vector<SyncLine> approval_lines;
  std::map<std::string, SyncLine> held;
  for (const auto& h : *chosen) {
    held[h.key] = h;
    auto it = today.find(h.key);
    SyncLine line = it == today.end() ? h : *it->second;
    line.number = 0;
    line.decision = Decision::kUndecided;
    line.current.reset();
    line.delta.reset();
    std::string why = still_pending.count(h.key) == 0
                          ? "a later run planned this line again; decide it there (runs pending)"
                          : staleness(h, it == today.end() ? nullptr : it->second);
    if (!why.empty()) {
      line = h;
      line.number = 0;
      line.decision = Decision::kUndecided;
      mark_stale(line, why);
    }
    approval_lines.push_back(std::move(line));
  }
  return execute_approval(connector, session, run, run_id, std::move(approval_lines), held, options,
                          std::move(notes));
}

Result<SyncReport> SyncEngine::execute_approval(const ConnectorConfig& connector,
                                                PluginSession& session, SyncRun run,
                                                int64_t held_run_id, std::vector<SyncLine> lines,
                                                const std::map<std::string, SyncLine>& held,
                                                const SyncOptions& options,
                                                std::vector<std::string> notes) {
  MB_RETURN_IF_ERROR(confirm_owner(options));
  run.state = RunState::kPlanned;
  auto id = store_.create_run(run, {});
  if (!id) return id.status();
  run.id = *id;
  LogScope run_scope("run", std::to_string(run.id));
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;
  RunTotals totals;
  bool recorded = false;
  MB_RETURN_IF_ERROR(record_plan(
      store_, run,
      [&](std::vector<SyncLine>& chunk) -> Result<bool> {
        if (recorded) return false;
        chunk = std::move(lines);
        recorded = true;
        return true;
      },
      options, totals));

  // The approval was given for the value the platform showed then; another value is another
  // decision.
  Status run_error = read_current(
      store_, session, run, connector.policies, effective, clock_.now_ms(), totals,
      [&](std::vector<SyncLine>& batch, const std::map<std::string, CurrentValue>& current) {
        mark_changed_on_platform_stale(batch, current, held);
      });
  MB_RETURN_IF_ERROR(decide_run(store_, run, approved_policies(connector.policies), run.dry_run,
                                /*force_full_push=*/false, options, totals));

  // Each held line is decided once, before anything is written: a crash from here on leaves
  // it approved, never approvable a second time.
  if (!run.dry_run && run_error.ok()) {
    auto approval_lines = store_.list_lines(run.id);  // the held lines chosen: a few
    if (!approval_lines) return approval_lines.status();
    std::vector<SyncLine> decided = decided_held_lines(*approval_lines, held, run.id);
    MB_RETURN_IF_ERROR(store_.decide_lines(held_run_id, decided));
  }
  return apply_and_finish(connector, session, std::move(run), totals, effective, run_error,
                          std::move(notes));
}

Result<std::vector<SyncLine>> SyncEngine::dismiss(const std::string& connector_id, int64_t run_id,
                                                  const std::vector<int64_t>& line_numbers,
                                                  const std::string& note) {
  auto original = load_run_of(store_, connector_id, run_id);
  if (!original) return original.status();
  auto lines = held_or_named(run_id, line_numbers);
  if (!lines) return lines.status();
  auto chosen = select_held(*lines, *original, line_numbers, "dismiss");
  if (!chosen) return chosen.status();
  for (auto& l : *chosen) {
    l.decision = Decision::kDismissed;
    l.decision_note = note;
  }
  MB_RETURN_IF_ERROR(store_.decide_lines(run_id, *chosen));
  return chosen;
}

Result<SyncReport> SyncEngine::retry(const ConnectorConfig& connector, PluginSession& session,
                                     int64_t run_id, const SyncOptions& options) {
  auto original = load_run_of(store_, connector.id, run_id);
  if (!original) return original.status();
  std::set<std::string> failed;
  Status walked = for_each_batch(
      store_, run_id, 1000,
      [](const SyncLine& l) {
        return l.outcome == outcome::kFailed || l.outcome == outcome::kInterrupted ||
               l.outcome == outcome::kPendingConfirmation;
      },
      [&](std::vector<SyncLine>& batch) {
        for (const auto& l : batch) failed.insert(l.key);
        return Status::Ok();
      });
  MB_RETURN_IF_ERROR(walked);
  if (failed.empty())
    return Status::NotFound("run " + std::to_string(run_id) + " has no failed lines");
  auto closed = close_interrupted(connector.id, options.owner_id);
  if (!closed) return closed.status();
  MB_RETURN_IF_ERROR(check_connected(store_, connector.id));
  std::vector<std::string> notes{"retrying " + std::to_string(failed.size()) +
                                 " failed lines of run " + std::to_string(run_id) +
                                 " with the latest usage"};
  SyncRun run = new_run(connector, "retry", options.dry_run, options.owner_id,
                        effective_date(connector.policies), clock_.now_ms());
  run.parent_run_id = run_id;
  report_progress(options, SyncPhase::kPlanning, run, 0, 0, 0);
  auto plan = open_plan(store_, clock_, settings_, connector, session, notes, options);
  if (!plan) return record_failed_attempt(run, plan.status(), std::move(notes));
  SyncOptions effective = options;
  effective.dry_run = run.dry_run;
  return execute(
      connector, session, run,
      [&](std::vector<SyncLine>& lines) -> Result<bool> {
        auto more = (*plan)->next(lines);
        std::erase_if(lines, [&](const SyncLine& l) { return failed.count(l.key) == 0; });
        return more;
      },
      connector.policies, effective, notes);
}

Result<SyncReport> SyncEngine::execute(const ConnectorConfig& connector, PluginSession& session,
                                       SyncRun run, const NextPlanChunk& next,
                                       const Policies& policies, const SyncOptions& options,
                                       std::vector<std::string>& notes) {
  MB_RETURN_IF_ERROR(confirm_owner(options));
  run.state = RunState::kPlanned;
  auto id = store_.create_run(run, {});
  if (!id) return id.status();
  run.id = *id;
  LogScope run_scope("run", std::to_string(run.id));
  RunTotals totals;
  // The whole plan is durable before anything is read or written.
  MB_RETURN_IF_ERROR(record_plan(store_, run, next, options, totals));
  Status run_error = read_current(store_, session, run, policies, options, clock_.now_ms(), totals);
  MB_RETURN_IF_ERROR(
      decide_run(store_, run, policies, options.dry_run, options.force_full_push, options, totals));
  return apply_and_finish(connector, session, std::move(run), totals, options, run_error, notes);
}

Result<SyncReport> SyncEngine::apply_and_finish(const ConnectorConfig& connector,
                                                PluginSession& session, SyncRun run,
                                                const RunTotals& totals, const SyncOptions& options,
                                                Status run_error, std::vector<std::string> notes) {
  if (run_error.ok() && !options.dry_run) {
    run.state = RunState::kApplying;
    MB_RETURN_IF_ERROR(store_.update_run(run));
    run_error = apply_changes(store_, connector.id, session, run, options, totals);
  }
  bool no_service_mapped = false;
  if (totals.lines == 0) {
    auto services = store_.list_service_mappings(connector.id);
    no_service_mapped = services && services->empty();
  }
  auto summary = summarize_run(store_, run.id, kReportLinesKept);
  if (!summary) return summary.status();
  finish_run(run, summary->counts, totals.lines, run_error, clock_.now_ms(), no_service_mapped);
  MB_RETURN_IF_ERROR(store_.update_run(run));
  SyncReport report;
  report.counts = std::move(summary->counts);
  count_finished_run(run, report.counts, clock_.now_ms());
  report_progress(options, SyncPhase::kFinished, run, totals.lines, totals.lines, totals.lines);
  // One line per run in the log: what a service's operator follows without the run history.
  spdlog::info("{}", run_summary_line(run));
  report.run = run;
  report.lines = std::move(summary->lines);
  report.lines_left_out = summary->lines_left_out;
  report.notes = std::move(notes);
  return report;
}

}  // namespace mb
