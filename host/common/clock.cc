#include "host/common/clock.h"

#include <ctime>

namespace mb {
namespace {
std::tm to_utc(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string format_iso8601_utc(int64_t epoch_ms) {
  std::tm tm = to_utc(epoch_ms);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> parse_iso8601_utc_ms(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string format_date_utc(int64_t epoch_ms) {
  std::tm tm = to_utc(epoch_ms);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace mb
