// What the PostgreSQL store does beyond the shared suite (store_test.cc): several nodes on one
// database (leases taken by exactly one, migrations run once), a schema newer than this build,
// reading without creating, and connection errors that name the server but not the password.
#include "host/store/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <set>
#include <thread>
#include <vector>

#include "host/store/testing/postgres_cluster.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;
using testing::TestDatabase;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(database_.error(), ""); }

  // One node: a store on its own connection.
  Result<std::unique_ptr<Store>> open(bool create_schema = true, int migrate_to_version = 0) {
    return open_postgres_store({.target = database_.url(),
                                .password = std::nullopt,
                                .key_file = dir_ / "secret.key",
                                .clock = &clock_,
                                .migrate_to_version = migrate_to_version,
                                .create_schema = create_schema});
  }

  FakeClock clock_{1767225600000};
  TempDir dir_;
  TestDatabase database_;
};

TEST_F(PostgresStoreTest, NodesStartingTogetherMigrateOnceAndAllOpen) {
  constexpr int kNodes = 6;
  std::vector<Status> opened(kNodes);
  std::barrier start(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i)
    nodes.emplace_back([&, i] {
      start.arrive_and_wait();
      auto store = open();
      opened[i] = store ? Status::Ok() : store.status();
    });
  for (auto& t : nodes) t.join();
  for (const auto& s : opened) EXPECT_TRUE(s.ok()) << s.message();
  auto version = database_.cluster()->query(database_.name(), "SELECT version FROM schema_version");
  ASSERT_TRUE(version) << version.status().message();
  EXPECT_EQ(*version, std::to_string(postgres_store_schema_version()));
  EXPECT_EQ(*database_.cluster()->query(database_.name(), "SELECT count(*) FROM schema_version"),
            "1");
}

// Several nodes claim due jobs at once (FOR UPDATE SKIP LOCKED): every job is claimed by
// exactly one of them, and none waits for another's lock to end its turn empty-handed.
TEST_F(PostgresStoreTest, JobsClaimedByNodesAtOnceAreEachClaimedOnce) {
  constexpr int kNodes = 6;
  constexpr int kJobs = 60;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kNodes; ++i) {
    auto store = open();
    ASSERT_TRUE(store) << store.status().message();
    stores.push_back(std::move(*store));
  }
  for (int j = 0; j < kJobs; ++j) {
    SyncJob job;
    job.connector_id = "connector-" + std::to_string(j);
    job.window_key = "schedule:1";
    job.trigger = "schedule";
    job.due_at_ms = clock_.now_ms();
    ASSERT_TRUE(*stores[0]->enqueue_job(job));
  }
  std::vector<std::vector<int64_t>> claimed(kNodes);
  std::vector<std::string> errors(kNodes);
  std::barrier start(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i)
    nodes.emplace_back([&, i] {
      start.arrive_and_wait();
      for (;;) {
        auto job = stores[i]->claim_job("node-" + std::to_string(i), 60'000);
        if (!job) {
          errors[i] = job.status().message();
          return;
        }
        if (!*job) return;
        claimed[i].push_back((*job)->id);
      }
    });
  for (auto& t : nodes) t.join();
  std::set<int64_t> all;
  size_t total = 0;
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(errors[i], "") << "node " << i;
    total += claimed[i].size();
    all.insert(claimed[i].begin(), claimed[i].end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kJobs));       // none twice
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));  // none left
}

