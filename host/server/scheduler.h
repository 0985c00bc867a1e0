// The daily scheduler of `meterbridge serve`: each enabled connector syncs once a day at its
// configured local time in its IANA time zone, plus a jitter that is stable per connector (a
// hash of its id), so a fleet of connectors does not hit the platforms at the same second and a
// connector runs at the same minute every day. Every node computes the same fire times, so the
// fire time names the schedule window: `serve` enqueues a job per connector and window, and
// the store keeps one however many nodes enqueue it.
//
//   Scheduler scheduler(clock, [&](const std::string& id, int64_t fire_ms) { enqueue(id, ...); });
//   scheduler.start({{"acme", schedule}});
#ifndef METERBRIDGE_HOST_SERVER_SCHEDULER_H_
#define METERBRIDGE_HOST_SERVER_SCHEDULER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/config/config.h"

namespace mb::server {

// Seconds added to a connector's scheduled time: stable for an id, below jitter_minutes.
int64_t jitter_seconds(const std::string& connector_id, int jitter_minutes);

// The first moment strictly after `now_ms` at which the schedule fires for this connector,
// in epoch milliseconds. A local time that does not exist (spring-forward gap) fires at the
// first valid minute after it; an ambiguous one (fall-back) fires once, at its first occurrence.
Result<int64_t> next_fire_ms(const ScheduleConfig& schedule, const std::string& connector_id, int64_t now_ms);

class Scheduler {
 public:
  // Called on the scheduler's thread with the time the connector was due (epoch ms).
  using RunFn = std::function<void(const std::string& connector_id, int64_t fire_ms)>;
  Scheduler(const Clock& clock, RunFn run) : clock_(clock), run_(std::move(run)) {}
  ~Scheduler() { stop(); }

  // Computes every connector's next fire time and starts the thread. Connectors whose schedule
  // is disabled are skipped.
  Status start(const std::map<std::string, ScheduleConfig>& schedules);
  // Replaces the schedules while running (config reload): a connector whose schedule is
  // unchanged keeps its next fire time; new or changed ones get a new one; removed ones are
  // dropped. A run in progress finishes. Nothing changes when a schedule is invalid.
  Status reschedule(const std::map<std::string, ScheduleConfig>& schedules);
  // Starts no further run and waits for the thread (and so a run in progress) to end.
  void stop();
  // The same, waiting no later than `deadline`: false when a run is still in progress then
  // (the thread keeps running; call stop() or leave the process).
  bool stop_before(std::chrono::steady_clock::time_point deadline);
  // Next fire time per connector (epoch ms), for status pages and tests.
  std::map<std::string, int64_t> next_runs() const;

 private:
  void loop();
  void run_until_stopped(std::unique_lock<std::mutex>& lock);
  // The next-run gauge of every scheduled connector, and none for those no longer scheduled.
  // Called with mu_ held.
  void publish_next_runs();
  // Next fire times for `schedules`, keeping those of schedules equal to the current ones.
  Result<std::map<std::string, int64_t>> plan(
      const std::map<std::string, ScheduleConfig>& schedules) const;

  const Clock& clock_;
  RunFn run_;
  std::map<std::string, ScheduleConfig> schedules_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int64_t> next_;
  std::vector<std::string> published_;  // connectors whose next run the metrics show
  bool stopping_ = false;
  bool loop_ended_ = false;
  std::condition_variable ended_cv_;
  std::thread thread_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_SCHEDULER_H_
