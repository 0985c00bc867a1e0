#include "host/sync/lease.h"

#include <signal.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "host/common/clock.h"
#include "host/common/metrics_catalog.h"

namespace mb {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

std::string random_owner_id() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof(bytes));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "<boot id>:<start time in clock ticks>" of a process, or "" when /proc cannot tell. Together
// with the pid it names one process for the life of the machine: a pid reused after a crash
// has another start time, and a reboot another boot id.
std::string process_start_of(int64_t pid) {
  std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (fields >> field); ++i) {
    if (i == 22) return read_first_line("/proc/sys/kernel/random/boot_id") + ":" + field;
  }
  return "";
}

// Every lease this process holds, for held_by_this_process().
std::mutex& held_mutex() {
  static std::mutex mu;
  return mu;
}
std::vector<std::pair<std::string, std::string>>& held_leases() {
  static auto* held = new std::vector<std::pair<std::string, std::string>>();
  return *held;
}

// The leases_held gauge of a connector after a change; call with held_mutex() locked.
void publish_leases_held(const std::string& connector_id) {
  const auto held = std::count_if(held_leases().begin(), held_leases().end(),
                                  [&](const auto& lease) { return lease.first == connector_id; });
  host_metrics().leases_held.labels({connector_id}).set(static_cast<double>(held));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ConnectorLease::held_by_this_process() {
  std::lock_guard<std::mutex> lock(held_mutex());
  return held_leases();
}

LeaseHolder this_process_as_holder(const std::string& purpose) {
  if (sodium_init() < 0) spdlog::warn("libsodium failed to initialise; lease owner ids may repeat");
  LeaseHolder h;
  h.owner_id = random_owner_id();
  h.host = host_name();
  h.pid = static_cast<int64_t>(::getpid());
  h.process_start = process_start_of(h.pid);
  h.purpose = purpose;
  return h;
}

bool holder_process_is_gone(const LeaseHolder& holder) {
  if (holder.host != host_name() || holder.pid <= 0) return false;
  if (::kill(static_cast<pid_t>(holder.pid), 0) != 0 && errno == ESRCH) return true;
  if (holder.process_start.empty()) return false;
  std::string now_start = process_start_of(holder.pid);
  return !now_start.empty() && now_start != holder.process_start;
}

std::string run_slot_holder(const std::string& connector_id) { return "run:" + connector_id; }

std::string describe_holder(const LeaseHolder& holder, int64_t now_ms) {
  std::string text = "a " + (holder.purpose.empty() ? std::string("run") : holder.purpose) +
                     " by pid " + std::to_string(holder.pid) + " on host " + holder.host +
                     " since " + holder.acquired_at + " (last heartbeat " + holder.heartbeat_at;
  int64_t left_s = (holder.expires_at_ms - now_ms + 999) / 1000;
  if (left_s > 0) text += "; its lease expires in " + std::to_string(left_s) + " s unless renewed";
  return text + ")";
}

Result<std::unique_ptr<ConnectorLease>> ConnectorLease::acquire(Store& store,
                                                                const std::string& connector_id,
                                                                const std::string& purpose,
                                                                const LeaseOptions& options) {
  LeaseHolder me = this_process_as_holder(purpose);
  auto kept = store.acquire_lease(connector_id, me, options.ttl_ms, "");
  if (!kept) return kept.status();
  if (*kept && holder_process_is_gone(**kept)) {
    spdlog::warn(
        "connector {}: the {} that held its lease (pid {} on this host) is gone; taking the lease "
        "over",
        connector_id, (*kept)->purpose, (*kept)->pid);
    kept = store.acquire_lease(connector_id, me, options.ttl_ms, (*kept)->owner_id);
    if (!kept) return kept.status();
  }
  if (*kept) {
    int64_t now_ms = SystemClock::instance().now_ms();
    return Status::Conflict("connector '" + connector_id +
                            "' is busy: " + describe_holder(**kept, now_ms) + "; nothing was done");
  }
  auto current = store.get_lease(connector_id);
  if (current && *current) me.acquired_at = (*current)->acquired_at;
  return std::unique_ptr<ConnectorLease>(
      new ConnectorLease(store, connector_id, std::move(me), options));
}

ConnectorLease::ConnectorLease(Store& store, std::string connector_id, LeaseHolder holder,
                               LeaseOptions options)
    : store_(store),
      connector_id_(std::move(connector_id)),
      holder_(std::move(holder)),
      options_(options) {
  {
    std::lock_guard<std::mutex> lock(held_mutex());
    held_leases().emplace_back(connector_id_, holder_.owner_id);
    publish_leases_held(connector_id_);
  }
  thread_ = std::thread([this] { heartbeat(); });
}

ConnectorLease::~ConnectorLease() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(held_mutex());
    std::erase(held_leases(), std::make_pair(connector_id_, holder_.owner_id));
    publish_leases_held(connector_id_);
  }
  Status released = store_.release_lease(connector_id_, holder_.owner_id);
  if (!released.ok())
    spdlog::warn("connector {}: could not release its lease ({}); it expires by itself",
                 connector_id_, released.message());
}

Status ConnectorLease::confirm() {
  if (lost_.load())
    return Status::Conflict("connector '" + connector_id_ +
                            "': this process lost its lease; stopped before writing");
  auto renewed = store_.renew_lease(connector_id_, holder_.owner_id, options_.ttl_ms);
  if (!renewed)
    return Status::Retry("connector '" + connector_id_ +
                         "': cannot renew its lease: " + renewed.status().message());
  if (!*renewed) {
    lost_.store(true);
    return Status::Conflict(
        "connector '" + connector_id_ +
        "': its lease expired and was taken by another owner; stopped before writing");
  }
  return Status::Ok();
}

void ConnectorLease::heartbeat() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(options_.renew_every_ms),
                   [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    auto renewed = store_.renew_lease(connector_id_, holder_.owner_id, options_.ttl_ms);
    // A run started directly holds its platform tenant's slot under run_slot_holder(): it
    // lives as long as the lease does.
    if (renewed && *renewed) {
      auto slots = store_.renew_tenant_slots(run_slot_holder(connector_id_),
                                             SystemClock::instance().now_ms(), options_.ttl_ms);
      if (!slots)
        spdlog::warn("connector {}: its platform tenant's slot was not renewed: {}",
                     connector_id_, slots.status().message());
    }
    if (!renewed) {
      spdlog::warn("connector {}: lease heartbeat failed: {}", connector_id_,
                   renewed.status().message());
    } else if (!*renewed) {
      spdlog::error(
          "connector {}: lost its lease to another owner; the run stops before its next write",
          connector_id_);
      lost_.store(true);
    }
    lock.lock();
    if (lost_.load()) break;
  }
}

}  // namespace mb
