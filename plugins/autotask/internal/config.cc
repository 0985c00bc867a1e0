#include "internal/config.h"

#include <meterbridge/json_fields.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json/array.hpp>

#include "internal/zone.h"

namespace meterbridge::autotask {

namespace {

[[noreturn]] void invalid(const std::string& why) {
  throw PluginError(MB_STATUS_CONFIG_INVALID, "autotask config: " + why);
}

std::string required_string(const boost::json::object& config, const char* key) {
  const boost::json::value* v = config.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().empty())
    invalid(std::string(key) + " is required and must be a non-empty string");
  return std::string(v->get_string());
}

std::string rest_root_option(const boost::json::value& value, const char* key) {
  if (!value.is_string()) invalid(std::string(key) + " must be a string URL");
  auto root = rest_root(value.get_string());
  if (!root)
    invalid(std::string(key) +
            " must be an absolute http(s) URL without user info, e.g. "
            "https://webservices15.autotask.net/ATServicesRest/");
  return *root;
}

const boost::json::value* present(const boost::json::object& config, const char* key) {
  const boost::json::value* v = config.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

}  // namespace

ConnectorConfig parse_connector_config(std::string_view json) {
  auto parsed = parse_json_object(json);
  if (!parsed) invalid("the config must be a JSON object");
  const boost::json::object& config = *parsed;

  ConnectorConfig c;
  c.username = required_string(config, "username");
  c.secret = required_string(config, "secret");
  c.integration_code = required_string(config, "integration_code");
  c.discovery_root = *rest_root(kDefaultDiscoveryUrl);
  if (const auto* discovery = present(config, "discovery_url"))
    c.discovery_root = rest_root_option(*discovery, "discovery_url");
  if (const auto* base = present(config, "base_url"))
    c.pinned_rest_root = rest_root_option(*base, "base_url");

  c.company_types = {1};
  if (const auto* types = present(config, "company_types")) {
    if (!types->is_array()) invalid("company_types must be an array of integers");
    c.company_types.clear();
    for (const auto& t : types->get_array()) {
      auto type = whole_number(&t);
      if (!type || *type < 0) invalid("company_types must be an array of non-negative integers");
      c.company_types.push_back(*type);
    }
  }
  return c;
}

}  // namespace meterbridge::autotask
