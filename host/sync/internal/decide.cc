#include "host/sync/internal/decide.h"

#include <algorithm>

#include "host/sync/internal/line_batches.h"

namespace mb::sync_internal {

namespace {

// With every value to be sent again, an unchanged line is written anyway.
void force_push(SyncLine& line, bool dry_run) {
  if (line.outcome != outcome::kUnchanged) return;
  line.action = LineAction::kUpdate;
  line.outcome = dry_run ? outcome::kWouldUpdate : outcome::kPending;
}

}  // namespace

void decide_lines(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                  const Policies& policies, bool dry_run, bool force_full_push) {
  apply_diff(lines, current, policies, dry_run);
  if (!force_full_push) return;
  for (auto& line : lines) force_push(line, dry_run);
}

Status decide_run(Store& store, const SyncRun& run, const Policies& policies, bool dry_run,
                  bool force_full_push, const SyncOptions& options, RunTotals& totals) {
  report_progress(options, SyncPhase::kDeciding, run, 0, totals.lines, totals.lines);
  size_t batch = std::max(options.read_batch_size, options.apply_batch_size);
  return for_each_batch(store, run.id, batch, is_compared, [&](std::vector<SyncLine>& lines) {
    std::vector<SyncLine*> compared;
    compared.reserve(lines.size());
    for (auto& line : lines) compared.push_back(&line);
    decide_compared(compared, totals.diff, policies, dry_run);
    for (auto& line : lines) {
      if (force_full_push) force_push(line, dry_run);
      if (line.action == LineAction::kUpdate && line.outcome == outcome::kPending) ++totals.changes;
    }
    return store.update_lines(run.id, lines);
  });
}

}  // namespace mb::sync_internal
