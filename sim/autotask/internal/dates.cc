#include "sim/autotask/internal/dates.h"

#include <chrono>
#include <cstdio>

namespace mb::sim::autotask {
namespace {

namespace chrono = std::chrono;

// Reads exactly `width` digits at `pos`; advances `pos`.
std::optional<int> read_digits(std::string_view text, size_t& pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool consume(std::string_view text, size_t& pos, char expected) {
  if (pos < text.size() && text[pos] == expected) {
    ++pos;
    return true;
  }
  return false;
}

// Parses "Z", "+HH:MM", "+HHMM" or "+HH" at `pos`; returns the offset in minutes.
std::optional<int> read_zone(std::string_view text, size_t& pos) {
  if (consume(text, pos, 'Z') || consume(text, pos, 'z')) return 0;
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  const int sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  auto hours = read_digits(text, pos, 2);
  if (!hours || *hours > 23) return std::nullopt;
  int minutes = 0;
  if (pos < text.size()) {
    consume(text, pos, ':');
    auto parsed = read_digits(text, pos, 2);
    if (!parsed || *parsed > 59) return std::nullopt;
    minutes = *parsed;
  }
  return sign * (*hours * 60 + minutes);
}

}  // namespace

Day make_day(int year, unsigned month, unsigned day_of_month) {
  const chrono::year_month_day date{chrono::year{year}, chrono::month{month},
                                    chrono::day{day_of_month}};
  return chrono::sys_days{date}.time_since_epoch().count();
}

std::optional<int64_t> parse_iso_datetime(std::string_view text) {
  size_t pos = 0;
  auto year = read_digits(text, pos, 4);
  if (!year || !consume(text, pos, '-')) return std::nullopt;
  auto month = read_digits(text, pos, 2);
  if (!month || !consume(text, pos, '-')) return std::nullopt;
  auto day = read_digits(text, pos, 2);
  if (!day) return std::nullopt;
  const chrono::year_month_day date{chrono::year{*year},
                                    chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  int64_t millis = chrono::sys_days{date}.time_since_epoch().count() * kMillisPerDay;
  if (pos == text.size()) return millis;

  if (!consume(text, pos, 'T') && !consume(text, pos, 't') && !consume(text, pos, ' ')) {
    return std::nullopt;
  }
  auto hour = read_digits(text, pos, 2);
  if (!hour || *hour > 23 || !consume(text, pos, ':')) return std::nullopt;
  auto minute = read_digits(text, pos, 2);
  if (!minute || *minute > 59) return std::nullopt;
  int second = 0;
  int fraction_millis = 0;
  if (consume(text, pos, ':')) {
    auto parsed = read_digits(text, pos, 2);
    if (!parsed || *parsed > 59) return std::nullopt;
    second = *parsed;
    if (consume(text, pos, '.')) {
      // .NET writes up to seven fraction digits; only milliseconds are kept.
      int digits = 0;
      int scale = 100;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) fraction_millis += (text[pos] - '0') * scale;
        scale /= 10;
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
    }
  }
  millis += ((*hour * 60 + *minute) * 60 + second) * 1000LL + fraction_millis;
  if (pos == text.size()) return millis;
  auto offset_minutes = read_zone(text, pos);
  if (!offset_minutes || pos != text.size()) return std::nullopt;
  return millis - *offset_minutes * 60'000LL;
}

Day day_of(int64_t millis) {
  // Floor division: moments before the epoch belong to the day that contains them.
  return millis >= 0 ? millis / kMillisPerDay : -((-millis + kMillisPerDay - 1) / kMillisPerDay);
}

int64_t start_of_day(Day day) { return day * kMillisPerDay; }

std::string format_date(Day day) {
  const chrono::year_month_day date{chrono::sys_days{chrono::days{day}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string format_iso_datetime(int64_t millis) {
  const Day day = day_of(millis);
  const int64_t in_day = millis - start_of_day(day);
  const int64_t seconds = in_day / 1000;
  const int64_t fraction = in_day % 1000;
  char time[24];
  if (fraction == 0) {
    std::snprintf(time, sizeof time, "T%02d:%02d:%02dZ", static_cast<int>(seconds / 3600),
                  static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  } else {
    std::snprintf(time, sizeof time, "T%02d:%02d:%02d.%03dZ", static_cast<int>(seconds / 3600),
                  static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
                  static_cast<int>(fraction));
  }
  return format_date(day) + time;
}

Day add_months(Day anchor, int64_t months) {
  const chrono::year_month_day date{chrono::sys_days{chrono::days{anchor}}};
  const chrono::year_month target =
      chrono::year_month{date.year(), date.month()} + chrono::months{months};
  const chrono::year_month_day_last last{target.year(), chrono::month_day_last{target.month()}};
  const chrono::day day = date.day() < last.day() ? date.day() : last.day();
  return chrono::sys_days{chrono::year_month_day{target.year(), target.month(), day}}
      .time_since_epoch()
      .count();
}

Day today_utc() {
  return chrono::floor<chrono::days>(chrono::system_clock::now()).time_since_epoch().count();
}

}  // namespace mb::sim::autotask
