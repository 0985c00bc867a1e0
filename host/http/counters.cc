#include "host/http/counters.h"

#include <algorithm>
#include <cmath>

namespace mb::http {

void LatencyHistogram::record(std::chrono::microseconds latency) {
  const int64_t us = std::max<int64_t>(0, latency.count());
  size_t i = 0;
  while (i < kUpperBoundsUs.size() && us > kUpperBoundsUs[i]) ++i;
  ++buckets[i];
  ++count;
  sum_us += us;
  max_us = std::max(max_us, us);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum_us += other.sum_us;
  max_us = std::max(max_us, other.max_us);
}

double LatencyHistogram::mean_ms() const {
  return count == 0 ? 0.0 : static_cast<double>(sum_us) / static_cast<double>(count) / 1000.0;
}

double LatencyHistogram::percentile_ms(double p) const {
  if (count == 0) return 0.0;
  const auto rank =
      static_cast<uint64_t>(std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(count)));
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      if (i == kUpperBoundsUs.size()) return max_ms();
      return std::min(static_cast<double>(kUpperBoundsUs[i]) / 1000.0, max_ms());
    }
  }
  return max_ms();
}

void EndpointCounters::merge(const EndpointCounters& other) {
  requests += other.requests;
  retries += other.retries;
  transport_errors += other.transport_errors;
  throttled += other.throttled;
  status_2xx += other.status_2xx;
  status_3xx += other.status_3xx;
  status_4xx += other.status_4xx;
  status_5xx += other.status_5xx;
  bytes_sent += other.bytes_sent;
  bytes_received += other.bytes_received;
  latency.merge(other.latency);
}

EndpointCounters HttpCounters::total() const {
  EndpointCounters all;
  for (const auto& [name, c] : endpoints) all.merge(c);
  return all;
}

CounterRecorder::CounterRecorder(std::string connector_id) {
  counters_.connector_id = std::move(connector_id);
}

void CounterRecorder::record_attempt(const std::string& endpoint, const Attempt& attempt) {
  std::lock_guard<std::mutex> lock(mu_);
  EndpointCounters& c = counters_.endpoints[endpoint];
  ++c.requests;
  if (attempt.retry) ++c.retries;
  if (attempt.status == 0) {
    ++c.transport_errors;
  } else if (attempt.status < 300) {
    ++c.status_2xx;
  } else if (attempt.status < 400) {
    ++c.status_3xx;
  } else if (attempt.status < 500) {
    ++c.status_4xx;
  } else {
    ++c.status_5xx;
  }
  if (attempt.status == 429 || attempt.throttled) ++c.throttled;
  c.bytes_sent += attempt.bytes_sent;
  c.bytes_received += attempt.bytes_received;
  c.latency.record(attempt.latency);
}

void CounterRecorder::record_connection(bool reused) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reused) {
    ++counters_.connections_reused;
  } else {
    ++counters_.connections_opened;
  }
}

void CounterRecorder::record_in_flight(int in_flight) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.max_in_flight = std::max(counters_.max_in_flight, in_flight);
}

HttpCounters CounterRecorder::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

}  // namespace mb::http
