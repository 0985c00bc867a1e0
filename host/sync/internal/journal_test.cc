// The write journal alone, against an in-memory store: what a plugin's intents record, what
// refuses them, how the plugin's answer settles them, and how a later read settles what was
// left open.
#include "host/sync/internal/journal.h"

#include <gtest/gtest.h>

#include <memory>

#include "host/common/clock.h"

namespace mb::sync_internal {
namespace {

constexpr int64_t kNow = 1795305600000;  // 2026-11-22T00:00:00Z

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        open_sqlite_store({.path = ":memory:", .key_file = "unused.key", .clock = &clock_});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    ConnectorRecord c;
    c.id = "acme";
    c.plugin_id = "fake";
    ASSERT_TRUE(store_->upsert_connector(c).ok());
    for (const char* key : {"k1", "k2"}) {
      SyncLine l;
      l.key = key;
      l.workspace_id = std::string("w-") + key;
      l.service_id = "edr";
      l.account_id = std::string("A-") + key;
      l.psa_service_id = "S1";
      l.target = 10;
      l.action = LineAction::kUpdate;
      l.outcome = outcome::kPending;
      lines_.push_back(l);
    }
    run_.connector_id = "acme";
    run_.effective_date = "2026-11-22";
    run_.started_at = "2026-11-22T00:00:00Z";
    auto id = store_->create_run(run_, lines_);
    ASSERT_TRUE(id) << id.status().message();
    run_.id = *id;
    for (auto& l : lines_) batch_.push_back(&l);
  }

  std::vector<WriteIntent> open_intents() {
    auto open = store_->open_write_intents("acme");
    EXPECT_TRUE(open) << open.status().message();
    return open ? *open : std::vector<WriteIntent>{};
  }

  FakeClock clock_{kNow};
  std::unique_ptr<Store> store_;
  std::vector<SyncLine> lines_;
  std::vector<SyncLine*> batch_;
  SyncRun run_;
};

TEST_F(JournalTest, IntentsAreRecordedWithTheLinesPlatformPairBeforeAnyWrite) {
  BatchJournal journal(*store_, run_, batch_);
  ASSERT_TRUE(journal
                  .record(R"([{"key":"k1","units_before":4,"target":10,"ref":{"id":"cs-9"}},
                                 {"key":"k2","target":10,"ref":"not an object"}])")
                  .ok());
  auto open = open_intents();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].line_key, "k1");
  EXPECT_EQ(open[0].account_id, "A-k1");
  EXPECT_EQ(open[0].psa_service_id, "S1");
  EXPECT_EQ(open[0].units_before, 4);
  EXPECT_EQ(open[0].target, 10);
  EXPECT_EQ(open[0].effective_date, "2026-11-22");
  EXPECT_EQ(open[0].ref_json, R"({"id":"cs-9"})");
  EXPECT_EQ(to_text(open[0].state), "open");
  EXPECT_FALSE(open[1].units_before);
  EXPECT_EQ(open[1].ref_json, "{}");  // only an object names a platform object
}

TEST_F(JournalTest, AnIntentTheCallDoesNotKnowOrWithoutATargetRefusesTheWholeArray) {
  BatchJournal journal(*store_, run_, batch_);
  EXPECT_EQ(journal.record(R"({"key":"k1"})").message(), "journal: intents must be a JSON array");
  EXPECT_EQ(
      journal.record(R"([{"key":"k1","target":10},{"key":"elsewhere","target":1}])").message(),
      "journal: intent for a key not in this call: 'elsewhere'");
  EXPECT_EQ(journal.record(R"([{"key":"k1","target":"10"}])").message(),
            "journal: intent for 'k1' has no integer target");
  EXPECT_EQ(journal.record(R"([7])").message(), "journal: intent for a key not in this call: ''");
  EXPECT_TRUE(open_intents().empty());
}

TEST_F(JournalTest, TheAnswerSettlesKnownOutcomesAndLeavesDoubtOpen) {
  BatchJournal journal(*store_, run_, batch_);
  ASSERT_TRUE(journal.record(R"([{"key":"k1","target":10},{"key":"k2","target":10}])").ok());
  lines_[0].outcome = outcome::kUpdated;
  lines_[1].outcome = outcome::kFailed;
  ASSERT_TRUE(journal.settle({{"k1", false}, {"k2", true}}).ok());
  auto open = open_intents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].line_key, "k2");
}

TEST_F(JournalTest, ALaterReadConfirmsAnIntentOrHoldsTheLineUntilItsGracePeriodPasses) {
  BatchJournal journal(*store_, run_, batch_);
  ASSERT_TRUE(
      journal.record(R"([{"key":"k1","units_before":4,"target":10},{"key":"k2","target":10}])")
          .ok());
  std::map<std::string, CurrentValue> current;
  current["k1"].quantity = 10;  // the write landed
  current["k2"].quantity = 4;   // not yet
  Policies policies;
  SyncRun later = run_;
  later.id = run_.id + 1;
  ASSERT_TRUE(settle_journal(*store_, later, policies, lines_, current, kNow + 1000).ok());
  EXPECT_EQ(lines_[0].outcome, outcome::kPending);  // diffed as usual
  EXPECT_EQ(lines_[1].outcome, outcome::kPendingConfirmation);
  EXPECT_EQ(lines_[1].action, LineAction::kWait);
  auto open = open_intents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].line_key, "k2");

  lines_[1].outcome = outcome::kPending;
  ASSERT_TRUE(settle_journal(*store_, later, policies, lines_, current,
                             kNow + policies.unconfirmed_write_grace_seconds * 1000 + 1)
                  .ok());
  EXPECT_EQ(lines_[1].outcome, outcome::kPending);  // written again from the fresh value
  EXPECT_NE(lines_[1].message.find("was not confirmed within 300 s; written again from 4"),
            std::string::npos);
  EXPECT_TRUE(open_intents().empty());
}

}  // namespace
}  // namespace mb::sync_internal
