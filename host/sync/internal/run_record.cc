#include "host/sync/internal/run_record.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <utility>

#include "host/common/clock.h"
#include "host/common/redaction.h"
#include "host/sync/internal/line_batches.h"
#include "host/sync/planner.h"
#include "host/sync/run_metrics.h"

namespace mb::sync_internal {

SyncRun new_run(const ConnectorConfig& connector, const std::string& trigger, bool dry_run,
                const std::string& owner_id, const std::string& effective_date, int64_t now_ms) {
  SyncRun run;
  run.connector_id = connector.id;
  run.trigger = trigger;
  run.dry_run = dry_run || connector.policies.dry_run;
  run.owner_id = owner_id;
  run.effective_date = effective_date;
  run.started_at = format_iso8601_utc(now_ms);
  return run;
}

std::string effective_date_at(const Policies& policies, int64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
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

void number_lines(std::vector<SyncLine>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) lines[i].number = static_cast<int64_t>(i) + 1;
}

std::string counts_json(const std::map<std::string, int64_t>& counts) {
  boost::json::object o;
  for (const auto& [k, v] : counts) o[k] = v;
  return boost::json::serialize(o);
}

Result<SyncRun> record_failed_attempt(Store& store, SyncRun run, const Status& why,
                                      int64_t now_ms) {
  run.state = RunState::kFailed;
  run.finished_at = format_iso8601_utc(now_ms);
  run.message = redact(why.to_string());
  auto id = store.create_run(run, {});
  if (!id) return id.status();
  run.id = *id;
  MB_RETURN_IF_ERROR(store.update_run(run));
  return run;
}

Result<size_t> close_interrupted_runs(Store& store, const Clock& clock,
                                      const std::string& connector_id,
                                      const std::string& own_owner_id) {
  auto runs = store.unfinished_runs(connector_id);
  if (!runs) return runs.status();
  if (!own_owner_id.empty())
    std::erase_if(*runs, [&](const SyncRun& r) { return r.owner_id == own_owner_id; });
  for (SyncRun run : *runs) {
    size_t unfinished = 0;
    auto is_pending = [](const SyncLine& l) { return l.outcome == outcome::kPending; };
    MB_RETURN_IF_ERROR(
        for_each_batch(store, run.id, 1000, is_pending, [&](std::vector<SyncLine>& lines) {
          for (auto& line : lines) {
            line.outcome = outcome::kInterrupted;
            line.message =
                "the run stopped before this line completed; the next run re-reads the platform";
          }
          unfinished += lines.size();
          return store.update_lines(run.id, lines);
        }));
    auto summary = summarize_run(store, run.id, 0);
    if (!summary) return summary.status();
    run.state = RunState::kInterrupted;
    run.finished_at = format_iso8601_utc(clock.now_ms());
    run.message = "interrupted (" + std::to_string(unfinished) +
                  " lines unfinished); the next run re-reads the platform for them";
    const auto& counts = summary->counts;
    run.counts_json = counts_json(counts);
    MB_RETURN_IF_ERROR(store.update_run(run));
    count_finished_run(run, counts, clock.now_ms());
    spdlog::warn(
        "connector {}: run {} was interrupted; closed it, the next run re-reads the platform",
        connector_id, run.id);
  }
  return runs->size();
}

Status check_connected(Store& store, const std::string& connector_id) {
  auto record = store.get_connector(connector_id);
  if (!record) return record.status();
  if (*record && (*record)->status == ConnectorStatus::kDisconnected)
    return Status::Conflict("connector '" + connector_id +
                            "' is disconnected: reconnect it (meterbridge connectors connect) and "
                            "map again; nothing was written");
  return Status::Ok();
}

void finish_run(SyncRun& run, const std::vector<SyncLine>& lines, const Status& run_error,
                int64_t now_ms, bool no_service_mapped) {
  finish_run(run, count_outcomes(lines), lines.size(), run_error, now_ms, no_service_mapped);
}

void finish_run(SyncRun& run, const std::map<std::string, int64_t>& counts, size_t total_lines,
                const Status& run_error, int64_t now_ms, bool no_service_mapped) {
  auto n = [&](const char* k) {
    auto it = counts.find(k);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  // A line waiting for an earlier write's confirmation is not done either.
  int64_t failed = n(outcome::kFailed) + n(outcome::kPendingConfirmation);
  int64_t succeeded = n(outcome::kUpdated) + n(outcome::kUnchanged) + n(outcome::kWouldUpdate);
  // Lines that cannot be billed until someone maps, links or adds a contract line.
  int64_t unset = n(outcome::kNotMapped) + n(outcome::kNotLinked) + n(outcome::kPlatformNotMapped) +
                  n(outcome::kNoContractLine) + n(outcome::kAmbiguousContractLine) +
                  n(outcome::kAccountInactive);
  bool billed_nothing_for_setup = run_error.ok() && failed == 0 && succeeded == 0 &&
                                  n(outcome::kHeld) == 0 &&
                                  (unset > 0 || (total_lines == 0 && no_service_mapped));
  if (billed_nothing_for_setup)
    run.state = RunState::kNeedsAttention;
  else if (!run_error.ok() && succeeded == 0)
    run.state = RunState::kFailed;
  else if (failed > 0 && succeeded == 0)
    run.state = RunState::kFailed;
  else if (failed > 0 || !run_error.ok())
    run.state = RunState::kPartial;
  else
    run.state = RunState::kOk;
  run.finished_at = format_iso8601_utc(now_ms);
  std::string summary;
  for (const auto& [k, v] : counts)
    summary += (summary.empty() ? "" : ", ") + std::to_string(v) + " " + k;
  if (billed_nothing_for_setup)
    summary = "nothing billed: " + (summary.empty()
                                        ? std::string("no service is mapped on this connector")
                                        : "nothing is mapped or linked (" + summary + ")");
  run.message = run_error.ok()
                    ? (summary.empty() ? "nothing to do" : summary)
                    : redact(run_error.to_string()) + (summary.empty() ? "" : " (" + summary + ")");
  run.counts_json = counts_json(counts);
}

Status record_plan(Store& store, const SyncRun& run, const NextPlanChunk& next,
                   const SyncOptions& options, RunTotals& totals) {
  std::vector<SyncLine> chunk;
  for (;;) {
    chunk.clear();
    auto more = next(chunk);
    if (!more) return more.status();
    if (!*more) break;
    if (chunk.empty()) continue;
    for (auto& line : chunk) {
      line.number = static_cast<int64_t>(++totals.lines);
      if (line.outcome == outcome::kPending && line.target) ++totals.to_read;
    }
    MB_RETURN_IF_ERROR(store.add_lines(run.id, chunk));
    // The plan's size is known once it is recorded whole.
    report_progress(options, SyncPhase::kRecording, run, totals.lines, 0, 0);
  }
  report_progress(options, SyncPhase::kRecording, run, totals.lines, totals.lines, totals.lines);
  return Status::Ok();
}

namespace {

bool worth_reading(const SyncLine& l) { return l.outcome != outcome::kUnchanged; }
bool is_change(const SyncLine& l) {
  return l.outcome == outcome::kUpdated || l.outcome == outcome::kWouldUpdate;
}

}  // namespace

Result<RunSummary> summarize_run(Store& store, int64_t run_id, size_t max_lines) {
  RunSummary summary;
  std::vector<SyncLine> changes;
  size_t worth = 0;
  Status walked = for_each_batch(store, run_id, 1000, {}, [&](std::vector<SyncLine>& lines) {
    for (auto& l : lines) {
      ++summary.counts[l.outcome];
      if (!worth_reading(l)) continue;
      ++worth;
      if (!is_change(l) && summary.lines.size() < max_lines)
        summary.lines.push_back(std::move(l));
      else if (is_change(l) && changes.size() < max_lines)
        changes.push_back(std::move(l));
    }
    return Status::Ok();
  });
  MB_RETURN_IF_ERROR(walked);
  for (auto& l : changes) {
    if (summary.lines.size() == max_lines) break;
    summary.lines.push_back(std::move(l));
  }
  std::sort(summary.lines.begin(), summary.lines.end(),
            [](const SyncLine& a, const SyncLine& b) { return a.number < b.number; });
  summary.lines_left_out = worth - summary.lines.size();
  return summary;
}

}  // namespace mb::sync_internal
