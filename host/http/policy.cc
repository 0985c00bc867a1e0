#include "host/http/policy.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "host/common/json.h"

namespace mb::http {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

Status bad(std::string_view key, std::string_view what) {
  return Status::ConfigInvalid("http." + std::string(key) + ": " + std::string(what));
}

Result<int64_t> as_int(std::string_view key, const json::value& v) {
  if (auto n = mb::json::whole_number(v)) return *n;
  return bad(key, "expected an integer");
}

Result<int64_t> as_non_negative(std::string_view key, const json::value& v) {
  auto n = as_int(key, v);
  if (n && *n < 0) return bad(key, "must not be negative");
  return n;
}

Result<int> as_small_int(std::string_view key, const json::value& v) {
  auto n = as_non_negative(key, v);
  if (!n) return n.status();
  if (*n > 1000000) return bad(key, "is too large");
  return static_cast<int>(*n);
}

Result<milliseconds> as_ms(std::string_view key, const json::value& v) {
  auto n = as_non_negative(key, v);
  if (!n) return n.status();
  return milliseconds(*n);
}

Result<double> as_number(std::string_view key, const json::value& v) {
  if (v.is_number()) return v.to_number<double>();
  return bad(key, "expected a number");
}

Result<bool> as_bool(std::string_view key, const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  return bad(key, "expected true or false");
}

Result<std::string> as_string(std::string_view key, const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return bad(key, "expected a string");
}

using Setter = std::function<Status(std::string_view, const json::value&, HttpPolicy&)>;

template <typename T, typename Parse>
Setter field(T HttpPolicy::*member, Parse parse) {
  return [member, parse](std::string_view key, const json::value& v, HttpPolicy& p) -> Status {
    auto r = parse(key, v);
    if (!r) return r.status();
    p.*member = std::move(r).value();
    return Status::Ok();
  };
}

Status set_throttle_body_markers(std::string_view key, const json::value& v, HttpPolicy& p) {
  if (!v.is_array()) return bad(key, "expected an array of strings");
  std::vector<std::string> markers;
  for (const auto& e : v.get_array()) {
    if (!e.is_string() || e.get_string().empty()) return bad(key, "expected non-empty strings");
    markers.emplace_back(e.get_string());
  }
  p.throttle_body_markers = std::move(markers);
  return Status::Ok();
}

Status set_retry_statuses(std::string_view key, const json::value& v, HttpPolicy& p) {
  if (!v.is_array()) return bad(key, "expected an array of HTTP statuses");
  std::vector<int> statuses;
  for (const auto& e : v.get_array()) {
    auto n = as_int(key, e);
    if (!n || *n < 100 || *n > 599) return bad(key, "expected HTTP statuses (100-599)");
    statuses.push_back(static_cast<int>(*n));
  }
  p.retry_statuses = std::move(statuses);
  return Status::Ok();
}

// Adds to the defaults: a connector can mask more, never unmask a credential header.
Status add_masked_headers(std::string_view key, const json::value& v, HttpPolicy& p) {
  if (!v.is_array()) return bad(key, "expected an array of header names");
  for (const auto& e : v.get_array()) {
    if (!e.is_string() || e.get_string().empty()) return bad(key, "expected header names");
    std::string name(e.get_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(p.masked_headers.begin(), p.masked_headers.end(), name) ==
        p.masked_headers.end()) {
      p.masked_headers.push_back(std::move(name));
    }
  }
  return Status::Ok();
}

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> kSetters = {
      {"max_concurrency", field(&HttpPolicy::max_concurrency, as_small_int)},
      {"per_endpoint_concurrency", field(&HttpPolicy::per_endpoint_concurrency, as_small_int)},
      {"requests_per_second", field(&HttpPolicy::requests_per_second, as_number)},
      {"burst", field(&HttpPolicy::burst, as_small_int)},
      {"connect_timeout_ms", field(&HttpPolicy::connect_timeout, as_ms)},
      {"timeout_ms", field(&HttpPolicy::total_timeout, as_ms)},
      {"max_retries", field(&HttpPolicy::max_retries, as_small_int)},
      {"backoff_base_ms", field(&HttpPolicy::backoff_base, as_ms)},
      {"backoff_max_ms", field(&HttpPolicy::backoff_max, as_ms)},
      {"retry_after_max_ms", field(&HttpPolicy::retry_after_max, as_ms)},
      {"hourly_budget", field(&HttpPolicy::hourly_budget, as_non_negative)},
      {"budget_key", field(&HttpPolicy::budget_key, as_string)},
      {"tenant_concurrency", field(&HttpPolicy::tenant_concurrency, as_small_int)},
      {"ca_file", field(&HttpPolicy::ca_file, as_string)},
      {"verify_tls", field(&HttpPolicy::verify_tls, as_bool)},
      {"allow_plain_http", field(&HttpPolicy::allow_plain_http, as_bool)},
      {"idle_timeout_ms", field(&HttpPolicy::idle_timeout, as_ms)},
      {"max_response_bytes", field(&HttpPolicy::max_response_bytes, as_non_negative)},
      {"retry_statuses", set_retry_statuses},
      {"throttle_body_markers", set_throttle_body_markers},
      {"masked_headers", add_masked_headers},
  };
  return kSetters;
}

}  // namespace

Status apply_http_policy_json(const boost::json::value& j, HttpPolicy* policy) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_object()) return Status::ConfigInvalid("http: expected an object");
  HttpPolicy next = *policy;
  for (const auto& [key, value] : j.get_object()) {
    auto it = setters().find(std::string_view(key));
    if (it == setters().end()) return bad(key, "unknown setting");
    MB_RETURN_IF_ERROR(it->second(key, value, next));
  }
  MB_RETURN_IF_ERROR(validate_http_policy(next));
  *policy = std::move(next);
  return Status::Ok();
}

Status validate_http_policy(const HttpPolicy& p) {
  if (p.max_concurrency < 1) return bad("max_concurrency", "must be at least 1");
  if (p.per_endpoint_concurrency < 0)
    return bad("per_endpoint_concurrency", "must not be negative");
  if (p.requests_per_second < 0) return bad("requests_per_second", "must not be negative");
  if (p.burst < 1) return bad("burst", "must be at least 1");
  if (p.connect_timeout.count() <= 0) return bad("connect_timeout_ms", "must be positive");
  if (p.total_timeout.count() <= 0) return bad("timeout_ms", "must be positive");
  if (p.max_retries < 0) return bad("max_retries", "must not be negative");
  if (p.backoff_base.count() < 0 || p.backoff_max < p.backoff_base) {
    return bad("backoff_max_ms", "must be at least backoff_base_ms");
  }
  if (p.hourly_budget < 0) return bad("hourly_budget", "must not be negative");
  if (p.tenant_concurrency < 0) return bad("tenant_concurrency", "must not be negative");
  if (p.max_response_bytes <= 0) return bad("max_response_bytes", "must be positive");
  return Status::Ok();
}

}  // namespace mb::http
