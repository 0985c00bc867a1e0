// RequestMetrics: what one HTTP client (one connector) adds to the process's metrics
// (host/common/metrics_catalog.h) for each attempt it puts on the wire: requests by method,
// endpoint and status, retries, throttling refusals, latency, and its hourly budget.
//
//   RequestMetrics metrics(connector_id, policy.hourly_budget);
//   metrics.record_attempt("GET", request.endpoint, target.path, 429, /*retry=*/false,
//                          /*throttled=*/false, elapsed);
//
// The connector's cells are looked up once, at construction; a request's counter once per
// (method, endpoint label, status). The endpoint label stays bounded: the plugin's endpoint key
// when it gives one, else the URL path with id-like segments replaced by "{id}" (never a query
// string), and at most kMaxEndpointsPerConnector distinct values per connector in the process,
// beyond which "other".
#ifndef METERBRIDGE_HOST_HTTP_REQUEST_METRICS_H_
#define METERBRIDGE_HOST_HTTP_REQUEST_METRICS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "host/common/metrics.h"

namespace mb::http {

inline constexpr size_t kMaxEndpointsPerConnector = 100;

// "/v1/customers/{id}/counts" for "/v1/customers/8121/counts": a segment that is all digits,
// looks like a hex id or UUID, is percent-encoded, or is very long becomes "{id}".
std::string path_template(std::string_view path);
// The endpoint label of a request: `named` (the plugin's key, cut to 64 bytes) when not empty,
// else path_template(path).
std::string endpoint_label(std::string_view named, std::string_view path);

class RequestMetrics {
 public:
  RequestMetrics(std::string connector_id, int64_t hourly_budget);

  // One attempt; status 0 when no HTTP response came back.
  void record_attempt(std::string_view method, std::string_view named_endpoint,
                      std::string_view path, int status, bool retry, bool throttled,
                      std::chrono::microseconds latency);
  // Requests counted in the budget's current window (connectors with a budget only).
  void record_budget_used(int64_t used);

 private:
  metrics::Counter& requests(std::string_view method, std::string_view named_endpoint,
                             std::string_view path, int status);

  const std::string connector_;
  metrics::Counter& retries_;
  metrics::Counter& throttled_;
  metrics::Histogram& latency_;
  metrics::Gauge* budget_used_ = nullptr;  // null without a budget
  std::mutex mu_;
  // (method, endpoint label, status) -> cell; guarded by mu_
  std::map<std::tuple<std::string, std::string, int>, metrics::Counter*> requests_;
};

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_REQUEST_METRICS_H_
