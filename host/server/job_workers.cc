#include "host/server/job_workers.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "host/common/clock.h"

namespace mb::server {
namespace {

std::string new_worker_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown-host");
  unsigned char bytes[6];
  if (sodium_init() < 0) spdlog::warn("libsodium failed to initialise; worker ids may repeat");
  randombytes_buf(bytes, sizeof(bytes));
  std::string id = std::string(host) + ":" + std::to_string(::getpid()) + ":";
  static const char* hex = "0123456789abcdef";
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

}  // namespace

JobWorkers::JobWorkers(Store& store, JobWorkerOptions options, RunJobFn run)
    : store_(store), options_(options), run_(std::move(run)), worker_id_(new_worker_id()) {}

JobWorkers::~JobWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void JobWorkers::start() {
  if (options_.concurrency <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  running_threads_ = options_.concurrency + 1;
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { work(); });
  threads_.emplace_back([this] { heartbeat(); });
  spdlog::info("job workers: {} at once, as worker {}", options_.concurrency, worker_id_);
}

void JobWorkers::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakes_;
  }
  wake_.notify_all();
}

bool JobWorkers::stop_before(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  wake_.notify_all();
  if (!ended_.wait_until(lock, deadline, [this] { return running_threads_ == 0; })) return false;
  lock.unlock();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  return true;
}

void JobWorkers::requeue_running(const std::string& why) {
  std::vector<int64_t> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running.assign(running_jobs_.begin(), running_jobs_.end());
  }
  for (int64_t job_id : running) {
    auto put_back = store_.requeue_job(job_id, worker_id_, 0, why, /*counts_as_attempt=*/true);
    if (!put_back)
      spdlog::error("job {}: could not put it back in the queue: {}", job_id,
                    put_back.status().message());
  }
}

void JobWorkers::idle(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t seen = wakes_;
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_ || wakes_ != seen; });
}

void JobWorkers::work() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    auto job = store_.claim_job(worker_id_, options_.claim_ttl_ms);
    if (!job) {
      spdlog::warn("job workers: cannot claim a job: {}", job.status().message());
      idle(options_.poll_every_ms);
      continue;
    }
    if (!*job) {
      idle(options_.poll_every_ms);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_jobs_.insert((*job)->id);
    }
    run_one(**job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_jobs_.erase((*job)->id);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  --running_threads_;
  ended_.notify_all();
  wake_.notify_all();  // the heartbeat ends with the last worker
}

void JobWorkers::run_one(const SyncJob& job) {
  if (job.attempts > 1)
    spdlog::info("connector {}: job {} ({}) claimed again, attempt {}", job.connector_id, job.id,
                 job.window_key, job.attempts);
  JobOutcome outcome = run_(job);
  Result<bool> recorded = true;
  switch (outcome.kind) {
    case JobOutcome::Kind::kDone:
      recorded = store_.finish_job(job.id, worker_id_, JobState::kDone, outcome.run_id, "");
      break;
    case JobOutcome::Kind::kFailed:
      recorded =
          store_.finish_job(job.id, worker_id_, JobState::kFailed, outcome.run_id, outcome.message);
      break;
    case JobOutcome::Kind::kBusy:
      if (job.attempts >= options_.max_attempts) {
        recorded =
            store_.finish_job(job.id, worker_id_, JobState::kFailed, 0,
                              "the connector stayed busy over " + std::to_string(job.attempts) +
                                  " attempts: " + outcome.message);
        break;
      }
      recorded = store_.requeue_job(job.id, worker_id_,
                                    SystemClock::instance().now_ms() + options_.busy_retry_ms,
                                    outcome.message, /*counts_as_attempt=*/true);
      break;
    case JobOutcome::Kind::kTenantFull:
      // Not an attempt: the job never started, and a tenant that is busy for long (many
      // connectors on it) must not make its jobs fail.
      recorded = store_.requeue_job(
          job.id, worker_id_, SystemClock::instance().now_ms() + options_.tenant_full_retry_ms,
          outcome.message, /*counts_as_attempt=*/false);
      if (recorded && *recorded)
        spdlog::info("connector {}: job {} waits for a slot of its platform tenant: {}",
                     job.connector_id, job.id, outcome.message);
      break;
    case JobOutcome::Kind::kStopped:
      recorded = store_.requeue_job(job.id, worker_id_, 0, outcome.message,
                                    /*counts_as_attempt=*/true);
      break;
    case JobOutcome::Kind::kDeferred:
      // Not a retry: the job waits in the queue, unclaimed, until the budget has room.
      recorded = store_.requeue_job(job.id, worker_id_, outcome.due_at_ms, outcome.message,
                                    /*counts_as_attempt=*/true);
      if (recorded && *recorded)
        spdlog::info("connector {}: job {} waits for its platform's request budget: {}",
                     job.connector_id, job.id, outcome.message);
      break;
  }
  if (!recorded)
    spdlog::error("connector {}: could not record how job {} ended: {}", job.connector_id, job.id,
                  recorded.status().message());
  else if (!*recorded)
    spdlog::warn("connector {}: job {} was taken over by another worker while it ran here",
                 job.connector_id, job.id);
}

void JobWorkers::heartbeat() {
  const int64_t every_ms = std::max<int64_t>(options_.claim_ttl_ms / 4, 100);
  std::optional<std::chrono::steady_clock::time_point> cleaned;
  for (;;) {
    // Every node deletes the old finished jobs once an hour: the same statement from several
    // nodes deletes each row once, and a job still queued or running is never touched.
    if (!cleaned || std::chrono::steady_clock::now() - *cleaned >= std::chrono::hours(1)) {
      cleaned = std::chrono::steady_clock::now();
      auto deleted =
          store_.delete_finished_jobs(SystemClock::instance().now_ms() - options_.job_retention_ms);
      if (!deleted)
        spdlog::warn("job workers: cannot delete old finished jobs: {}",
                     deleted.status().message());
      else if (*deleted > 0)
        spdlog::info("job workers: deleted {} jobs that ended over {} days ago", *deleted,
                     options_.job_retention_ms / (24 * 3'600'000));
    }
    {
      // Keeps renewing while stopping: the running jobs still need their claims until they end.
      auto workers_ended = [this] { return stopping_ && running_threads_ == 1; };
      std::unique_lock<std::mutex> lock(mu_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(every_ms), workers_ended)) break;
    }
    auto renewed = store_.renew_job_claims(worker_id_, options_.claim_ttl_ms);
    if (!renewed)
      spdlog::warn("job workers: cannot renew this node's claims: {}", renewed.status().message());
    // The tenant slots its jobs hold live as long as their claims: a node that dies frees them
    // when it stops renewing.
    auto slots = store_.renew_tenant_slots(worker_id_, SystemClock::instance().now_ms(),
                                           options_.claim_ttl_ms);
    if (!slots)
      spdlog::warn("job workers: cannot renew this node's tenant slots: {}",
                   slots.status().message());
  }
  std::lock_guard<std::mutex> lock(mu_);
  --running_threads_;
  ended_.notify_all();
}

}  // namespace mb::server
