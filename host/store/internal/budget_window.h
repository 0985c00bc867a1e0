// How both stores judge a reservation against a budget counted in one-second buckets: which
// buckets a window holds, and when a refused reservation would fit. Private to the store.
#ifndef METERBRIDGE_HOST_STORE_INTERNAL_BUDGET_WINDOW_H_
#define METERBRIDGE_HOST_STORE_INTERNAL_BUDGET_WINDOW_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "host/store/model.h"

namespace mb::store_internal {

// The bucket (a second since the epoch) a request counted at now_ms falls in.
inline int64_t budget_bucket(int64_t now_ms) { return now_ms / 1000; }

// The first bucket still counted in the window_ms ending at now_ms: a bucket leaves the window
// once the whole of it is older than window_ms.
inline int64_t first_bucket_in_window(int64_t window_ms, int64_t now_ms) {
  return budget_bucket(now_ms - window_ms) + 1;
}

// `buckets` are the window's (bucket, count) pairs, oldest first. The reservation of n
// requests against `limit`: reserved when they fit (the caller then counts them in now_ms's
// bucket), or when they would, counting the oldest buckets out of the window one by one.
inline BudgetReservation judge_budget(const std::vector<std::pair<int64_t, int64_t>>& buckets,
                                      int64_t n, int64_t limit, int64_t window_ms, int64_t now_ms) {
  BudgetReservation r;
  for (const auto& b : buckets) r.used += b.second;
  if (r.used + n <= limit) {
    r.reserved = true;
    r.used += n;
    return r;
  }
  int64_t left = r.used;
  for (const auto& [bucket, count] : buckets) {
    left -= count;
    if (left + n <= limit) {
      r.resumes_at_ms = bucket * 1000 + window_ms;
      return r;
    }
  }
  // More than the whole limit: never fits (callers never ask for that); the window's end.
  r.resumes_at_ms = now_ms + window_ms;
  return r;
}

}  // namespace mb::store_internal

#endif  // METERBRIDGE_HOST_STORE_INTERNAL_BUDGET_WINDOW_H_
