// The write journal (docs/sync.md, "The write journal"): durable intents of writes that are
// not idempotent, made before the plugin sends them, and settled by the plugin's answer or by
// a later run's read. Part of the sync engine (host/sync/internal/).
//
//   BatchJournal journal(store, run, batch);
//   hooks.journal_intents = [&](std::string_view intents) { return journal.record(intents); };
//   ... invoke apply_quantities, judge each line ...
//   journal.settle(in_doubt);
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_JOURNAL_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_JOURNAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/store/model.h"
#include "host/store/store.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

// The read side: lines with an open intent on their PSA account and service are settled by
// the value just read (target reached: the intent is applied; unconfirmed and younger than the
// grace period: the line waits as pending_confirmation; older: the intent expires and the line
// is written again from the fresh value, with a note). A dry run changes no intent.
Status settle_journal(Store& store, const SyncRun& run, const Policies& policies,
                      std::vector<SyncLine>& lines,
                      const std::map<std::string, CurrentValue>& current, int64_t now_ms);

// The write side, for one apply_quantities call: collects the plugin's callback_journal_intents
// and makes them durable in the store before the plugin may send the writes they describe.
class BatchJournal {
 public:
  // `run` and the lines of `batch` must outlive the journal.
  BatchJournal(Store& store, const SyncRun& run, const std::vector<SyncLine*>& batch);

  // Records the intents (a JSON array of the SDK's WriteIntent documents). An intent for a key
  // not in this call, or without an integer target, refuses the whole array: nothing recorded.
  Status record(std::string_view intents_json);

  // After the plugin answered: a line with a known outcome settles its intents (applied when
  // updated or unchanged, otherwise not_applied); one in doubt, or not answered, leaves them
  // open for a later run to settle by reading.
  Status settle(const std::map<std::string, bool>& in_doubt);

 private:
  Store& store_;
  const SyncRun& run_;
  std::map<std::string, SyncLine*> lines_;
  std::map<std::string, std::vector<WriteIntent>> by_key_;
};

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_JOURNAL_H_
