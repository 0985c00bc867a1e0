// What a sync run is asked (SyncOptions), what the engine keeps from the config (SyncSettings)
// and what a run answers (SyncReport): the engine's vocabulary, apart from the engine so its
// phases (host/sync/internal/) share it without including the engine.
//
//   SyncOptions options{.dry_run = true};
//   options.progress = [](const SyncProgress& p) { ... };
#ifndef METERBRIDGE_HOST_SYNC_SYNC_OPTIONS_H_
#define METERBRIDGE_HOST_SYNC_SYNC_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

// The stages a run passes, in this order (a run that stops early skips the rest; a dry run
// writes nothing).
enum class SyncPhase {
  kPlanning,   // usage × mappings, and the platform's account list when it is due
  kRecording,  // the plan is written to the store before anything is read or written
  kReading,    // current quantities, in read batches
  kDeciding,   // diff and policies; every line's decision is stored
  kWriting,    // changed lines, in apply batches
  kFinished,
};

inline std::string_view phase_name(SyncPhase phase) {
  switch (phase) {
    case SyncPhase::kPlanning:
      return "planning";
    case SyncPhase::kRecording:
      return "recording";
    case SyncPhase::kReading:
      return "reading";
    case SyncPhase::kDeciding:
      return "deciding";
    case SyncPhase::kWriting:
      return "writing";
    case SyncPhase::kFinished:
      return "finished";
  }
  return "unknown";
}

// Where a run is: reported when a phase starts and after each of its batches.
struct SyncProgress {
  SyncPhase phase = SyncPhase::kPlanning;
  int64_t run_id = 0;    // 0 until the plan is recorded
  size_t done = 0;       // lines of this phase done
  size_t total = 0;      // lines this phase handles (0 while planning: not known yet)
  size_t run_lines = 0;  // lines in the run's plan (0 while planning)
};

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
  // Called on the run's thread when a phase starts and after each batch (never per line, so
  // its cost does not grow with the plan); empty: nothing reported.
  std::function<void(const SyncProgress&)> progress;
  // Push every line even when the platform's current value equals the target.
  bool force_full_push = false;
  // Called before the plan is recorded and before every write batch; a non-OK status stops
  // the run before it writes (the caller's lease was lost). Empty: always OK.
  std::function<Status()> confirm_owner;
  // The lease owner running this, recorded on the run (empty when run without a lease).
  std::string owner_id;
  // Approval only: the date the approved changes take effect (YYYY-MM-DD), recorded on the
  // approval's run and sent with its reads and writes; empty: the connector's
  // policies.effective_date, as for a sync.
  std::string effective_date;
};

// At most this many lines ride in a SyncReport; the run's every line is in the store.
inline constexpr size_t kReportLinesKept = 1000;

struct SyncReport {
  SyncRun run;
  // The lines worth reading (all but the unchanged), at most kReportLinesKept of them: those
  // needing attention first (failed, held, waiting, not mapped...), then the changes, in number
  // order. A run of millions of lines is never held whole; `runs show` pages through the store.
  std::vector<SyncLine> lines;
  size_t lines_left_out = 0;              // lines worth reading that `lines` leaves out
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
