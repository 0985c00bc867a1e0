#include "internal/config.h"

#include <meterbridge/json_fields.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <vector>

#include "internal/categories.h"

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

// Everything wrong with the config, reported at once.
using Problems = std::vector<std::string>;

// A string member: nullopt when absent; a problem when present but not a non-empty string.
std::optional<std::string> optional_string(const json::object& o, std::string_view key,
                                           const std::string& where, Problems& problems) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string() || trimmed(v->get_string()).empty()) {
    problems.push_back(where + std::string(key) + ": must be a non-empty string");
    return std::nullopt;
  }
  return trimmed(v->get_string());
}

std::string secret(const json::object& o, std::string_view key, Problems& problems) {
  auto value = optional_string(o, key, "", problems);
  if (!value) {
    if (!o.contains(key)) problems.push_back(std::string(key) + ": required");
    return {};
  }
  return *value;
}

ServiceSettings parse_service(const json::value& v, const std::string& where, Problems& problems) {
  ServiceSettings s;
  if (!v.is_object()) {
    problems.push_back(where + ": must be an object");
    return s;
  }
  const json::object& o = v.get_object();
  for (const auto& [key, _] : o) {
    static constexpr std::string_view kKnown[] = {
        "name",   "description",     "category",       "subcategory",
        "metric", "support_article", "support_contact"};
    bool known = false;
    for (std::string_view k : kKnown) known = known || k == key;
    if (!known) problems.push_back(where + "/" + std::string(key) + ": unknown field");
  }
  std::string prefix = where + "/";
  s.name = optional_string(o, "name", prefix, problems);
  s.description = optional_string(o, "description", prefix, problems);
  s.support_article = optional_string(o, "support_article", prefix, problems);
  s.support_contact = optional_string(o, "support_contact", prefix, problems);
  // Category strings are compared exactly: Gradient refuses "Security" where "security" works.
  auto listed =
      [&](std::string_view key, std::string_view list_name, bool (*is_listed)(std::string_view),
          std::string_view (*suggestion)(std::string_view)) -> std::optional<std::string> {
    const json::value* c = o.if_contains(key);
    if (c == nullptr) return std::nullopt;
    if (c->is_string() && is_listed(c->get_string())) return std::string(c->get_string());
    std::string text = c->is_string() ? std::string(c->get_string()) : json::serialize(*c);
    std::string_view hint = c->is_string() ? suggestion(c->get_string()) : "";
    problems.push_back(prefix + std::string(key) + ": '" + text + "' is not one of Gradient's " +
                       std::string(list_name) +
                       (hint.empty() ? "" : " (did you mean '" + std::string(hint) + "'?)"));
    return std::nullopt;
  };
  s.category = listed("category", "categories", is_category, category_suggestion);
  s.subcategory = listed("subcategory", "subcategories", is_subcategory, subcategory_suggestion);
  if (const json::value* m = o.if_contains("metric")) {
    if (m->is_string() && (m->get_string() == "users" || m->get_string() == "devices"))
      s.metric = std::string(m->get_string());
    else
      problems.push_back(prefix + "metric: must be \"users\" or \"devices\"");
  }
  return s;
}

AlertSettings parse_alerts(const json::value& v, Problems& problems) {
  AlertSettings settings;
  if (!v.is_object()) {
    problems.push_back("alerts: must be an object");
    return settings;
  }
  struct Field {
    std::string_view key;
    int64_t AlertSettings::*member;
    int64_t low;
    int64_t high;
  };
  static constexpr Field kFields[] = {
      {"status_open", &AlertSettings::status_open, 1, 6},
      {"status_closed", &AlertSettings::status_closed, 1, 6},
      {"max_polls", &AlertSettings::max_polls, 1, 60},
      {"poll_interval_ms", &AlertSettings::poll_interval_ms, 0, 10000}};
  for (const auto& [key, value] : v.get_object()) {
    const Field* field = nullptr;
    for (const Field& f : kFields)
      if (f.key == key) field = &f;
    if (field == nullptr) {
      problems.push_back("alerts/" + std::string(key) + ": unknown field");
      continue;
    }
    std::optional<int64_t> n = whole_number(&value);
    if (!n || *n < field->low || *n > field->high) {
      problems.push_back("alerts/" + std::string(key) + ": must be a whole number from " +
                         std::to_string(field->low) + " to " + std::to_string(field->high));
      continue;
    }
    settings.*(field->member) = *n;
  }
  if (settings.status_open == settings.status_closed)
    problems.push_back("alerts/status_closed: must differ from status_open");
  return settings;
}

