#include "host/server/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

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
  Scheduler scheduler(clock, [&](const std::string&) { ++runs; });
  ASSERT_TRUE(scheduler.start({{"c", at("02:00", "UTC")}}).ok());
  EXPECT_EQ(scheduler.next_runs().at("c"), utc_ms(2026, 11, 22, 2, 0));
  clock.advance_ms(1000);
  for (int i = 0; i < 200 && runs.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  scheduler.stop();
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace mb::server
