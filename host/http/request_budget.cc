#include "host/http/request_budget.h"

#include <mutex>

#include "host/http/internal/hourly_budget.h"

namespace mb::http {
namespace {

class LocalRequestBudget final : public RequestBudget {
 public:
  explicit LocalRequestBudget(int64_t limit) : budget_(limit) {}

  int64_t limit() const override { return budget_.limit(); }

  Result<Reservation> try_reserve(int64_t n, Clock::time_point now) override {
    std::lock_guard<std::mutex> lock(mu_);
    Reservation r;
    r.reserved = budget_.try_reserve(n, now);
    if (!r.reserved) r.resumes_at = budget_.resumes_at(n, now);
    r.used = budget_.used(now);
    return r;
  }

  Result<int64_t> used(Clock::time_point now) override {
    std::lock_guard<std::mutex> lock(mu_);
    return budget_.used(now);
  }

 private:
  std::mutex mu_;
  internal::HourlyBudget budget_;
};

}  // namespace

std::shared_ptr<RequestBudget> make_local_request_budget(int64_t limit) {
  return std::make_shared<LocalRequestBudget>(limit);
}

}  // namespace mb::http
