// The token bucket, the hourly budget and the concurrency limiter, driven by a fake clock.
#include <gtest/gtest.h>

#include "host/http/internal/concurrency_limiter.h"
#include "host/http/internal/hourly_budget.h"
#include "host/http/internal/token_bucket.h"
#include "host/http/retry_after.h"

namespace mb::http::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

TEST(TokenBucket, StartsFullThenPacesAtTheRate) {
  const auto t0 = TokenBucket::Clock::time_point{} + std::chrono::hours(1);
  TokenBucket b(10.0, 2, t0);  // 10/s, burst 2
  EXPECT_EQ(b.try_take(t0).count(), 0);
  EXPECT_EQ(b.try_take(t0).count(), 0);
  const double wait_ms = std::chrono::duration<double, std::milli>(b.try_take(t0)).count();
  EXPECT_NEAR(wait_ms, 100.0, 0.01);
  EXPECT_GT(b.try_take(t0 + milliseconds(50)).count(), 0);
  EXPECT_EQ(b.try_take(t0 + milliseconds(100)).count(), 0);
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  const auto t0 = TokenBucket::Clock::time_point{};
  TokenBucket b(1.0, 3, t0);
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.try_take(later).count(), 0);
  EXPECT_GT(b.try_take(later).count(), 0);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  TokenBucket b(0, 1, TokenBucket::Clock::time_point{});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(b.try_take(TokenBucket::Clock::time_point{}).count(), 0);
}

TEST(HourlyBudget, RefusesABatchThatWouldCrossTheLimit) {
  const auto t0 = HourlyBudget::Clock::time_point{} + std::chrono::hours(24 * 365 * 50);
  HourlyBudget budget(10);
  EXPECT_TRUE(budget.try_reserve(6, t0));
  EXPECT_TRUE(budget.try_reserve(3, t0 + minutes(10)));
  EXPECT_FALSE(budget.try_reserve(2, t0 + minutes(20)));
  EXPECT_EQ(budget.used(t0 + minutes(20)), 9);
  EXPECT_TRUE(budget.try_reserve(1, t0 + minutes(20)));
}

TEST(HourlyBudget, ResumesWhenEnoughRequestsLeaveTheWindow) {
  const auto t0 = HourlyBudget::Clock::time_point{} + std::chrono::hours(24 * 365 * 50);
  HourlyBudget budget(10);
  ASSERT_TRUE(budget.try_reserve(6, t0));
  ASSERT_TRUE(budget.try_reserve(4, t0 + minutes(10)));
  const auto now = t0 + minutes(30);
  EXPECT_EQ(budget.resumes_at(3, now), t0 + minutes(60));  // the first 6 expire
  EXPECT_EQ(budget.resumes_at(8, now), t0 + minutes(70));  // all expire
  EXPECT_EQ(budget.resumes_at(11, now), HourlyBudget::Clock::time_point::max());
  EXPECT_TRUE(budget.try_reserve(3, t0 + minutes(60)));  // sliding: the window moved
  EXPECT_EQ(budget.used(t0 + minutes(60)), 7);
}

TEST(HourlyBudget, ZeroLimitIsUnlimited) {
  HourlyBudget budget(0);
  EXPECT_TRUE(budget.try_reserve(1000000, HourlyBudget::Clock::now()));
}

TEST(ConcurrencyLimiter, EnforcesOverallAndPerEndpointLimits) {
  ConcurrencyLimiter l(4, 3);  // 4 overall, 3 per endpoint key
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(l.can_start("Companies"));
    l.start("Companies");
  }
  EXPECT_FALSE(l.can_start("Companies"));
  EXPECT_TRUE(l.can_start("Contracts"));
  l.start("Contracts");
  EXPECT_FALSE(l.can_start("Contracts"));  // overall limit
  EXPECT_FALSE(l.overall_available());
  l.finish("Companies");
  EXPECT_TRUE(l.can_start("Companies"));
  EXPECT_EQ(l.in_flight(), 3);
  EXPECT_EQ(l.in_flight("Companies"), 2);
}

}  // namespace
}  // namespace mb::http::internal
