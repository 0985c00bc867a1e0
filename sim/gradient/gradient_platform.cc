#include "sim/gradient/gradient_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/core/rate_window.h"
#include "sim/gradient/internal/api_errors.h"
#include "sim/gradient/internal/model.h"
#include "sim/gradient/internal/seed_data.h"
#include "sim/gradient/internal/service_catalog.h"
#include "sim/gradient/internal/synthesize_hooks.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

constexpr std::string_view kApiPrefix = "/api/vendor-api";

// Documented texts (reference §6 and §11).
constexpr std::string_view kUnauthorized = "Unauthorized";
constexpr std::string_view kInvalidIdType = "You have provided an invalid Id type";
constexpr std::string_view kNoAccountMap = "No account map found with id: ";
constexpr std::string_view kDuplicateId = "A resource with this Id already exists.";
constexpr std::string_view kCountCreated = "Success - Created service unit count";
constexpr std::string_view kAnomaly = "Forbidden: Gradient detected an anomaly with your API usage";
// The body parser's answer when the bulk-create body is not an array (NestJS ParseArrayPipe).
constexpr std::string_view kArrayExpected = "Validation failed (parsable array expected)";

// The body parser's refusal, in the framework's error shape (reference §8; the shape is
// assumed: older NestJS versions answered 500 instead).
constexpr std::string_view kBodyTooLarge = "request entity too large";

// A fixed seed for ids the simulator makes, so a run is repeatable after every reset.
constexpr uint64_t kIdSeed = 0x6a7d1e47ULL;

struct Settings {
  int64_t rate_limit_requests = 100;  // per window; 0 = no limit
  int64_t rate_limit_window_ms = 1000;
  bool rate_limit_retry_after = false;          // no Retry-After is documented
  std::string duplicate_accounts = "conflict";  // conflict | skip | upsert
  std::string validation_messages = "array";    // array | string
  std::string status_values = "all";            // all | newer
  bool anomaly_block = false;                   // 403 on every count push
  int64_t clients_page_size = 50;
  bool account_mapping_fields = false;    // GET accounts rows carry isMapped and mappingId
  bool auto_activate = true;  // an accepted count or alert moves inactive/pending to "active"
  int64_t body_limit_bytes = 100 * 1024;  // the JSON body parser's limit (Express: 100kb)
  int64_t alert_pending_polls = 1;        // debug GETs answered "pending" before the outcome
  std::string alert_outcome = "mapping";  // mapping | success | failed
};

bool setting_bool(const json::value& value, std::string_view name) {
  if (!value.is_bool())
    throw HttpError(400, "setting '" + std::string(name) + "' must be a boolean");
  return value.get_bool();
}

int64_t setting_int(const json::value& value, std::string_view name, int64_t minimum) {
  if (!value.is_int64() || value.get_int64() < minimum) {
    throw HttpError(400, "setting '" + std::string(name) +
                             "' must be an integer >= " + std::to_string(minimum));
  }
  return value.get_int64();
}

std::string setting_choice(const json::value& value, std::string_view name,
                           std::initializer_list<std::string_view> choices) {
  std::string allowed;
  for (std::string_view choice : choices) {
    if (value.is_string() && value.get_string() == choice) return std::string(choice);
    allowed += allowed.empty() ? "" : ", ";
    allowed += choice;
  }
  throw HttpError(400, "setting '" + std::string(name) + "' must be one of: " + allowed);
}

std::string text(const json::string* value) { return std::string(value->data(), value->size()); }

std::string joined(std::span<const std::string_view> values) {
  std::string result;
  for (std::string_view value : values) {
    if (!result.empty()) result += ", ";
    result += value;
  }
  return result;
}

