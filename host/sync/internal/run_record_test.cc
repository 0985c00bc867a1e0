// The run record alone: the final state a run's lines make, and the effective date a policy
// asks for.
#include "host/sync/internal/run_record.h"

#include <gtest/gtest.h>

#include "host/sync/planner.h"

namespace mb::sync_internal {
namespace {

constexpr int64_t kNow = 1795305600000;  // 2026-11-22T00:00:00Z

std::vector<SyncLine> lines_with(std::initializer_list<const char*> outcomes) {
  std::vector<SyncLine> lines;
  for (const char* o : outcomes) {
    SyncLine l;
    l.outcome = o;
    lines.push_back(l);
  }
  return lines;
}

std::string state_of(std::initializer_list<const char*> outcomes,
                     const Status& run_error = Status::Ok()) {
  SyncRun run;
  finish_run(run, lines_with(outcomes), run_error, kNow);
  return std::string(to_text(run.state));
}

TEST(FinishRunTest, TheStateFollowsWhatSucceededAndWhatDidNot) {
  EXPECT_EQ(state_of({}), "ok");
  EXPECT_EQ(state_of({outcome::kUpdated, outcome::kUnchanged, outcome::kHeld}), "ok");
  EXPECT_EQ(state_of({outcome::kUpdated, outcome::kFailed}), "partial");
  EXPECT_EQ(state_of({outcome::kFailed}), "failed");
  // A line waiting for an earlier write's confirmation is not done either.
  EXPECT_EQ(state_of({outcome::kUpdated, outcome::kPendingConfirmation}), "partial");
  EXPECT_EQ(state_of({outcome::kPendingConfirmation}), "failed");
  // A run stopped (credentials, lost lease) after some lines succeeded is partial, else failed.
  EXPECT_EQ(state_of({outcome::kUpdated}, Status::AuthFailed("no")), "partial");
  EXPECT_EQ(state_of({outcome::kHeld}, Status::AuthFailed("no")), "failed");
}

TEST(FinishRunTest, TheMessageSummarisesTheCountsAndTheCountsAreStored) {
  SyncRun run;
  finish_run(run, lines_with({outcome::kUpdated, outcome::kUpdated, outcome::kNoData}),
             Status::Ok(), kNow);
  EXPECT_EQ(run.message, "1 no_data, 2 updated");
  EXPECT_EQ(run.counts_json, R"({"no_data":1,"updated":2})");
  EXPECT_EQ(run.finished_at, "2026-11-22T00:00:00Z");

  SyncRun empty;
  finish_run(empty, {}, Status::Ok(), kNow);
  EXPECT_EQ(empty.message, "nothing to do");
}

TEST(EffectiveDateTest, ThePolicyPicksTodayOrAFirstOfMonthInUtc) {
  Policies p;
  EXPECT_EQ(effective_date_at(p, kNow), "2026-11-22");
  p.effective_date = "first_of_month";
  EXPECT_EQ(effective_date_at(p, kNow), "2026-11-01");
  p.effective_date = "first_of_next_month";
  EXPECT_EQ(effective_date_at(p, kNow), "2026-12-01");
  EXPECT_EQ(effective_date_at(p, kNow + 30LL * 24 * 3600 * 1000),
            "2027-01-01");  // December rolls the year
}

TEST(NewRunTest, TheConnectorsDryRunPolicyMakesEveryRunADryRun) {
  ConnectorConfig connector;
  connector.id = "acme";
  EXPECT_FALSE(new_run(connector, "manual", false, "owner-1", "2026-11-22", kNow).dry_run);
  connector.policies.dry_run = true;
  SyncRun run = new_run(connector, "manual", false, "owner-1", "2026-11-22", kNow);
  EXPECT_TRUE(run.dry_run);
  EXPECT_EQ(run.connector_id, "acme");
  EXPECT_EQ(run.owner_id, "owner-1");
  EXPECT_EQ(run.started_at, "2026-11-22T00:00:00Z");
}

}  // namespace
}  // namespace mb::sync_internal
