// Request counters of one HTTP client (one connector), per endpoint key: what the sync report
// shows ("412 requests, 3 retries, 1.2 MB") and what the benchmark reads. Plain data; the
// engine fills a CounterRecorder and HttpClient::counters() returns a snapshot.
//
//   HttpCounters c = client->counters();
//   EndpointCounters all = c.total();
//   spdlog::info("{} requests, p95 {} ms", all.requests, all.latency.percentile_ms(0.95));
#ifndef METERBRIDGE_HOST_HTTP_COUNTERS_H_
#define METERBRIDGE_HOST_HTTP_COUNTERS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace mb::http {

// Attempt latency (first byte sent to last byte received, connection set-up included) in
// fixed buckets, so snapshots add up across endpoints and runs.
struct LatencyHistogram {
  // Upper bounds of the buckets in microseconds; the last bucket holds everything slower.
  static constexpr std::array<int64_t, 16> kUpperBoundsUs = {
      100,   250,    500,    1000,   2500,    5000,    10000,    25000,
      50000, 100000, 250000, 500000, 1000000, 2500000, 10000000, 30000000};
  std::array<uint64_t, kUpperBoundsUs.size() + 1> buckets{};
  uint64_t count = 0;
  int64_t sum_us = 0;
  int64_t max_us = 0;

  void record(std::chrono::microseconds latency);
  void merge(const LatencyHistogram& other);
  double mean_ms() const;
  // The upper bound of the bucket holding the p-th quantile (0 < p <= 1), in milliseconds;
  // max_ms() for the open-ended last bucket. 0 when empty.
  double percentile_ms(double p) const;
  double max_ms() const { return static_cast<double>(max_us) / 1000.0; }
};

struct EndpointCounters {
  uint64_t requests = 0;          // attempts put on the wire (retries included)
  uint64_t retries = 0;           // attempts beyond the first
  uint64_t transport_errors = 0;  // attempts that got no HTTP response (timeout, reset, ...)
  uint64_t throttled = 0;         // 429 responses and other throttling refusals
  uint64_t status_2xx = 0;
  uint64_t status_3xx = 0;
  uint64_t status_4xx = 0;
  uint64_t status_5xx = 0;
  uint64_t bytes_sent = 0;  // HTTP bytes (headers + body), before TLS
  uint64_t bytes_received = 0;
  LatencyHistogram latency;

  void merge(const EndpointCounters& other);
};

struct HttpCounters {
  std::string connector_id;
  std::map<std::string, EndpointCounters> endpoints;  // by HttpRequest::endpoint
  uint64_t connections_opened = 0;
  uint64_t connections_reused = 0;  // attempts that went over a pooled keep-alive connection
  int max_in_flight = 0;            // highest number of concurrent attempts seen
  int64_t budget_used = 0;          // requests counted in the current hourly window

  EndpointCounters total() const;
};

// Thread-safe accumulation of HttpCounters.
class CounterRecorder {
 public:
  explicit CounterRecorder(std::string connector_id);

  struct Attempt {
    int status = 0;  // 0: no HTTP response
    bool retry = false;
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    std::chrono::microseconds latency{0};
    bool throttled =
        false;  // a throttling refusal other than 429 (HttpPolicy::throttle_body_markers)
  };
  void record_attempt(const std::string& endpoint, const Attempt& attempt);
  void record_connection(bool reused);
  void record_in_flight(int in_flight);
  HttpCounters snapshot() const;

 private:
  mutable std::mutex mu_;
  HttpCounters counters_;
};

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_COUNTERS_H_
