// The live progress of the runs the admin API starts (sync, approve, retry) and of those this
// node's job workers run (scheduled, queued), for the console's Runs and Review screens
// (docs/console.md, "Runs"): each run reports its phase, the lines done of the phase, and an ETA
// from the phase's rate so far, while it runs.
// GET /v1/console/progress answers from here, polled by the console; a finished run stays
// listed for a minute, so a poll that comes just after the run still sees how it ended.
//
//   RunProgressBoard board(SystemClock::instance());
//   auto tracked = board.track("acme-psa", "sync");
//   options.progress = tracked.callback();
//   auto report = ops::sync_connector(app, "acme-psa", options);   // ~TrackedRun: finished
//   boost::json::value doc = board.to_json([](const std::string& connector) { return true; });
#ifndef METERBRIDGE_HOST_SERVER_CONSOLE_REVIEW_H_
#define METERBRIDGE_HOST_SERVER_CONSOLE_REVIEW_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>

#include "host/common/clock.h"
#include "host/sync/sync_options.h"

namespace mb::server {

class RunProgressBoard {
  struct Entry;

 public:
  // A run being tracked; it is marked finished when this goes away.
  class TrackedRun {
   public:
    TrackedRun(RunProgressBoard& board, Entry& entry) : board_(&board), entry_(&entry) {}
    TrackedRun(TrackedRun&& other) noexcept;
    TrackedRun(const TrackedRun&) = delete;
    TrackedRun& operator=(const TrackedRun&) = delete;
    TrackedRun& operator=(TrackedRun&&) = delete;
    ~TrackedRun();
    // For SyncOptions::progress; called on the run's thread.
    std::function<void(const SyncProgress&)> callback();

   private:
    RunProgressBoard* board_;
    Entry* entry_;
  };

  // How long a finished run stays listed.
  static constexpr int64_t kFinishedKeptMs = 60 * 1000;

  explicit RunProgressBoard(const Clock& clock) : clock_(clock) {}

  // Starts tracking a run of `connector` (`trigger`: sync, dry_run, approve, retry; a job's
  // own: schedule, api).
  TrackedRun track(const std::string& connector, const std::string& trigger);

  // {"runs":[{id, connector, trigger, run, phase, done, total, lines, running, elapsed_s,
  // eta_s}]}, newest first, for the connectors `reaches` accepts. `id` tells the tracked runs of
  // this process apart (`run` is 0 until the plan is recorded); eta_s is null while unknown.
  boost::json::value to_json(const std::function<bool(const std::string&)>& reaches) const;

 private:
  struct Entry {
    int64_t id = 0;
    std::string connector;
    std::string trigger;
    SyncProgress progress;
    bool running = true;
    int64_t started_ms = 0;
    int64_t phase_started_ms = 0;
    int64_t finished_ms = 0;
  };
  void report(Entry& entry, const SyncProgress& progress);
  void finish(Entry& entry);
  void forget_old_locked(int64_t now_ms);

  const Clock& clock_;
  mutable std::mutex mu_;
  int64_t last_id_ = 0;
  std::list<Entry> entries_;  // newest first; a list, so a TrackedRun's pointer stays valid
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_CONSOLE_REVIEW_H_
