#include "host/http/counters.h"

#include <gtest/gtest.h>

namespace mb::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(LatencyHistogram, PercentileIsTheBucketBound) {
  LatencyHistogram h;
  for (int i = 0; i < 90; ++i) h.record(milliseconds(3));    // bucket <= 5 ms
  for (int i = 0; i < 10; ++i) h.record(milliseconds(400));  // bucket <= 500 ms
  EXPECT_EQ(h.count, 100u);
  EXPECT_DOUBLE_EQ(h.percentile_ms(0.5), 5.0);
  EXPECT_DOUBLE_EQ(h.percentile_ms(0.95), 400.0);  // capped by the max seen
  EXPECT_DOUBLE_EQ(h.max_ms(), 400.0);
  EXPECT_NEAR(h.mean_ms(), 42.7, 0.01);
}

TEST(LatencyHistogram, SlowerThanTheLastBoundLandsInTheOpenBucket) {
  LatencyHistogram h;
  h.record(std::chrono::seconds(60));
  EXPECT_EQ(h.buckets.back(), 1u);
  EXPECT_DOUBLE_EQ(h.percentile_ms(1.0), 60000.0);
}

TEST(CounterRecorder, CountsPerEndpointAndInTotal) {
  CounterRecorder r("acme");
  r.record_attempt("Companies", {200, false, 100, 1000, microseconds(500)});
  r.record_attempt("Companies", {429, false, 100, 50, microseconds(500)});
  r.record_attempt("Companies", {200, true, 100, 1000, microseconds(500)});
  r.record_attempt("Contracts", {0, false, 80, 0, microseconds(900)});
  r.record_connection(false);
  r.record_connection(true);
  r.record_in_flight(3);
  r.record_in_flight(2);
  HttpCounters c = r.snapshot();
  EXPECT_EQ(c.connector_id, "acme");
  EXPECT_EQ(c.endpoints["Companies"].requests, 3u);
  EXPECT_EQ(c.endpoints["Companies"].retries, 1u);
  EXPECT_EQ(c.endpoints["Companies"].throttled, 1u);
  EXPECT_EQ(c.endpoints["Contracts"].transport_errors, 1u);
  EXPECT_EQ(c.connections_opened, 1u);
  EXPECT_EQ(c.connections_reused, 1u);
  EXPECT_EQ(c.max_in_flight, 3);
  EndpointCounters all = c.total();
  EXPECT_EQ(all.requests, 4u);
  EXPECT_EQ(all.status_2xx, 2u);
  EXPECT_EQ(all.status_4xx, 1u);
  EXPECT_EQ(all.bytes_sent, 380u);
  EXPECT_EQ(all.bytes_received, 2050u);
  EXPECT_EQ(all.latency.count, 4u);
}

}  // namespace
}  // namespace mb::http
