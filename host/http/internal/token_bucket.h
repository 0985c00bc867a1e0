// A token bucket: `rate` tokens per second, holding at most `burst`. The caller passes the time,
// so tests drive it with a fake clock.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_TOKEN_BUCKET_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_TOKEN_BUCKET_H_

#include <chrono>

namespace mb::http::internal {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0: unlimited. The bucket starts full.
  TokenBucket(double rate_per_second, int burst, Clock::time_point now);

  // Takes a token and returns zero, or takes nothing and returns how long until one is there.
  Clock::duration try_take(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_TOKEN_BUCKET_H_
