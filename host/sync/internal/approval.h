// Approval's decisions about held lines (docs/sync.md, "Approval is a decision about today's
// numbers"): which held lines a command names, why a held line no longer stands, and what is
// recorded on each held line once an approval run has judged it. Pure functions over lines,
// apart from load_run_of. Part of the sync engine (host/sync/internal/).
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_APPROVAL_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_APPROVAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"
#include "host/store/store.h"
#include "host/sync/planner.h"

namespace mb::sync_internal {

// The run `run_id` of `connector_id`, or NotFound.
Result<SyncRun> load_run_of(Store& store, const std::string& connector_id, int64_t run_id);

// The held, undecided lines of a run that `line_numbers` names (all when empty). Names that
// are not held lines, or already decided, are errors that say which; `verb` names the command.
Result<std::vector<SyncLine>> select_held(const std::vector<SyncLine>& lines, const SyncRun& run,
                                          const std::vector<int64_t>& line_numbers,
                                          const char* verb);

// Why an approved line no longer stands, or "" when it does: `planned` is today's plan of its
// key (null when today's plan has no such line).
std::string staleness(const SyncLine& held, const SyncLine* planned);

// The line is skipped as stale, saying why.
void mark_stale(SyncLine& line, const std::string& why);

// The approval was given for the value the platform showed then; another value is another
// decision: pending lines whose value read now differs from the held one become stale.
void mark_changed_on_platform_stale(std::vector<SyncLine>& lines,
                                    const std::map<std::string, CurrentValue>& current,
                                    const std::map<std::string, SyncLine>& held);

// The held lines (of `held`, by key) an approval run `approval_run_id` has decided: stale, or
// approved when it writes or finds the target already there. Lines that failed to read or wait
// for an earlier write stay undecided and are left out.
std::vector<SyncLine> decided_held_lines(const std::vector<SyncLine>& lines,
                                         const std::map<std::string, SyncLine>& held,
                                         int64_t approval_run_id);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_APPROVAL_H_
