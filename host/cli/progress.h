// A sync's progress on stderr, so stdout keeps only the report (or the --json document).
//
// On a terminal: one line redrawn in place with the phase, lines done/total, percent, rate and
// ETA. With --json or off a terminal: NDJSON events, one object per line,
//   {"event":"progress","run":12,"connector":"acme","phase":"reading","done":5000,
//    "total":20000,"lines":20000,"elapsed_s":3.1,"eta_s":9.2}
// at most about one a second, plus one at each phase change (the last is "finished").
// A timer redraws while the engine waits on a long platform call, so the elapsed time moves.
//
//   ProgressDisplay display(app.err(), progress_style(json, no_progress, stderr_is_tty), "acme");
//   options.progress = display.callback();
//   auto report = ops::sync_connector(app, "acme", options);
//   display.finish();
#ifndef METERBRIDGE_HOST_CLI_PROGRESS_H_
#define METERBRIDGE_HOST_CLI_PROGRESS_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "host/common/clock.h"
#include "host/sync/sync_options.h"

namespace mb::cli {

// The arithmetic behind the display: elapsed time, the current phase's rate and ETA, and when
// the next report is due. No output and no thread, so a fake clock tests it.
class ProgressTracker {
 public:
  ProgressTracker(const Clock& clock, int64_t interval_ms);

  // Records what the engine reported. True when it should be shown now: the first report, a
  // new phase, or the interval has passed since the last one shown.
  bool update(const SyncProgress& progress);
  // True when something was reported and nothing was shown for the interval: a timer asks,
  // so a long platform call still shows time passing.
  bool due() const;
  void mark_shown();
  // True when the latest report was not shown yet.
  bool unshown() const { return unshown_; }
  bool started() const { return started_; }

  const SyncProgress& progress() const { return progress_; }
  double elapsed_s() const;  // since the tracker was made
  // Lines per second in the current phase; none before a phase has done anything.
  std::optional<double> rate() const;
  // Seconds left in the current phase at its rate so far; none while that is unknown.
  std::optional<double> eta_s() const;

 private:
  const Clock& clock_;
  const int64_t interval_ms_;
  const int64_t started_ms_;
  SyncProgress progress_;
  bool started_ = false;
  bool unshown_ = false;
  int64_t phase_started_ms_ = 0;
  int64_t last_shown_ms_ = 0;
};

// One NDJSON progress event (no newline).
std::string progress_event(const std::string& connector, const ProgressTracker& tracker);
// The terminal's one-line display, e.g.
// "acme  reading  5,000/20,000 lines  25%  1,612 lines/s  ETA 0:09  elapsed 0:03".
std::string progress_status_line(const std::string& label, const ProgressTracker& tracker);

enum class ProgressStyle { kNone, kTerminal, kEvents };
ProgressStyle progress_style(bool json_output, bool progress_disabled, bool stderr_is_terminal);

// Draws a tracker's reports on `out` from the engine's callback and from its own timer.
class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, ProgressStyle style, std::string label,
                  const Clock& clock = SystemClock::instance(), size_t terminal_width = 0);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // For SyncOptions::progress; empty when the style is kNone.
  std::function<void(const SyncProgress&)> callback();
  // Stops the timer and shows the last report if it was not shown (once; the destructor
  // calls it).
  void finish();

 private:
  void show_locked();
  void run_timer();

  std::ostream& out_;
  const ProgressStyle style_;
  const std::string label_;
  const size_t terminal_width_;
  std::mutex mutex_;
  std::condition_variable wake_;
  ProgressTracker tracker_;
  bool finished_ = false;
  std::thread timer_;
};

}  // namespace mb::cli

#endif  // METERBRIDGE_HOST_CLI_PROGRESS_H_
