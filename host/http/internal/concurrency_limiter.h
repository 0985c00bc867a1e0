// Counts attempts in flight, overall and per endpoint key, against the policy's limits.
// Not thread-safe: the engine uses it from one client's strand.
#ifndef METERBRIDGE_HOST_HTTP_INTERNAL_CONCURRENCY_LIMITER_H_
#define METERBRIDGE_HOST_HTTP_INTERNAL_CONCURRENCY_LIMITER_H_

#include <map>
#include <string>

namespace mb::http::internal {

class ConcurrencyLimiter {
 public:
  // A limit <= 0 means no limit.
  ConcurrencyLimiter(int max_overall, int max_per_endpoint)
      : max_overall_(max_overall), max_per_endpoint_(max_per_endpoint) {}

  bool overall_available() const { return max_overall_ <= 0 || in_flight_ < max_overall_; }
  bool can_start(const std::string& endpoint) const;
  void start(const std::string& endpoint);
  void finish(const std::string& endpoint);
  int in_flight() const { return in_flight_; }
  int in_flight(const std::string& endpoint) const;

 private:
  int max_overall_;
  int max_per_endpoint_;
  int in_flight_ = 0;
  std::map<std::string, int> per_endpoint_;
};

}  // namespace mb::http::internal

#endif  // METERBRIDGE_HOST_HTTP_INTERNAL_CONCURRENCY_LIMITER_H_
