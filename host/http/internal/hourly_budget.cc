#include "host/http/internal/hourly_budget.h"

namespace mb::http::internal {

HourlyBudget::HourlyBudget(int64_t limit, Clock::duration window)
    : limit_(limit), window_(window) {}

void HourlyBudget::expire(Clock::time_point now) {
  while (!entries_.empty() && entries_.front().first + window_ <= now) {
    used_ -= entries_.front().second;
    entries_.pop_front();
  }
}

bool HourlyBudget::try_reserve(int64_t n, Clock::time_point now) {
  if (limit_ <= 0) return true;
  expire(now);
  if (used_ + n > limit_) return false;
  if (!entries_.empty() && entries_.back().first == now) {
    entries_.back().second += n;
  } else {
    entries_.emplace_back(now, n);
  }
  used_ += n;
  return true;
}

HourlyBudget::Clock::time_point HourlyBudget::resumes_at(int64_t n, Clock::time_point now) {
  if (limit_ <= 0) return now;
  if (n > limit_) return Clock::time_point::max();
  expire(now);
  int64_t used = used_;
  for (const auto& [when, count] : entries_) {
    if (used + n <= limit_) return now;
    used -= count;
    if (used + n <= limit_) return when + window_;
  }
  return now;
}

int64_t HourlyBudget::used(Clock::time_point now) {
  expire(now);
  return used_;
}

}  // namespace mb::http::internal
