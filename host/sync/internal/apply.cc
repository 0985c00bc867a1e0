#include "host/sync/internal/apply.h"

#include <meterbridge/documents_json.hpp>

#include <algorithm>
#include <map>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/journal.h"
#include "host/sync/internal/line_batches.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/internal/plugin_result.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

namespace {

bool is_change(const SyncLine& l) {
  return l.action == LineAction::kUpdate && l.outcome == outcome::kPending;
}

// Batch `b` (0-based) of `batches`: one apply_quantities call, its outcomes judged and stored
// and its journal settled. A run-level failure of the call is returned.
Status apply_batch(Store& store, const std::string& connector_id, PluginSession& session,
                   const SyncRun& run, std::vector<SyncLine>& batch, size_t b, size_t batches,
                   const SyncOptions& options) {
  meterbridge::ApplyRequest input;
  for (const SyncLine& l : batch) {
    input.lines.push_back(meterbridge::ApplyLine{l.key, l.account_id, l.psa_service_id, *l.target,
                                                 l.current, l.metric, l.line_ref_json});
  }
  // Deterministic per (run, batch): a plugin or platform that retries sees the same key.
  input.idempotency_key =
      connector_id + ":run-" + std::to_string(run.id) + ":batch-" + std::to_string(b + 1);
  input.effective_date = run.effective_date;
  input.final = b + 1 == batches;
  std::vector<SyncLine*> in_batch;
  for (auto& l : batch) in_batch.push_back(&l);
  BatchJournal journal(store, run, in_batch);
  InvokeHooks hooks;
  hooks.cancelled = options.cancelled;
  hooks.journal_intents = [&journal](std::string_view intents) { return journal.record(intents); };
  auto result = session.invoke(Operation::kApplyQuantities, meterbridge::encode(input), hooks);
  if (!result) {
    // The call as a whole failed: what it journaled may have been sent, so its intents stay
    // open for the next run to settle by reading.
    for (auto& l : batch)
      fail_line(l, result.status().code(),
                "writing to the platform failed: " + result.status().message());
    MB_RETURN_IF_ERROR(store.update_lines(run.id, batch));
    return is_run_level(result.status().code()) ? result.status() : Status::Ok();
  }
  const meterbridge::ApplyResult answer = decode_result<meterbridge::ApplyResult>(*result);
  std::map<std::string, const meterbridge::ApplyLineResult*> by_key;
  for (const auto& item : answer.lines) by_key[item.key] = &item;
  std::map<std::string, bool> in_doubt;
  std::vector<PushedQuantity> pushed;  // recorded together: one transaction per batch
  for (SyncLine& l : batch) {
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
        l.message = l.message.empty() ? message
                                      : (message.empty() ? l.message : l.message + "; " + message);
        int64_t written = item.quantity.value_or(*l.target);
        if (written != *l.target) {
          fail_line(l, ErrorClass::kConflict,
                    "the platform reports " + std::to_string(written) + " after writing " +
                        std::to_string(*l.target));
        } else {
          pushed.push_back({l.account_id, l.psa_service_id, written});
        }
      } else if (result_outcome == outcome::kPlatformNotMapped ||
                 result_outcome == outcome::kNoContractLine ||
                 result_outcome == outcome::kAmbiguousContractLine ||
                 result_outcome == outcome::kAccountInactive) {
        l.outcome = result_outcome;
        l.message = message;
        // The platform holds no value for a pair it refuses: what we pushed before is gone, and
        // must not count as current once the MSP maps the pair again.
        if (result_outcome == outcome::kPlatformNotMapped)
          MB_RETURN_IF_ERROR(store.forget_pushed(connector_id, l.account_id, l.psa_service_id));
      } else {
        fail_line(l, error_class_from_abi(item.error_class.value_or(MB_STATUS_FATAL)),
                  message.empty() ? "the platform refused the change" : message);
      }
    }
  }
  MB_RETURN_IF_ERROR(store.record_pushed_many(connector_id, pushed, run.id));
  MB_RETURN_IF_ERROR(store.update_lines(run.id, batch));  // each batch is durable before the next
  return journal.settle(in_doubt);
}

}  // namespace

Status apply_changes(Store& store, const std::string& connector_id, PluginSession& session,
                     const SyncRun& run, const SyncOptions& options, const RunTotals& totals) {
  const size_t batch_size = std::max<size_t>(1, options.apply_batch_size);
  const size_t batches = (totals.changes + batch_size - 1) / batch_size;
  report_progress(options, SyncPhase::kWriting, run, 0, totals.changes, totals.lines);
  Status stop = Status::Ok();  // once set, the lines not written yet fail with it
  std::string stop_prefix;
  size_t b = 0, done = 0;
  Status walked = for_each_batch(
      store, run.id, batch_size, is_change, [&](std::vector<SyncLine>& batch) -> Status {
        if (stop.ok()) {
          stop = cancelled(options) ? Status::Retry("cancelled before these lines were written")
                                    : confirm_owner(options);
          stop_prefix = "not written: ";
        }
        if (!stop.ok()) {
          for (auto& l : batch)
            if (l.outcome == outcome::kPending)
              fail_line(l, stop.code(), stop_prefix + stop.message());
          return store.update_lines(run.id, batch);
        }
        Status applied =
            apply_batch(store, connector_id, session, run, batch, b++, batches, options);
        if (!applied.ok()) {
          stop = applied;
          stop_prefix = "not attempted: ";
          return Status::Ok();
        }
        done += batch.size();
        report_progress(options, SyncPhase::kWriting, run, done, totals.changes, totals.lines);
        return Status::Ok();
      });
  MB_RETURN_IF_ERROR(walked);
  return stop;
}

}  // namespace mb::sync_internal
