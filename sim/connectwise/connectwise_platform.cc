#include "sim/connectwise/connectwise_platform.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/list_query.h"
#include "sim/connectwise/internal/records.h"
#include "sim/connectwise/internal/seed_data.h"
#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/paging.h"
#include "sim/core/rate_window.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

constexpr std::string_view kApiPrefix = "/{codebase}/apis/3.0";
constexpr std::string_view kApiMarker = "/apis/3.0/";
constexpr std::string_view kVendorMediaType = "application/vnd.connectwise.com+json";
// On-premise servers answer this codebase, and many clients hard-code it even on cloud, where
// it routes too.
constexpr std::string_view kOnPremiseCodebase = "v4_6_release/";

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
  bool clamp_page_size = false;  // page_size_over_max: "reject" (400 OutOfRange) or "clamp"
  int64_t max_page_size = 1000;
  int64_t rate_limit_requests = 0;  // per window; 0 = no limit
  int64_t rate_limit_window_seconds = 60;
  std::optional<std::string> codebase;  // overrides the seed's, e.g. after an "upgrade"
  bool serve_v4_6_release = true;
  std::string api_version = "2026.4";  // newest model version: the default and api-current-version
  std::string oldest_api_version = "2015.3";
  bool nested_patch_false_200 = true;  // PATCH into a nested object: 200 and no change
};

