#include "host/sync/internal/read_current.h"

#include <meterbridge/documents_json.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/journal.h"
#include "host/sync/internal/line_batches.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/internal/plugin_result.h"
#include "host/sync/internal/run_control.h"

namespace mb::sync_internal {

namespace {

// One read_quantities call for `batch`, its answers in `current`. A line without an answer, or
// every line of a failed call, ends failed; a run-level failure is returned.
Status read_batch(Store& store, PluginSession& session, const SyncRun& run,
                  std::vector<SyncLine>& batch, const SyncOptions& options,
                  std::map<std::string, CurrentValue>& current) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(batch.size());
  for (const auto& l : batch) pairs.emplace_back(l.account_id, l.psa_service_id);
  auto pushed = store.list_pushed_of(run.connector_id, pairs);
  if (!pushed) return pushed.status();
  meterbridge::ReadRequest input;
  input.effective_date = run.effective_date;
  for (const SyncLine& l : batch) {
    auto it = pushed->find({l.account_id, l.psa_service_id});
    input.lines.push_back(meterbridge::ReadLine{
        l.key, l.account_id, l.psa_service_id, l.metric,
        it == pushed->end() ? std::nullopt : std::optional<int64_t>(it->second)});
  }
  auto result =
      session.invoke(Operation::kReadQuantities, meterbridge::encode(input), options.cancelled);
  if (!result) {
    for (auto& l : batch)
      fail_line(l, result.status().code(),
                "reading the platform failed: " + result.status().message());
    return is_run_level(result.status().code()) ? result.status() : Status::Ok();
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
  for (auto& l : batch)
    if (answered.count(l.key) == 0)
      fail_line(l, ErrorClass::kFatal, "the plugin returned no current value for this line");
  return Status::Ok();
}

bool to_read(const SyncLine& l) { return l.outcome == outcome::kPending && l.target.has_value(); }

}  // namespace

Status read_current(Store& store, PluginSession& session, const SyncRun& run,
                    const Policies& policies, const SyncOptions& options, int64_t now_ms,
                    RunTotals& totals, const AfterRead& after_read) {
  if (totals.to_read == 0) return Status::Ok();
  report_progress(options, SyncPhase::kReading, run, 0, totals.to_read, totals.lines);
  Status stop = Status::Ok();  // once set, the lines not read yet fail with it
  std::string stop_prefix;
  size_t done = 0;
  Status walked = for_each_batch(
      store, run.id, options.read_batch_size, to_read, [&](std::vector<SyncLine>& batch) -> Status {
        if (stop.ok() && cancelled(options))
          stop = Status::Retry("cancelled before the platform was read");
        if (!stop.ok()) {
          for (auto& l : batch)
            if (l.outcome == outcome::kPending)
              fail_line(l, stop.code(), stop_prefix + stop.message());
          return store.update_lines(run.id, batch);
        }
        std::map<std::string, CurrentValue> current;
        Status read = read_batch(store, session, run, batch, options, current);
        if (read.ok()) read = settle_journal(store, run, policies, batch, current, now_ms);
        if (!read.ok()) {
          stop = read;
          stop_prefix = "not read: ";
          return store.update_lines(run.id, batch);
        }
        if (after_read) after_read(batch, current);
        for (auto& l : batch) {
          if (!to_read(l)) continue;
          auto it = current.find(l.key);
          if (it != current.end()) compare_line(l, it->second, totals.diff);
        }
        MB_RETURN_IF_ERROR(store.update_lines(run.id, batch));
        done += batch.size();
        report_progress(options, SyncPhase::kReading, run, done, totals.to_read, totals.lines);
        return Status::Ok();
      });
  MB_RETURN_IF_ERROR(walked);
  return stop;
}

}  // namespace mb::sync_internal
