// SlidingWindowLimiter: "at most N requests in any rolling window" — Autotask's 10,000 per
// hour, ConnectWise's ~1,000 per minute, Gradient's 100 per second. Not thread-safe: platforms
// use it from handlers, which the core already serializes.
//
//   SlidingWindowLimiter per_second(100, std::chrono::seconds(1));
//   if (!per_second.try_acquire()) throw HttpError(429, "Request limit reached ...");
#ifndef METERBRIDGE_SIM_CORE_RATE_WINDOW_H_
#define METERBRIDGE_SIM_CORE_RATE_WINDOW_H_

#include <chrono>
#include <cstdint>
#include <deque>

namespace mb::sim {

class SlidingWindowLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // limit <= 0 means unlimited (every request is admitted and still counted).
  SlidingWindowLimiter(int64_t limit, Clock::duration window) : limit_(limit), window_(window) {}

  // Admits and counts a request when fewer than `limit` were admitted in the window ending at
  // `now`; a refused request is not counted.
  bool try_acquire(Clock::time_point now = Clock::now());
  // Requests admitted in the window ending at `now`.
  int64_t count(Clock::time_point now = Clock::now());
  // How long until a request would be admitted again (zero when it would be now).
  Clock::duration retry_after(Clock::time_point now = Clock::now());

  // A new limit and window, for settings changed at run time: a change to either starts afresh
  // (nothing counted), the same values keep the count.
  void reconfigure(int64_t limit, Clock::duration window) {
    if (limit != limit_ || window != window_) *this = SlidingWindowLimiter(limit, window);
  }
  void set_limit(int64_t limit) { limit_ = limit; }
  int64_t limit() const { return limit_; }
  void reset() { admitted_.clear(); }

 private:
  void expire(Clock::time_point now);

  int64_t limit_;
  Clock::duration window_;
  std::deque<Clock::time_point> admitted_;
};

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_RATE_WINDOW_H_
