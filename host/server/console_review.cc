#include "host/server/console_review.h"

#include <boost/json.hpp>

#include <algorithm>
#include <utility>

namespace mb::server {

namespace bj = boost::json;

RunProgressBoard::TrackedRun::TrackedRun(TrackedRun&& other) noexcept
    : board_(std::exchange(other.board_, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}

RunProgressBoard::TrackedRun::~TrackedRun() {
  if (board_ != nullptr) board_->finish(*entry_);
}

std::function<void(const SyncProgress&)> RunProgressBoard::TrackedRun::callback() {
  return [board = board_, entry = entry_](const SyncProgress& p) { board->report(*entry, p); };
}

RunProgressBoard::TrackedRun RunProgressBoard::track(const std::string& connector,
                                                     const std::string& trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_.now_ms();
  forget_old_locked(now);
  Entry entry;
  entry.id = ++last_id_;
  entry.connector = connector;
  entry.trigger = trigger;
  entry.started_ms = now;
  entry.phase_started_ms = now;
  entries_.push_front(std::move(entry));
  return TrackedRun(*this, entries_.front());
}

void RunProgressBoard::report(Entry& entry, const SyncProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  if (progress.phase != entry.progress.phase) entry.phase_started_ms = clock_.now_ms();
  entry.progress = progress;
}

void RunProgressBoard::finish(Entry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entry.running = false;
  entry.finished_ms = clock_.now_ms();
}

void RunProgressBoard::forget_old_locked(int64_t now_ms) {
  std::erase_if(entries_, [&](const Entry& e) {
    return !e.running && now_ms - e.finished_ms > kFinishedKeptMs;
  });
}

bj::value RunProgressBoard::to_json(const std::function<bool(const std::string&)>& reaches) const {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_.now_ms();
  bj::array runs;
  for (const Entry& e : entries_) {
    if ((!e.running && now - e.finished_ms > kFinishedKeptMs) || !reaches(e.connector)) continue;
    const SyncProgress& p = e.progress;
    // The phase's rate so far, once it has run long enough to mean something.
    bj::value eta = nullptr;
    const int64_t phase_ms = now - e.phase_started_ms;
    if (!e.running || p.phase == SyncPhase::kFinished || (p.total > 0 && p.done >= p.total))
      eta = 0.0;
    else if (p.total > 0 && p.done > 0 && phase_ms >= 200)
      eta = static_cast<double>(p.total - p.done) * static_cast<double>(phase_ms) /
            static_cast<double>(p.done) / 1000.0;
    const int64_t until = e.running ? now : e.finished_ms;
    runs.push_back(bj::object{{"id", e.id},
                              {"connector", e.connector},
                              {"trigger", e.trigger},
                              {"run", p.run_id},
                              {"phase", e.running ? phase_name(p.phase) : "finished"},
                              {"done", p.done},
                              {"total", p.total},
                              {"lines", p.run_lines},
                              {"running", e.running},
                              {"elapsed_s", static_cast<double>(until - e.started_ms) / 1000.0},
                              {"eta_s", std::move(eta)}});
  }
  return bj::object{{"runs", std::move(runs)}};
}

}  // namespace mb::server
