#include "host/sync/internal/decide.h"

namespace mb::sync_internal {

void decide_lines(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                  const Policies& policies, bool dry_run, bool force_full_push) {
  apply_diff(lines, current, policies, dry_run);
  if (!force_full_push) return;
  for (auto& line : lines) {
    if (line.outcome != outcome::kUnchanged) continue;
    line.action = LineAction::kUpdate;
    line.outcome = dry_run ? outcome::kWouldUpdate : outcome::kPending;
  }
}

}  // namespace mb::sync_internal
