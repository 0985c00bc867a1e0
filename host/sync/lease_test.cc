#include "host/sync/lease.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "host/common/metrics_catalog.h"

namespace mb {
namespace {

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        open_sqlite_store({.path = ":memory:", .key_file = "unused.key", .clock = &clock_});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
  }

  // The pid of a process that has exited (and been reaped).
  static int64_t gone_pid() {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
  }

  FakeClock clock_{1767225600000};
  std::unique_ptr<Store> store_;
};

TEST_F(LeaseTest, ASecondOwnerIsToldWhoHoldsTheConnector) {
  auto first = ConnectorLease::acquire(*store_, "acme", "sync");
  ASSERT_TRUE(first) << first.status().message();
  auto second = ConnectorLease::acquire(*store_, "acme", "approval");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().code(), ErrorClass::kConflict);
  const std::string& why = second.status().message();
  EXPECT_NE(why.find("connector 'acme' is busy"), std::string::npos) << why;
  EXPECT_NE(why.find("a sync by pid " + std::to_string(::getpid())), std::string::npos) << why;
  EXPECT_NE(why.find("since "), std::string::npos) << why;
  EXPECT_TRUE(ConnectorLease::acquire(*store_, "other", "sync"));  // per connector
  first->reset();                                                  // released
  EXPECT_TRUE(ConnectorLease::acquire(*store_, "acme", "approval"));
}

TEST_F(LeaseTest, TheLeasesHeldGaugeIsOneWhileHeldAndZeroAfter) {
  auto& held = host_metrics().leases_held;
  auto lease = ConnectorLease::acquire(*store_, "gauge-acme", "sync");
  ASSERT_TRUE(lease) << lease.status().message();
  EXPECT_EQ(held.labels({"gauge-acme"}).value(), 1);
  lease->reset();
  EXPECT_EQ(held.labels({"gauge-acme"}).value(), 0);
}

TEST_F(LeaseTest, AProcessOnThisHostThatIsGoneIsTakenOverAtOnce) {
  LeaseHolder dead = this_process_as_holder("sync");
  dead.pid = gone_pid();
  ASSERT_TRUE(holder_process_is_gone(dead));
  ASSERT_FALSE(store_->acquire_lease("acme", dead, 60'000, "")->has_value());
  auto lease = ConnectorLease::acquire(*store_, "acme", "sync");
  ASSERT_TRUE(lease) << lease.status().message();
  EXPECT_EQ((*store_->get_lease("acme"))->owner_id, (*lease)->holder().owner_id);
}

TEST_F(LeaseTest, OnlyAProvedDeadLocalProcessCountsAsGone) {
  LeaseHolder me = this_process_as_holder("sync");
  EXPECT_FALSE(holder_process_is_gone(me));
  LeaseHolder elsewhere = me;
  elsewhere.host = "another-machine";
  elsewhere.pid = gone_pid();
  EXPECT_FALSE(holder_process_is_gone(elsewhere));  // another machine's pids say nothing here
  LeaseHolder reused = me;
  reused.process_start = "another-boot:12345";  // our pid, but another process's start
  EXPECT_TRUE(holder_process_is_gone(reused));
}

TEST_F(LeaseTest, AnOwnerWhoseLeaseWasTakenStopsBeforeWriting) {
  auto lease = ConnectorLease::acquire(*store_, "acme", "sync",
                                       {.ttl_ms = 1'000, .renew_every_ms = 600'000});
  ASSERT_TRUE(lease);
  EXPECT_TRUE((*lease)->confirm().ok());
  clock_.advance_ms(2'000);  // frozen past its ttl; another node takes the connector
  LeaseHolder other = this_process_as_holder("sync");
  other.host = "node-2";
  ASSERT_FALSE(store_->acquire_lease("acme", other, 60'000, "")->has_value());
  Status confirmed = (*lease)->confirm();
  EXPECT_EQ(confirmed.code(), ErrorClass::kConflict);
  EXPECT_TRUE((*lease)->lost());
  lease->reset();  // releasing a lost lease leaves the new owner's alone
  EXPECT_EQ((*store_->get_lease("acme"))->host, "node-2");
}

TEST_F(LeaseTest, TheHeartbeatKeepsTheLeaseAlive) {
  auto lease =
      ConnectorLease::acquire(*store_, "acme", "sync", {.ttl_ms = 1'000, .renew_every_ms = 20});
  ASSERT_TRUE(lease);
  for (int i = 0; i < 5; ++i) {
    clock_.advance_ms(800);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a few heartbeats
  }
  LeaseHolder other = this_process_as_holder("sync");
  other.host = "node-2";
  EXPECT_TRUE(store_->acquire_lease("acme", other, 60'000, "")->has_value());  // still held
  EXPECT_FALSE((*lease)->lost());
}

}  // namespace
}  // namespace mb
