#include "sim/autotask/internal/settings.h"

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "sim/autotask/internal/schema.h"
#include "sim/core/http_types.h"
#include "sim/core/setting_values.h"

namespace mb::sim::autotask {
namespace json = boost::json;

json::value settings_to_json(const Settings& settings) {
  return json::object{{"thread_limit", settings.thread_limit},
                      {"thread_limit_status", settings.thread_limit_status},
                      {"hourly_threshold", settings.hourly_threshold},
                      {"threshold_status", settings.threshold_status},
                      {"threshold_retry_after", settings.threshold_retry_after},
                      {"reject_duplicate_adjustments", settings.reject_duplicate_adjustments},
                      {"max_page_size", settings.max_page_size},
                      {"max_or_conditions", settings.max_or_conditions},
                      {"max_query_string_length", settings.max_query_string_length},
                      {"truncate_ticket_strings", settings.truncate_ticket_strings},
                      {"permission_status", settings.permission_status},
                      {"ticket_required_fields", [&] {
                         json::array names;
                         for (const std::string& name : settings.ticket_required_fields)
                           names.push_back(json::string(name));
                         return names;
                       }()}};
}

Settings with_changes(const Settings& current, const json::object& changes) {
  Settings updated = current;
  for (const auto& [key, value] : changes) {
    if (key == "thread_limit") {
      updated.thread_limit = int_setting_in_range(value, key, 0, 1'000'000);
    } else if (key == "thread_limit_status") {
      updated.thread_limit_status = int_setting_in_range(value, key, 200, 599);
    } else if (key == "hourly_threshold") {
      updated.hourly_threshold = int_setting_in_range(value, key, 0, INT32_MAX);
    } else if (key == "threshold_status") {
      updated.threshold_status = int_setting_in_range(value, key, 200, 599);
    } else if (key == "threshold_retry_after") {
      updated.threshold_retry_after = bool_setting(value, key);
    } else if (key == "reject_duplicate_adjustments") {
      updated.reject_duplicate_adjustments = bool_setting(value, key);
    } else if (key == "max_page_size") {
      updated.max_page_size = int_setting_in_range(value, key, 1, 500);
    } else if (key == "max_or_conditions") {
      updated.max_or_conditions = int_setting_in_range(value, key, 0, 1'000'000);
    } else if (key == "max_query_string_length") {
      updated.max_query_string_length = int_setting_in_range(value, key, 1, 1'000'000);
    } else if (key == "truncate_ticket_strings") {
      updated.truncate_ticket_strings = bool_setting(value, key);
    } else if (key == "permission_status") {
      updated.permission_status = int_setting_in_range(value, key, 400, 599);
    } else if (key == "ticket_required_fields") {
      updated.ticket_required_fields.clear();
      const json::array* names = value.if_array();
      if (names == nullptr)
        throw HttpError(400, "setting 'ticket_required_fields' must be an array of field names");
      for (const json::value& name : *names) {
        if (!name.is_string() || !tickets_schema().find_field(name.get_string()))
          throw HttpError(400, "setting 'ticket_required_fields': " + json::serialize(name) +
                                   " is not a Tickets field");
        updated.ticket_required_fields.emplace_back(name.get_string());
      }
    } else {
      throw HttpError(400, "unknown setting '" + std::string(key) + "'");
    }
  }
  return updated;
}

}  // namespace mb::sim::autotask
