#include "host/server/scheduler.h"

#include <boost/date_time/local_time/local_time.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include "host/common/metrics_catalog.h"

namespace mb::server {
namespace {

namespace lt = boost::local_time;
namespace pt = boost::posix_time;
namespace gd = boost::gregorian;

// POSIX TZ offsets count hours WEST of UTC ("EST5EDT" is UTC-5); Boost's posix_time_zone
// reads them as hours EAST. Flip the sign of the standard and daylight offsets.
std::string to_boost_rule(const std::string& posix) {
  std::string out;
  size_t i = 0;
  auto copy_name = [&] {
    while (i < posix.size() && std::isalpha(static_cast<unsigned char>(posix[i]))) out += posix[i++];
  };
  auto flip_offset = [&] {
    if (i >= posix.size() || posix[i] == ',') return;
    char sign = posix[i];
    if (sign == '+' || sign == '-') ++i;
    out += sign == '-' ? '+' : '-';
    while (i < posix.size() && (std::isdigit(static_cast<unsigned char>(posix[i])) || posix[i] == ':')) out += posix[i++];
  };
  copy_name();
  flip_offset();
  copy_name();
  flip_offset();
  out += posix.substr(i);
  return out;
}

// The POSIX TZ rule at the end of a TZif file (RFC 8536 footer), e.g. "GMT0BST,M3.5.0/1,M10.5.0":
// the rule in force after the file's last transition, which covers today and the future.
Result<lt::time_zone_ptr> load_zone(const std::string& name) {
  if (name == "UTC" || name == "Etc/UTC") return lt::time_zone_ptr(new lt::posix_time_zone("UTC+0"));
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (!in) return Status::ConfigInvalid("unknown IANA time zone '" + name + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  while (!data.empty() && data.back() == '\n') data.pop_back();
  size_t nl = data.rfind('\n');
  if (nl == std::string::npos) return Status::ConfigInvalid("time zone '" + name + "' has no TZ rule");
  std::string rule = data.substr(nl + 1);
  // Boost does not parse quoted names such as "<+04>-4"; any alphabetic name means the same.
  rule = std::regex_replace(rule, std::regex("<[^>]*>"), "ZZZ");
  try {
    return lt::time_zone_ptr(new lt::posix_time_zone(to_boost_rule(rule)));
  } catch (const std::exception& e) {
    return Status::ConfigInvalid("time zone '" + name + "': cannot use rule '" + rule + "': " + e.what());
  }
}

int64_t to_epoch_ms(const pt::ptime& utc) {
  return (utc - pt::ptime(gd::date(1970, 1, 1))).total_milliseconds();
}

// UTC instant of local `date` `time` in `zone`, resolving gaps and ambiguities.
pt::ptime local_to_utc(const gd::date& date, const pt::time_duration& time, const lt::time_zone_ptr& zone) {
  lt::local_date_time ldt(date, time, zone, lt::local_date_time::NOT_DATE_TIME_ON_ERROR);
  if (!ldt.is_not_a_date_time()) return ldt.utc_time();
  try {
    // Ambiguous (the clock goes back): take the first occurrence, still in daylight time.
    return lt::local_date_time(date, time, zone, true).utc_time();
  } catch (const std::exception&) {
  }
  // Non-existent (the clock jumps forward): the first valid minute after the gap.
  for (int minutes = 1; minutes <= 180; ++minutes) {
    lt::local_date_time later(date, time + pt::minutes(minutes), zone, lt::local_date_time::NOT_DATE_TIME_ON_ERROR);
    if (!later.is_not_a_date_time()) return later.utc_time();
  }
  return lt::local_date_time(date, time, zone, false).utc_time();
}

bool same_schedule(const ScheduleConfig& a, const ScheduleConfig& b) {
  return a.enabled == b.enabled && a.time == b.time && a.timezone == b.timezone &&
         a.jitter_minutes == b.jitter_minutes;
}

}  // namespace

int64_t jitter_seconds(const std::string& connector_id, int jitter_minutes) {
  if (jitter_minutes <= 0) return 0;
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across builds and machines
  for (unsigned char c : connector_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int64_t>(h % static_cast<uint64_t>(jitter_minutes * 60));
}

Result<int64_t> next_fire_ms(const ScheduleConfig& schedule, const std::string& connector_id, int64_t now_ms) {
  auto zone = load_zone(schedule.timezone);
  if (!zone) return zone.status();
  int hh = 0, mm = 0;
  if (std::sscanf(schedule.time.c_str(), "%d:%d", &hh, &mm) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59)
    return Status::ConfigInvalid("schedule time must be HH:MM, got '" + schedule.time + "'");
  pt::ptime now_utc = pt::ptime(gd::date(1970, 1, 1)) + pt::milliseconds(now_ms);
  gd::date today = lt::local_date_time(now_utc, *zone).local_time().date();
  int64_t jitter_ms = jitter_seconds(connector_id, schedule.jitter_minutes) * 1000;
  for (int day = -1; day <= 2; ++day) {
    gd::date d = today + gd::days(day);
    int64_t at = to_epoch_ms(local_to_utc(d, pt::hours(hh) + pt::minutes(mm), *zone)) + jitter_ms;
    if (at > now_ms) return at;
  }
  return Status::Fatal("could not compute the next run time");
}

Result<std::map<std::string, int64_t>> Scheduler::plan(
    const std::map<std::string, ScheduleConfig>& schedules) const {
  std::map<std::string, int64_t> next;
  int64_t now = clock_.now_ms();
  for (const auto& [id, schedule] : schedules) {
    if (!schedule.enabled) continue;
    auto current = schedules_.find(id);
    auto fire = next_.find(id);
    if (current != schedules_.end() && same_schedule(current->second, schedule) &&
        fire != next_.end()) {
      next[id] = fire->second;
      continue;
    }
    auto at = next_fire_ms(schedule, id, now);
    if (!at) return Status(at.status().code(), "connector '" + id + "': " + at.status().message());
    next[id] = *at;
    spdlog::info("connector {}: next scheduled sync at {}", id, format_iso8601_utc(*at));
  }
  return next;
}

Status Scheduler::start(const std::map<std::string, ScheduleConfig>& schedules) {
  std::lock_guard<std::mutex> lock(mu_);
  schedules_.clear();
  next_.clear();
  auto next = plan(schedules);
  if (!next) return next.status();
  for (const auto& [id, at] : *next) schedules_[id] = schedules.at(id);
  next_ = std::move(*next);
  publish_next_runs();
  stopping_ = false;
  loop_ended_ = false;
  thread_ = std::thread([this] { loop(); });
  return Status::Ok();
}

Status Scheduler::reschedule(const std::map<std::string, ScheduleConfig>& schedules) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto next = plan(schedules);
    if (!next) return next.status();
    schedules_.clear();
    for (const auto& [id, at] : *next) schedules_[id] = schedules.at(id);
    next_ = std::move(*next);
    publish_next_runs();
  }
  cv_.notify_all();
  return Status::Ok();
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Scheduler::stop_before(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  if (!thread_.joinable()) return true;
  if (!ended_cv_.wait_until(lock, deadline, [this] { return loop_ended_; })) return false;
  lock.unlock();
  thread_.join();
  return true;
}

std::map<std::string, int64_t> Scheduler::next_runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_;
}

void Scheduler::publish_next_runs() {
  auto& gauge = host_metrics().scheduler_next_run;
  for (const auto& id : published_)
    if (next_.count(id) == 0) gauge.remove({id});
  published_.clear();
  for (const auto& [id, at_ms] : next_) {
    gauge.labels({id}).set(static_cast<double>(at_ms) / 1000.0);
    published_.push_back(id);
  }
}

void Scheduler::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  run_until_stopped(lock);
  loop_ended_ = true;
  ended_cv_.notify_all();
}

void Scheduler::run_until_stopped(std::unique_lock<std::mutex>& lock) {
  while (!stopping_) {
    if (next_.empty()) {
      cv_.wait(lock);  // a reschedule or stop() wakes it
      continue;
    }
    auto earliest = std::min_element(next_.begin(), next_.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
    int64_t now = clock_.now_ms();
    if (earliest->second > now) {
      // Wake at least every minute: the wall clock may jump (NTP, suspend).
      int64_t wait_ms = std::min<int64_t>(earliest->second - now, 60000);
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms));
      continue;
    }
    std::string id = earliest->first;
    int64_t fire_ms = earliest->second;
    auto next = next_fire_ms(schedules_[id], id, std::max(now, earliest->second));
    earliest->second = next ? *next : now + 24LL * 3600 * 1000;
    publish_next_runs();
    lock.unlock();
    spdlog::info("connector {}: scheduled sync due", id);
    run_(id, fire_ms);
    lock.lock();
  }
}

}  // namespace mb::server