// Several nodes race for a connector whose holder died (its lease expired): exactly one takes
// it, and every other is told who did — round after round.
TEST_F(PostgresStoreTest, AnExpiredLeaseIsTakenByExactlyOneOfTheNodesRacingForIt) {
  constexpr int kNodes = 6;
  constexpr int kRounds = 15;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kNodes; ++i) {
    auto store = open();
    ASSERT_TRUE(store) << store.status().message();
    stores.push_back(std::move(*store));
  }
  for (int round = 0; round < kRounds; ++round) {
    clock_.advance_ms(120'000);  // whoever holds it now has let it expire
    std::atomic<int> taken{0};
    std::vector<std::string> told(kNodes);
    std::barrier start(kNodes);
    std::vector<std::thread> nodes;
    for (int i = 0; i < kNodes; ++i)
      nodes.emplace_back([&, i] {
        LeaseHolder me;
        me.owner_id = "node-" + std::to_string(i) + "-round-" + std::to_string(round);
        me.host = "host-" + std::to_string(i);
        me.purpose = "sync";
        start.arrive_and_wait();
        auto r = stores[i]->acquire_lease("acme", me, 60'000, "");
        if (!r) {
          told[i] = "error: " + r.status().message();
        } else if (!r->has_value()) {
          ++taken;
          told[i] = me.owner_id;
        } else {
          told[i] = (*r)->owner_id;
        }
      });
    for (auto& t : nodes) t.join();
    ASSERT_EQ(taken.load(), 1) << "round " << round;
    auto holder = stores[0]->get_lease("acme");
    ASSERT_TRUE(holder && holder->has_value());
    for (const auto& name : told) EXPECT_EQ(name, (*holder)->owner_id) << "round " << round;
  }
}

TEST_F(PostgresStoreTest, ADatabaseOfANewerSchemaIsRefusedAndLeftAlone) {
  ASSERT_TRUE(open());
  ASSERT_TRUE(
      database_.cluster()->query(database_.name(), "UPDATE schema_version SET version = 99"));
  auto newer = open();
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(newer.status().message().find("newer than this meterbridge supports"),
            std::string::npos)
      << newer.status().message();
  EXPECT_EQ(*database_.cluster()->query(database_.name(), "SELECT version FROM schema_version"),
            "99");
}

// Schema 6 adds the alerts (docs/alerts.md) to a database that already holds a connector,
// written through SQL as the previous release wrote it.
TEST_F(PostgresStoreTest, SchemaSixAddsAlertsAndKeepsWhatWasThere) {
  ASSERT_TRUE(open(/*create_schema=*/true, /*migrate_to_version=*/5));
  ASSERT_TRUE(database_.cluster()->query(
      database_.name(),
      "INSERT INTO connectors(id, plugin_id, partner, created_at, updated_at) VALUES('acme', "
      "'examplepsa', 'Acme IT', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"));
  auto store = open();
  ASSERT_TRUE(store) << store.status().message();
  EXPECT_EQ(postgres_store_schema_version(), 8);
  auto connector = (*store)->get_connector("acme");
  ASSERT_TRUE(connector && *connector);
  EXPECT_EQ((*connector)->partner, "Acme IT");
  Alert alert;
  alert.id = "al-1";
  alert.workspace_id = "w1";
  alert.title = "Suspicious sign-in";
  alert.time = "2026-12-05T10:00:00Z";
  auto recorded = (*store)->record_alerts({alert}, "api");
  ASSERT_TRUE(recorded) << recorded.status().message();
  EXPECT_EQ((*recorded)[0].outcome, AlertRecordOutcome::kCreated);
}

TEST_F(PostgresStoreTest, ReadingWithoutCreatingLeavesAnEmptyDatabaseEmpty) {
  auto reader = open(/*create_schema=*/false);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.status().code(), ErrorClass::kNotFound);
  EXPECT_EQ(*database_.cluster()->query(
                database_.name(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            "0");
  ASSERT_TRUE(open());
  EXPECT_TRUE(open(/*create_schema=*/false));
}

// The server cuts the session in the middle of a usage import: none of the import may be kept,
// and nothing sent after the cut may run on a new session outside the transaction (each
// statement would commit on its own). Once the transaction is over, the store reconnects.
TEST_F(PostgresStoreTest, ASessionLostInsideATransactionKeepsNoneOfItAndTheStoreReconnects) {
  auto store = open();
  ASSERT_TRUE(store) << store.status().message();
  auto import = (*store)->begin_usage_import("cut");
  ASSERT_TRUE(import) << import.status().message();
  ASSERT_TRUE((*import)->add_workspace({"w1", "Alpha", false, ""}).ok());
  ASSERT_TRUE((*import)->add_service({"edr", "EDR"}).ok());
  auto cut = database_.cluster()->query(
      database_.name(),
      "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
      "WHERE datname = current_database() AND application_name = 'meterbridge'");
  ASSERT_TRUE(cut) << cut.status().message();
  ASSERT_EQ(*cut, "1");

  EXPECT_EQ((*import)->add_count({"w1", "edr", 1, 1}).code(), ErrorClass::kRetry);
  EXPECT_EQ((*import)->add_service({"email", "Email"}).code(), ErrorClass::kRetry);
  EXPECT_FALSE((*import)->commit("2026-11-01T00:00:00Z"));
  import->reset();

  auto workspaces = (*store)->list_workspaces();
  ASSERT_TRUE(workspaces) << workspaces.status().message();
  EXPECT_TRUE(workspaces->empty());
  EXPECT_TRUE((*store)->list_services()->empty());
  EXPECT_FALSE((*store)->latest_snapshot()->has_value());
  EXPECT_TRUE(
      (*store)->import_usage({{"w1", "Alpha", false, ""}}, {{"edr", "EDR"}},
                             {0, "2026-11-01T00:00:00Z", "", "again", {{"w1", "edr", 1, 1}}}));
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsARetryNamingItButNotThePassword) {
  auto store = open_postgres_store(
      {.target = "postgresql://mb:Url-Secret-5150@127.0.0.1:1/meterbridge?connect_timeout=2",
       .password = std::string("Option-Secret-8128"),
       .key_file = dir_ / "secret.key"});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.status().code(), ErrorClass::kRetry);
  const std::string& message = store.status().message();
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  EXPECT_EQ(message.find("Secret"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

}  // namespace
}  // namespace mb
