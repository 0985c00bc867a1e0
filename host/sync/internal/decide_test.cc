// The diff phase alone: a forced push turns unchanged lines into writes.
#include "host/sync/internal/decide.h"

#include <gtest/gtest.h>

namespace mb::sync_internal {
namespace {

std::vector<SyncLine> one_pending_line(int64_t target) {
  SyncLine l;
  l.key = "k";
  l.target = target;
  l.action = LineAction::kUpdate;
  l.outcome = outcome::kPending;
  return {l};
}

TEST(DecideLinesTest, AnUnchangedLineIsWrittenOnlyWhenEveryValueIsPushed) {
  std::map<std::string, CurrentValue> current;
  current["k"].quantity = 5;
  auto lines = one_pending_line(5);
  decide_lines(lines, current, Policies{}, /*dry_run=*/false, /*force_full_push=*/false);
  EXPECT_EQ(lines[0].outcome, outcome::kUnchanged);

  lines = one_pending_line(5);
  decide_lines(lines, current, Policies{}, false, true);
  EXPECT_EQ(lines[0].action, LineAction::kUpdate);
  EXPECT_EQ(lines[0].outcome, outcome::kPending);

  lines = one_pending_line(5);
  decide_lines(lines, current, Policies{}, /*dry_run=*/true, true);
  EXPECT_EQ(lines[0].outcome, outcome::kWouldUpdate);
}

}  // namespace
}  // namespace mb::sync_internal
