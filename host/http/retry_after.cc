#include "host/http/retry_after.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>

namespace mb::http {
namespace {

using std::chrono::system_clock;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A tiny cursor over the date text; every read fails closed.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool literal(std::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  // Exactly `digits` decimal digits (a leading space stands for a zero when space_pad is set,
  // as in asctime's day "_6").
  std::optional<int> number(size_t digits, bool space_pad = false) {
    if (s_.size() < digits) return std::nullopt;
    int v = 0;
    for (size_t i = 0; i < digits; ++i) {
      const char c = s_[i];
      if (space_pad && i == 0 && c == ' ') continue;
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    s_.remove_prefix(digits);
    return v;
  }
  std::optional<int> month() {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (size_t i = 0; i < kMonths.size(); ++i) {
      if (literal(kMonths[i])) return static_cast<int>(i) + 1;
    }
    return std::nullopt;
  }
  bool day_name(bool long_form) {
    static constexpr std::array<std::string_view, 7> kShort = {"Mon", "Tue", "Wed", "Thu",
                                                               "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 7> kLong = {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    for (size_t i = 0; i < 7; ++i) {
      if (literal(long_form ? kLong[i] : kShort[i])) return true;
    }
    return false;
  }
  bool done() const { return s_.empty(); }

 private:
  std::string_view s_;
};

struct Fields {
  int year, month, day, hour, minute, second;
};

std::optional<system_clock::time_point> to_time_point(const Fields& f) {
  using namespace std::chrono;
  const year_month_day ymd{year{f.year}, month{static_cast<unsigned>(f.month)},
                           day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok() || f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;
  return sys_days{ymd} + hours{f.hour} + minutes{f.minute} + seconds{f.second};
}

// hh:mm:ss
bool time_of_day(Cursor& c, Fields& f) {
  auto h = c.number(2);
  if (!h || !c.literal(":")) return false;
  auto m = c.number(2);
  if (!m || !c.literal(":")) return false;
  auto s = c.number(2);
  if (!s) return false;
  f.hour = *h;
  f.minute = *m;
  f.second = *s;
  return true;
}

// Sun, 06 Nov 1994 08:49:37 GMT
std::optional<system_clock::time_point> parse_imf_fixdate(std::string_view text) {
  Cursor c(text);
  Fields f{};
  if (!c.day_name(false) || !c.literal(", ")) return std::nullopt;
  auto d = c.number(2);
  if (!d || !c.literal(" ")) return std::nullopt;
  auto m = c.month();
  if (!m || !c.literal(" ")) return std::nullopt;
  auto y = c.number(4);
  if (!y || !c.literal(" ") || !time_of_day(c, f) || !c.literal(" GMT") || !c.done()) {
    return std::nullopt;
  }
  f.year = *y;
  f.month = *m;
  f.day = *d;
  return to_time_point(f);
}

// Sunday, 06-Nov-94 08:49:37 GMT
std::optional<system_clock::time_point> parse_rfc850(std::string_view text, int current_year) {
  Cursor c(text);
  Fields f{};
  if (!c.day_name(true) || !c.literal(", ")) return std::nullopt;
  auto d = c.number(2);
  if (!d || !c.literal("-")) return std::nullopt;
  auto m = c.month();
  if (!m || !c.literal("-")) return std::nullopt;
  auto yy = c.number(2);
  if (!yy || !c.literal(" ") || !time_of_day(c, f) || !c.literal(" GMT") || !c.done()) {
    return std::nullopt;
  }
  // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
  int year = current_year / 100 * 100 + *yy;
  if (year > current_year + 50) year -= 100;
  f.year = year;
  f.month = *m;
  f.day = *d;
  return to_time_point(f);
}

// Sun Nov  6 08:49:37 1994
std::optional<system_clock::time_point> parse_asctime(std::string_view text) {
  Cursor c(text);
  Fields f{};
  if (!c.day_name(false) || !c.literal(" ")) return std::nullopt;
  auto m = c.month();
  if (!m || !c.literal(" ")) return std::nullopt;
  auto d = c.number(2, /*space_pad=*/true);
  if (!d || !c.literal(" ") || !time_of_day(c, f) || !c.literal(" ")) return std::nullopt;
  auto y = c.number(4);
  if (!y || !c.done()) return std::nullopt;
  f.year = *y;
  f.month = *m;
  f.day = *d;
  return to_time_point(f);
}

int current_utc_year() {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now())};
  return static_cast<int>(ymd.year());
}

}  // namespace

std::optional<system_clock::time_point> parse_http_date(std::string_view text) {
  text = trim(text);
  if (auto t = parse_imf_fixdate(text)) return t;
  if (auto t = parse_rfc850(text, current_utc_year())) return t;
  return parse_asctime(text);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    int64_t seconds = 0;
    for (char ch : value) {
      if (ch < '0' || ch > '9') return std::nullopt;
      // Anything beyond a year is as good as "not soon"; clamp instead of overflowing.
      seconds = std::min<int64_t>(seconds * 10 + (ch - '0'), int64_t{366} * 24 * 3600);
    }
    return std::chrono::milliseconds(seconds * 1000);
  }
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(*when - now);
}

std::string format_iso8601_utc(system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day_start = floor<days>(secs);
  const year_month_day ymd{day_start};
  const hh_mm_ss<seconds> hms{secs - day_start};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace mb::http
