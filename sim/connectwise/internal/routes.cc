#include "sim/connectwise/internal/routes.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/base64.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

constexpr std::string_view kApiPrefix = "/{codebase}/apis/3.0";
constexpr std::string_view kApiMarker = "/apis/3.0/";
constexpr std::string_view kVendorMediaType = "application/vnd.connectwise.com+json";
// On-premise servers answer this codebase, and many clients hard-code it even on cloud, where
// it routes too.
constexpr std::string_view kOnPremiseCodebase = "v4_6_release/";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string request_guid(uint64_t request_id) {
  char guid[48];
  std::snprintf(guid, sizeof guid, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(request_id));
  return guid;
}

}  // namespace

// Everything after ".../apis/3.0/" in the path: "finance/agreements/9001/additions".
std::string_view api_relative_path(std::string_view path) {
  const std::string lowered = to_lower_ascii(path);
  const size_t marker = lowered.find(kApiMarker);
  return marker == std::string::npos ? std::string_view() : path.substr(marker + kApiMarker.size());
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

const json::object& find_record(const RecordTable& table, int64_t id, std::string_view what) {
  auto it = table.find(id);
  if (it == table.end()) throw record_not_found(what, id);
  return it->second;
}

void Api::register_routes(Router& router) {
  // The platform's ASP.NET routes ignore case, and so do these.
  router.set_case_insensitive(true);
  router.add("GET", "/login/companyinfo/{companyId}",
             [this](const Request& r) { return company_info(r); });
  add_api(router, "GET", "/system/info", &Api::system_info);
  add_api(router, "GET", "/company/companies", &Api::list_companies);
  add_api(router, "GET", "/company/companies/count", &Api::count_companies);
  add_api(router, "GET", "/company/companies/{id}", &Api::get_company);
  add_api(router, "GET", "/procurement/catalog", &Api::list_catalog);
  add_api(router, "GET", "/procurement/catalog/count", &Api::count_catalog);
  add_api(router, "GET", "/procurement/catalog/{id}", &Api::get_catalog_item);
  add_api(router, "GET", "/finance/agreements", &Api::list_agreements);
  add_api(router, "GET", "/finance/agreements/count", &Api::count_agreements);
  add_api(router, "GET", "/finance/agreements/{id}", &Api::get_agreement);
  const std::string additions = "/finance/agreements/{parentId}/additions";
  add_api(router, "GET", additions, &Api::list_additions);
  add_api(router, "POST", additions, &Api::create_addition);
  add_api(router, "GET", additions + "/count", &Api::count_additions);
  add_api(router, "GET", additions + "/{id}", &Api::get_addition);
  add_api(router, "PATCH", additions + "/{id}", &Api::patch_addition);
  add_api(router, "PUT", additions + "/{id}", &Api::replace_addition);
  add_api(router, "DELETE", additions + "/{id}", &Api::delete_addition);
  add_api(router, "GET", "/service/boards", &Api::list_boards);
  add_api(router, "GET", "/service/boards/{id}", &Api::get_board);
  add_api(router, "GET", "/service/boards/{parentId}/statuses", &Api::list_board_statuses);
  add_api(router, "GET", "/service/priorities", &Api::list_priorities);
  add_api(router, "GET", "/service/tickets", &Api::list_tickets);
  add_api(router, "POST", "/service/tickets", &Api::create_ticket);
  add_api(router, "GET", "/service/tickets/count", &Api::count_tickets);
  add_api(router, "GET", "/service/tickets/{id}", &Api::get_ticket);
  add_api(router, "PATCH", "/service/tickets/{id}", &Api::patch_ticket);
  add_api(router, "GET", "/service/tickets/{parentId}/notes", &Api::list_ticket_notes);
  add_api(router, "POST", "/service/tickets/{parentId}/notes", &Api::create_ticket_note);
  add_api(router, "GET", "/system/mySecurity", &Api::my_security);
}

// ---------------------------------------------------------------------------------------------
// The gate every apis/3.0 request passes, in the order the platform's layers apply it.

void Api::add_api(Router& router, std::string method, std::string_view path, Handler handler) {
  router.add(std::move(method), std::string(kApiPrefix) + std::string(path),
             [this, handler](const Request& request) { return serve_api(request, handler); });
}

Response Api::serve_api(const Request& request, Handler handler) {
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

std::optional<Response> Api::enforce_rate_limit() {
  if (settings_.rate_limit_requests <= 0) return std::nullopt;
  if (limiter_.try_acquire()) return std::nullopt;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(limiter_.retry_after()).count();
  return too_many_requests(std::max<int64_t>(wait, 1));
}

std::string Api::current_codebase() const {
  return settings_.codebase.value_or(model_.data().site.codebase);
}

// A stale codebase (after an upgrade) answers 404; clients re-read companyinfo.
void Api::require_current_codebase(const Request& request) const {
  const std::string codebase = request.path_param("codebase") + "/";
  if (equals_ignore_case(codebase, current_codebase())) return;
  if (settings_.serve_v4_6_release && equals_ignore_case(codebase, kOnPremiseCodebase)) return;
  throw no_resource(request);
}

void Api::require_client_id(const Request& request) const {
  const std::string_view client_id = trim(request.header("clientid").value_or(""));
  if (client_id.empty()) {
    throw ApiError(400, "ConnectWiseApi",
                   "The clientId header is required. Register the integration at "
                   "developer.connectwise.com to get one.");
  }
  if (model_.data().client_ids.empty()) return;
  for (const std::string& registered : model_.data().client_ids) {
    if (registered == client_id) return;
  }
  // The clientId is a secret, so the message does not repeat it.
  throw ApiError(400, "ConnectWiseApi", "The clientId in the request is not registered.");
}

const ApiMember& Api::authenticate(const Request& request) const {
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
    throw ApiError(401, "Unauthorized",
                   "The Authorization header must be Basic base64(company+publicKey:privateKey).");
  }
  const std::string_view user = std::string_view(*decoded).substr(0, colon);
  const std::string_view company = user.substr(0, plus);
  const std::string_view public_key = user.substr(plus + 1);
  const std::string_view private_key = std::string_view(*decoded).substr(colon + 1);
  if (!equals_ignore_case(company, model_.data().site.company_id)) {
    throw ApiError(401, "Unauthorized",
                   "Company '" + std::string(company) + "' is not known on this site.");
  }
  for (const ApiMember& member : model_.data().api_members) {
    if (member.public_key == public_key && member.private_key == private_key) return member;
  }
  throw ApiError(401, "Unauthorized", "The public/private key pair is not valid.");
}

// The model version: the vnd media type's "version" when it comes first in Accept; the
// newest otherwise (a leading application/json makes the platform ignore the version).
std::string Api::negotiate_version(const Request& request) const {
  const std::string_view accept = request.header("accept").value_or("");
  const std::string_view first = trim(accept.substr(0, accept.find(',')));
  size_t semicolon = first.find(';');
  if (!equals_ignore_case(trim(first.substr(0, semicolon)), kVendorMediaType)) {
    return settings_.api_version;
  }
  while (semicolon != std::string_view::npos) {
    const size_t next = first.find(';', semicolon + 1);
    const std::string_view parameter = trim(
        first.substr(semicolon + 1, next == std::string_view::npos ? next : next - semicolon - 1));
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

bool Api::permits(const ApiMember& member, std::string_view method, std::string_view relative) {
  const std::string path = to_lower_ascii(relative);
  for (const std::string& entry : member.forbidden) {
    std::string_view rule = trim(entry);
    const size_t space = rule.find(' ');
    if (space != std::string_view::npos) {
      if (!equals_ignore_case(rule.substr(0, space), method)) continue;
      rule = trim(rule.substr(space + 1));
    }
    while (!rule.empty() && rule.front() == '/') rule.remove_prefix(1);
    if (path.starts_with(to_lower_ascii(rule))) return false;
  }
  return true;
}

void Api::require_permission(const Request& request, const ApiMember& member) {
  if (!permits(member, request.method, api_relative_path(request.path))) {
    throw ApiError(403, "Security", "You do not have security permission to perform this action.");
  }
}

// ---------------------------------------------------------------------------------------------
// Discovery and credential check

Response Api::company_info(const Request& request) const {
  if (!equals_ignore_case(request.path_param("companyId"), model_.data().site.company_id)) {
    // Unknown companies get a JSON null with 200, not an error.
    return wire_json(200, nullptr);
  }
  const SiteInfo& site = model_.data().site;
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

Response Api::system_info(const ApiCall& /*call*/) {
  const SiteInfo& site = model_.data().site;
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

}  // namespace mb::sim::connectwise
