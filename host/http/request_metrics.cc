#include "host/http/request_metrics.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "host/common/metrics_catalog.h"

namespace mb::http {
namespace {

constexpr size_t kMaxNamedEndpointBytes = 64;
constexpr size_t kMaxPlainSegmentBytes = 40;
constexpr size_t kMaxCachedRequestCells = 1000;

bool is_id_like(std::string_view segment) {
  if (segment.empty()) return false;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  auto hex_or_dash = [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
  };
  if (std::all_of(segment.begin(), segment.end(), digit)) return true;
  if (segment.size() >= 8 && std::any_of(segment.begin(), segment.end(), digit) &&
      std::all_of(segment.begin(), segment.end(), hex_or_dash))
    return true;
  return segment.find_first_of("%@=") != std::string_view::npos ||
         segment.size() > kMaxPlainSegmentBytes;
}

// Methods outside this list are counted as "OTHER": the label stays bounded whatever a plugin
// sends.
std::string method_label(std::string_view method) {
  static const std::set<std::string, std::less<>> known{"GET",   "HEAD",   "POST",   "PUT",
                                                        "PATCH", "DELETE", "OPTIONS"};
  return known.count(method) > 0 ? std::string(method) : "OTHER";
}

// Each connector's endpoint labels across every client this process made for it: past the cap,
// a new endpoint counts as "other".
std::string bounded_endpoint(const std::string& connector, std::string label) {
  static std::mutex mu;
  static auto* seen = new std::map<std::string, std::set<std::string>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& endpoints = (*seen)[connector];
  if (endpoints.count(label) > 0) return label;
  if (endpoints.size() >= kMaxEndpointsPerConnector) return "other";
  endpoints.insert(label);
  return label;
}

}  // namespace

std::string path_template(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    out += is_id_like(segment) ? std::string("{id}") : std::string(segment);
    if (end == path.size()) break;
    out += '/';
    start = end + 1;
  }
  return out.empty() ? "/" : out;
}

std::string endpoint_label(std::string_view named, std::string_view path) {
  if (!named.empty()) return std::string(named.substr(0, kMaxNamedEndpointBytes));
  return path_template(path);
}

RequestMetrics::RequestMetrics(std::string connector_id, int64_t hourly_budget)
    : connector_(std::move(connector_id)),
      retries_(host_metrics().http_retries.labels({connector_})),
      throttled_(host_metrics().http_throttled.labels({connector_})),
      latency_(host_metrics().http_request_seconds.labels({connector_})) {
  if (hourly_budget > 0) {
    host_metrics().http_budget_limit.labels({connector_}).set(static_cast<double>(hourly_budget));
    budget_used_ = &host_metrics().http_budget_used.labels({connector_});
  }
}

metrics::Counter& RequestMetrics::requests(std::string_view method, std::string_view named_endpoint,
                                           std::string_view path, int status) {
  auto key = std::make_tuple(std::string(method), endpoint_label(named_endpoint, path), status);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requests_.find(key);
  if (it != requests_.end()) return *it->second;
  std::string status_label = status == 0 ? "transport_error" : std::to_string(status);
  metrics::Counter& counter = host_metrics().http_requests.labels(
      {connector_, method_label(method), bounded_endpoint(connector_, std::get<1>(key)),
       status_label});
  // Paths a template does not tame could grow the cache; past the cap, look up every time.
  if (requests_.size() < kMaxCachedRequestCells) requests_.emplace(std::move(key), &counter);
  return counter;
}

void RequestMetrics::record_attempt(std::string_view method, std::string_view named_endpoint,
                                    std::string_view path, int status, bool retry, bool throttled,
                                    std::chrono::microseconds latency) {
  requests(method, named_endpoint, path, status).inc();
  if (retry) retries_.inc();
  if (status == 429 || throttled) throttled_.inc();
  latency_.observe(std::chrono::duration<double>(latency).count());
}

void RequestMetrics::record_budget_used(int64_t used) {
  if (budget_used_ != nullptr) budget_used_->set(static_cast<double>(used));
}

}  // namespace mb::http
