#include "sim/external/external_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <set>

#include "sim/core/rate_window.h"
#include "sim/external/internal/api_error.h"
#include "sim/external/internal/count_batch.h"
#include "sim/external/internal/listing.h"
#include "sim/external/internal/model.h"
#include "sim/external/internal/seed_data.h"

namespace mb::sim::external {
namespace {

namespace json = boost::json;

constexpr size_t kMaxBodyBytes = size_t{1024} * 1024;
constexpr size_t kMaxIdempotencyKeyLength = 255;
constexpr size_t kMaxVendorCustomerNameLength = 200;

std::string now_iso() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

struct Settings {
  std::string api_key = "ext-sim-key-0001";
  bool suspended = false;
  int64_t max_batch_items = 100;
  int64_t max_page_size = 500;
  int64_t max_customer_filter = 100;
  int64_t rate_limit_requests = 0;
  int64_t rate_limit_window_seconds = 60;
};

int64_t int_setting(const json::value& value, std::string_view name, int64_t minimum) {
  if (!value.is_int64() || value.get_int64() < minimum) {
    throw HttpError(400, "setting '" + std::string(name) +
                             "' must be an integer >= " + std::to_string(minimum));
  }
  return value.get_int64();
}

bool valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxIdempotencyKeyLength &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '!' && c <= '~'; });
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

class ExternalPlatform : public Platform {
 public:
  void register_routes(Router& router) override {
    add(router, "GET", "/v1/integration", &ExternalPlatform::get_integration);
    add(router, "GET", "/v1/services", &ExternalPlatform::list_services);
    add(router, "GET", "/v1/customers", &ExternalPlatform::list_customers);
    add(router, "GET", "/v1/links", &ExternalPlatform::list_links);
    add(router, "GET", "/v1/links/{vendor_customer_id}", &ExternalPlatform::get_link);
    add(router, "PUT", "/v1/links/{vendor_customer_id}", &ExternalPlatform::put_link);
    add(router, "DELETE", "/v1/links/{vendor_customer_id}", &ExternalPlatform::delete_link);
    add(router, "GET", "/v1/counts", &ExternalPlatform::list_counts);
    add(router, "POST", "/v1/count-batches", &ExternalPlatform::post_count_batch);
  }

