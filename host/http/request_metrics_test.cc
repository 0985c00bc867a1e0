#include "host/http/request_metrics.h"

#include <gtest/gtest.h>

#include "host/common/metrics_catalog.h"

namespace mb::http {
namespace {

using std::chrono::microseconds;

TEST(RequestMetricsTest, PathTemplatesHideIdsAndKeepNames) {
  EXPECT_EQ(path_template("/v1/customers/8121/counts"), "/v1/customers/{id}/counts");
  EXPECT_EQ(path_template("/organization/accounts/3f2a9c1e-77b0-4c5e-9d2e-0a1b2c3d4e5f"),
            "/organization/accounts/{id}");
  EXPECT_EQ(path_template("/organization/accounts/acme%20ltd"), "/organization/accounts/{id}");
  EXPECT_EQ(path_template("/v4_6_release/apis/3.0/company/companies"),
            "/v4_6_release/apis/3.0/company/companies");
  EXPECT_EQ(path_template(""), "/");
  EXPECT_EQ(path_template("/"), "/");
}

TEST(RequestMetricsTest, ANamedEndpointIsTheLabelElseThePathTemplate) {
  EXPECT_EQ(endpoint_label("customers", "/api/v1.0/customers/query"), "customers");
  EXPECT_EQ(endpoint_label("", "/v1/customers/42"), "/v1/customers/{id}");
  EXPECT_EQ(endpoint_label(std::string(200, 'x'), "/").size(), 64u);
}

TEST(RequestMetricsTest, AttemptsCountByStatusWithRetriesThrottlingAndLatency) {
  const HostMetrics& m = host_metrics();
  RequestMetrics metrics("rm-test", 0);
  metrics.record_attempt("GET", "", "/v1/customers/7", 429, false, false, microseconds(2000));
  metrics.record_attempt("GET", "", "/v1/customers/8", 200, true, false, microseconds(3000));
  metrics.record_attempt("POST", "counts", "/v1/count-batches", 500, false, true,
                         microseconds(1500000));
  metrics.record_attempt("BREW", "counts", "/v1/count-batches", 0, false, false, microseconds(1));
  auto& requests = m.http_requests;
  EXPECT_EQ(requests.labels({"rm-test", "GET", "/v1/customers/{id}", "429"}).value(), 1u);
  EXPECT_EQ(requests.labels({"rm-test", "GET", "/v1/customers/{id}", "200"}).value(), 1u);
  EXPECT_EQ(requests.labels({"rm-test", "POST", "counts", "500"}).value(), 1u);
  EXPECT_EQ(requests.labels({"rm-test", "OTHER", "counts", "transport_error"}).value(), 1u);
  EXPECT_EQ(m.http_retries.labels({"rm-test"}).value(), 1u);
  EXPECT_EQ(m.http_throttled.labels({"rm-test"}).value(), 2u);
  auto latency = m.http_request_seconds.labels({"rm-test"}).snapshot();
  EXPECT_EQ(latency.count, 4u);
  EXPECT_EQ(latency.cumulative[0], 3u);  // <= 5 ms
}

TEST(RequestMetricsTest, BudgetGaugesOnlyForConnectorsWithABudget) {
  const HostMetrics& m = host_metrics();
  RequestMetrics with_budget("rm-budget", 10000);
  with_budget.record_budget_used(42);
  EXPECT_EQ(m.http_budget_limit.labels({"rm-budget"}).value(), 10000);
  EXPECT_EQ(m.http_budget_used.labels({"rm-budget"}).value(), 42);
  RequestMetrics without("rm-no-budget", 0);
  without.record_budget_used(5);
  EXPECT_EQ(metrics::default_registry().render().find("rm-no-budget\"} 5"), std::string::npos);
}

TEST(RequestMetricsTest, EndpointLabelsPerConnectorAreCapped) {
  RequestMetrics metrics("rm-cap", 0);
  for (size_t i = 0; i < kMaxEndpointsPerConnector + 20; ++i)
    metrics.record_attempt("GET", "op-" + std::to_string(i), "/", 200, false, false,
                           microseconds(1));
  EXPECT_EQ(host_metrics().http_requests.labels({"rm-cap", "GET", "other", "200"}).value(), 20u);
}

}  // namespace
}  // namespace mb::http
