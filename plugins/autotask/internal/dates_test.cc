#include "internal/dates.h"

#include <gtest/gtest.h>

namespace meterbridge::autotask {
namespace {

TEST(CalendarDate, TakesTheDayOfAnIsoDatetimeWhateverItsZoneOrFraction) {
  EXPECT_EQ(calendar_date("2025-05-31T00:00:00Z"), "2025-05-31");
  EXPECT_EQ(calendar_date("2025-05-31T23:59:59.997-05:00"), "2025-05-31");
  EXPECT_EQ(calendar_date("2025-05-31"), "2025-05-31");
}

TEST(CalendarDate, RejectsWhatIsNotARealDay) {
  EXPECT_EQ(calendar_date("2025-02-30"), std::nullopt);
  EXPECT_EQ(calendar_date("2025-13-01"), std::nullopt);
  EXPECT_EQ(calendar_date("2025-6-1"), std::nullopt);
  EXPECT_EQ(calendar_date("20250601"), std::nullopt);
  EXPECT_EQ(calendar_date("2025-06-01x"), std::nullopt);
  EXPECT_EQ(calendar_date(""), std::nullopt);
}

TEST(ShiftDays, CrossesMonthAndLeapYearBoundaries) {
  EXPECT_EQ(shift_days("2025-03-01", -1), "2025-02-28");
  EXPECT_EQ(shift_days("2024-02-28", 1), "2024-02-29");
  EXPECT_EQ(shift_days("2025-12-31", 1), "2026-01-01");
}

TEST(UtcDateFromMs, IsTheUtcCalendarDay) {
  EXPECT_EQ(utc_date_from_ms(1767225600000), "2026-01-01");      // 2026-01-01T00:00:00Z
  EXPECT_EQ(utc_date_from_ms(1767225600000 - 1), "2025-12-31");  // a millisecond earlier
}

TEST(MidnightUtc, IsTheDatetimeAutotaskTakesForADateField) {
  EXPECT_EQ(midnight_utc("2025-06-01"), "2025-06-01T00:00:00Z");
}

}  // namespace
}  // namespace meterbridge::autotask
