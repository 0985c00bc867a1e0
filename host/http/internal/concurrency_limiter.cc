#include "host/http/internal/concurrency_limiter.h"

namespace mb::http::internal {

bool ConcurrencyLimiter::can_start(const std::string& endpoint) const {
  if (!overall_available()) return false;
  return max_per_endpoint_ <= 0 || in_flight(endpoint) < max_per_endpoint_;
}

void ConcurrencyLimiter::start(const std::string& endpoint) {
  ++in_flight_;
  ++per_endpoint_[endpoint];
}

void ConcurrencyLimiter::finish(const std::string& endpoint) {
  --in_flight_;
  auto it = per_endpoint_.find(endpoint);
  if (it != per_endpoint_.end() && --it->second <= 0) per_endpoint_.erase(it);
}

int ConcurrencyLimiter::in_flight(const std::string& endpoint) const {
  auto it = per_endpoint_.find(endpoint);
  return it == per_endpoint_.end() ? 0 : it->second;
}

}  // namespace mb::http::internal
