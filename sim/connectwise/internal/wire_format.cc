#include "sim/connectwise/internal/wire_format.h"

#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity; the platform never produces them either
    return;
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, ec == std::errc() ? static_cast<size_t>(end - buffer) : 0);
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_value(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(value.get_uint64());
      break;
    case json::kind::double_:
      append_double(out, value.get_double());
      break;
    case json::kind::string:
      out += json::serialize(value.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(key));
        out += ':';
        append_value(out, item);
      }
      out += '}';
      break;
    }
  }
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool read_digits(std::string_view text, size_t& position, size_t count, int64_t& value) {
  if (position + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[position + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  position += count;
  return true;
}

bool expect(std::string_view text, size_t& position, char wanted) {
  if (position >= text.size() || text[position] != wanted) return false;
  ++position;
  return true;
}

int days_in_month(int64_t year, int64_t month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::string to_wire_json(const json::value& value) {
  std::string out;
  append_value(out, value);
  return out;
}

std::optional<int64_t> parse_timestamp(std::string_view text) {
  size_t position = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, position, 4, year) || !expect(text, position, '-') ||
      !read_digits(text, position, 2, month) || !expect(text, position, '-') ||
      !read_digits(text, position, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  int64_t offset_seconds = 0;
  if (position < text.size()) {
    if (text[position] != 'T' && text[position] != 't') return std::nullopt;
    ++position;
    if (!read_digits(text, position, 2, hour) || !expect(text, position, ':') ||
        !read_digits(text, position, 2, minute)) {
      return std::nullopt;
    }
    if (position < text.size() && text[position] == ':') {
      ++position;
      if (!read_digits(text, position, 2, second)) return std::nullopt;
      if (position < text.size() && text[position] == '.') {
        ++position;
        const size_t fraction_start = position;
        while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
          ++position;
        }
        if (position == fraction_start) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (position < text.size()) {
      const char zone = text[position++];
      if (zone == 'Z' || zone == 'z') {
        // UTC
      } else if (zone == '+' || zone == '-') {
        int64_t offset_hours = 0, offset_minutes = 0;
        if (!read_digits(text, position, 2, offset_hours) || !expect(text, position, ':') ||
            !read_digits(text, position, 2, offset_minutes)) {
          return std::nullopt;
        }
        offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
    if (position != text.size()) return std::nullopt;
  }
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
         offset_seconds;
}

std::string format_timestamp(int64_t epoch_seconds) {
  int64_t days = epoch_seconds / 86400;
  int64_t seconds_of_day = epoch_seconds % 86400;
  if (seconds_of_day < 0) {
    seconds_of_day += 86400;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  char buffer[96];  // room for any int64 fields, so the format can never truncate
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(seconds_of_day / 3600),
                static_cast<long long>(seconds_of_day / 60 % 60),
                static_cast<long long>(seconds_of_day % 60));
  return buffer;
}

std::string now_timestamp() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return format_timestamp(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

Response wire_json(int status, const boost::json::value& body) {
  Response response;
  response.status = status;
  response.body = to_wire_json(body);
  response.set_header("Content-Type", "application/json; charset=utf-8");
  return response;
}

}  // namespace mb::sim::connectwise