// "GET /api/vendor-api/service/{serviceId}/count": ids replaced so statistics and fault rules
// see one key per route.
std::string api_endpoint_key(const Request& request) {
  const std::string_view path = request.path;
  if (path == kApiPrefix) return request.method + " " + std::string(kApiPrefix);
  if (!path.starts_with(std::string(kApiPrefix) + "/")) return default_endpoint_key(request);
  std::string key = request.method + " " + std::string(kApiPrefix);
  std::string_view previous;
  for (std::string_view segment : split_path(path.substr(kApiPrefix.size()))) {
    key += '/';
    if (previous == "accounts" || (previous == "alerting" && segment != "debug")) {
      key += "{accountId}";
    } else if (previous == "service") {
      key += "{serviceId}";
    } else if (previous == "status") {
      key += "{status}";
    } else if (previous == "debug") {
      key += "{messageId}";
    } else {
      key += segment;
    }
    previous = segment;
  }
  return key;
}

// "T20250602.0042" from an ISO timestamp and a sequence number.
std::string ticket_id(std::string_view created_at, int64_t sequence) {
  std::string date;
  for (char c : created_at.substr(0, 10)) {
    if (c != '-') date += c;
  }
  char number[16];
  std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(sequence % 10000));
  return "T" + date + "." + number;
}

class GradientPlatform : public Platform {
 public:
  GradientPlatform() : hooks_(world_, ids_) { rebuild_limiter(); }

  void register_routes(Router& router) override {
    add_api(router, "GET", "/organization", &GradientPlatform::get_integration);
    add_api(router, "PATCH", "/organization/status/{status}", &GradientPlatform::update_status);
    add_api(router, "GET", "/organization/clients", &GradientPlatform::list_clients);
    add_api(router, "POST", "/organization/accounts", &GradientPlatform::create_accounts);
    add_api(router, "GET", "/organization/accounts", &GradientPlatform::list_accounts);
    add_api(router, "PATCH", "/organization/accounts/{accountId}",
            &GradientPlatform::update_account);
    add_api(router, "GET", "", &GradientPlatform::get_vendor);
    add_api(router, "PATCH", "", &GradientPlatform::update_vendor);
    add_api(router, "POST", "/service", &GradientPlatform::create_service);
    add_api(router, "GET", "/service/{serviceId}", &GradientPlatform::get_service);
    add_api(router, "PATCH", "/service/{serviceId}", &GradientPlatform::update_service);
    add_api(router, "POST", "/service/{serviceId}/count", &GradientPlatform::push_count);
    add_api(router, "POST", "/alerting/{accountId}", &GradientPlatform::create_alert);
    add_api(router, "GET", "/alerting/debug/{messageId}", &GradientPlatform::alert_debug);
    hooks_.register_routes(router);
  }

