#include "sim/external/internal/settings.h"

#include <boost/json.hpp>

#include <string_view>

#include "sim/core/http_types.h"
#include "sim/core/setting_values.h"

namespace mb::sim::external {

namespace json = boost::json;

json::value settings_to_json(const Settings& settings) {
  return json::object{{"api_key", settings.api_key},
                      {"suspended", settings.suspended},
                      {"max_batch_items", settings.max_batch_items},
                      {"max_page_size", settings.max_page_size},
                      {"max_customer_filter", settings.max_customer_filter},
                      {"link_batches", settings.link_batches},
                      {"max_link_batch_items", settings.max_link_batch_items},
                      {"rate_limit_requests", settings.rate_limit_requests},
                      {"rate_limit_window_seconds", settings.rate_limit_window_seconds}};
}

Settings with_changes(const Settings& current, const json::object& changes) {
  Settings updated = current;
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
    } else if (key == "link_batches") {
      if (!value.is_bool()) throw HttpError(400, "setting 'link_batches' must be a boolean");
      updated.link_batches = value.get_bool();
    } else if (key == "max_link_batch_items") {
      updated.max_link_batch_items = int_setting(value, key, 1);
    } else if (key == "rate_limit_requests") {
      updated.rate_limit_requests = int_setting(value, key, 0);
    } else if (key == "rate_limit_window_seconds") {
      updated.rate_limit_window_seconds = int_setting(value, key, 1);
    } else {
      throw HttpError(400, "unknown setting '" + std::string(key) + "'");
    }
  }
  return updated;
}

}  // namespace mb::sim::external
