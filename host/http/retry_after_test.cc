#include "host/http/retry_after.h"

#include <gtest/gtest.h>

namespace mb::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

TEST(ParseHttpDate, AcceptsTheThreeFormsOfRfc9110) {
  const auto expected = at(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37"));      // no GMT
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));  // no such day
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("2024-01-01T00:00:00Z"));
}

TEST(ParseRetryAfter, DelaySeconds) {
  const auto now = system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
}

TEST(ParseRetryAfter, HugeDelayIsClampedNotOverflowed) {
  auto wait = parse_retry_after("99999999999999999999999", system_clock::now());
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, milliseconds(0));
  EXPECT_LE(*wait, std::chrono::hours(24 * 366));
}

TEST(ParseRetryAfter, HttpDateIsTheTimeLeft) {
  const auto now = at(2024, 5, 1, 12, 0, 0);
  EXPECT_EQ(parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now), milliseconds(30000));
}

TEST(ParseRetryAfter, DateInThePastMeansNow) {
  const auto now = at(2024, 5, 1, 12, 0, 0);
  EXPECT_EQ(parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now), milliseconds(0));
}

TEST(ParseRetryAfter, GarbageIsNotAWait) {
  const auto now = system_clock::now();
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
}

TEST(FormatIso8601, WholeSecondsUtc) {
  EXPECT_EQ(format_iso8601_utc(at(2024, 2, 29, 23, 5, 9) + milliseconds(999)),
            "2024-02-29T23:05:09Z");
}

}  // namespace
}  // namespace mb::http