// "2025.16" -> {2025, 16}; nullopt for anything else.
std::optional<std::pair<int, int>> parse_api_version(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  int parts[2] = {0, 0};
  std::string_view pieces[2] = {text.substr(0, dot), text.substr(dot + 1)};
  for (int i = 0; i < 2; ++i) {
    if (pieces[i].size() > 4) return std::nullopt;
    for (char c : pieces[i]) {
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  return std::make_pair(parts[0], parts[1]);
}

int64_t int_setting(const json::value& value, std::string_view name, int64_t minimum) {
  if (!value.is_int64() || value.get_int64() < minimum) {
    throw HttpError(400, "setting '" + std::string(name) +
                             "' must be an integer >= " + std::to_string(minimum));
  }
  return value.get_int64();
}

bool bool_setting(const json::value& value, std::string_view name) {
  if (!value.is_bool())
    throw HttpError(400, "setting '" + std::string(name) + "' must be true or false");
  return value.get_bool();
}

std::string version_setting(const json::value& value, std::string_view name) {
  if (!value.is_string() || !parse_api_version(value.get_string())) {
    throw HttpError(400,
                    "setting '" + std::string(name) + "' must be a version such as \"2026.4\"");
  }
  return std::string(value.get_string());
}

// ---------------------------------------------------------------------------------------------
// Small helpers

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Response wire_json(int status, const json::value& body) {
  Response response;
  response.status = status;
  response.body = to_wire_json(body);
  response.set_header("Content-Type", "application/json; charset=utf-8");
  return response;
}

Response api_error_response(const ApiError& error) {
  return wire_json(error.status(), error.body());
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string decoded;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = value_of(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return decoded;
}

// Everything after ".../apis/3.0/" in the path: "finance/agreements/9001/additions".
std::string_view api_relative_path(std::string_view path) {
  const std::string lowered = to_lower_ascii(path);
  const size_t marker = lowered.find(kApiMarker);
  return marker == std::string::npos ? std::string_view() : path.substr(marker + kApiMarker.size());
}

ApiError record_not_found(std::string_view what, int64_t id) {
  return ApiError(404, "NotFound", std::string(what) + " " + std::to_string(id) + " not found");
}

ApiError no_resource(const Request& request) {
  return ApiError(404, "ConnectWiseApi",
                  "No HTTP resource was found that matches the request URI '" + request.base_url +
                      request.target + "'.");
}

// Route ids are int32 in the platform; anything else matches no route there.
int64_t id_parameter(const Request& request, std::string_view name) {
  const std::string& text = request.path_param(name);
  int64_t id = 0;
  if (text.empty() || text.size() > 10) throw no_resource(request);
  for (char c : text) {
    if (c < '0' || c > '9') throw no_resource(request);
    id = id * 10 + (c - '0');
  }
  if (id > std::numeric_limits<int32_t>::max()) throw no_resource(request);
  return id;
}

json::value parse_body(const Request& request, std::string_view resource) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec || request.body.empty()) {
    throw ApiError(
        400, "InvalidObject",
        std::string(resource) + " object is invalid: the request body is not valid JSON");
  }
  return body;
}

// The context every handler of an apis/3.0 route gets once the request has been admitted.
struct ApiCall {
  const Request& request;
  std::string version;      // the model version answered with
  const ApiMember* member;  // who authenticated
};

class ConnectWisePlatform : public Platform {
 public:
  ConnectWisePlatform() : limiter_(0, std::chrono::seconds(60)) {}

  void register_routes(Router& router) override {
    // The platform's ASP.NET routes ignore case, and so do these.
    router.set_case_insensitive(true);
    router.add("GET", "/login/companyinfo/{companyId}",
               [this](const Request& r) { return company_info(r); });
    add_api(router, "GET", "/system/info", &ConnectWisePlatform::system_info);
    add_api(router, "GET", "/company/companies", &ConnectWisePlatform::list_companies);
    add_api(router, "GET", "/company/companies/count", &ConnectWisePlatform::count_companies);
    add_api(router, "GET", "/company/companies/{id}", &ConnectWisePlatform::get_company);
    add_api(router, "GET", "/procurement/catalog", &ConnectWisePlatform::list_catalog);
    add_api(router, "GET", "/procurement/catalog/count", &ConnectWisePlatform::count_catalog);
    add_api(router, "GET", "/procurement/catalog/{id}", &ConnectWisePlatform::get_catalog_item);
    add_api(router, "GET", "/finance/agreements", &ConnectWisePlatform::list_agreements);
    add_api(router, "GET", "/finance/agreements/count", &ConnectWisePlatform::count_agreements);
    add_api(router, "GET", "/finance/agreements/{id}", &ConnectWisePlatform::get_agreement);
    const std::string additions = "/finance/agreements/{parentId}/additions";
    add_api(router, "GET", additions, &ConnectWisePlatform::list_additions);
    add_api(router, "POST", additions, &ConnectWisePlatform::create_addition);
    add_api(router, "GET", additions + "/count", &ConnectWisePlatform::count_additions);
    add_api(router, "GET", additions + "/{id}", &ConnectWisePlatform::get_addition);
    add_api(router, "PATCH", additions + "/{id}", &ConnectWisePlatform::patch_addition);
    add_api(router, "PUT", additions + "/{id}", &ConnectWisePlatform::replace_addition);
    add_api(router, "DELETE", additions + "/{id}", &ConnectWisePlatform::delete_addition);
  }

  json::value default_seed() const override { return default_seed_document(); }

  json::value generate_seed(const GenerateSpec& spec) const override {
    return generate_seed_document(spec);
  }

  void load_seed(const json::value& seed) override {
    data_ = load_dataset(seed);
    next_addition_id_ = data_.additions.empty() ? 1 : data_.additions.rbegin()->first + 1;
    additions_by_agreement_.clear();
    for (const auto& [id, addition] : data_.additions)
      additions_by_agreement_[addition.at("agreementId").get_int64()].push_back(id);
    limiter_.reset();
    addition_writes_.clear();
  }

  json::value state() const override {
    json::value state = dataset_to_json(data_);
    json::array writes;
    for (const auto& [id, counted] : addition_writes_) {
      writes.push_back(json::object{{"additionId", id},
                                    {"writes", counted.writes},
                                    {"quantityChanges", counted.quantity_changes}});
    }
    state.as_object()["additionWrites"] = std::move(writes);
    return state;
  }

  EndpointClass classify(const Request& request) const override {
    // "PATCH /finance/agreements/{id}/additions/{id}": the same key whatever the codebase.
    const std::string_view relative = api_relative_path(request.path);
    if (!relative.empty()) {
      std::string key = request.method + " ";
      for (std::string_view segment : split_path(relative)) {
        const bool numeric =
            !segment.empty() && std::all_of(segment.begin(), segment.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
        key += '/';
        key += numeric ? std::string_view("{id}") : segment;
      }
      return EndpointClass{key, 0};
    }
    if (starts_with_ignore_case(request.path, "/login/companyinfo/")) {
      return EndpointClass{"GET /login/companyinfo", 0};
    }
    return Platform::classify(request);
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& /*context*/) const override {
    return too_many_requests(1);
  }

  Response error_response(int status, std::string_view message) const override {
    if (status == 429) return too_many_requests(1);
    return api_error_response(
        ApiError(status, std::string(code_for_status(status)), std::string(message)));
  }

  Response no_route_response(const Request& request, RouteMiss miss) const override {
    if (miss == RouteMiss::kMethodNotAllowed) {
      return api_error_response(ApiError(
          405, "ConnectWiseApi",
          "The requested resource does not support http method '" + request.method + "'."));
    }
    return api_error_response(no_resource(request));
  }

  json::value settings() const override {
    return json::object{
        {"page_size_over_max", settings_.clamp_page_size ? "clamp" : "reject"},
        {"max_page_size", settings_.max_page_size},
        {"rate_limit_requests", settings_.rate_limit_requests},
        {"rate_limit_window_seconds", settings_.rate_limit_window_seconds},
        {"codebase", settings_.codebase ? json::value(*settings_.codebase) : json::value(nullptr)},
        {"serve_v4_6_release", settings_.serve_v4_6_release},
        {"api_version", settings_.api_version},
        {"oldest_api_version", settings_.oldest_api_version},
        {"nested_patch_false_200", settings_.nested_patch_false_200}};
  }

  void apply_settings(const json::object& changes) override {
    Settings updated = settings_;
    for (const auto& [key, value] : changes) {
      if (key == "page_size_over_max") {
        const bool known =
            value.is_string() && (value.get_string() == "reject" || value.get_string() == "clamp");
        if (!known) {
          throw HttpError(400, "setting 'page_size_over_max' must be \"reject\" or \"clamp\"");
        }
        updated.clamp_page_size = value.get_string() == "clamp";
      } else if (key == "max_page_size") {
        updated.max_page_size = int_setting(value, key, 1);
      } else if (key == "rate_limit_requests") {
        updated.rate_limit_requests = int_setting(value, key, 0);
      } else if (key == "rate_limit_window_seconds") {
        updated.rate_limit_window_seconds = int_setting(value, key, 1);
      } else if (key == "codebase") {
        if (value.is_null()) {
          updated.codebase.reset();
        } else if (value.is_string() && value.get_string().size() > 1 &&
                   value.get_string().ends_with("/") &&
                   value.get_string().find('/') == value.get_string().size() - 1) {
          updated.codebase = std::string(value.get_string());
        } else {
          throw HttpError(400, "setting 'codebase' must look like \"v2025_2/\" or be null");
        }
      } else if (key == "serve_v4_6_release") {
        updated.serve_v4_6_release = bool_setting(value, key);
      } else if (key == "api_version") {
        updated.api_version = version_setting(value, key);
      } else if (key == "oldest_api_version") {
        updated.oldest_api_version = version_setting(value, key);
      } else if (key == "nested_patch_false_200") {
        updated.nested_patch_false_200 = bool_setting(value, key);
      } else {
        throw HttpError(400, "unknown setting '" + std::string(key) + "'");
      }
    }
    const bool limit_changed =
        updated.rate_limit_requests != settings_.rate_limit_requests ||
        updated.rate_limit_window_seconds != settings_.rate_limit_window_seconds;
    settings_ = std::move(updated);
    if (limit_changed) rebuild_limiter();
  }

  void reset_settings() override {
    settings_ = Settings{};
    rebuild_limiter();
  }

 private:
  using ApiHandler = Response (ConnectWisePlatform::*)(const ApiCall&);

  // ------------------------------------------------------------------------------------------
  // The gate every apis/3.0 request passes, in the order the platform's layers apply it.

  void add_api(Router& router, std::string method, std::string_view path, ApiHandler handler) {
    router.add(std::move(method), std::string(kApiPrefix) + std::string(path),
               [this, handler](const Request& request) { return serve_api(request, handler); });
  }

  Response serve_api(const Request& request, ApiHandler handler) {
    try {
      if (std::optional<Response> throttled = enforce_rate_limit()) return *throttled;
      require_current_codebase(request);
      require_client_id(request);
      const ApiMember& member = authenticate(request);
      ApiCall call{request, negotiate_version(request), &member};
      require_permission(request, member);
      Response response = (this->*handler)(call);
      if (!response.body.empty()) {
        response.set_header("Content-Type",
                            std::string(kVendorMediaType) + "; version=" + call.version);
      }
      response.set_header("api-current-version", settings_.api_version);
      response.set_header("x-cw-request-id", request_guid(request.request_id));
      response.set_header("x-server-name", "meterbridge-sim");
      return response;
    } catch (const ApiError& error) {
      return api_error_response(error);
    }
  }

  std::optional<Response> enforce_rate_limit() {
    if (settings_.rate_limit_requests <= 0) return std::nullopt;
    if (limiter_.try_acquire()) return std::nullopt;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(limiter_.retry_after()).count();
    return too_many_requests(std::max<int64_t>(wait, 1));
  }

  // The documented 429 differs from every other error: {"error": ..., "message": ...}.
  static Response too_many_requests(int64_t retry_after_seconds) {
    Response response = wire_json(
        429, json::object{{"error", "ConnectWiseAPI"},
                          {"message", "Too many requests. Please try again in " +
                                          std::to_string(retry_after_seconds) + " seconds."}});
    response.set_header("Retry-After", std::to_string(retry_after_seconds));
    return response;
  }

  std::string current_codebase() const { return settings_.codebase.value_or(data_.site.codebase); }

  // A stale codebase (after an upgrade) answers 404; clients re-read companyinfo.
  void require_current_codebase(const Request& request) const {
    const std::string codebase = request.path_param("codebase") + "/";
    if (equals_ignore_case(codebase, current_codebase())) return;
    if (settings_.serve_v4_6_release && equals_ignore_case(codebase, kOnPremiseCodebase)) return;
    throw no_resource(request);
  }

  void require_client_id(const Request& request) const {
    const std::string_view client_id = trim(request.header("clientid").value_or(""));
    if (client_id.empty()) {
      throw ApiError(400, "ConnectWiseApi",
                     "The clientId header is required. Register the integration at "
                     "developer.connectwise.com to get one.");
    }
    if (data_.client_ids.empty()) return;
    for (const std::string& registered : data_.client_ids) {
      if (registered == client_id) return;
    }
    // The clientId is a secret, so the message does not repeat it.
    throw ApiError(400, "ConnectWiseApi", "The clientId in the request is not registered.");
  }

  const ApiMember& authenticate(const Request& request) const {
    const std::string_view header = trim(request.header("authorization").value_or(""));
    if (header.empty()) {
      throw ApiError(401, "Unauthorized",
                     "Authorization is required: Basic base64(company+publicKey:privateKey).");
    }
    const size_t space = header.find(' ');
    std::optional<std::string> decoded;
    if (space != std::string_view::npos && equals_ignore_case(header.substr(0, space), "basic")) {
      decoded = decode_base64(trim(header.substr(space + 1)));
    }
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    const size_t plus = decoded ? decoded->find('+') : std::string::npos;
    if (colon == std::string::npos || plus == std::string::npos || plus > colon) {
      throw ApiError(
          401, "Unauthorized",
          "The Authorization header must be Basic base64(company+publicKey:privateKey).");
    }
    const std::string_view user = std::string_view(*decoded).substr(0, colon);
    const std::string_view company = user.substr(0, plus);
    const std::string_view public_key = user.substr(plus + 1);
    const std::string_view private_key = std::string_view(*decoded).substr(colon + 1);
    if (!equals_ignore_case(company, data_.site.company_id)) {
      throw ApiError(401, "Unauthorized",
                     "Company '" + std::string(company) + "' is not known on this site.");
    }
    for (const ApiMember& member : data_.api_members) {
      if (member.public_key == public_key && member.private_key == private_key) return member;
    }
    throw ApiError(401, "Unauthorized", "The public/private key pair is not valid.");
  }

  // The model version: the vnd media type's "version" when it comes first in Accept; the
  // newest otherwise (a leading application/json makes the platform ignore the version).
  std::string negotiate_version(const Request& request) const {
    const std::string_view accept = request.header("accept").value_or("");
    const std::string_view first = trim(accept.substr(0, accept.find(',')));
    size_t semicolon = first.find(';');
    if (!equals_ignore_case(trim(first.substr(0, semicolon)), kVendorMediaType)) {
      return settings_.api_version;
    }
    while (semicolon != std::string_view::npos) {
      const size_t next = first.find(';', semicolon + 1);
      const std::string_view parameter = trim(first.substr(
          semicolon + 1, next == std::string_view::npos ? next : next - semicolon - 1));
      semicolon = next;
      const size_t equals = parameter.find('=');
      if (equals == std::string_view::npos ||
          !equals_ignore_case(trim(parameter.substr(0, equals)), "version")) {
        continue;
      }
      std::string_view version = trim(parameter.substr(equals + 1));
      if (version.size() >= 2 && version.front() == '"' && version.back() == '"') {
        version = version.substr(1, version.size() - 2);
      }
      const auto requested = parse_api_version(version);
      const auto newest = parse_api_version(settings_.api_version);
      const auto oldest = parse_api_version(settings_.oldest_api_version);
      if (!requested || *requested < *oldest || *newest < *requested) {
        throw ApiError(400, "ConnectWiseApi",
                       "The HTTP resource that matches the request URI '" + request.base_url +
                           request.target + "' does not support the API version '" +
                           std::string(version) + "'.");
      }
      return std::string(version);
    }
    return settings_.api_version;
  }

  // The API member's security role: "[METHOD ]path-prefix" entries it may not use.
  static void require_permission(const Request& request, const ApiMember& member) {
    const std::string relative = to_lower_ascii(api_relative_path(request.path));
    for (const std::string& entry : member.forbidden) {
      std::string_view rule = trim(entry);
      const size_t space = rule.find(' ');
      if (space != std::string_view::npos) {
        if (!equals_ignore_case(rule.substr(0, space), request.method)) continue;
        rule = trim(rule.substr(space + 1));
      }
      while (!rule.empty() && rule.front() == '/') rule.remove_prefix(1);
      if (relative.starts_with(to_lower_ascii(rule))) {
        throw ApiError(403, "Security",
                       "You do not have security permission to perform this action.");
      }
    }
  }

  static std::string request_guid(uint64_t request_id) {
    char guid[48];
    std::snprintf(guid, sizeof guid, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(request_id));
    return guid;
  }

  static std::string_view code_for_status(int status) {
    switch (status) {
      case 400:
        return "InvalidObject";
      case 401:
        return "Unauthorized";
      case 403:
        return "Security";
      case 404:
        return "NotFound";
      case 409:
        return "Conflict";
      default:
        return "ConnectWiseApi";
    }
  }

  void rebuild_limiter() {
    limiter_ = SlidingWindowLimiter(settings_.rate_limit_requests,
                                    std::chrono::seconds(settings_.rate_limit_window_seconds));
  }

  PagingLimits paging_limits() const {
    PagingLimits limits;
    limits.max_page_size = settings_.max_page_size;
    limits.clamp_over_max = settings_.clamp_page_size;
    return limits;
  }

  // ------------------------------------------------------------------------------------------
  // Discovery and credential check

  Response company_info(const Request& request) const {
    if (!equals_ignore_case(request.path_param("companyId"), data_.site.company_id)) {
      // Unknown companies get a JSON null with 200, not an error.
      return wire_json(200, nullptr);
    }
    const SiteInfo& site = data_.site;
    std::string_view host = request.base_url;
    if (const size_t scheme = host.find("://"); scheme != std::string_view::npos) {
      host.remove_prefix(scheme + 3);
    }
    return wire_json(200, json::object{{"CompanyName", site.company_name},
                                       {"Codebase", current_codebase()},
                                       {"VersionCode", site.version_code},
                                       {"VersionNumber", site.version_number},
                                       {"CompanyID", site.company_id},
                                       {"IsCloud", site.is_cloud ? "True" : "False"},
                                       {"SiteUrl", host}});
  }

  Response system_info(const ApiCall& /*call*/) {
    const SiteInfo& site = data_.site;
    // "v2025.1" + the build of "v4.6.12345" -> "v2025.1.12345".
    const size_t build = site.version_number.rfind('.');
    const std::string version =
        site.version_code + (build == std::string::npos ? "" : site.version_number.substr(build));
    return wire_json(200, json::object{{"version", version},
                                       {"isCloud", site.is_cloud},
                                       {"serverTimeZone", site.server_time_zone},
                                       {"licenseBits", json::array{}},
                                       {"cloudRegion", site.cloud_region}});
  }

  // ------------------------------------------------------------------------------------------
  // Lists, counts and single records

  static std::vector<const json::object*> all_of(const RecordTable& table) {
    std::vector<const json::object*> rows;
    rows.reserve(table.size());
    for (const auto& [id, record] : table) rows.push_back(&record);
    return rows;
  }

  Response list(const ApiCall& call, Entity entity, std::vector<const json::object*> rows) const {
    const ListQuery query = ListQuery::parse(call.request, entity, paging_limits());
    std::erase_if(rows, [&](const json::object* row) { return !query.matches(*row); });
    // Rows arrive in id order; orderBy re-sorts them (ties by id, so pages stay stable).
    if (!query.order_by.empty()) {
      std::stable_sort(rows.begin(), rows.end(), [&](const json::object* a, const json::object* b) {
        return query.before(*a, *b);
      });
    }
    const Paging& paging = query.paging;
    size_t begin = 0, end = 0;
    std::vector<std::pair<std::string, std::string>> links;
    if (paging.forward_only) {
      end = std::min(rows.size(), static_cast<size_t>(paging.page_size));
      if (end < rows.size()) {
        const int64_t last_id = rows[end - 1]->at("id").get_int64();
        links.emplace_back("next",
                           url_with_query(call.request, {{"pageId", std::to_string(last_id)}}));
      }
    } else {
      const PageSlice slice = page_slice(rows.size(), paging.page, paging.page_size);
      begin = slice.begin;
      end = slice.end;
      if (slice.has_previous) {
        links.emplace_back("first", url_with_query(call.request, {{"page", "1"}}));
        links.emplace_back(
            "prev", url_with_query(call.request, {{"page", std::to_string(paging.page - 1)}}));
      }
      if (slice.has_next) {
        links.emplace_back(
            "next", url_with_query(call.request, {{"page", std::to_string(paging.page + 1)}}));
        links.emplace_back(
            "last", url_with_query(call.request, {{"page", std::to_string(slice.page_count)}}));
      }
    }
    json::array body;
    body.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) body.push_back(query.fields.project(*rows[i]));
    Response response = wire_json(200, body);
    // Forward-only always carries Link, empty on the last page: that is how clients know the
    // endpoint supports it and when to stop. Navigable paging omits it when nothing links.
    if (paging.forward_only || !links.empty()) response.set_header("Link", link_header(links));
    return response;
  }

  Response count(const ApiCall& call, Entity entity,
                 const std::vector<const json::object*>& rows) const {
    const ListQuery query = ListQuery::parse(call.request, entity, paging_limits());
    int64_t matching = 0;
    for (const json::object* row : rows) matching += query.matches(*row) ? 1 : 0;
    return wire_json(200, json::object{{"count", matching}});
  }

  static Response single(const ApiCall& call, Entity entity, const json::object& record) {
    const FieldSelection fields =
        FieldSelection::parse(call.request.query_param_any_case("fields").value_or(""), entity);
    return wire_json(200, fields.project(record));
  }

  static const json::object& find_record(const RecordTable& table, int64_t id,
                                         std::string_view what) {
    auto it = table.find(id);
    if (it == table.end()) throw record_not_found(what, id);
    return it->second;
  }

  Response list_companies(const ApiCall& call) {
    return list(call, Entity::kCompany, all_of(data_.companies));
  }
  Response count_companies(const ApiCall& call) {
    return count(call, Entity::kCompany, all_of(data_.companies));
  }
  Response get_company(const ApiCall& call) {
    return single(call, Entity::kCompany,
                  find_record(data_.companies, id_parameter(call.request, "id"), "Company"));
  }

  Response list_catalog(const ApiCall& call) {
    return list(call, Entity::kCatalogItem, all_of(data_.catalog));
  }
  Response count_catalog(const ApiCall& call) {
    return count(call, Entity::kCatalogItem, all_of(data_.catalog));
  }
  Response get_catalog_item(const ApiCall& call) {
    return single(call, Entity::kCatalogItem,
                  find_record(data_.catalog, id_parameter(call.request, "id"), "Catalog item"));
  }

  Response list_agreements(const ApiCall& call) {
    return list(call, Entity::kAgreement, all_of(data_.agreements));
  }
  Response count_agreements(const ApiCall& call) {
    return count(call, Entity::kAgreement, all_of(data_.agreements));
  }
  Response get_agreement(const ApiCall& call) {
    return single(call, Entity::kAgreement,
                  find_record(data_.agreements, id_parameter(call.request, "id"), "Agreement"));
  }

  // ------------------------------------------------------------------------------------------
  // Additions, always under their agreement

  int64_t parent_agreement(const Request& request) const {
    const int64_t id = id_parameter(request, "parentId");
    find_record(data_.agreements, id, "Agreement");
    return id;
  }

  // In id order, through the index: a tenant holds tens of thousands of additions, and a sync
  // lists the additions of each of its agreements.
  std::vector<const json::object*> additions_of(int64_t agreement_id) const {
    std::vector<const json::object*> rows;
    auto ids = additions_by_agreement_.find(agreement_id);
    if (ids == additions_by_agreement_.end()) return rows;
    for (int64_t id : ids->second) {
      auto it = data_.additions.find(id);
      if (it != data_.additions.end()) rows.push_back(&it->second);
    }
    return rows;
  }

  // The addition, which must belong to the agreement in the path.
  json::object& find_addition(const Request& request) {
    const int64_t agreement_id = parent_agreement(request);
    const int64_t id = id_parameter(request, "id");
    auto it = data_.additions.find(id);
    if (it == data_.additions.end() || it->second.at("agreementId").get_int64() != agreement_id) {
      throw ApiError(404, "NotFound",
                     "Addition " + std::to_string(id) + " not found on agreement " +
                         std::to_string(agreement_id));
    }
    return it->second;
  }

  Response list_additions(const ApiCall& call) {
    return list(call, Entity::kAddition, additions_of(parent_agreement(call.request)));
  }
  Response count_additions(const ApiCall& call) {
    return count(call, Entity::kAddition, additions_of(parent_agreement(call.request)));
  }
  Response get_addition(const ApiCall& call) {
    return single(call, Entity::kAddition, find_addition(call.request));
  }

  // The members of a POST or PUT body that the server keeps: client-writable ones. Server-owned
  // members (id, agreementId, computed amounts) are ignored, as the platform ignores them.
  static json::object writable_members(const json::value& body) {
    if (!body.is_object()) {
      throw ApiError(400, "InvalidObject",
                     "addition object is invalid: the body must be a JSON object");
    }
    json::object kept;
    for (const auto& [key, value] : body.get_object()) {
      const FieldSpec* field = find_field(Entity::kAddition, key);
      if (field == nullptr) {
        throw ApiError::invalid_object(
            "addition", {"InvalidField", "'" + std::string(key) + "' is not a field of addition",
                         "addition", std::string(key)});
      }
      if (is_writable_addition_field(field->name)) kept.emplace(field->name, value);
    }
    return kept;
  }

  // Completes and stores an addition written through the API.
  json::object& store_addition(int64_t id, json::object addition, int64_t agreement_id,
                               const ApiCall& call) {
    addition["agreementId"] = agreement_id;
    addition["id"] = id;
    try {
      complete_addition(addition, data_, AdditionDefaults::kForCreate);
    } catch (const RecordError& error) {
      throw ApiError::invalid_object("addition", error.detail());
    }
    if (!addition.contains("sequenceNumber")) {
      double highest = 0;
      for (const json::object* other : additions_of(agreement_id)) {
        const json::value* sequence = other->if_contains("sequenceNumber");
        if (sequence != nullptr && sequence->is_double() && other->at("id").get_int64() != id) {
          highest = std::max(highest, sequence->get_double());
        }
      }
      addition["sequenceNumber"] = highest + 1;
      refresh_computed_addition_fields(addition, data_);
    }
    stamp_change(addition, ChangeStamp{now_timestamp(), call.member->public_key});
    auto [slot, created] = data_.additions.try_emplace(id);
    slot->second = std::move(addition);
    if (created) additions_by_agreement_[agreement_id].push_back(id);  // ids only grow
    return slot->second;
  }

  Response create_addition(const ApiCall& call) {
    const int64_t agreement_id = parent_agreement(call.request);
    json::object addition = writable_members(parse_body(call.request, "addition"));
    const int64_t id = next_addition_id_;
    json::object& stored = store_addition(id, std::move(addition), agreement_id, call);
    json::value& info = stored["_info"];
    info.get_object()["dateEntered"] = info.get_object()["lastUpdated"];
    info.get_object()["enteredBy"] = call.member->public_key;
    ++next_addition_id_;
    return wire_json(201, stored);
  }

  // PUT replaces the whole addition: members the body leaves out go back to their defaults.
  Response replace_addition(const ApiCall& call) {
    json::object& existing = find_addition(call.request);
    const int64_t agreement_id = existing.at("agreementId").get_int64();
    const int64_t id = existing.at("id").get_int64();
    json::object replacement = writable_members(parse_body(call.request, "addition"));
    const json::value before = existing.at("quantity");
    json::object& stored = store_addition(id, std::move(replacement), agreement_id, call);
    count_write(id, before, stored.at("quantity"));
    return wire_json(200, stored);
  }

  Response delete_addition(const ApiCall& call) {
    const json::object& addition = find_addition(call.request);
    const int64_t id = addition.at("id").get_int64();
    std::vector<int64_t>& siblings =
        additions_by_agreement_[addition.at("agreementId").get_int64()];
    siblings.erase(std::remove(siblings.begin(), siblings.end(), id), siblings.end());
    data_.additions.erase(id);
    return Response::empty(204);
  }

  // PATCH: a JSON array of {op, path, value}, applied in order, all or nothing.
  Response patch_addition(const ApiCall& call) {
    json::object& existing = find_addition(call.request);
    const json::value body = parse_body(call.request, "addition");
    if (!body.is_array()) {
      throw ApiError(400, "InvalidObject",
                     "The request body must be a JSON array of patch operations, e.g. "
                     "[{\"op\":\"replace\",\"path\":\"quantity\",\"value\":43}].");
    }
    json::object updated = existing;
    bool changed = false;
    for (const json::value& operation : body.get_array()) {
      changed = apply_patch_operation(updated, operation) || changed;
    }
    const int64_t id = existing.at("id").get_int64();
    const json::value before = existing.at("quantity");
    if (changed) {
      json::object& stored =
          store_addition(id, std::move(updated), existing.at("agreementId").get_int64(), call);
      count_write(id, before, stored.at("quantity"));
      return wire_json(200, stored);
    }
    // Nothing applicable (a nested sub-path, or a server-owned member): the platform still
    // answers 200 with the unchanged record. Clients must compare the value they read back.
    count_write(id, before, before);
    return wire_json(200, existing);
  }

  // Every PATCH or PUT the platform applied to an addition, and those that changed its
  // quantity: how a test sees a write applied twice (GET /_sim/state, "additionWrites").
  void count_write(int64_t id, const json::value& quantity_before,
                   const json::value& quantity_after) {
    AdditionWrites& counted = addition_writes_[id];
    ++counted.writes;
    if (quantity_before != quantity_after) ++counted.quantity_changes;
  }

  // Returns whether the operation changed anything. Throws ApiError for what the platform
  // refuses: a malformed operation, an unknown op or path, or a value of the wrong type.
  bool apply_patch_operation(json::object& addition, const json::value& operation) const {
    const json::object* fields = operation.if_object();
    const json::value* op = fields ? fields->if_contains("op") : nullptr;
    const json::value* path = fields ? fields->if_contains("path") : nullptr;
    if (op == nullptr || !op->is_string() || path == nullptr || !path->is_string()) {
      throw ApiError(400, "InvalidObject",
                     "Each patch operation needs \"op\" and \"path\" strings, e.g. "
                     "{\"op\":\"replace\",\"path\":\"quantity\",\"value\":43}.");
    }
    const std::string op_name = to_lower_ascii(op->get_string());
    if (op_name != "add" && op_name != "replace" && op_name != "remove") {
      throw ApiError(400, "InvalidObject",
                     "Unsupported patch operation '" + std::string(op->get_string()) +
                         "'; use add, replace or remove.");
    }
    // "quantity" and "/quantity" both work; the name is case-sensitive.
    std::string_view member = path->get_string();
    if (!member.empty() && member.front() == '/') member.remove_prefix(1);
    const size_t slash = member.find('/');
    const std::string_view head = member.substr(0, slash);
    const FieldSpec* field = nullptr;
    for (const FieldSpec& candidate : entity_fields(Entity::kAddition)) {
      if (candidate.name == head) field = &candidate;
    }
    if (field == nullptr || (slash != std::string_view::npos && !is_nested(field->type))) {
      throw ApiError::invalid_object(
          "addition",
          {"InvalidField", "Unknown patch path '" + std::string(path->get_string()) + "'.",
           "addition", std::string(path->get_string())});
    }
    if (slash != std::string_view::npos) {
      // The documented pitfall: nested objects must be replaced whole; a sub-path is accepted
      // and silently does nothing.
      if (settings_.nested_patch_false_200) return false;
      throw ApiError::invalid_object(
          "addition",
          {"InvalidField",
           "'" + std::string(head) + "' must be replaced as a whole object, not by sub-path.",
           "addition", std::string(path->get_string())});
    }
    if (!is_writable_addition_field(field->name)) return false;  // recomputed by the server
    json::value value = nullptr;
    if (op_name != "remove") {
      const json::value* given = fields->if_contains("value");
      if (given == nullptr) {
        throw ApiError(
            400, "InvalidObject",
            "The " + op_name + " operation on '" + std::string(head) + "' needs a value.");
      }
      value = *given;
    }
    try {
      if (normalize_member(Entity::kAddition, *field, value)) {
        addition[field->name] = std::move(value);
      } else {
        addition.erase(field->name);
      }
    } catch (const RecordError& error) {
      throw ApiError::invalid_object("addition", error.detail());
    }
    return true;
  }

  static bool is_nested(FieldType type) {
    return type == FieldType::kReference || type == FieldType::kInfo || is_collection(type);
  }

  struct AdditionWrites {
    int64_t writes = 0;
    int64_t quantity_changes = 0;
  };

  Dataset data_;
  std::map<int64_t, std::vector<int64_t>> additions_by_agreement_;  // addition ids, ascending
  std::map<int64_t, AdditionWrites> addition_writes_;               // since the last reset
  Settings settings_;
  SlidingWindowLimiter limiter_;
  int64_t next_addition_id_ = 1;
};

}  // namespace

std::unique_ptr<Platform> make_connectwise_platform() {
  return std::make_unique<ConnectWisePlatform>();
}

}  // namespace mb::sim::connectwise
