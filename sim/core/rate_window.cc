#include "sim/core/rate_window.h"

namespace mb::sim {

void SlidingWindowLimiter::expire(Clock::time_point now) {
  while (!admitted_.empty() && admitted_.front() <= now - window_) admitted_.pop_front();
}

bool SlidingWindowLimiter::try_acquire(Clock::time_point now) {
  expire(now);
  if (limit_ > 0 && static_cast<int64_t>(admitted_.size()) >= limit_) return false;
  admitted_.push_back(now);
  return true;
}

int64_t SlidingWindowLimiter::count(Clock::time_point now) {
  expire(now);
  return static_cast<int64_t>(admitted_.size());
}

SlidingWindowLimiter::Clock::duration SlidingWindowLimiter::retry_after(Clock::time_point now) {
  expire(now);
  if (limit_ <= 0 || static_cast<int64_t>(admitted_.size()) < limit_) {
    return Clock::duration::zero();
  }
  // The oldest admitted request leaves the window first; with limit L, the (size-L)th one is
  // the one whose departure makes room.
  const auto& freeing = admitted_[admitted_.size() - static_cast<size_t>(limit_)];
  return freeing + window_ - now;
}

}  // namespace mb::sim
