#include "host/server/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

#include "host/common/metrics_catalog.h"

namespace mb::server {
namespace {

int64_t utc_ms(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

ScheduleConfig at(const std::string& time, const std::string& tz, int jitter = 0) {
  ScheduleConfig s;
  s.time = time;
  s.timezone = tz;
  s.jitter_minutes = jitter;
  return s;
}

TEST(Scheduler, FiresAtTheLocalTimeInUtc) {
  auto next = next_fire_ms(at("02:00", "UTC"), "c", utc_ms(2026, 11, 22, 1, 0));
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, utc_ms(2026, 11, 22, 2, 0));
  // Already past today: tomorrow. Exactly at the time: tomorrow too (strictly after now).
  EXPECT_EQ(*next_fire_ms(at("02:00", "UTC"), "c", utc_ms(2026, 11, 22, 3, 0)), utc_ms(2026, 11, 23, 2, 0));
  EXPECT_EQ(*next_fire_ms(at("02:00", "UTC"), "c", utc_ms(2026, 11, 22, 2, 0)), utc_ms(2026, 11, 23, 2, 0));
}

TEST(Scheduler, FollowsDaylightSavingTime) {
  // London: GMT in winter, BST (UTC+1) in summer.
  EXPECT_EQ(*next_fire_ms(at("02:00", "Europe/London"), "c", utc_ms(2026, 1, 10, 0, 0)), utc_ms(2026, 1, 10, 2, 0));
  EXPECT_EQ(*next_fire_ms(at("02:00", "Europe/London"), "c", utc_ms(2026, 7, 10, 0, 0)), utc_ms(2026, 7, 10, 1, 0));
  // New York: UTC-5 in winter, UTC-4 in summer; local date differs from the UTC date at night.
  EXPECT_EQ(*next_fire_ms(at("23:30", "America/New_York"), "c", utc_ms(2026, 1, 10, 12, 0)),
            utc_ms(2026, 1, 11, 4, 30));
  EXPECT_EQ(*next_fire_ms(at("23:30", "America/New_York"), "c", utc_ms(2026, 7, 10, 12, 0)),
            utc_ms(2026, 7, 11, 3, 30));
}

TEST(Scheduler, ANonExistentLocalTimeFiresRightAfterTheGap) {
  // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 -> 03:00 EDT = 07:00 UTC).
  auto next = next_fire_ms(at("02:30", "America/New_York"), "c", utc_ms(2026, 3, 8, 5, 0));
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, utc_ms(2026, 3, 8, 7, 0));
}

TEST(Scheduler, JitterIsStablePerConnectorAndBounded) {
  EXPECT_EQ(jitter_seconds("acme", 30), jitter_seconds("acme", 30));
  EXPECT_NE(jitter_seconds("acme", 30), jitter_seconds("globex", 30));
  for (const char* id : {"a", "b", "acme-psa", "z-very-long-connector-id"}) {
    EXPECT_GE(jitter_seconds(id, 30), 0);
    EXPECT_LT(jitter_seconds(id, 30), 30 * 60);
  }
  EXPECT_EQ(jitter_seconds("acme", 0), 0);
  int64_t base = utc_ms(2026, 11, 22, 2, 0);
  EXPECT_EQ(*next_fire_ms(at("02:00", "UTC", 30), "acme", utc_ms(2026, 11, 22, 1, 0)),
            base + jitter_seconds("acme", 30) * 1000);
}

TEST(Scheduler, RejectsAnUnknownZone) {
  auto next = next_fire_ms(at("02:00", "Mars/Olympus_Mons"), "c", 0);
  ASSERT_FALSE(next);
  EXPECT_NE(next.status().message().find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(Scheduler, RunsADueConnectorOnItsThread) {
  FakeClock clock(utc_ms(2026, 11, 22, 1, 59) + 59990);  // 10 ms before 02:00
  std::atomic<int> runs{0};
  std::atomic<int64_t> window{0};
  Scheduler scheduler(clock, [&](const std::string&, int64_t fire_ms) {
    window = fire_ms;
    ++runs;
  });
  ASSERT_TRUE(scheduler.start({{"c", at("02:00", "UTC")}}).ok());
  EXPECT_EQ(scheduler.next_runs().at("c"), utc_ms(2026, 11, 22, 2, 0));
  clock.advance_ms(1000);
  for (int i = 0; i < 200 && runs.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  scheduler.stop();
  EXPECT_EQ(runs.load(), 1);
  // The window is the time it was due, not the time it ran: the same on every node.
  EXPECT_EQ(window.load(), utc_ms(2026, 11, 22, 2, 0));
}

TEST(Scheduler, ARescheduleKeepsUnchangedTimesAddsNewOnesAndDropsRemovedOnes) {
  FakeClock clock(utc_ms(2026, 11, 22, 1, 0));
  Scheduler scheduler(clock, [](const std::string&, int64_t) {});
  ASSERT_TRUE(scheduler
                  .start({{"kept", at("02:00", "UTC")},
                          {"moved", at("03:00", "UTC")},
                          {"removed", at("04:00", "UTC")}})
                  .ok());
  clock.advance_ms(10 * 60 * 1000);  // an unchanged schedule is not recomputed from the new now
  ASSERT_TRUE(scheduler
                  .reschedule({{"kept", at("02:00", "UTC")},
                               {"moved", at("05:00", "UTC")},
                               {"added", at("06:00", "UTC")}})
                  .ok());
  auto next = scheduler.next_runs();
  EXPECT_EQ(next, (std::map<std::string, int64_t>{{"kept", utc_ms(2026, 11, 22, 2, 0)},
                                                  {"moved", utc_ms(2026, 11, 22, 5, 0)},
                                                  {"added", utc_ms(2026, 11, 22, 6, 0)}}));
  // An invalid schedule changes nothing.
  EXPECT_FALSE(scheduler.reschedule({{"kept", at("02:00", "Mars/Olympus_Mons")}}).ok());
  EXPECT_EQ(scheduler.next_runs(), next);
}

TEST(Scheduler, TheNextRunGaugeFollowsTheSchedulesAndForgetsRemovedOnes) {
  FakeClock clock(utc_ms(2026, 11, 22, 1, 0));
  Scheduler scheduler(clock, [](const std::string&, int64_t) {});
  ASSERT_TRUE(
      scheduler.start({{"gauge-kept", at("02:00", "UTC")}, {"gauge-gone", at("03:00", "UTC")}})
          .ok());
  auto& gauge = host_metrics().scheduler_next_run;
  EXPECT_EQ(gauge.labels({"gauge-kept"}).value(), utc_ms(2026, 11, 22, 2, 0) / 1000.0);
  ASSERT_TRUE(scheduler.reschedule({{"gauge-kept", at("02:00", "UTC")}}).ok());
  std::string text = metrics::default_registry().render();
  EXPECT_NE(text.find("{connector=\"gauge-kept\"}"), std::string::npos) << text;
  EXPECT_EQ(text.find("gauge-gone"), std::string::npos) << text;
}

TEST(Scheduler, StopBeforeADeadlineDoesNotWaitForALongRun) {
  FakeClock clock(utc_ms(2026, 11, 22, 1, 59) + 59990);
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  Scheduler scheduler(clock, [&](const std::string&, int64_t) {
    ++started;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  ASSERT_TRUE(scheduler.start({{"c", at("02:00", "UTC")}}).ok());
  clock.advance_ms(1000);
  for (int i = 0; i < 200 && started.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(started.load(), 1);
  auto now = std::chrono::steady_clock::now();
  EXPECT_FALSE(scheduler.stop_before(now + std::chrono::milliseconds(100)));
  EXPECT_LT(std::chrono::steady_clock::now() - now, std::chrono::milliseconds(1000));
  release = true;
  EXPECT_TRUE(scheduler.stop_before(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
}

}  // namespace
}  // namespace mb::server
