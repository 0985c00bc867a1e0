#include "sim/connectwise/internal/settings.h"

#include <boost/json.hpp>

#include "sim/core/http_types.h"
#include "sim/core/setting_values.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

std::string version_setting(const json::value& value, std::string_view name) {
  if (!value.is_string() || !parse_api_version(value.get_string())) {
    throw HttpError(400,
                    "setting '" + std::string(name) + "' must be a version such as \"2026.4\"");
  }
  return std::string(value.get_string());
}

}  // namespace

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

json::value settings_to_json(const Settings& settings) {
  return json::object{
      {"page_size_over_max", settings.clamp_page_size ? "clamp" : "reject"},
      {"max_page_size", settings.max_page_size},
      {"rate_limit_requests", settings.rate_limit_requests},
      {"rate_limit_window_seconds", settings.rate_limit_window_seconds},
      {"codebase", settings.codebase ? json::value(*settings.codebase) : json::value(nullptr)},
      {"serve_v4_6_release", settings.serve_v4_6_release},
      {"api_version", settings.api_version},
      {"oldest_api_version", settings.oldest_api_version},
      {"nested_patch_false_200", settings.nested_patch_false_200}};
}

Settings with_changes(const Settings& current, const json::object& changes) {
  Settings updated = current;
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
  return updated;
}

}  // namespace mb::sim::connectwise
