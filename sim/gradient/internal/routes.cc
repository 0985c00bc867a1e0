#include "sim/gradient/internal/routes.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/gradient/internal/api_error.h"
#include "sim/gradient/internal/service_catalog.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient {

namespace json = boost::json;

std::string text(const json::string* value) { return std::string(value->data(), value->size()); }

std::string joined(std::span<const std::string_view> values) {
  std::string result;
  for (std::string_view value : values) {
    if (!result.empty()) result += ", ";
    result += value;
  }
  return result;
}

std::string ticket_id(std::string_view created_at, int64_t sequence) {
  std::string date;
  for (char c : created_at.substr(0, 10)) {
    if (c != '-') date += c;
  }
  char number[16];
  std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(sequence % 10000));
  return "T" + date + "." + number;
}

void Api::register_routes(Router& router) {
  add_api(router, "GET", "/organization", &Api::get_integration);
  add_api(router, "PATCH", "/organization/status/{status}", &Api::update_status);
  add_api(router, "GET", "/organization/clients", &Api::list_clients);
  add_api(router, "POST", "/organization/accounts", &Api::create_accounts);
  add_api(router, "GET", "/organization/accounts", &Api::list_accounts);
  add_api(router, "PATCH", "/organization/accounts/{accountId}", &Api::update_account);
  add_api(router, "GET", "", &Api::get_vendor);
  add_api(router, "PATCH", "", &Api::update_vendor);
  add_api(router, "POST", "/service", &Api::create_service);
  add_api(router, "GET", "/service/{serviceId}", &Api::get_service);
  add_api(router, "PATCH", "/service/{serviceId}", &Api::update_service);
  add_api(router, "POST", "/service/{serviceId}/count", &Api::push_count);
  add_api(router, "POST", "/alerting/{accountId}", &Api::create_alert);
  add_api(router, "GET", "/alerting/debug/{messageId}", &Api::alert_debug);
}

// --- The gate every API request passes: rate limit, then the token. -----------------------

void Api::add_api(Router& router, std::string method, std::string_view path, ApiHandler handler) {
  router.add(std::move(method), std::string(kApiPrefix) + std::string(path),
             [this, handler](const Request& request) { return serve(request, handler); });
}

Response Api::serve(const Request& request, ApiHandler handler) {
  try {
    // The limit counts every request, authenticated or not, as a gateway limit does.
    if (!limiter_.try_acquire()) return rate_limited(settings_, limiter_.retry_after());
    // The JSON body parser runs before any guard, so a body over its limit is refused even
    // with a bad token.
    if (settings_.body_limit_bytes > 0 && has_json_content_type(request) &&
        request.body.size() > static_cast<size_t>(settings_.body_limit_bytes)) {
      return gradient_error(413, json::value(kBodyTooLarge));
    }
    Partner& partner = authenticate(request);
    return (this->*handler)(ApiCall{request, partner});
  } catch (const ValidationError& error) {
    return validation_failed(settings_, error.messages());
  }
}

Partner& Api::authenticate(const Request& request) {
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

void Api::note_usage(Partner& partner) {
  if (settings_.auto_activate && (partner.status == "pending" || partner.status == "inactive"))
    partner.change_status("active", "gradient");
}

}  // namespace mb::sim::gradient
