#include "internal/dates.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace meterbridge::autotask {

namespace {

std::optional<std::chrono::year_month_day> parse_ymd(std::string_view iso) {
  if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  if (iso.size() > 10 && iso[10] != 'T' && iso[10] != ' ') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (iso[i] < '0' || iso[i] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (iso[i] - '0');
    }
  }
  std::chrono::year_month_day ymd{std::chrono::year{parts[0]},
                                  std::chrono::month{static_cast<unsigned>(parts[1])},
                                  std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string format_ymd(const std::chrono::year_month_day& ymd) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

std::optional<std::string> calendar_date(std::string_view iso) {
  auto ymd = parse_ymd(iso);
  if (!ymd) return std::nullopt;
  return std::string(iso.substr(0, 10));
}

std::string shift_days(std::string_view date, int days) {
  auto ymd = parse_ymd(date);
  if (!ymd) throw std::invalid_argument("not a calendar date: " + std::string(date));
  std::chrono::sys_days shifted = std::chrono::sys_days{*ymd} + std::chrono::days{days};
  return format_ymd(std::chrono::year_month_day{shifted});
}

std::string utc_date_from_ms(int64_t unix_ms) {
  auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(unix_ms)));
  return format_ymd(std::chrono::year_month_day{day});
}

std::string midnight_utc(std::string_view date) {
  return std::string(date.substr(0, 10)) + "T00:00:00Z";
}

}  // namespace meterbridge::autotask
