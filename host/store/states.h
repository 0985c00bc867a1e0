// The domain's states as enums (run state, line action, connector status, ...), and the one
// place they become text: to_text() for the store's columns, the report, the API's JSON and
// the command line's tables, parse_state() for reading them back. The text of each value is
// what the store holds and what users and API clients see; it never changes.
//
//   run.state = RunState::kPartial;
//   std::string_view column = to_text(run.state);                      // "partial"
//   std::optional<RunState> back = parse_state<RunState>("partial");   // kPartial
//   Result<RunState> stored = parse_stored<RunState>(text, "run 7");    // unknown text: an error
#ifndef METERBRIDGE_HOST_STORE_STATES_H_
#define METERBRIDGE_HOST_STORE_STATES_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "host/common/status.h"

namespace mb {

// A sync run's life: planned (recorded before any write) → applying → ok | partial | failed |
// needs_attention (it billed nothing because nothing it could bill is mapped or linked);
// interrupted when a crash left it planned or applying.
enum class RunState { kPlanned, kApplying, kOk, kPartial, kFailed, kInterrupted, kNeedsAttention };

// What was decided about a held line: nothing yet, approved (applied by an approval run),
// dismissed (never applied), or stale (it changed since it was held). Set once.
enum class Decision { kUndecided, kApproved, kDismissed, kStale };

// A journaled write's intent (docs/sync.md, "The write journal"): open until a run proves
// what happened to the write.
enum class WriteIntentState { kOpen, kApplied, kNotApplied, kExpired };

// A due sync in the job queue (docs/scale-out.md): queued until a worker claims it, running
// while claimed (a claim that is not renewed expires, and the job may be claimed again), then
// done or failed.
enum class JobState { kQueued, kRunning, kDone, kFailed };

// Where a connector stands with its platform: never tested (new), its credentials accepted
// (ok), accepted but the platform's side must still change (pending), refused or unreachable
// (error), or its credentials and mappings removed (disconnected).
enum class ConnectorStatus { kNew, kOk, kPending, kError, kDisconnected };

// What the engine does with a line after the diff: not diffed yet (undecided), write the
// target (update), nothing to write (none), wait for `runs approve` (hold), a decrease the
// policy forbids (never), no target (skip: no data, not mapped, ...), or an earlier write is
// not confirmed yet (wait).
enum class LineAction { kUndecided, kUpdate, kNone, kHold, kNever, kSkip, kWait };

// What a service mapping bills: the workspace's user count or its device count.
enum class ServiceMetric { kUsers, kDevices };

// How a workspace came to be mapped to its PSA account.
enum class MappingSource { kAuto, kManual, kProvisioned };

// What changed on the platform since a workspace was mapped: nothing, or its account is gone,
// inactive, or renamed (still billed, but worth confirming).
enum class MappingDrift { kNone, kAccountMissing, kAccountInactive, kAccountRenamed };

// ---- Alerts (docs/alerts.md) ----
// How serious the vendor says an alert is, least first (a policy's minimum compares them).
enum class AlertSeverity { kInfo, kLow, kMedium, kHigh, kCritical };

// An alert is open until the vendor resolves it; a later push may open it again.
enum class AlertStatus { kOpen, kResolved };

// What recording one pushed alert did: stored it for the first time (created), stored a change
// (updated), nothing (unchanged: the same document again), or nothing because the stored state is
// newer than the pushed one (stale: pushes may arrive out of order).
enum class AlertRecordOutcome { kCreated, kUpdated, kUnchanged, kStale };

// Where one alert stands on one connector's PSA (docs/alerts.md, "Exactly one ticket per
// alert"): not routed (yet: no mapping, excluded, inactive company; the reason is kept), its
// ticket being opened (the intent is journaled and the answer not recorded yet: the next run
// searches by reference before creating), its ticket open, or its ticket closed.
enum class AlertTicketState { kNotRouted, kOpening, kOpen, kClosed };

// Each state's text, and what the state is called in an error message. One specialisation
// per enum, below.
template <typename State>
struct StateNames;

template <>
struct StateNames<RunState> {
  static constexpr std::string_view kKind = "run state";
  static constexpr std::array<std::pair<RunState, std::string_view>, 7> kNames{{
      {RunState::kPlanned, "planned"},
      {RunState::kApplying, "applying"},
      {RunState::kOk, "ok"},
      {RunState::kPartial, "partial"},
      {RunState::kFailed, "failed"},
      {RunState::kInterrupted, "interrupted"},
      {RunState::kNeedsAttention, "needs_attention"},
  }};
};

template <>
struct StateNames<Decision> {
  static constexpr std::string_view kKind = "decision";
  static constexpr std::array<std::pair<Decision, std::string_view>, 4> kNames{{
      {Decision::kUndecided, ""},
      {Decision::kApproved, "approved"},
      {Decision::kDismissed, "dismissed"},
      {Decision::kStale, "stale"},
  }};
};

template <>
struct StateNames<WriteIntentState> {
  static constexpr std::string_view kKind = "write intent state";
  static constexpr std::array<std::pair<WriteIntentState, std::string_view>, 4> kNames{{
      {WriteIntentState::kOpen, "open"},
      {WriteIntentState::kApplied, "applied"},
      {WriteIntentState::kNotApplied, "not_applied"},
      {WriteIntentState::kExpired, "expired"},
  }};
};

template <>
struct StateNames<JobState> {
  static constexpr std::string_view kKind = "job state";
  static constexpr std::array<std::pair<JobState, std::string_view>, 4> kNames{{
      {JobState::kQueued, "queued"},
      {JobState::kRunning, "running"},
      {JobState::kDone, "done"},
      {JobState::kFailed, "failed"},
  }};
};

template <>
struct StateNames<ConnectorStatus> {
  static constexpr std::string_view kKind = "connector status";
  static constexpr std::array<std::pair<ConnectorStatus, std::string_view>, 5> kNames{{
      {ConnectorStatus::kNew, "new"},
      {ConnectorStatus::kOk, "ok"},
      {ConnectorStatus::kPending, "pending"},
      {ConnectorStatus::kError, "error"},
      {ConnectorStatus::kDisconnected, "disconnected"},
  }};
};

template <>
struct StateNames<LineAction> {
  static constexpr std::string_view kKind = "line action";
  static constexpr std::array<std::pair<LineAction, std::string_view>, 7> kNames{{
      {LineAction::kUndecided, ""},
      {LineAction::kUpdate, "update"},
      {LineAction::kNone, "none"},
      {LineAction::kHold, "hold"},
      {LineAction::kNever, "never"},
      {LineAction::kSkip, "skip"},
      {LineAction::kWait, "wait"},
  }};
};

template <>
struct StateNames<ServiceMetric> {
  static constexpr std::string_view kKind = "service metric";
  static constexpr std::array<std::pair<ServiceMetric, std::string_view>, 2> kNames{{
      {ServiceMetric::kUsers, "users"},
      {ServiceMetric::kDevices, "devices"},
  }};
};

template <>
struct StateNames<MappingSource> {
  static constexpr std::string_view kKind = "mapping source";
  static constexpr std::array<std::pair<MappingSource, std::string_view>, 3> kNames{{
      {MappingSource::kAuto, "auto"},
      {MappingSource::kManual, "manual"},
      {MappingSource::kProvisioned, "provisioned"},
  }};
};

template <>
struct StateNames<MappingDrift> {
  static constexpr std::string_view kKind = "mapping drift";
  static constexpr std::array<std::pair<MappingDrift, std::string_view>, 4> kNames{{
      {MappingDrift::kNone, ""},
      {MappingDrift::kAccountMissing, "account_missing"},
      {MappingDrift::kAccountInactive, "account_inactive"},
      {MappingDrift::kAccountRenamed, "account_renamed"},
  }};
};

template <>
struct StateNames<AlertSeverity> {
  static constexpr std::string_view kKind = "alert severity";
  static constexpr std::array<std::pair<AlertSeverity, std::string_view>, 5> kNames{{
      {AlertSeverity::kInfo, "info"},
      {AlertSeverity::kLow, "low"},
      {AlertSeverity::kMedium, "medium"},
      {AlertSeverity::kHigh, "high"},
      {AlertSeverity::kCritical, "critical"},
  }};
};

template <>
struct StateNames<AlertTicketState> {
  static constexpr std::string_view kKind = "alert ticket state";
  static constexpr std::array<std::pair<AlertTicketState, std::string_view>, 4> kNames{{
      {AlertTicketState::kNotRouted, "not_routed"},
      {AlertTicketState::kOpening, "opening"},
      {AlertTicketState::kOpen, "open"},
      {AlertTicketState::kClosed, "closed"},
  }};
};

template <>
struct StateNames<AlertStatus> {
  static constexpr std::string_view kKind = "alert status";
  static constexpr std::array<std::pair<AlertStatus, std::string_view>, 2> kNames{{
      {AlertStatus::kOpen, "open"},
      {AlertStatus::kResolved, "resolved"},
  }};
};

template <>
struct StateNames<AlertRecordOutcome> {
  static constexpr std::string_view kKind = "alert record outcome";
  static constexpr std::array<std::pair<AlertRecordOutcome, std::string_view>, 4> kNames{{
      {AlertRecordOutcome::kCreated, "created"},
      {AlertRecordOutcome::kUpdated, "updated"},
      {AlertRecordOutcome::kUnchanged, "unchanged"},
      {AlertRecordOutcome::kStale, "stale"},
  }};
};

template <typename State>
constexpr std::string_view to_text(State state) {
  for (const auto& [value, name] : StateNames<State>::kNames)
    if (value == state) return name;
  return "unknown";  // unreachable: every value has a name
}

// The state `text` names, or nullopt: an unknown text never reads as a default.
template <typename State>
constexpr std::optional<State> parse_state(std::string_view text) {
  for (const auto& [value, name] : StateNames<State>::kNames)
    if (name == text) return value;
  return std::nullopt;
}

// A state read back from the store; unknown text is a Fatal error naming `where` (e.g.
// "run 7"), the kind of state and the text, because the store holds something this host
// did not write.
template <typename State>
Result<State> parse_stored(std::string_view text, const std::string& where) {
  if (auto state = parse_state<State>(text)) return *state;
  return Status::Fatal("state store: " + where + " has an unknown " +
                       std::string(StateNames<State>::kKind) + " '" + std::string(text) + "'");
}

}  // namespace mb

#endif  // METERBRIDGE_HOST_STORE_STATES_H_
