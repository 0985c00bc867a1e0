#include "host/sync/internal/apply.h"

#include <meterbridge/documents_json.hpp>

#include <algorithm>
#include <map>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/journal.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/internal/plugin_result.h"
#include "host/sync/internal/run_control.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

Status apply_changes(Store& store, const std::string& connector_id, PluginSession& session,
                     const SyncRun& run, std::vector<SyncLine>& lines, const SyncOptions& options) {
  std::vector<SyncLine*> changes;
  for (auto& l : lines)
    if (l.action == LineAction::kUpdate && l.outcome == outcome::kPending) changes.push_back(&l);
  size_t batch = std::max<size_t>(1, options.apply_batch_size);
  size_t batches = (changes.size() + batch - 1) / batch;
  report_progress(options, SyncPhase::kWriting, run, 0, changes.size(), lines.size());
  for (size_t b = 0; b < batches; ++b) {
    size_t start = b * batch, end = std::min(changes.size(), start + batch);
    Status stop = cancelled(options) ? Status::Retry("cancelled before these lines were written")
                                     : confirm_owner(options);
    if (!stop.ok()) {
      fail_remaining(changes, start, stop, "not written: ");
      MB_RETURN_IF_ERROR(store.update_lines(run.id, lines));
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
        connector_id + ":run-" + std::to_string(run.id) + ":batch-" + std::to_string(b + 1);
    input.effective_date = run.effective_date;
    input.final = b + 1 == batches;
    std::vector<SyncLine*> in_batch(changes.begin() + static_cast<std::ptrdiff_t>(start),
                                    changes.begin() + static_cast<std::ptrdiff_t>(end));
    BatchJournal journal(store, run, in_batch);
    InvokeHooks hooks;
    hooks.cancelled = options.cancelled;
    hooks.journal_intents = [&journal](std::string_view intents) {
      return journal.record(intents);
    };
    auto result = session.invoke(Operation::kApplyQuantities, meterbridge::encode(input), hooks);
    if (!result) {
      // The call as a whole failed: what it journaled may have been sent, so its intents stay
      // open for the next run to settle by reading.
      for (size_t i = start; i < end; ++i)
        fail_line(*changes[i], result.status().code(),
                  "writing to the platform failed: " + result.status().message());
      std::vector<SyncLine> done;
      for (size_t i = start; i < end; ++i) done.push_back(*changes[i]);
      MB_RETURN_IF_ERROR(store.update_lines(run.id, done));
      if (is_run_level(result.status().code())) {
        fail_remaining(changes, end, result.status(), "not attempted: ");
        MB_RETURN_IF_ERROR(store.update_lines(run.id, lines));
        return result.status();
      }
      report_progress(options, SyncPhase::kWriting, run, end, changes.size(), lines.size());
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
          l.message = l.message.empty()
                          ? message
                          : (message.empty() ? l.message : l.message + "; " + message);
          int64_t written = item.quantity.value_or(*l.target);
          if (written != *l.target) {
            fail_line(l, ErrorClass::kConflict,
                      "the platform reports " + std::to_string(written) + " after writing " +
                          std::to_string(*l.target));
          } else {
            MB_RETURN_IF_ERROR(
                store.record_pushed(connector_id, l.account_id, l.psa_service_id, written, run.id));
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
      done.push_back(l);
    }
    MB_RETURN_IF_ERROR(store.update_lines(run.id, done));  // each batch is durable before the next
    MB_RETURN_IF_ERROR(journal.settle(in_doubt));
    report_progress(options, SyncPhase::kWriting, run, end, changes.size(), lines.size());
  }
  return Status::Ok();
}

}  // namespace mb::sync_internal
