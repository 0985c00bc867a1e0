#include "host/http/internal/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace mb::http::internal {

TokenBucket::TokenBucket(double rate_per_second, int burst, Clock::time_point now)
    : rate_(rate_per_second), capacity_(std::max(1, burst)), tokens_(capacity_), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_ = now;
}

TokenBucket::Clock::duration TokenBucket::try_take(Clock::time_point now) {
  if (rate_ <= 0) return Clock::duration::zero();
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return Clock::duration::zero();
  }
  const double seconds = (1.0 - tokens_) / rate_;
  const auto wait =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  return std::max(wait, Clock::duration(1));
}

}  // namespace mb::http::internal
