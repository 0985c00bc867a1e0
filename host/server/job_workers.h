// JobWorkers: the workers of one `serve` node. Due syncs are rows of the store's job queue
// (Store::enqueue_job), written by every node's scheduler and by "sync now"; each of
// `concurrency` threads claims the job due first, runs it, and records how it ended. One
// heartbeat thread renews the node's claims and the platform-tenant slots its jobs hold
// (Store::acquire_tenant_slot, taken under worker_id()), so the jobs of a node that dies
// (SIGKILL, lost machine) are claimed again by another node once their claims expire, and its
// slots free themselves. The run itself is guarded by the connector's lease
// (host/sync/lease.h), which keeps one run per connector across every node; the job queue only
// spreads the work.
//
//   JobWorkers workers(store, options, [&](const SyncJob& job) { return run(job); });
//   workers.start();
//   ... store.enqueue_job(job); workers.wake();
//   workers.stop_before(deadline);
#ifndef METERBRIDGE_HOST_SERVER_JOB_WORKERS_H_
#define METERBRIDGE_HOST_SERVER_JOB_WORKERS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host/store/store.h"

namespace mb::server {

struct JobWorkerOptions {
  int concurrency = 4;
  int64_t claim_ttl_ms = 60'000;
  // An idle worker looks for jobs other nodes enqueued this often; a job enqueued on this node
  // wakes it at once.
  int64_t poll_every_ms = 2'000;
  // A job whose connector is busy (its lease held by a run elsewhere) is tried again this late.
  int64_t busy_retry_ms = 5'000;
  // A job whose platform tenant runs as many syncs as it allows (http.tenant_concurrency) is
  // tried again this late, without counting toward max_attempts.
  int64_t tenant_full_retry_ms = 2'000;
  // Claims of a job that keeps finding its connector busy, before the job is given up as failed.
  int64_t max_attempts = 20;
  // Jobs that ended are deleted this long after they ended, by the heartbeat, once an hour.
  int64_t job_retention_ms = int64_t{30} * 24 * 3'600'000;
};

// How running a claimed job went.
struct JobOutcome {
  enum class Kind {
    kDone,        // the sync ran (whatever the run's own outcome): run_id says which
    kFailed,      // it could not run: message says why
    kBusy,        // the connector's lease is held elsewhere: try again later
    kStopped,     // this node is stopping: put it back for another node
    kDeferred,    // the run stopped on its platform's request budget: run it again at due_at_ms
    kTenantFull,  // its platform tenant has no free slot: try again soon, not an attempt
  };
  Kind kind = Kind::kDone;
  int64_t run_id = 0;
  std::string message;
  int64_t due_at_ms = 0;  // kDeferred: when the budget allows the rest
};

class JobWorkers {
 public:
  using RunJobFn = std::function<JobOutcome(const SyncJob& job)>;
  JobWorkers(Store& store, JobWorkerOptions options, RunJobFn run);
  ~JobWorkers();
  JobWorkers(const JobWorkers&) = delete;
  JobWorkers& operator=(const JobWorkers&) = delete;

  // Starts the workers and the heartbeat. Does nothing when concurrency is 0.
  void start();
  // A job was enqueued on this node: an idle worker looks now instead of at its next poll.
  void wake();
  // Claims no further job and waits for the running ones to end, no later than `deadline`:
  // false when some still run then (their threads keep running; leave the process).
  bool stop_before(std::chrono::steady_clock::time_point deadline);
  // Puts this node's running jobs back in the queue, due now, so another node takes them at
  // once instead of after their claims expire: for a shutdown that cannot wait for them.
  void requeue_running(const std::string& why);

  // This node's id in the queue's worker_id column: host, pid and a random part.
  const std::string& worker_id() const { return worker_id_; }

 private:
  void work();
  void heartbeat();
  void run_one(const SyncJob& job);
  // Waits up to `ms` or until woken or stopping.
  void idle(int64_t ms);

  Store& store_;
  const JobWorkerOptions options_;
  RunJobFn run_;
  const std::string worker_id_;
  std::mutex mu_;
  std::condition_variable wake_;
  uint64_t wakes_ = 0;  // counts wake() calls, so a wake between two looks is not lost
  bool stopping_ = false;
  int running_threads_ = 0;
  std::set<int64_t> running_jobs_;  // claimed by this node's threads and not yet recorded
  std::condition_variable ended_;
  std::vector<std::thread> threads_;
};

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_JOB_WORKERS_H_
