#include "host/sync/internal/read_current.h"

#include <meterbridge/documents_json.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "host/common/redaction.h"
#include "host/sync/internal/line_errors.h"
#include "host/sync/internal/plugin_result.h"
#include "host/sync/internal/run_control.h"

namespace mb::sync_internal {

Status read_current(Store& store, PluginSession& session, const SyncRun& run,
                    std::vector<SyncLine>& lines, const SyncOptions& options,
                    std::map<std::string, CurrentValue>& current) {
  std::vector<SyncLine*> pending;
  for (auto& l : lines)
    if (l.outcome == outcome::kPending && l.target) pending.push_back(&l);
  if (pending.empty()) return Status::Ok();
  auto pushed = store.list_pushed(run.connector_id);
  if (!pushed) return pushed.status();
  size_t batch = std::max<size_t>(1, options.read_batch_size);
  report_progress(options, SyncPhase::kReading, run, 0, pending.size(), lines.size());
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
        fail_line(*pending[i], result.status().code(),
                  "reading the platform failed: " + result.status().message());
      if (is_run_level(result.status().code())) {
        fail_remaining(pending, end, result.status(), "not read: ");
        return result.status();
      }
      report_progress(options, SyncPhase::kReading, run, end, pending.size(), lines.size());
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
        fail_line(*pending[i], ErrorClass::kFatal,
                  "the plugin returned no current value for this line");
    report_progress(options, SyncPhase::kReading, run, end, pending.size(), lines.size());
  }
  return Status::Ok();
}

}  // namespace mb::sync_internal
