#include "host/server/job_workers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "tests/testing/temp_dir.h"

namespace mb::server {
namespace {

using namespace std::chrono_literals;

class JobWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({.path = dir_ / "state.db", .key_file = dir_ / "secret.key"});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
  }

  void enqueue(const std::string& connector, const std::string& window) {
    SyncJob job;
    job.connector_id = connector;
    job.window_key = window;
    job.trigger = "schedule";
    job.due_at_ms = SystemClock::instance().now_ms();
    ASSERT_TRUE(*store_->enqueue_job(job));
  }

  // Waits (bounded) until no job is queued or running.
  bool all_ended() {
    for (int i = 0; i < 500; ++i) {
      auto jobs = store_->list_jobs("", 100);
      bool open = std::any_of(jobs->begin(), jobs->end(), [](const SyncJob& j) {
        return j.state == JobState::kQueued || j.state == JobState::kRunning;
      });
      if (!open) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  JobWorkerOptions fast(int concurrency) {
    JobWorkerOptions options;
    options.concurrency = concurrency;
    options.claim_ttl_ms = 2'000;
    options.poll_every_ms = 20;
    options.busy_retry_ms = 30;
    return options;
  }

  mb::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(JobWorkersTest, EveryDueJobRunsOnceWithUpToConcurrencyAtOnce) {
  for (int i = 0; i < 6; ++i) enqueue("c" + std::to_string(i), "w");
  std::mutex mu;
  std::map<std::string, int> runs;
  std::atomic<int> now_running{0}, most_at_once{0};
  JobWorkers workers(*store_, fast(3), [&](const SyncJob& job) {
    int running = ++now_running;
    int seen = most_at_once.load();
    while (running > seen && !most_at_once.compare_exchange_weak(seen, running)) {
    }
    std::this_thread::sleep_for(80ms);  // a sync mostly waits on its platform
    --now_running;
    std::lock_guard<std::mutex> lock(mu);
    ++runs[job.connector_id];
    return JobOutcome{JobOutcome::Kind::kDone, 7, ""};
  });
  workers.start();
  ASSERT_TRUE(all_ended());
  EXPECT_TRUE(workers.stop_before(std::chrono::steady_clock::now() + 5s));
  EXPECT_EQ(runs.size(), 6u);
  for (const auto& [connector, count] : runs) EXPECT_EQ(count, 1) << connector;
  EXPECT_LE(most_at_once.load(), 3);
  EXPECT_GE(most_at_once.load(), 2);
  auto jobs = store_->list_jobs("", 10);
  ASSERT_TRUE(jobs) << jobs.status().message();
  for (const auto& job : *jobs) {
    EXPECT_EQ(job.state, JobState::kDone);
    EXPECT_EQ(job.run_id, 7);
    EXPECT_EQ(job.worker_id, workers.worker_id());
  }
}

TEST_F(JobWorkersTest, AJobWhoseConnectorIsBusyIsPutBackAndRunLater) {
  enqueue("busy", "w");
  std::atomic<int> calls{0};
  JobWorkers workers(*store_, fast(1), [&](const SyncJob&) {
    if (++calls == 1) return JobOutcome{JobOutcome::Kind::kBusy, 0, "connector 'busy' is busy"};
    return JobOutcome{JobOutcome::Kind::kDone, 3, ""};
  });
  workers.start();
  ASSERT_TRUE(all_ended());
  workers.stop_before(std::chrono::steady_clock::now() + 5s);
  auto job = (*store_->list_jobs("busy", 1))[0];
  EXPECT_EQ(job.state, JobState::kDone);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(JobWorkersTest, AJobThatCannotRunFailsWithItsReasonAndOneCutShortByAStopGoesBack) {
  enqueue("gone", "w");
  enqueue("stopping", "w");
  JobWorkers workers(*store_, fast(1), [&](const SyncJob& job) {
    if (job.connector_id == "gone")
      return JobOutcome{JobOutcome::Kind::kFailed, 0, "no connector 'gone' in the config"};
    return JobOutcome{JobOutcome::Kind::kStopped, 0, "a node stopped while it ran"};
  });
  workers.start();
  for (int i = 0; i < 500; ++i) {
    auto stopping = (*store_->list_jobs("stopping", 1))[0];
    if (stopping.attempts > 0 && stopping.state == JobState::kQueued) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(workers.stop_before(std::chrono::steady_clock::now() + 5s));
  auto gone = (*store_->list_jobs("gone", 1))[0];
  EXPECT_EQ(gone.state, JobState::kFailed);
  EXPECT_EQ(gone.message, "no connector 'gone' in the config");
  auto stopping = (*store_->list_jobs("stopping", 1))[0];
  EXPECT_EQ(stopping.state, JobState::kQueued);  // for another node to take
  EXPECT_EQ(stopping.message, "a node stopped while it ran");
}

// Four connectors on one platform tenant that allows two syncs at once, four workers: a job
// that finds the tenant full goes back to the queue without it counting as an attempt, so a
// max_attempts of 2 is never reached however often that happens, and the heartbeat keeps the
// slots of the running jobs alive past their TTL.
TEST_F(JobWorkersTest, AJobOfAFullTenantWaitsWithoutSpendingAttemptsAndSlotsLiveWithTheWorker) {
  for (int i = 0; i < 4; ++i) enqueue("c" + std::to_string(i), "w");
  JobWorkerOptions options = fast(4);
  options.claim_ttl_ms = 800;  // the heartbeat renews every 200 ms
  options.tenant_full_retry_ms = 30;
  options.max_attempts = 2;
  std::string worker_id;
  std::atomic<int> now_running{0}, most_at_once{0}, refusals{0}, outlived_ttl{0};
  JobWorkers workers(*store_, options, [&](const SyncJob& job) {
    const int64_t taken_at = SystemClock::instance().now_ms();
    auto taken = store_->acquire_tenant_slot("tenant", worker_id, job.connector_id, 2, taken_at,
                                             options.claim_ttl_ms);
    if (!taken || !*taken) {
      ++refusals;
      return JobOutcome{JobOutcome::Kind::kTenantFull, 0, "its platform tenant is full"};
    }
    int running = ++now_running;
    int seen = most_at_once.load();
    while (running > seen && !most_at_once.compare_exchange_weak(seen, running)) {
    }
    // Held for longer than its TTL: only the heartbeat keeps it.
    std::this_thread::sleep_for(1'200ms);
    auto holders = store_->tenant_slot_holders("tenant", SystemClock::instance().now_ms());
    if (holders && std::count(holders->begin(), holders->end(), job.connector_id) == 1)
      ++outlived_ttl;
    --now_running;
    EXPECT_TRUE(store_->release_tenant_slot("tenant", worker_id, job.connector_id).ok());
    return JobOutcome{JobOutcome::Kind::kDone, 1, ""};
  });
  worker_id = workers.worker_id();
  workers.start();
  ASSERT_TRUE(all_ended());
  ASSERT_TRUE(workers.stop_before(std::chrono::steady_clock::now() + 5s));
  EXPECT_LE(most_at_once.load(), 2);
  EXPECT_GT(refusals.load(), 2) << "the tenant was never full: the test proves nothing";
  EXPECT_EQ(outlived_ttl.load(), 4);
  for (const auto& job : *store_->list_jobs("", 10)) {
    EXPECT_EQ(job.state, JobState::kDone) << job.connector_id << ": " << job.message;
    EXPECT_EQ(job.attempts, 1) << job.connector_id;
  }
}

}  // namespace
}  // namespace mb::server
