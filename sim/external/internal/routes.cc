#include "sim/external/internal/routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>

#include <optional>
#include <set>
#include <string>

#include "sim/external/internal/api_error.h"
#include "sim/external/internal/count_batch.h"
#include "sim/external/internal/listing.h"

namespace mb::sim::external {

namespace json = boost::json;

namespace {

constexpr size_t kMaxBodyBytes = size_t{1024} * 1024;

}  // namespace

std::string now_iso() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

json::value parse_body(const Request& request) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec) {
    throw ApiError(400, "invalid_request", "the body is not valid JSON: " + ec.message(),
                   {{"field", ""}});
  }
  return body;
}

void Api::register_routes(Router& router) {
  add(router, "GET", "/v1/integration", &Api::get_integration);
  add(router, "GET", "/v1/services", &Api::list_services);
  add(router, "GET", "/v1/customers", &Api::list_customers);
  add(router, "GET", "/v1/links", &Api::list_links);
  add(router, "GET", "/v1/links/{vendor_customer_id}", &Api::get_link);
  add(router, "PUT", "/v1/links/{vendor_customer_id}", &Api::put_link);
  add(router, "DELETE", "/v1/links/{vendor_customer_id}", &Api::delete_link);
  add(router, "POST", "/v1/link-batches", &Api::post_link_batch);
  add(router, "GET", "/v1/counts", &Api::list_counts);
  add(router, "POST", "/v1/count-batches", &Api::post_count_batch);
}

void Api::add(Router& router, const char* method, std::string_view pattern, Method handler) {
  router.add(method, pattern, [this, handler](const Request& request) {
    if (std::optional<Response> refusal = admit(request)) return *refusal;
    try {
      return (this->*handler)(request);
    } catch (const ApiError& error) {
      return error_body(error);
    }
  });
}

// Authentication, suspension and the rate limit, in that order, for every /v1 call: the
// refusal, or nothing when the request may proceed.
std::optional<Response> Api::admit(const Request& request) {
  const auto authorization = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (!authorization || !starts_with_ignore_case(*authorization, kScheme)) {
    return error_body(401, "unauthorized", "Authorization: Bearer <api key> is required");
  }
  if (authorization->substr(kScheme.size()) != settings_.api_key) {
    return error_body(401, "unauthorized", "the API key is not valid");
  }
  if (settings_.suspended) {
    return error_body(403, "forbidden",
                      "the integration " + ledger_.integration.id + " is suspended");
  }
  if (!limiter_.try_acquire()) {
    const auto wait = std::chrono::duration_cast<std::chrono::seconds>(limiter_.retry_after());
    const int64_t seconds = std::max<int64_t>(1, wait.count() + 1);
    Response response =
        error_body(429, "rate_limited",
                   "more than " + std::to_string(settings_.rate_limit_requests) + " requests in " +
                       std::to_string(settings_.rate_limit_window_seconds) + " s; retry in " +
                       std::to_string(seconds) + " s");
    response.set_header("Retry-After", std::to_string(seconds));
    return response;
  }
  return std::nullopt;
}

void Api::require_json_body(const Request& request) {
  if (request.body.size() > kMaxBodyBytes) {
    throw ApiError(413, "payload_too_large", "bodies are limited to 1 MiB");
  }
  const std::string type = to_lower_ascii(request.header("content-type").value_or(""));
  const bool json_type = type.starts_with("application/json") &&
                         (type.size() == 16 || type[16] == ';' || type[16] == ' ');
  if (!json_type) {
    throw ApiError(415, "unsupported_media_type", "the body must be application/json");
  }
}

PageRequest Api::page_request(const Request& request, std::string_view list,
                              std::string_view filter) const {
  return parse_page_request(request, list, filter, settings_.max_page_size);
}

std::string Api::vendor_customer_id(const Request& request) {
  const std::string& id = request.path_param("vendor_customer_id");
  if (!valid_vendor_customer_id(id)) {
    throw ApiError(400, "invalid_request",
                   "vendor_customer_id must be 1-128 characters without '/' or control "
                   "characters",
                   {{"parameter", "vendor_customer_id"}});
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// The integration and the catalogue

Response Api::get_integration(const Request&) {
  json::object limits{{"max_batch_items", settings_.max_batch_items},
                      {"max_page_size", settings_.max_page_size},
                      {"max_customer_filter", settings_.max_customer_filter}};
  // A 1.0 platform knows nothing of link batches, so it announces neither the minor nor the limit.
  if (settings_.link_batches) limits["max_link_batch_items"] = settings_.max_link_batch_items;
  return Response::json(
      200, json::object{{"protocol_version", settings_.link_batches ? "1.1" : "1.0"},
                        {"integration", json::object{{"id", ledger_.integration.id},
                                                     {"name", ledger_.integration.name}}},
                        {"platform", json::object{{"name", ledger_.integration.platform_name}}},
                        {"limits", std::move(limits)}});
}

Response Api::list_services(const Request& request) {
  const PageRequest page = page_request(request, "services");
  return Response::json(200, page_of(
                                 ledger_.services, page, [](const auto&) { return true; },
                                 [](const auto& entry) {
                                   json::array metrics;
                                   for (const auto& m : entry.second.metrics)
                                     metrics.emplace_back(m);
                                   return json::object{{"id", entry.first},
                                                       {"name", entry.second.name},
                                                       {"metrics", std::move(metrics)}};
                                 }));
}

Response Api::list_customers(const Request& request) {
  const std::string search = to_lower_ascii(request.query_param("search").value_or(""));
  const PageRequest page = page_request(request, "customers", search);
  return Response::json(
      200, page_of(
               ledger_.customers, page,
               [&](const auto& entry) {
                 return search.empty() ||
                        to_lower_ascii(entry.second.name).find(search) != std::string::npos;
               },
               [&](const auto& entry) {
                 const Link* link = ledger_.link_for_customer(entry.first);
                 return json::object{
                     {"id", entry.first},
                     {"name", entry.second.name},
                     {"active", entry.second.active},
                     {"linked_vendor_customer_id",
                      link ? json::value(link->vendor_customer_id) : json::value(nullptr)}};
               }));
}

}  // namespace mb::sim::external