  json::value default_seed() const override { return default_gradient_seed(); }

  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_gradient_seed(spec);
  }

  void load_seed(const json::value& seed) override {
    IdSource ids(kIdSeed);
    World world = parse_world(seed, ids);
    // Assigned in place: the hooks hold references to these members.
    world_ = std::move(world);
    ids_ = ids;
    limiter_.reset();
    tickets_issued_ = 0;
  }

  json::value state() const override { return world_state_json(world_); }

  EndpointClass classify(const Request& request) const override {
    return EndpointClass{api_endpoint_key(request), 0};
  }

  // An injected "throttle" fault answers like the real limit.
  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    return rate_limited(std::chrono::seconds(1));
  }

  Response error_response(int status, std::string_view message) const override {
    return gradient_error(status, json::value(message));
  }

  // Express answers an unknown path, or a known path under another method, with 404
  // "Cannot <METHOD> <path>".
  Response no_route_response(const Request& request, RouteMiss /*miss*/) const override {
    return gradient_error(404, json::value("Cannot " + request.method + " " + request.path));
  }

  json::value settings() const override {
    return json::object{{"rate_limit_requests", settings_.rate_limit_requests},
                        {"rate_limit_window_ms", settings_.rate_limit_window_ms},
                        {"rate_limit_retry_after", settings_.rate_limit_retry_after},
                        {"duplicate_accounts", settings_.duplicate_accounts},
                        {"validation_messages", settings_.validation_messages},
                        {"status_values", settings_.status_values},
                        {"anomaly_block", settings_.anomaly_block},
                        {"clients_page_size", settings_.clients_page_size},
                        {"account_mapping_fields", settings_.account_mapping_fields},
                        {"auto_activate", settings_.auto_activate},
                        {"body_limit_bytes", settings_.body_limit_bytes},
                        {"alert_pending_polls", settings_.alert_pending_polls},
                        {"alert_outcome", settings_.alert_outcome}};
  }

  void apply_settings(const json::object& changes) override {
    Settings updated = settings_;
    for (const auto& [key, value] : changes) {
      if (key == "rate_limit_requests") {
        updated.rate_limit_requests = setting_int(value, key, 0);
      } else if (key == "rate_limit_window_ms") {
        updated.rate_limit_window_ms = setting_int(value, key, 1);
      } else if (key == "rate_limit_retry_after") {
        updated.rate_limit_retry_after = setting_bool(value, key);
      } else if (key == "duplicate_accounts") {
        updated.duplicate_accounts = setting_choice(value, key, {"conflict", "skip", "upsert"});
      } else if (key == "validation_messages") {
        updated.validation_messages = setting_choice(value, key, {"array", "string"});
      } else if (key == "status_values") {
        updated.status_values = setting_choice(value, key, {"all", "newer"});
      } else if (key == "anomaly_block") {
        updated.anomaly_block = setting_bool(value, key);
      } else if (key == "clients_page_size") {
        updated.clients_page_size = setting_int(value, key, 1);
      } else if (key == "account_mapping_fields") {
        updated.account_mapping_fields = setting_bool(value, key);
      } else if (key == "auto_activate") {
        updated.auto_activate = setting_bool(value, key);
      } else if (key == "body_limit_bytes") {
        updated.body_limit_bytes = setting_int(value, key, 0);
      } else if (key == "alert_pending_polls") {
        updated.alert_pending_polls = setting_int(value, key, 0);
      } else if (key == "alert_outcome") {
        updated.alert_outcome = setting_choice(value, key, {"mapping", "success", "failed"});
      } else {
        throw HttpError(400, "unknown setting '" + std::string(key) + "'");
      }
    }
    const bool limit_changed = updated.rate_limit_requests != settings_.rate_limit_requests ||
                               updated.rate_limit_window_ms != settings_.rate_limit_window_ms;
    settings_ = std::move(updated);
    if (limit_changed) rebuild_limiter();
  }

  void reset_settings() override {
    settings_ = Settings{};
    rebuild_limiter();
  }

 private:
  struct ApiCall {
    const Request& request;
    Partner& partner;
  };
  using ApiHandler = Response (GradientPlatform::*)(const ApiCall&);

  // --- The gate every API request passes: rate limit, then the token. -----------------------

  void add_api(Router& router, std::string method, std::string_view path, ApiHandler handler) {
    router.add(std::move(method), std::string(kApiPrefix) + std::string(path),
               [this, handler](const Request& request) { return serve(request, handler); });
  }

  Response serve(const Request& request, ApiHandler handler) {
    try {
      // The limit counts every request, authenticated or not, as a gateway limit does.
      if (!limiter_.try_acquire()) return rate_limited(limiter_.retry_after());
      // The JSON body parser runs before any guard, so a body over its limit is refused even
      // with a bad token.
      if (settings_.body_limit_bytes > 0 && has_json_content_type(request) &&
          request.body.size() > static_cast<size_t>(settings_.body_limit_bytes)) {
        return gradient_error(413, json::value(kBodyTooLarge));
      }
      Partner& partner = authenticate(request);
      return (this->*handler)(ApiCall{request, partner});
    } catch (const ValidationError& error) {
      return validation_failed(error.messages());
    }
  }

  Partner& authenticate(const Request& request) {
    const std::optional<std::string_view> token = request.header("gradient-token");
    if (!token) throw HttpError(401, std::string(kUnauthorized));
    const std::optional<TokenKeys> keys = decode_gradient_token(*token);
    if (!keys || keys->vendor_key != world_.vendor.vendor_key) {
      throw HttpError(401, std::string(kUnauthorized));
    }
    Partner* partner = world_.partner_by_key(keys->partner_key);
    if (partner == nullptr) throw HttpError(401, std::string(kUnauthorized));
    return *partner;
  }

  Response rate_limited(SlidingWindowLimiter::Clock::duration wait) const {
    std::string message = "Request limit reached (" + std::to_string(settings_.rate_limit_requests);
    message += settings_.rate_limit_window_ms == 1000
                   ? " requests a second)"
                   : " requests per " + std::to_string(settings_.rate_limit_window_ms) + " ms)";
    Response response = gradient_error(429, json::value(message));
    if (settings_.rate_limit_retry_after) {
      const int64_t seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
      response.set_header("Retry-After", std::to_string(std::max<int64_t>(seconds, 1)));
    }
    return response;
  }

  Response validation_failed(const std::vector<std::string>& messages) const {
    if (settings_.validation_messages == "string") {
      std::string message;
      for (const std::string& item : messages) message += (message.empty() ? "" : ", ") + item;
      return gradient_error(400, json::value(message));
    }
    json::array list;
    for (const std::string& item : messages) list.push_back(json::value(item));
    return gradient_error(400, list);
  }

  void rebuild_limiter() {
    limiter_ = SlidingWindowLimiter(settings_.rate_limit_requests,
                                    std::chrono::milliseconds(settings_.rate_limit_window_ms));
  }

  // Gradient sets "active" itself once it receives usage or an alert (reference §3). A status
  // set deliberately on Gradient's side (disabled, error) is not cleared by usage.
  void note_usage(Partner& partner) {
    if (settings_.auto_activate && (partner.status == "pending" || partner.status == "inactive"))
      partner.change_status("active", "gradient");
  }

  // --- Integration --------------------------------------------------------------------------

  Response get_integration(const ApiCall& call) {
    return Response::json(200, integration_json(world_.vendor, call.partner));
  }

  Response update_status(const ApiCall& call) {
    const std::string& status = call.request.path_param("status");
    const std::span<const std::string_view> allowed =
        settings_.status_values == "newer"
            ? std::span<const std::string_view>(kNewerIntegrationStatuses)
            : std::span<const std::string_view>(kIntegrationStatuses);
    // Exact comparison: "Active" is refused where "active" works.
    if (std::find(allowed.begin(), allowed.end(), status) == allowed.end()) {
      throw ValidationError({"status must be one of the following values: " + joined(allowed)});
    }
    call.partner.change_status(status, "vendor");
    return Response::json(200, json::object{{"data", integration_json(world_.vendor, call.partner)},
                                            {"status", 200},
                                            {"message", "Success - Updated Integration Status"}});
  }

  // The MSP's PSA clients, ordered by id; previousId is a keyset cursor (the page starts after
  // it), so an id that is not a client's still pages correctly.
  Response list_clients(const ApiCall& call) {
    const std::string search = to_lower_ascii(call.request.query_param("search").value_or(""));
    const std::string previous_id(call.request.query_param("previousId").value_or(""));
    std::vector<const Client*> matching;
    for (const Client& client : call.partner.clients) {
      if (search.empty() || to_lower_ascii(client.name).find(search) != std::string::npos) {
        matching.push_back(&client);
      }
    }
    std::sort(matching.begin(), matching.end(),
              [](const Client* a, const Client* b) { return a->id < b->id; });
    json::array page;
    for (const Client* client : matching) {
      if (static_cast<int64_t>(page.size()) == settings_.clients_page_size) break;
      if (previous_id.empty() || client->id > previous_id) page.push_back(client_json(*client));
    }
    json::value last_id = nullptr;
    if (!page.empty()) last_id = page.back().at("id");
    json::object meta{
        {"total", matching.size()},
        {"pageSize", settings_.clients_page_size},
        {"count", page.size()},
        {"previousId", previous_id.empty() ? json::value(nullptr) : json::value(previous_id)},
        {"lastId", last_id}};
    return Response::json(200,
                          json::object{{"meta", std::move(meta)}, {"clients", std::move(page)}});
  }

  // --- Accounts -----------------------------------------------------------------------------

  Response create_accounts(const ApiCall& call) {
    const json::value body = parsed_body(call.request);
    if (!body.is_array()) throw HttpError(400, std::string(kArrayExpected));
    std::vector<Account> incoming;
    std::vector<std::string> problems;
    const json::array& rows = body.get_array();
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string prefix = "[" + std::to_string(i) + "]";
      FieldChecks checks(rows[i], prefix + ".");
      if (!rows[i].is_object()) checks.fail(prefix + " must be an object");
      const json::string* id = checks.required_string("id");
      const json::string* name = checks.required_string("name");
      const json::string* description = checks.optional_string("description");
      if (checks.ok()) {
        incoming.push_back({"", text(id), text(name), description ? text(description) : ""});
      }
      for (std::string& problem : checks.take_messages()) problems.push_back(std::move(problem));
    }
    if (!problems.empty()) throw ValidationError(std::move(problems));
    return Response::json(201, store_accounts(call.partner, std::move(incoming)));
  }

  // Applies the duplicate-id policy. "conflict" refuses the whole request, so a 409 never
  // leaves half a batch behind.
  json::array store_accounts(Partner& partner, std::vector<Account> incoming) {
    std::set<std::string> seen;
    bool duplicate = false;
    for (const Account& account : incoming) {
      if (partner.find_account(account.id) != nullptr || !seen.insert(account.id).second) {
        duplicate = true;
      }
    }
    if (duplicate && settings_.duplicate_accounts == "conflict") {
      throw HttpError(409, std::string(kDuplicateId));
    }
    json::array stored;
    for (Account& account : incoming) {
      if (Account* existing = partner.find_account(account.id)) {
        if (settings_.duplicate_accounts == "skip") continue;
        existing->name = account.name;
        existing->description = account.description;
        stored.push_back(account_json(*existing, partner, false));
        continue;
      }
      account.record_id = ids_.object_id();
      partner.accounts.push_back(std::move(account));
      stored.push_back(account_json(partner.accounts.back(), partner, false));
    }
    return stored;
  }

  // Everything at once, no paging. accountIds and returnUnmapped are the SDK's optional filters.
  Response list_accounts(const ApiCall& call) {
    std::set<std::string, std::less<>> wanted;
    for (const auto& [name, value] : call.request.query) {
      if (name != "accountIds") continue;
      size_t start = 0;
      while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        if (comma > start) wanted.insert(value.substr(start, comma - start));
        start = comma + 1;
      }
    }
    bool only_mapped = false;
    if (const auto return_unmapped = call.request.query_param("returnUnmapped")) {
      if (*return_unmapped != "true" && *return_unmapped != "false") {
        throw ValidationError({"returnUnmapped must be a boolean value"});
      }
      only_mapped = *return_unmapped == "false";
    }
    json::array rows;
    for (const Account& account : call.partner.accounts) {
      if (!wanted.empty() && !wanted.contains(account.id)) continue;
      if (only_mapped && !call.partner.is_account_mapped(account)) continue;
      rows.push_back(account_json(account, call.partner, settings_.account_mapping_fields));
    }
    return Response::json(200, rows);
  }

  Response update_account(const ApiCall& call) {
    const std::string& account_id = call.request.path_param("accountId");
    Account* account = call.partner.find_account(account_id);
    if (account == nullptr) throw HttpError(404, "No account found with id: " + account_id);
    FieldChecks checks(parsed_body(call.request));
    const json::string* new_id = checks.optional_string("id", true);
    const json::string* name = checks.optional_string("name", true);
    const json::string* description = checks.optional_string("description");
    checks.finish();
    if (new_id != nullptr && *new_id != account->id &&
        call.partner.find_account(text(new_id)) != nullptr) {
      throw HttpError(409, std::string(kDuplicateId));
    }
    // The record keeps its Gradient id, so the MSP's mapping follows an id change.
    if (new_id != nullptr) account->id = text(new_id);
    if (name != nullptr) account->name = text(name);
    if (description != nullptr) account->description = text(description);
    return Response::json(200, account_json(*account, call.partner, false));
  }

  // --- Vendor profile and services ----------------------------------------------------------

  Response get_vendor(const ApiCall& /*call*/) {
    return Response::json(200, json::object{{"status", 200},
                                            {"data", vendor_json(world_.vendor)},
                                            {"message", "Success - Retrieved Vendor"}});
  }

  Response update_vendor(const ApiCall& call) {
    FieldChecks checks(parsed_body(call.request));
    const json::string* name = checks.optional_string("name", true);
    const json::string* description = checks.optional_string("description");
    const json::string* support_page = checks.optional_string("vendorSupportPageUrl");
    const json::string* portal = checks.optional_string("integrationPortalUrl");
    const std::array<std::string_view, 4> fields = {"name", "description", "vendorSupportPageUrl",
                                                    "integrationPortalUrl"};
    const bool any = std::any_of(fields.begin(), fields.end(), [&](std::string_view field) {
      return checks.object().contains(field);
    });
    if (!any) {
      checks.fail(
          "at least one of name, description, vendorSupportPageUrl, integrationPortalUrl must be "
          "provided");
    }
    checks.finish();
    Vendor& vendor = world_.vendor;
    if (name != nullptr) vendor.name = text(name);
    if (description != nullptr) vendor.description = text(description);
    if (support_page != nullptr) vendor.vendor_support_page_url = text(support_page);
    if (portal != nullptr) vendor.integration_portal_url = text(portal);
    vendor.updated_at = now_iso8601();
    return Response::json(200, json::object{{"data", vendor_json(vendor)},
                                            {"message", "Success - Updated Vendor"},
                                            {"status", 200}});
  }

  // Names are not unique: a second POST with the same name makes a second service, which is
  // why clients look up services by name in the vendor profile first.
  Response create_service(const ApiCall& call) {
    FieldChecks checks(parsed_body(call.request));
    const json::string* name = checks.required_string("name");
    const json::string* description = checks.required_string("description");
    const json::string* category = checks.required_string("category");
    checks.one_of("category", category, service_categories());
    const json::string* subcategory = checks.required_string("subcategory");
    checks.one_of("subcategory", subcategory, service_subcategories());
    const json::string* logo = checks.optional_string("logo");
    const json::string* article = checks.optional_string("supportArticle");
    const json::string* contact = checks.optional_string("supportContact");
    checks.finish();
    Service service;
    do {
      service.id = ids_.object_id();
    } while (world_.vendor.find_service(service.id) != nullptr);
    service.name = text(name);
    service.description = text(description);
    service.category = text(category);
    service.subcategory = text(subcategory);
    if (logo != nullptr) service.logo = text(logo);
    if (article != nullptr) service.support_article = text(article);
    if (contact != nullptr) service.support_contact = text(contact);
    Vendor& vendor = world_.vendor;
    vendor.services.push_back(std::move(service));
    ++vendor.version;
    vendor.updated_at = now_iso8601();
    // The whole vendor, not wrapped in {data}: clients find the new sku by name.
    return Response::json(201, vendor_json(vendor));
  }

  Service& service_in_path(const Request& request) {
    const std::string& service_id = request.path_param("serviceId");
    if (!is_object_id(service_id)) throw HttpError(400, std::string(kInvalidIdType));
    Service* service = world_.vendor.find_service(service_id);
    if (service == nullptr) throw HttpError(404, "No service found with id: " + service_id);
    return *service;
  }

  Response get_service(const ApiCall& call) {
    return Response::json(200, json::object{{"data", service_json(service_in_path(call.request))},
                                            {"message", "Success - Retrieved Service"},
                                            {"status", 200}});
  }

  // The SDK sends no body here (a generator gap), so an empty body is a valid no-op.
  Response update_service(const ApiCall& call) {
    Service& service = service_in_path(call.request);
    FieldChecks checks(parsed_body(call.request));
    const json::string* name = checks.optional_string("name", true);
    const json::string* description = checks.optional_string("description");
    const json::string* category = checks.optional_string("category");
    checks.one_of("category", category, service_categories());
    const json::string* subcategory = checks.optional_string("subcategory");
    checks.one_of("subcategory", subcategory, service_subcategories());
    const json::string* logo = checks.optional_string("logo");
    const json::string* article = checks.optional_string("supportArticle");
    const json::string* contact = checks.optional_string("supportContact");
    checks.finish();
    if (name != nullptr) service.name = text(name);
    if (description != nullptr) service.description = text(description);
    if (category != nullptr) service.category = text(category);
    if (subcategory != nullptr) service.subcategory = text(subcategory);
    if (logo != nullptr) service.logo = text(logo);
    if (article != nullptr) service.support_article = text(article);
    if (contact != nullptr) service.support_contact = text(contact);
    world_.vendor.updated_at = now_iso8601();
    return Response::json(200, json::object{{"data", service_json(service)},
                                            {"message", "Success - Updated Service"},
                                            {"status", 200}});
  }

  // --- Usage --------------------------------------------------------------------------------

  // Checks in the order the server's layers apply them: the anomaly guard, the id pipe, body
  // validation, then the lookups.
  Response push_count(const ApiCall& call) {
    if (settings_.anomaly_block) throw HttpError(403, std::string(kAnomaly));
    const std::string& service_id = call.request.path_param("serviceId");
    if (!is_object_id(service_id)) throw HttpError(400, std::string(kInvalidIdType));
    // Only "true" skips the Billing-view rebuild; anything else rebuilds.
    const bool no_build = call.request.query_param("no_build") == std::string_view("true");
    FieldChecks checks(parsed_body(call.request));
    const json::value* unit_count = checks.required_number("unitCount");
    const json::string* account_id = checks.optional_string("accountId", true);
    // The deprecated PSA-client id, in both of its documented spellings.
    const json::string* client_oid = checks.optional_string("clientOid", true);
    if (client_oid == nullptr) client_oid = checks.optional_string("clientOId", true);
    if (account_id == nullptr && client_oid == nullptr && checks.ok()) {
      checks.fail("accountId must be a string");
    }
    checks.finish();

    Partner& partner = call.partner;
    if (world_.vendor.find_service(service_id) == nullptr) {
      throw HttpError(404, "No service found with id: " + service_id);
    }
    const std::string named = account_id != nullptr ? text(account_id) : text(client_oid);
    const Account* account =
        account_id != nullptr ? partner.find_account(named) : partner.account_mapped_to(named);
    // The vendor cannot tell an unmapped account from an unmapped service: both are this 404.
    if (account == nullptr || !partner.is_account_mapped(*account) ||
        !partner.is_service_mapped(service_id)) {
      throw HttpError(404, std::string(kNoAccountMap) + named);
    }
    const std::string now = now_iso8601();
    PushedCount& pushed = partner.counts[{account->record_id, service_id}];
    if (pushed.pushes == 0 || pushed.unit_count != *unit_count) ++pushed.changes;
    pushed.unit_count = *unit_count;
    pushed.no_build = no_build;
    ++pushed.pushes;
    pushed.last_pushed_at = now;
    ++partner.accepted_count_calls;
    if (!no_build) ++partner.billing_view_builds;
    partner.last_synced_at = now;
    note_usage(partner);
    return Response::json(201, json::object{{"status", 201}, {"message", kCountCreated}});
  }

  Response create_alert(const ApiCall& call) {
    const std::string& account_id = call.request.path_param("accountId");
    FieldChecks checks(parsed_body(call.request));
    const json::string* title = checks.required_string("title");
    const json::string* description = checks.required_string("description");
    const json::string* alert_id = checks.required_string("alertId");
    checks.required_int_in_range("priority", 1, 4);
    checks.required_int_in_range("status", 1, 6);
    const json::string* due = checks.optional_string("dueDateTime");
    const json::string* service_id = checks.optional_string("serviceId");
    if (service_id != nullptr && !is_object_id(*service_id)) {
      checks.fail("serviceId must be a mongodb id");
    }
    checks.finish();
    Partner& partner = call.partner;
    if (partner.find_account(account_id) == nullptr) {
      throw HttpError(404, std::string(kNoAccountMap) + account_id);
    }
    Alert alert;
    alert.message_id = ids_.uuid();
    alert.correlation_id = ids_.object_id();
    alert.alert_id = text(alert_id);
    alert.account_id = account_id;
    alert.title = text(title);
    alert.description = text(description);
    alert.priority = checks.object().at("priority").as_int64();
    alert.status = checks.object().at("status").as_int64();
    if (due != nullptr) alert.due_date_time = text(due);
    if (service_id != nullptr) alert.service_id = text(service_id);
    alert.created_at = now_iso8601();
    partner.alerts.push_back(alert);
    note_usage(partner);
    // Accepted means queued: the PSA ticket is made later, seen through the debug route.
    return Response::json(201, json::object{{"messageId", alert.message_id},
                                            {"alertId", alert.alert_id},
                                            {"correlationID", alert.correlation_id}});
  }

  Response alert_debug(const ApiCall& call) {
    const std::string& message_id = call.request.path_param("messageId");
    auto found = std::find_if(call.partner.alerts.begin(), call.partner.alerts.end(),
                              [&](const Alert& alert) { return alert.message_id == message_id; });
    if (found == call.partner.alerts.end()) {
      throw HttpError(404, "No alert found with messageId: " + message_id);
    }
    Alert& alert = *found;
    ++alert.debug_polls;
    if (alert.outcome == AlertOutcome::kPending &&
        alert.debug_polls > settings_.alert_pending_polls) {
      settle_alert(call.partner, alert);
    }
    return Response::json(200, alert_debug_json(alert));
  }

  void settle_alert(const Partner& partner, Alert& alert) {
    bool delivered = settings_.alert_outcome == "success";
    if (settings_.alert_outcome == "mapping") {
      const Account* account = partner.find_account(alert.account_id);
      delivered = account != nullptr && partner.is_account_mapped(*account);
    }
    if (delivered) {
      alert.outcome = AlertOutcome::kSuccess;
      alert.ticket_id = ticket_id(alert.created_at, ++tickets_issued_);
    } else {
      alert.outcome = AlertOutcome::kFailed;
      alert.errors.push_back(std::string(kNoAccountMap) + alert.account_id);
    }
  }

  World world_;
  IdSource ids_{kIdSeed};
  SynthesizeHooks hooks_;
  Settings settings_;
  SlidingWindowLimiter limiter_{0, std::chrono::seconds(1)};
  int64_t tickets_issued_ = 0;
};

}  // namespace

std::unique_ptr<Platform> make_gradient_platform() { return std::make_unique<GradientPlatform>(); }

}  // namespace mb::sim::gradient
