// ConnectorLease: one owner per connector at a time, across processes and machines
// (ARCHITECTURE §6). Every operation that writes to a platform — sync, approve, retry, and
// disconnect — first takes the connector's lease in the store; a second one finds it held and
// stops with a message naming the owner, instead of running beside it.
//
//   auto lease = ConnectorLease::acquire(store, "acme-psa", "sync");
//   if (!lease) return lease.status();           // Conflict: "connector 'acme-psa' is busy: ..."
//   options.confirm_owner = [&] { return (*lease)->confirm(); };   // checked before each write
//
// While held, a background thread renews the lease every `renew_every_ms`; the lease expires
// `ttl_ms` after the last renewal, so a holder that stops renewing (killed, frozen, cut off from
// the store) loses it. A holder on this host whose process is gone (its pid no longer runs, or
// now belongs to another process) is taken over at once: a crashed run does not block the next
// one for a whole ttl. Releasing happens in the destructor.
#ifndef METERBRIDGE_HOST_SYNC_LEASE_H_
#define METERBRIDGE_HOST_SYNC_LEASE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "host/common/status.h"
#include "host/store/store.h"

namespace mb {

struct LeaseOptions {
  int64_t ttl_ms = 60'000;
  int64_t renew_every_ms = 15'000;
};

class ConnectorLease {
 public:
  // Takes the connector's lease for this process, or returns Conflict naming its holder.
  static Result<std::unique_ptr<ConnectorLease>> acquire(Store& store,
                                                         const std::string& connector_id,
                                                         const std::string& purpose,
                                                         const LeaseOptions& options = {});
  ~ConnectorLease();
  ConnectorLease(const ConnectorLease&) = delete;
  ConnectorLease& operator=(const ConnectorLease&) = delete;

  const LeaseHolder& holder() const { return holder_; }
  const std::string& connector_id() const { return connector_id_; }
  // Renews the lease now: OK while this process still owns it; Conflict once it was lost (it
  // expired and another owner took it). Called before every write batch.
  Status confirm();
  // True once a renewal found the lease taken by someone else.
  bool lost() const { return lost_.load(); }

  // The leases this process holds now: (connector, owner id). For a shutdown that cannot wait
  // for its runs: it records them interrupted and releases their leases before exiting.
  static std::vector<std::pair<std::string, std::string>> held_by_this_process();

 private:
  ConnectorLease(Store& store, std::string connector_id, LeaseHolder holder, LeaseOptions options);
  void heartbeat();

  Store& store_;
  std::string connector_id_;
  LeaseHolder holder_;
  LeaseOptions options_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The holder id under which a run holding `connector_id`'s lease holds a slot of its platform
// tenant (App::take_tenant_slot): one per connector, since the lease lets one run at a time. A
// run that takes over from a killed one takes its slot over with the lease, instead of waiting
// for it to expire; the lease's heartbeat renews it.
std::string run_slot_holder(const std::string& connector_id);

// This process as a lease holder (host name, pid, process start), with a fresh owner id.
LeaseHolder this_process_as_holder(const std::string& purpose);

// True when `holder` ran on this host and its process is gone: the pid does not run, or runs a
// process started at another time (the pid was reused).
bool holder_process_is_gone(const LeaseHolder& holder);

// "a sync by pid 4242 on host build-1 since 2026-12-04T10:00:00Z (last heartbeat ..., expires
// in 45 s)": for messages about a held lease.
std::string describe_holder(const LeaseHolder& holder, int64_t now_ms);

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_LEASE_H_
