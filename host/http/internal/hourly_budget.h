// A request budget over a sliding window (one hour by default): some platforms suspend a whole
// tenant past a number of requests in a rolling hour, so the engine refuses a batch that would
// cross the connector's budget instead. The caller passes the time.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_HOURLY_BUDGET_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_HOURLY_BUDGET_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

namespace mb::http::internal {

class HourlyBudget {
 public:
  using Clock = std::chrono::system_clock;

  // limit <= 0: unlimited.
  explicit HourlyBudget(int64_t limit, Clock::duration window = std::chrono::hours(1));

  // Counts n requests at `now` when they fit in the window; otherwise counts nothing.
  bool try_reserve(int64_t n, Clock::time_point now);
  // The earliest time at which n requests fit; time_point::max() when n exceeds the limit.
  Clock::time_point resumes_at(int64_t n, Clock::time_point now);
  // Requests counted in the window ending at `now`.
  int64_t used(Clock::time_point now);
  int64_t limit() const { return limit_; }

 private:
  void expire(Clock::time_point now);

  int64_t limit_;
  Clock::duration window_;
  int64_t used_ = 0;
  std::deque<std::pair<Clock::time_point, int64_t>> entries_;  // oldest first
};

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_HOURLY_BUDGET_H_
