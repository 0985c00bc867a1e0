// Clock: the host's notion of "now", behind an interface so tests and the simulators' timing
// tests can use a fake (leveldb's Env idea, for time only).
#ifndef METERBRIDGE_HOST_COMMON_CLOCK_H_
#define METERBRIDGE_HOST_COMMON_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mb {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void set_ms(int64_t ms) { now_.store(ms); }
  void advance_ms(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-22T10:00:00Z" (UTC, second precision).
std::string format_iso8601_utc(int64_t epoch_ms);
// "2026-11-22" (UTC).
std::string format_date_utc(int64_t epoch_ms);
// The start of the second "2026-11-22T10:00:00Z" names (what format_iso8601_utc writes; a
// fraction or zone suffix is ignored), or nullopt when the text is not such a time.
std::optional<int64_t> parse_iso8601_utc_ms(const std::string& iso);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_CLOCK_H_
