// Calendar arithmetic for the Autotask simulator: ISO-8601 parsing and formatting, and the
// month steps that contract billing periods are made of. Everything is UTC: Autotask's wire
// datetimes carry a zone designator, and the dates that matter here (contract windows,
// effective dates, period bounds) are whole days.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_DATES_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_DATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mb::sim::autotask {

// Days since 1970-01-01.
using Day = int64_t;

constexpr int64_t kMillisPerDay = 86'400'000;

// Parses "2025-06-01", "2025-06-01T10:30", "2025-06-01T10:30:00", "2025-06-01T10:30:00.123",
// each optionally followed by "Z" or "+02:00"/"-0500". A datetime without a zone is read as
// UTC. Returns milliseconds since the epoch, or nullopt when the text is not such a datetime.
std::optional<int64_t> parse_iso_datetime(std::string_view text);

// "2025-06-01T00:00:00Z", with ".123" milliseconds only when they are not zero.
std::string format_iso_datetime(int64_t millis);

// "2025-06-01".
std::string format_date(Day day);

Day day_of(int64_t millis);  // the UTC day a moment falls on
int64_t start_of_day(Day day);
Day make_day(int year, unsigned month, unsigned day_of_month);

// The same day of the month `months` months later; a day the target month lacks becomes its
// last day (Jan 31 + 1 month = Feb 28 or 29), as billing periods do.
Day add_months(Day anchor, int64_t months);

// Today's UTC date from the system clock.
Day today_utc();

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_DATES_H_
