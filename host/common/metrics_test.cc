#include "host/common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "host/common/metrics_catalog.h"

namespace mb::metrics {
namespace {

TEST(MetricsTest, CounterRendersHelpTypeAndOneLinePerLabelSet) {
  Registry r;
  auto& runs = r.counter("mb_runs_total", "Runs that ended.", {"connector", "state"});
  runs.labels({"acme", "ok"}).inc();
  runs.labels({"acme", "ok"}).inc(2);
  runs.labels({"beta", "failed"}).inc();
  EXPECT_EQ(r.render(),
            "# HELP mb_runs_total Runs that ended.\n"
            "# TYPE mb_runs_total counter\n"
            "mb_runs_total{connector=\"acme\",state=\"ok\"} 3\n"
            "mb_runs_total{connector=\"beta\",state=\"failed\"} 1\n");
}

TEST(MetricsTest, AFamilyWithoutLabelsShowsZeroBeforeItsFirstEvent) {
  Registry r;
  r.counter("mb_rows_total", "Rows.");
  EXPECT_EQ(r.render(),
            "# HELP mb_rows_total Rows.\n# TYPE mb_rows_total counter\nmb_rows_total 0\n");
}

TEST(MetricsTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  Registry r;
  r.gauge("mb_g", "Help with \\ and\nnewline.", {"v"}).labels({"a\\b\"c\nd"}).set(1);
  EXPECT_EQ(r.render(),
            "# HELP mb_g Help with \\\\ and\\nnewline.\n"
            "# TYPE mb_g gauge\n"
            "mb_g{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, GaugeValuesKeepTheirPrecisionAndSpecialValues) {
  EXPECT_EQ(format_value(1764932400), "1764932400");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(-3.5), "-3.5");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  Registry r;
  auto& g = r.gauge("mb_next_run_timestamp_seconds", "Next run.", {"connector"});
  g.labels({"acme"}).set(1764932400.5);
  g.labels({"acme"}).add(-0.5);
  EXPECT_NE(r.render().find("mb_next_run_timestamp_seconds{connector=\"acme\"} 1764932400\n"),
            std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("mb_latency_seconds", "Latency.", {"connector"}, {0.125, 0.5, 1});
  Histogram& acme = h.labels({"acme"});
  for (double v : {0.0625, 0.125, 0.25, 0.75, 2.0}) acme.observe(v);
  EXPECT_EQ(r.render(),
            "# HELP mb_latency_seconds Latency.\n"
            "# TYPE mb_latency_seconds histogram\n"
            "mb_latency_seconds_bucket{connector=\"acme\",le=\"0.125\"} 2\n"
            "mb_latency_seconds_bucket{connector=\"acme\",le=\"0.5\"} 3\n"
            "mb_latency_seconds_bucket{connector=\"acme\",le=\"1\"} 4\n"
            "mb_latency_seconds_bucket{connector=\"acme\",le=\"+Inf\"} 5\n"
            "mb_latency_seconds_sum{connector=\"acme\"} 3.1875\n"
            "mb_latency_seconds_count{connector=\"acme\"} 5\n");
}

TEST(MetricsTest, HistogramWithoutLabelsPutsLeAlone) {
  Registry r;
  r.histogram("mb_h", "H.", {}, {1}).labels().observe(0.5);
  EXPECT_NE(r.render().find("mb_h_bucket{le=\"1\"} 1\nmb_h_bucket{le=\"+Inf\"} 1\nmb_h_sum 0.5\n"),
            std::string::npos)
      << r.render();
}

TEST(MetricsTest, RegisteringTheSameFamilyTwiceReturnsTheFirst) {
  Registry r;
  auto& a = r.counter("mb_x_total", "X.", {"connector"});
  auto& b = r.counter("mb_x_total", "X.", {"connector"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.gauge("mb_x_total", "X.", {"connector"}), std::logic_error);
  EXPECT_THROW(r.counter("mb_x_total", "X.", {"other"}), std::logic_error);
}

TEST(MetricsTest, MalformedNamesLabelsAndBoundsAreRefused) {
  Registry r;
  EXPECT_THROW(r.counter("1bad", "B."), std::logic_error);
  EXPECT_THROW(r.counter("mb-bad", "B."), std::logic_error);
  EXPECT_THROW(r.counter("mb_ok", "B.", {"__reserved"}), std::logic_error);
  EXPECT_THROW(r.histogram("mb_h", "H.", {"le"}, {1}), std::logic_error);
  EXPECT_THROW(r.histogram("mb_h2", "H.", {}, {1, 1}), std::logic_error);
  auto& f = r.counter("mb_two_total", "T.", {"a", "b"});
  EXPECT_THROW(f.labels({"only-one"}), std::logic_error);
  EXPECT_EQ(r.render().find("mb_h"), std::string::npos);  // a refused family is not registered
}

TEST(MetricsTest, RemovedCellsStopRenderingButStayUsable) {
  Registry r;
  auto& g = r.gauge("mb_lease", "L.", {"connector"});
  Gauge& kept = g.labels({"acme"});
  g.labels({"beta"}).set(1);
  g.remove({"acme"});
  kept.set(5);  // a cached reference must not dangle
  EXPECT_EQ(r.render().find("acme"), std::string::npos);
  g.clear();
  EXPECT_EQ(r.render().find("beta"), std::string::npos);
  g.labels({"acme"}).set(2);
  EXPECT_NE(r.render().find("mb_lease{connector=\"acme\"} 2\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesAndScrapesLoseNothing) {
  Registry r;
  auto& c = r.counter("mb_c_total", "C.", {"t"});
  auto& h = r.histogram("mb_h_seconds", "H.", {"t"}, {0.5});
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share one label set; the others create their own while others scrape.
      std::string label = t % 2 == 0 ? "shared" : "own-" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        c.labels({label}).inc();
        h.labels({"shared"}).observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(r.render().empty());
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.labels({"shared"}).value(), 2u * kEach);
  EXPECT_EQ(c.labels({"own-1"}).value(), static_cast<uint64_t>(kEach));
  Histogram::Snapshot s = h.labels({"shared"}).snapshot();
  EXPECT_EQ(s.count, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_EQ(s.cumulative[0], static_cast<uint64_t>(kThreads * kEach / 2));
  EXPECT_DOUBLE_EQ(s.sum, kThreads * kEach / 2 * 1.25);
}

TEST(MetricsTest, TheHostCatalogRegistersEveryFamilyInTheDefaultRegistry) {
  const HostMetrics& m = host_metrics();
  EXPECT_EQ(&m, &host_metrics());
  std::string text = default_registry().render();
  for (const char* name :
       {"meterbridge_sync_runs_total", "meterbridge_sync_lines_total",
        "meterbridge_sync_last_success_timestamp_seconds", "meterbridge_http_requests_total",
        "meterbridge_http_retries_total", "meterbridge_http_throttled_total",
        "meterbridge_http_request_duration_seconds", "meterbridge_http_hourly_budget_used_requests",
        "meterbridge_http_hourly_budget_limit_requests", "meterbridge_leases_held",
        "meterbridge_scheduler_next_run_timestamp_seconds", "meterbridge_usage_imports_total",
        "meterbridge_usage_rows_imported_total", "meterbridge_build_info"})
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
}

}  // namespace
}  // namespace mb::metrics
