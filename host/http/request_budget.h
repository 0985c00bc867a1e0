// RequestBudget: where the HTTP engine counts a connector's requests against its platform's
// hourly budget (the policy's hourly_budget, e.g. 10,000 requests an hour per tenant
// database). By default each client counts in its own memory (make_local_request_budget). A host
// whose connectors share a platform tenant, or that runs on several nodes, hands the engine a
// budget that counts elsewhere (e.g. in its state store, per tenant, across nodes and restarts);
// the engine only asks it, and never knows where the count lives.
//
//   auto budget = make_local_request_budget(10'000);       // or the host's shared one
//   auto a = engine.make_client("acme-at-1", policy, {}, budget);
//   auto b = engine.make_client("acme-at-2", policy, {}, budget);   // one tenant, one count
#ifndef METERBRIDGE_HOST_HTTP_REQUEST_BUDGET_H_
#define METERBRIDGE_HOST_HTTP_REQUEST_BUDGET_H_

#include <chrono>
#include <cstdint>
#include <memory>

#include "host/common/status.h"

namespace mb::http {

class RequestBudget {
 public:
  using Clock = std::chrono::system_clock;
  struct Reservation {
    bool reserved = false;
    int64_t used = 0;              // requests in the window ending now, this reservation included
    Clock::time_point resumes_at;  // not reserved: the earliest time the requests would fit
  };

  virtual ~RequestBudget() = default;
  // Requests allowed in a sliding hour; 0 or less: unlimited.
  virtual int64_t limit() const = 0;
  // Counts n requests at `now` when they fit in the window; otherwise counts nothing. Safe to
  // call from several threads. An error (the count could not be reached) counts nothing: the
  // engine then sends nothing.
  virtual Result<Reservation> try_reserve(int64_t n, Clock::time_point now) = 0;
  // Requests counted in the window ending at `now`.
  virtual Result<int64_t> used(Clock::time_point now) = 0;
};

// A budget counted in this process's memory: what each client gets unless it is given one.
std::shared_ptr<RequestBudget> make_local_request_budget(int64_t limit);

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_REQUEST_BUDGET_H_
