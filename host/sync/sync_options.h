// What a sync run is asked (SyncOptions), what the engine keeps from the config (SyncSettings)
// and what a run answers (SyncReport): the engine's vocabulary, apart from the engine so its
// phases (host/sync/internal/) share it without including the engine.
//
//   SyncOptions options{.dry_run = true};
//   options.progress = [](size_t done, size_t total) { ... };
#ifndef METERBRIDGE_HOST_SYNC_SYNC_OPTIONS_H_
#define METERBRIDGE_HOST_SYNC_SYNC_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

struct SyncOptions {
  bool dry_run = false;
  std::string trigger = "manual";  // manual | schedule | api
  const std::atomic<bool>* cancelled = nullptr;
  // Lines per read_quantities call. Reads change nothing, so they go in large calls: a plugin
  // fetches a call's lines with a few bulk queries (in-lists, conditions) sent together, and
  // every call costs at least one round trip per dependent query.
  size_t read_batch_size = 5000;
  // Lines per apply_quantities call; each call's outcomes are stored before the next starts,
  // so this bounds how much a crash leaves to be settled by re-reading.
  size_t apply_batch_size = 500;
  // Called after each batch with (lines done, lines total) for progress bars.
  std::function<void(size_t, size_t)> progress;
  // Push every line even when the platform's current value equals the target.
  bool force_full_push = false;
  // Called before the plan is recorded and before every write batch; a non-OK status stops
  // the run before it writes (the caller's lease was lost). Empty: always OK.
  std::function<Status()> confirm_owner;
  // The lease owner running this, recorded on the run (empty when run without a lease).
  std::string owner_id;
};

struct SyncReport {
  SyncRun run;
  std::vector<SyncLine> lines;
  std::map<std::string, int64_t> counts;  // outcome -> lines
  std::vector<std::string> notes;         // provisioning, drift, unmapped services, ...
};

// What the engine takes from the config beyond the connector each call names: its own copy, so
// an engine never reaches into the whole Config (which a reload may replace). The application
// builds it from the config (host/app).
struct SyncSettings {
  std::string ended_workspaces = "zero";  // zero | no_data (see planner.h)
};

}  // namespace mb

#endif  // METERBRIDGE_HOST_SYNC_SYNC_OPTIONS_H_
