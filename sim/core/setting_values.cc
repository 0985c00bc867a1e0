#include "sim/core/setting_values.h"

#include <string>

#include "sim/core/http_types.h"

namespace mb::sim {

int64_t int_setting(const boost::json::value& value, std::string_view name, int64_t minimum) {
  if (!value.is_int64() || value.get_int64() < minimum) {
    throw HttpError(400, "setting '" + std::string(name) +
                             "' must be an integer >= " + std::to_string(minimum));
  }
  return value.get_int64();
}

int64_t int_setting_in_range(const boost::json::value& value, std::string_view name, int64_t low,
                             int64_t high) {
  if (!value.is_int64() || value.get_int64() < low || value.get_int64() > high) {
    throw HttpError(400, "setting '" + std::string(name) + "' must be an integer from " +
                             std::to_string(low) + " to " + std::to_string(high));
  }
  return value.get_int64();
}

bool bool_setting(const boost::json::value& value, std::string_view name) {
  if (!value.is_bool()) {
    throw HttpError(400, "setting '" + std::string(name) + "' must be true or false");
  }
  return value.get_bool();
}

}  // namespace mb::sim
