#include "sim/core/rate_window.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

using std::chrono::milliseconds;
using Clock = SlidingWindowLimiter::Clock;

TEST(SimSlidingWindowLimiterTest, AdmitsUpToTheLimitWithinTheWindow) {
  SlidingWindowLimiter limiter(3, milliseconds(1000));
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.try_acquire(t0));
  EXPECT_TRUE(limiter.try_acquire(t0 + milliseconds(10)));
  EXPECT_TRUE(limiter.try_acquire(t0 + milliseconds(20)));
  EXPECT_FALSE(limiter.try_acquire(t0 + milliseconds(30)));
  EXPECT_EQ(limiter.count(t0 + milliseconds(30)), 3);
}

TEST(SimSlidingWindowLimiterTest, RetryAfterIsWhenTheOldestLeaves) {
  SlidingWindowLimiter limiter(2, milliseconds(1000));
  const Clock::time_point t0{};
  limiter.try_acquire(t0);
  limiter.try_acquire(t0 + milliseconds(400));
  EXPECT_EQ(limiter.retry_after(t0 + milliseconds(500)), milliseconds(500));
  EXPECT_TRUE(limiter.try_acquire(t0 + milliseconds(1000)));
}

TEST(SimSlidingWindowLimiterTest, RefusedRequestsDoNotCount) {
  SlidingWindowLimiter limiter(1, milliseconds(100));
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.try_acquire(t0));
  for (int i = 1; i < 50; ++i) EXPECT_FALSE(limiter.try_acquire(t0 + milliseconds(i)));
  EXPECT_TRUE(limiter.try_acquire(t0 + milliseconds(100)));
}

TEST(SimSlidingWindowLimiterTest, ZeroLimitAdmitsEverythingAndCounts) {
  SlidingWindowLimiter limiter(0, milliseconds(100));
  const Clock::time_point t0{};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.try_acquire(t0));
  EXPECT_EQ(limiter.count(t0), 10);
  EXPECT_EQ(limiter.retry_after(t0), Clock::duration::zero());
}

TEST(SimSlidingWindowLimiterTest, ReconfiguringStartsAfreshOnlyWhenSomethingChanged) {
  SlidingWindowLimiter limiter(2, milliseconds(1000));
  const Clock::time_point t0{};
  limiter.try_acquire(t0);
  limiter.try_acquire(t0);
  limiter.reconfigure(2, milliseconds(1000));
  EXPECT_FALSE(limiter.try_acquire(t0)) << "the same limit keeps the count";
  limiter.reconfigure(3, milliseconds(1000));
  EXPECT_EQ(limiter.count(t0), 0);
  EXPECT_EQ(limiter.limit(), 3);
  limiter.try_acquire(t0);
  limiter.reconfigure(3, milliseconds(500));
  EXPECT_EQ(limiter.count(t0), 0) << "a new window starts afresh too";
}

}  // namespace
}  // namespace mb::sim