  json::value default_seed() const override { return default_seed_document(); }
  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_seed_document(spec);
  }
  void load_seed(const json::value& seed) override {
    ledger_ = load_seed_document(seed, now_iso());
    limiter_.reset();
  }
  json::value state() const override { return ledger_.state(); }

  EndpointClass classify(const Request& request) const override {
    static constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
        {"/v1/integration", "integration"}, {"/v1/services", "services"},
        {"/v1/customers", "customers"},     {"/v1/links", "links"},
        {"/v1/counts", "counts"},           {"/v1/count-batches", "count-batches"}};
    for (const auto& [path, key] : kKeys) {
      if (request.path == path || request.path.starts_with(std::string(path) + "/")) {
        return EndpointClass{std::string(key), 0};
      }
    }
    return Platform::classify(request);
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    Response response = error_body(429, "rate_limited", "too many requests; retry in 1 s");
    response.set_header("Retry-After", "1");
    return response;
  }

  Response error_response(int status, std::string_view message) const override {
    return error_body(status, code_for_status(status), message);
  }

  Response no_route_response(const Request& request, RouteMiss miss) const override {
    if (miss == RouteMiss::kNotFound) {
      return error_body(404, "not_found", "no such path: " + request.path);
    }
    Response response = error_body(405, "method_not_allowed",
                                   request.method + " is not allowed on " + request.path);
    response.set_header("Allow", request.path.starts_with("/v1/links/") ? "GET, PUT, DELETE"
                                 : request.path == "/v1/count-batches"  ? "POST"
                                                                        : "GET");
    return response;
  }

  json::value settings() const override {
    return json::object{{"api_key", settings_.api_key},
                        {"suspended", settings_.suspended},
                        {"max_batch_items", settings_.max_batch_items},
                        {"max_page_size", settings_.max_page_size},
                        {"max_customer_filter", settings_.max_customer_filter},
                        {"rate_limit_requests", settings_.rate_limit_requests},
                        {"rate_limit_window_seconds", settings_.rate_limit_window_seconds}};
  }

  void apply_settings(const json::object& changes) override {
    Settings updated = settings_;
    for (const auto& [key, value] : changes) {
      if (key == "api_key") {
        if (!value.is_string() || value.get_string().empty()) {
          throw HttpError(400, "setting 'api_key' must be a non-empty string");
        }
        updated.api_key = std::string(value.get_string());
      } else if (key == "suspended") {
        if (!value.is_bool()) throw HttpError(400, "setting 'suspended' must be a boolean");
        updated.suspended = value.get_bool();
      } else if (key == "max_batch_items") {
        updated.max_batch_items = int_setting(value, key, 1);
      } else if (key == "max_page_size") {
        updated.max_page_size = int_setting(value, key, 1);
      } else if (key == "max_customer_filter") {
        updated.max_customer_filter = int_setting(value, key, 1);
      } else if (key == "rate_limit_requests") {
        updated.rate_limit_requests = int_setting(value, key, 0);
      } else if (key == "rate_limit_window_seconds") {
        updated.rate_limit_window_seconds = int_setting(value, key, 1);
      } else {
        throw HttpError(400, "unknown setting '" + std::string(key) + "'");
      }
    }
    settings_ = updated;
    limiter_ = SlidingWindowLimiter(settings_.rate_limit_requests,
                                    std::chrono::seconds(settings_.rate_limit_window_seconds));
  }

  void reset_settings() override {
    settings_ = Settings{};
    limiter_ = SlidingWindowLimiter(0, std::chrono::seconds(60));
  }

 private:
  using Method = Response (ExternalPlatform::*)(const Request&);

  void add(Router& router, const char* method, std::string_view pattern, Method handler) {
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
  std::optional<Response> admit(const Request& request) {
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
                     "more than " + std::to_string(settings_.rate_limit_requests) +
                         " requests in " + std::to_string(settings_.rate_limit_window_seconds) +
                         " s; retry in " + std::to_string(seconds) + " s");
      response.set_header("Retry-After", std::to_string(seconds));
      return response;
    }
    return std::nullopt;
  }

  static void require_json_body(const Request& request) {
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

  PageRequest page_request(const Request& request, std::string_view list,
                           std::string_view filter = {}) const {
    return parse_page_request(request, list, filter, settings_.max_page_size);
  }

  static std::string vendor_customer_id(const Request& request) {
    const std::string& id = request.path_param("vendor_customer_id");
    if (!valid_vendor_customer_id(id)) {
      throw ApiError(400, "invalid_request",
                     "vendor_customer_id must be 1-128 characters without '/' or control "
                     "characters",
                     {{"parameter", "vendor_customer_id"}});
    }
    return id;
  }

  // ---- Handlers ------------------------------------------------------------------------------

  Response get_integration(const Request&) {
    return Response::json(
        200, json::object{
                 {"protocol_version", "1.0"},
                 {"integration",
                  json::object{{"id", ledger_.integration.id}, {"name", ledger_.integration.name}}},
                 {"platform", json::object{{"name", ledger_.integration.platform_name}}},
                 {"limits", json::object{{"max_batch_items", settings_.max_batch_items},
                                         {"max_page_size", settings_.max_page_size},
                                         {"max_customer_filter", settings_.max_customer_filter}}}});
  }

  Response list_services(const Request& request) {
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

  Response list_customers(const Request& request) {
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

  Response list_links(const Request& request) {
    const PageRequest page = page_request(request, "links");
    return Response::json(200, page_of(
                                   ledger_.links, page, [](const auto&) { return true; },
                                   [](const auto& entry) { return link_json(entry.second); }));
  }

  Response get_link(const Request& request) {
    const std::string id = vendor_customer_id(request);
    auto it = ledger_.links.find(id);
    if (it == ledger_.links.end()) {
      throw ApiError(404, "link_not_found", "vendor customer " + id + " is not linked",
                     {{"vendor_customer_id", id}});
    }
    return Response::json(200, link_json(it->second));
  }

  Response put_link(const Request& request) {
    const std::string id = vendor_customer_id(request);
    require_json_body(request);
    const json::value body = parse_body(request);
    const json::object* o = body.if_object();
    const json::value* customer = o ? o->if_contains("customer_id") : nullptr;
    if (customer == nullptr || !customer->is_string() || !valid_id(customer->get_string())) {
      throw ApiError(400, "invalid_request",
                     "customer_id must be a string of 1-128 characters without control characters",
                     {{"field", "customer_id"}});
    }
    std::optional<std::string> name;
    if (const json::value* n = o->if_contains("vendor_customer_name");
        n != nullptr && !n->is_null()) {
      if (!n->is_string() || n->get_string().empty() ||
          n->get_string().size() > kMaxVendorCustomerNameLength) {
        throw ApiError(400, "invalid_request",
                       "vendor_customer_name must be a string of 1-200 characters",
                       {{"field", "vendor_customer_name"}});
      }
      name = std::string(n->get_string());
    }
    const bool created =
        ledger_.put_link(id, std::string(customer->get_string()), std::move(name), now_iso());
    return Response::json(created ? 201 : 200, link_json(ledger_.links.at(id)));
  }

  Response delete_link(const Request& request) {
    ledger_.delete_link(vendor_customer_id(request));
    return Response::empty(204);
  }

  Response list_counts(const Request& request) {
    std::set<std::string> wanted;
    for (const auto& [name, value] : request.query) {
      if (name != "customer_id") continue;
      if (!valid_id(value)) {
        throw ApiError(400, "invalid_request",
                       "customer_id must be 1-128 characters without control characters",
                       {{"parameter", "customer_id"}});
      }
      wanted.insert(value);
    }
    if (static_cast<int64_t>(wanted.size()) > settings_.max_customer_filter) {
      throw ApiError(400, "invalid_request",
                     "at most " + std::to_string(settings_.max_customer_filter) +
                         " customer_id filters per request",
                     {{"parameter", "customer_id"}});
    }
    std::string filter;
    for (const auto& id : wanted) filter += id + '\n';
    const PageRequest page = page_request(request, "counts", fingerprint(filter));
    return Response::json(
        200, page_of(
                 ledger_.linked_vendor_ids, page,
                 [&](const auto& entry) { return wanted.empty() || wanted.count(entry.first) > 0; },
                 [&](const auto& entry) {
                   json::array counts;
                   for (const auto& [key, count] : ledger_.counts_of(entry.first)) {
                     counts.push_back(json::object{{"service_id", std::get<1>(*key)},
                                                   {"metric", std::get<2>(*key)},
                                                   {"quantity", count->quantity},
                                                   {"effective_date", count->effective_date},
                                                   {"updated_at", count->updated_at}});
                   }
                   return json::object{{"customer_id", entry.first},
                                       {"vendor_customer_id", entry.second},
                                       {"counts", std::move(counts)}};
                 }));
  }

  Response post_count_batch(const Request& request) {
    require_json_body(request);
    const std::string key(request.header("idempotency-key").value_or(""));
    if (!valid_idempotency_key(key)) {
      throw ApiError(400, "invalid_idempotency_key",
                     key.empty() ? "the Idempotency-Key header is required"
                                 : "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    if (auto known = ledger_.batches.find(key); known != ledger_.batches.end()) {
      return replay(known->second, request);
    }
    const json::value body = parse_body(request);
    const std::string now = now_iso();
    const BatchContext context{settings_.max_batch_items, now.substr(0, 10), now};
    const std::string batch_id = ledger_.next_batch_id();
    BatchResult result = process_count_batch(ledger_, body, context, batch_id);
    ++ledger_.next_batch_number;
    Response response = Response::json(200, result.response);
    ledger_.batches[key] = BatchRecord{batch_id,
                                       key,
                                       request.body,
                                       response.body,
                                       result.items,
                                       result.applied,
                                       result.unchanged,
                                       result.rejected,
                                       0};
    return response;
  }

  static Response replay(BatchRecord& record, const Request& request) {
    if (record.request_body != request.body) {
      throw ApiError(
          422, "idempotency_key_reused",
          "Idempotency-Key " + record.idempotency_key + " was used for a different batch",
          {{"idempotency_key", record.idempotency_key}, {"batch_id", record.batch_id}});
    }
    ++record.replays;
    Response response;
    response.status = 200;
    response.set_header("Content-Type", "application/json; charset=utf-8");
    response.set_header("Idempotent-Replayed", "true");
    response.body = record.response_body;
    return response;
  }

  Ledger ledger_;
  Settings settings_;
  SlidingWindowLimiter limiter_{0, std::chrono::seconds(60)};
};

}  // namespace

std::unique_ptr<Platform> make_external_platform() { return std::make_unique<ExternalPlatform>(); }

}  // namespace mb::sim::external
