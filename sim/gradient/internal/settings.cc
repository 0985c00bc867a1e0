#include "sim/gradient/internal/settings.h"

#include <boost/json.hpp>

#include <initializer_list>
#include <string_view>

#include "sim/core/http_types.h"
#include "sim/core/setting_values.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

bool setting_bool(const json::value& value, std::string_view name) {
  if (!value.is_bool())
    throw HttpError(400, "setting '" + std::string(name) + "' must be a boolean");
  return value.get_bool();
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

}  // namespace

json::value settings_to_json(const Settings& settings) {
  return json::object{{"rate_limit_requests", settings.rate_limit_requests},
                      {"rate_limit_window_ms", settings.rate_limit_window_ms},
                      {"rate_limit_retry_after", settings.rate_limit_retry_after},
                      {"duplicate_accounts", settings.duplicate_accounts},
                      {"validation_messages", settings.validation_messages},
                      {"status_values", settings.status_values},
                      {"anomaly_block", settings.anomaly_block},
                      {"clients_page_size", settings.clients_page_size},
                      {"account_mapping_fields", settings.account_mapping_fields},
                      {"auto_activate", settings.auto_activate},
                      {"body_limit_bytes", settings.body_limit_bytes},
                      {"alert_pending_polls", settings.alert_pending_polls},
                      {"alert_outcome", settings.alert_outcome},
                      {"alert_closed_status", settings.alert_closed_status}};
}

Settings with_changes(const Settings& current, const json::object& changes) {
  Settings updated = current;
  for (const auto& [key, value] : changes) {
    if (key == "rate_limit_requests") {
      updated.rate_limit_requests = int_setting(value, key, 0);
    } else if (key == "rate_limit_window_ms") {
      updated.rate_limit_window_ms = int_setting(value, key, 1);
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
      updated.clients_page_size = int_setting(value, key, 1);
    } else if (key == "account_mapping_fields") {
      updated.account_mapping_fields = setting_bool(value, key);
    } else if (key == "auto_activate") {
      updated.auto_activate = setting_bool(value, key);
    } else if (key == "body_limit_bytes") {
      updated.body_limit_bytes = int_setting(value, key, 0);
    } else if (key == "alert_pending_polls") {
      updated.alert_pending_polls = int_setting(value, key, 0);
    } else if (key == "alert_outcome") {
      updated.alert_outcome = setting_choice(value, key, {"mapping", "success", "failed"});
    } else if (key == "alert_closed_status") {
      updated.alert_closed_status = int_setting_in_range(value, key, 1, 6);
    } else {
      throw HttpError(400, "unknown setting '" + std::string(key) + "'");
    }
  }
  return updated;
}

}  // namespace mb::sim::gradient
