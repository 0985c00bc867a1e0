// How the sync phases mark lines that cannot go on, and which errors stop a whole run. Part of
// the sync engine (host/sync/internal/: nothing outside host/sync includes it).
//
//   if (!result) fail_line(line, result.status().code(), "reading the platform failed: ...");
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_LINE_ERRORS_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_LINE_ERRORS_H_

#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb::sync_internal {

// Errors that say nothing about one line: every further call would fail the same way.
bool is_run_level(ErrorClass c);

// The line ends failed with `cls` and `message` (redacted).
void fail_line(SyncLine& line, ErrorClass cls, const std::string& message);

// Marks every still-pending line (from index `from`) failed because the run cannot go on.
void fail_remaining(std::vector<SyncLine*>& lines, size_t from, const Status& why,
                    const std::string& prefix);

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_LINE_ERRORS_H_
