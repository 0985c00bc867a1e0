#include "host/cli/progress.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "host/common/text_table.h"

namespace mb::cli {
namespace {

// Terminals redraw a few times a second; events come at most about once a second.
constexpr int64_t kTerminalIntervalMs = 250;
constexpr int64_t kEventIntervalMs = 1000;
// A rate measured over less time than this swings too much to predict from.
constexpr int64_t kMinRateWindowMs = 200;

std::string grouped(size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// "0:09", "12:04", "1:02:03".
std::string clock_text(double seconds) {
  auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  return text;
}

// Tenths of a second are enough for a machine following a run.
double tenths(double seconds) { return std::round(seconds * 10) / 10; }

}  // namespace

ProgressTracker::ProgressTracker(const Clock& clock, int64_t interval_ms)
    : clock_(clock), interval_ms_(interval_ms), started_ms_(clock.now_ms()) {}

bool ProgressTracker::update(const SyncProgress& progress) {
  const int64_t now = clock_.now_ms();
  const bool new_phase = !started_ || progress.phase != progress_.phase;
  if (new_phase) phase_started_ms_ = now;
  progress_ = progress;
  started_ = true;
  unshown_ = true;
  return new_phase || now - last_shown_ms_ >= interval_ms_;
}

bool ProgressTracker::due() const {
  return started_ && clock_.now_ms() - last_shown_ms_ >= interval_ms_;
}

void ProgressTracker::mark_shown() {
  last_shown_ms_ = clock_.now_ms();
  unshown_ = false;
}

double ProgressTracker::elapsed_s() const {
  return static_cast<double>(clock_.now_ms() - started_ms_) / 1000.0;
}

std::optional<double> ProgressTracker::rate() const {
  const int64_t window = clock_.now_ms() - phase_started_ms_;
  if (!started_ || progress_.done == 0 || window < kMinRateWindowMs) return std::nullopt;
  return static_cast<double>(progress_.done) * 1000.0 / static_cast<double>(window);
}

std::optional<double> ProgressTracker::eta_s() const {
  if (!started_ || progress_.total == 0) return std::nullopt;
  if (progress_.done >= progress_.total || progress_.phase == SyncPhase::kFinished) return 0.0;
  auto per_second = rate();
  if (!per_second) return std::nullopt;
  return static_cast<double>(progress_.total - progress_.done) / *per_second;
}

std::string progress_event(const std::string& connector, const ProgressTracker& tracker) {
  const SyncProgress& p = tracker.progress();
  auto eta = tracker.eta_s();
  boost::json::object event{
      {"event", "progress"},
      {"run", p.run_id > 0 ? boost::json::value(p.run_id) : boost::json::value(nullptr)},
      {"connector", connector},
      {"phase", phase_name(p.phase)},
      {"done", p.done},
      {"total", p.total},
      {"lines", p.run_lines},
      {"elapsed_s", tenths(tracker.elapsed_s())},
      {"eta_s", eta ? boost::json::value(tenths(*eta)) : boost::json::value(nullptr)}};
  return boost::json::serialize(event);
}

std::string progress_status_line(const std::string& label, const ProgressTracker& tracker) {
  const SyncProgress& p = tracker.progress();
  std::string line = label + "  " + std::string(phase_name(p.phase));
  if (p.total > 0) {
    line += "  " + grouped(p.done) + "/" + grouped(p.total) + " lines  " +
            std::to_string(p.done * 100 / p.total) + "%";
  }
  if (p.phase == SyncPhase::kFinished) return line + "  in " + clock_text(tracker.elapsed_s());
  if (auto rate = tracker.rate())
    line += "  " + grouped(static_cast<size_t>(std::llround(*rate))) + " lines/s";
  if (auto eta = tracker.eta_s(); eta && p.done < p.total) line += "  ETA " + clock_text(*eta);
  return line + "  elapsed " + clock_text(tracker.elapsed_s());
}

ProgressStyle progress_style(bool json_output, bool progress_disabled, bool stderr_is_terminal) {
  if (progress_disabled) return ProgressStyle::kNone;
  if (json_output || !stderr_is_terminal) return ProgressStyle::kEvents;
  return ProgressStyle::kTerminal;
}

ProgressDisplay::ProgressDisplay(std::ostream& out, ProgressStyle style, std::string label,
                                 const Clock& clock, size_t terminal_width)
    : out_(out),
      style_(style),
      label_(std::move(label)),
      terminal_width_(terminal_width),
      tracker_(clock, style == ProgressStyle::kTerminal ? kTerminalIntervalMs : kEventIntervalMs) {
  if (style_ != ProgressStyle::kNone) timer_ = std::thread([this] { run_timer(); });
}

ProgressDisplay::~ProgressDisplay() { finish(); }

std::function<void(const SyncProgress&)> ProgressDisplay::callback() {
  if (style_ == ProgressStyle::kNone) return {};
  return [this](const SyncProgress& progress) {
    std::lock_guard lock(mutex_);
    if (!finished_ && tracker_.update(progress)) show_locked();
  };
}

void ProgressDisplay::finish() {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (tracker_.unshown()) show_locked();
    // The terminal's line stays, as the last word on the run's progress.
    if (style_ == ProgressStyle::kTerminal && tracker_.started()) out_ << "\n" << std::flush;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void ProgressDisplay::show_locked() {
  tracker_.mark_shown();
  if (style_ == ProgressStyle::kEvents) {
    out_ << progress_event(label_, tracker_) + "\n" << std::flush;
    return;
  }
  std::string line = progress_status_line(label_, tracker_);
  // Kept to one terminal line, or the carriage return would redraw only its last part.
  if (terminal_width_ > 1 && display_width(line) >= terminal_width_)
    line = wrap_text(line, terminal_width_ - 1, true).front();
  out_ << "\r" + line + "\x1b[K" << std::flush;
}

void ProgressDisplay::run_timer() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    wake_.wait_for(lock, std::chrono::milliseconds(kTerminalIntervalMs));
    if (!finished_ && tracker_.due()) show_locked();
  }
}

}  // namespace mb::cli
