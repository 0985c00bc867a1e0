// Calendar dates as the host and Autotask exchange them.
//
// The host names the effective date as "YYYY-MM-DD". Autotask writes datetimes
// ("2025-06-01T00:00:00Z", sometimes without a zone or with fractions) but contract windows and
// billing periods are whole days, so every comparison here is on the calendar date alone, which
// also keeps a tenant's time zone from moving a period boundary by a day. ISO dates compare
// correctly as strings once reduced to "YYYY-MM-DD".
//
//   calendar_date("2025-05-31T00:00:00Z") == "2025-05-31"
//   shift_days("2025-03-01", -1) == "2025-02-28"
//   midnight_utc("2025-06-01") == "2025-06-01T00:00:00Z"
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_DATES_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_DATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meterbridge::autotask {

// The leading "YYYY-MM-DD" of an ISO-8601 date or datetime, when it names a real day.
std::optional<std::string> calendar_date(std::string_view iso);

// `date` ("YYYY-MM-DD", valid) moved by `days` (may be negative).
std::string shift_days(std::string_view date, int days);

// The UTC calendar date of a Unix time in milliseconds (the host's clock).
std::string utc_date_from_ms(int64_t unix_ms);

// The datetime Autotask expects for a date field: midnight UTC of `date`.
std::string midnight_utc(std::string_view date);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_DATES_H_
