// Reading one value of a POST /_sim/settings body (Platform::apply_settings), with the error a
// tool shows its user: HttpError(400) naming the setting and what it must be.
//
//   updated.max_page_size = int_setting(value, "max_page_size", 1);
//   // {"max_page_size": 0} -> 400 "setting 'max_page_size' must be an integer >= 1"
#ifndef METERBRIDGE_SIM_CORE_SETTING_VALUES_H_
#define METERBRIDGE_SIM_CORE_SETTING_VALUES_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <string_view>

namespace mb::sim {

// An integer >= minimum: "setting 'NAME' must be an integer >= MINIMUM" otherwise.
int64_t int_setting(const boost::json::value& value, std::string_view name, int64_t minimum);

// An integer in [low, high]: "setting 'NAME' must be an integer from LOW to HIGH" otherwise.
int64_t int_setting_in_range(const boost::json::value& value, std::string_view name, int64_t low,
                             int64_t high);

// true or false: "setting 'NAME' must be true or false" otherwise.
bool bool_setting(const boost::json::value& value, std::string_view name);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_SETTING_VALUES_H_
