#include "internal/config.h"

#include <meterbridge/json_fields.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

[[noreturn]] void invalid(const std::string& message) {
  throw PluginError(MB_STATUS_CONFIG_INVALID, "connectwise config: " + message);
}

// Reads a string member; required members must be present and non-empty. Secret members are
// named but never echoed.
std::string read_string(const json::object& config, const char* name, bool required) {
  const json::value* v = config.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) invalid(std::string(name) + " is required");
    return {};
  }
  if (!v->is_string()) invalid(std::string(name) + " must be a string");
  std::string s(v->get_string());
  if (required && s.empty()) invalid(std::string(name) + " must not be empty");
  return s;
}

// Whether `s` has 1 to `max` characters, each a letter, a digit or one of `extra`.
bool is_word(std::string_view s, size_t max, std::string_view extra) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [&](char c) {
    return is_alnum(c) || extra.find(c) != std::string_view::npos;
  });
}

bool is_valid_label(std::string_view label) {
  return is_word(label, 63, "-") && label.front() != '-' && label.back() != '-';
}

bool is_valid_company_id(std::string_view id) { return is_word(id, 100, "_-."); }

// Public keys are short alphanumeric strings; ':' would end the Basic user part early.
bool is_valid_public_key(std::string_view key) { return is_word(key, 200, "_-"); }

// 8-4-4-4-12 hexadecimal digits.
bool is_guid(std::string_view s) {
  static constexpr size_t kGroups[] = {8, 4, 4, 4, 12};
  size_t pos = 0;
  for (size_t g = 0; g < 5; ++g) {
    if (g > 0) {
      if (pos >= s.size() || s[pos] != '-') return false;
      ++pos;
    }
    for (size_t i = 0; i < kGroups[g]; ++i, ++pos)
      if (pos >= s.size() || !is_hex(s[pos])) return false;
  }
  return pos == s.size();
}

}  // namespace

bool is_valid_site(std::string_view site) {
  if (site.empty() || site.size() > 253 + 6) return false;
  std::string_view host = site;
  if (size_t colon = site.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = site.substr(colon + 1);
    if (port.size() > 5 || !parse_whole_number(port)) return false;
    host = site.substr(0, colon);
  }
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_valid_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_valid_api_version(std::string_view v) {
  if (v.size() < 6 || v.size() > 7 || v[4] != '.') return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (i != 4 && !is_digit(v[i])) return false;
  return true;
}

bool is_valid_base_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/') return false;
  for (char c : rest) {
    if (c == '?' || c == '#' || c == '@' || c == '\\' || static_cast<unsigned char>(c) <= ' ' ||
        static_cast<unsigned char>(c) >= 0x7f)
      return false;
  }
  return true;
}

ConnectorConfig parse_config(std::string_view json_text) {
  std::optional<json::object> config = parse_json_object(json_text);
  if (!config) invalid("expected a JSON object");
  const json::object& o = *config;

  ConnectorConfig c;
  c.company_id = read_string(o, "company_id", true);
  c.site = read_string(o, "site", true);
  c.public_key = read_string(o, "public_key", true);
  c.private_key = read_string(o, "private_key", true);
  c.client_id = read_string(o, "client_id", true);
  std::string version = read_string(o, "api_version", false);
  if (!version.empty()) c.api_version = version;
  c.base_url = read_string(o, "base_url", false);

  if (!is_valid_company_id(c.company_id))
    invalid("company_id '" + c.company_id +
            "' must be the ConnectWise login company id (letters, digits, '_', '-', '.')");
  if (!is_valid_site(c.site))
    invalid("site '" + c.site +
            "' must be a domain such as na.myconnectwise.net, without https:// and without a path");
  if (!is_valid_public_key(c.public_key))
    invalid("public_key must be the API member's public key (letters and digits)");
  if (!is_guid(c.client_id))
    invalid("client_id must be the integration's clientId GUID from developer.connectwise.com");
  if (!is_valid_api_version(c.api_version))
    invalid("api_version '" + c.api_version + "' must look like 2025.16");
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  if (!c.base_url.empty() && !is_valid_base_url(c.base_url))
    invalid("base_url must be an http(s) URL without query, fragment or user info");
  return c;
}

std::string discovery_root(const ConnectorConfig& config) {
  return config.base_url.empty() ? "https://" + config.site : config.base_url;
}

std::string cloud_api_host(std::string_view site) {
  if (site.starts_with("api-")) return std::string(site);
  return "api-" + std::string(site);
}

std::string api_root(const ConnectorConfig& config, bool is_cloud) {
  if (!config.base_url.empty()) return config.base_url;
  return "https://" + (is_cloud ? cloud_api_host(config.site) : config.site);
}

std::string basic_authorization(const ConnectorConfig& config) {
  return "Basic " +
         base64_encode(config.company_id + "+" + config.public_key + ":" + config.private_key);
}

std::string accept_header(const ConnectorConfig& config) {
  return "application/vnd.connectwise.com+json; version=" + config.api_version;
}

}  // namespace meterbridge::connectwise