std::string normalized_base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  // Operators paste the documented route prefix along with the host; every path adds it.
  constexpr std::string_view kRoutes = "/api/vendor-api";
  if (url.size() > kRoutes.size() &&
      url.compare(url.size() - kRoutes.size(), kRoutes.size(), kRoutes) == 0)
    url.resize(url.size() - kRoutes.size());
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string trimmed(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

bool is_valid_base_url(std::string_view url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return false;
  }
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (host.empty()) return false;
  for (char c : rest) {
    if (c == '?' || c == '#' || c == '@' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
        c == '\\')
      return false;
  }
  return true;
}

ConnectorConfig parse_config(std::string_view json_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec || !doc.is_object())
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "the Gradient connector config must be a JSON object");
  const json::object& o = doc.get_object();
  Problems problems;
  for (const auto& [key, _] : o) {
    if (key != "vendor_api_key" && key != "partner_api_key" && key != "base_url" &&
        key != "services" && key != "service_defaults" && key != "alerts")
      problems.push_back(std::string(key) + ": unknown field");
  }
  ConnectorConfig config;
  config.vendor_api_key = secret(o, "vendor_api_key", problems);
  config.partner_api_key = secret(o, "partner_api_key", problems);
  // The token joins the keys with ':' and Gradient splits at the first one.
  if (config.vendor_api_key.find(':') != std::string::npos)
    problems.push_back(
        "vendor_api_key: must not contain ':' (the GRADIENT-TOKEN joins both keys with it)");
  if (auto base = optional_string(o, "base_url", "", problems)) {
    if (is_valid_base_url(*base))
      config.base_url = normalized_base_url(*base);
    else
      problems.push_back("base_url: must be an http(s) URL without query, fragment or user info");
  }
  if (const json::value* services = o.if_contains("services")) {
    if (!services->is_object()) {
      problems.push_back("services: must be an object keyed by vendor service id");
    } else {
      for (const auto& [id, entry] : services->get_object())
        config.services[std::string(id)] =
            parse_service(entry, "services/" + std::string(id), problems);
    }
  }
  if (const json::value* defaults = o.if_contains("service_defaults"))
    config.service_defaults = parse_service(*defaults, "service_defaults", problems);
  if (const json::value* alerts = o.if_contains("alerts"))
    config.alerts = parse_alerts(*alerts, problems);
  if (!problems.empty()) {
    std::string joined;
    for (const std::string& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    throw PluginError(MB_STATUS_CONFIG_INVALID, "Gradient connector config: " + joined);
  }
  return config;
}

ServiceSpec service_spec(const ConnectorConfig& config, std::string_view service_id,
                         std::string_view service_name) {
  const ServiceSettings* own = nullptr;
  if (auto it = config.services.find(std::string(service_id)); it != config.services.end())
    own = &it->second;
  const ServiceSettings& defaults = config.service_defaults;
  auto pick = [&](std::optional<std::string> ServiceSettings::*field) -> std::string {
    if (own != nullptr && (own->*field).has_value()) return *(own->*field);
    if ((defaults.*field).has_value()) return *(defaults.*field);
    return {};
  };
  ServiceSpec spec;
  // A name belongs to one service, so service_defaults never supplies one.
  spec.name = own != nullptr && own->name ? *own->name : trimmed(service_name);
  if (spec.name.empty()) spec.name = std::string(service_id);
  spec.description = pick(&ServiceSettings::description);
  if (spec.description.empty()) spec.description = spec.name;
  spec.category = pick(&ServiceSettings::category);
  spec.subcategory = pick(&ServiceSettings::subcategory);
  spec.metric = pick(&ServiceSettings::metric);
  if (spec.metric.empty()) spec.metric = "users";
  spec.support_article = pick(&ServiceSettings::support_article);
  spec.support_contact = pick(&ServiceSettings::support_contact);
  return spec;
}

}  // namespace meterbridge::gradient
