#include "sim/autotask/internal/dates.h"

#include <gtest/gtest.h>

namespace mb::sim::autotask {
namespace {

TEST(AutotaskDatesTest, ParsesTheIsoFormsClientsSend) {
  const int64_t midnight = start_of_day(make_day(2025, 6, 1));
  EXPECT_EQ(parse_iso_datetime("2025-06-01"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-06-01T00:00:00Z"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-06-01T00:00:00.000Z"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-06-01T00:00"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-05-31T20:00:00-04:00"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-06-01T02:00:00+0200"), midnight);
  EXPECT_EQ(parse_iso_datetime("2025-06-01T10:30:15.1234567Z"), midnight + 37'815'123);
}

TEST(AutotaskDatesTest, RejectsWhatIsNotADatetime) {
  for (const char* text : {"", "2025-6-1", "2025-02-30", "2025-06-01T25:00", "06/01/2025",
                           "2025-06-01Tnoon", "2025-06-01T00:00:00Zjunk"}) {
    EXPECT_FALSE(parse_iso_datetime(text)) << text;
  }
}

TEST(AutotaskDatesTest, FormatsAsAutotaskWritesDatetimes) {
  EXPECT_EQ(format_iso_datetime(start_of_day(make_day(2025, 6, 1))), "2025-06-01T00:00:00Z");
  EXPECT_EQ(format_iso_datetime(start_of_day(make_day(2025, 6, 1)) + 37'815'123),
            "2025-06-01T10:30:15.123Z");
  EXPECT_EQ(format_date(make_day(1999, 12, 31)), "1999-12-31");
}

TEST(AutotaskDatesTest, AddingMonthsKeepsTheDayOrUsesTheMonthsLastDay) {
  EXPECT_EQ(add_months(make_day(2025, 1, 15), 1), make_day(2025, 2, 15));
  EXPECT_EQ(add_months(make_day(2025, 1, 31), 1), make_day(2025, 2, 28));
  EXPECT_EQ(add_months(make_day(2024, 1, 31), 1), make_day(2024, 2, 29));
  EXPECT_EQ(add_months(make_day(2025, 11, 30), 3), make_day(2026, 2, 28));
  EXPECT_EQ(add_months(make_day(2025, 5, 1), 24), make_day(2027, 5, 1));
}

TEST(AutotaskDatesTest, DayOfFloorsMomentsBeforeTheEpoch) {
  EXPECT_EQ(day_of(-1), -1);
  EXPECT_EQ(day_of(0), 0);
  EXPECT_EQ(day_of(kMillisPerDay - 1), 0);
}

}  // namespace
}  // namespace mb::sim::autotask
