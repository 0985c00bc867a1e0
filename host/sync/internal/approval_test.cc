// Approval's decisions alone: which held lines a command names, and why a held line no
// longer stands.
#include "host/sync/internal/approval.h"

#include <gtest/gtest.h>

namespace mb::sync_internal {
namespace {

SyncLine held_line(int64_t number, const std::string& key, std::optional<int64_t> target = 5) {
  SyncLine l;
  l.number = number;
  l.key = key;
  l.account_id = "A-" + key;
  l.psa_service_id = "S1";
  l.target = target;
  l.current = 9;
  l.action = LineAction::kHold;
  l.outcome = outcome::kHeld;
  return l;
}

SyncRun run_7() {
  SyncRun run;
  run.id = 7;
  return run;
}

TEST(SelectHeldTest, NoNumbersChoosesEveryUndecidedHeldLine) {
  std::vector<SyncLine> lines{held_line(1, "a"), held_line(2, "b"), held_line(3, "c")};
  lines[1].decision = Decision::kDismissed;
  lines[2].action = LineAction::kUpdate;
  auto chosen = select_held(lines, run_7(), {}, "approve");
  ASSERT_TRUE(chosen);
  ASSERT_EQ(chosen->size(), 1u);
  EXPECT_EQ(chosen->front().key, "a");
}

TEST(SelectHeldTest, NothingLeftSaysWhatWasAlreadyDecided) {
  std::vector<SyncLine> lines{held_line(1, "a")};
  lines[0].decision = Decision::kApproved;
  auto chosen = select_held(lines, run_7(), {}, "approve");
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.status().message(),
            "run 7 has nothing awaiting approval: its held lines are already decided (1 approved)");
}

TEST(SelectHeldTest, NamedLinesThatCannotBeChosenAreAllListedAndNothingIsChosen) {
  std::vector<SyncLine> lines{held_line(1, "a"), held_line(2, "b"), held_line(3, "c")};
  lines[1].action = LineAction::kUpdate;
  lines[2].decision = Decision::kStale;
  auto chosen = select_held(lines, run_7(), {1, 2, 3, 9}, "dismiss");
  ASSERT_FALSE(chosen);
  EXPECT_EQ(
      chosen.status().message(),
      "cannot dismiss run 7, nothing was changed:\n  no line 9 in run 7\n  line 2 was not held for "
      "approval\n  line 3 is already decided");
}

TEST(StalenessTest, AHeldLineStandsOnlyWhileItsMappingAndTargetAreTheSame) {
  SyncLine held = held_line(1, "a");
  SyncLine today = held;
  today.outcome = outcome::kPending;
  EXPECT_EQ(staleness(held, &today), "");
  EXPECT_NE(staleness(held, nullptr).find("today's plan has no such line"), std::string::npos);
  SyncLine remapped = today;
  remapped.account_id = "A-other";
  EXPECT_EQ(staleness(held, &remapped),
            "the workspace is now mapped to PSA account 'A-other' (was 'A-a')");
  SyncLine grown = today;
  grown.target = 6;
  EXPECT_EQ(staleness(held, &grown), "usage changed: the target is now 6 (was 5 when held)");
}

TEST(DecidedHeldLinesTest, StaleAndWrittenLinesAreDecidedOthersWait) {
  std::map<std::string, SyncLine> held{
      {"a", held_line(1, "a")}, {"b", held_line(2, "b")}, {"c", held_line(3, "c")}};
  std::vector<SyncLine> lines{held.at("a"), held.at("b"), held.at("c")};
  mark_stale(lines[0], "usage changed");
  lines[1].action = LineAction::kUpdate;
  lines[1].outcome = outcome::kPending;
  lines[2].outcome = outcome::kFailed;  // failed to read: still awaiting a decision
  auto decided = decided_held_lines(lines, held, 12);
  ASSERT_EQ(decided.size(), 2u);
  EXPECT_EQ(decided[0].decision, Decision::kStale);
  EXPECT_EQ(decided[0].decision_note,
            "not applied: usage changed; sync again to review today's numbers");
  EXPECT_EQ(decided[1].decision, Decision::kApproved);
  EXPECT_EQ(decided[1].decision_note, "approved in run 12");
  EXPECT_EQ(decided[1].decision_run_id, 12);
}

TEST(MarkChangedOnPlatformStaleTest, AnotherValueOnThePlatformIsAnotherDecision) {
  std::map<std::string, SyncLine> held{{"a", held_line(1, "a")}, {"b", held_line(2, "b")}};
  std::vector<SyncLine> lines{held.at("a"), held.at("b")};
  for (auto& l : lines) l.outcome = outcome::kPending;
  std::map<std::string, CurrentValue> current;
  current["a"].quantity = 9;  // as when held
  current["b"].quantity = 8;
  mark_changed_on_platform_stale(lines, current, held);
  EXPECT_EQ(lines[0].outcome, outcome::kPending);
  EXPECT_EQ(lines[1].outcome, outcome::kStale);
  EXPECT_EQ(lines[1].message,
            "not applied: the platform's value is now 8 (was 9 when held); sync again to review "
            "today's numbers");
}

}  // namespace
}  // namespace mb::sync_internal
