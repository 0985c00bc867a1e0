// Turning absolute targets into ContractServiceAdjustments, and judging what happened.
//
// Autotask only takes signed deltas (unitChange) that cannot be read back, updated or deleted,
// so a write is decided from a fresh read: delta = target - units on the effective date. Rules
// that keep a delta from ever being applied twice:
//  - one adjustment per contract service and effective date: lines that land on the same
//    contract service must agree on the target, and a contract service already adjusted for
//    that date in this session is not adjusted again (Autotask may also refuse a second one);
//  - every adjustment is journaled with the host (callback_journal_intents) before it is
//    posted, so a run that dies mid-POST leaves a record the next run settles by reading;
//  - a POST that may have reached Autotask without a clear answer (timeout, reset, 5xx) is
//    settled by re-reading the units, never by resending; when the re-read does not show the
//    target the line stays in doubt, and the host does not ask for it again until a read
//    confirms it or its grace period passes.
// Pure functions; the orchestration that sends and re-reads lives in quantities.cc.
//
//   auto plan = plan_adjustments(targets, units_now, ledger, "2025-06-01");
//   for (const auto& a : plan) if (a.decision == WriteDecision::kAdjust) post(adjustment_body(a,
//   date));
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ADJUSTMENTS_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ADJUSTMENTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/wire.h"

namespace meterbridge::autotask {

// Adjustments this session has seen Autotask accept: (contract service, date) -> target.
class AdjustmentLedger {
 public:
  void record(int64_t contract_service_id, std::string_view date, int64_t target);
  std::optional<int64_t> target_posted(int64_t contract_service_id, std::string_view date) const;

 private:
  std::map<std::pair<int64_t, std::string>, int64_t> posted_;
};

// One host line that resolved to a contract service, with its absolute target.
struct LineTarget {
  size_t line = 0;  // index into the host's input lines
  int64_t contract_id = 0;
  int64_t contract_service_id = 0;
  int64_t service_id = 0;
  int64_t target = 0;
};

enum class WriteDecision {
  kUnchanged,  // Autotask already shows the target
  kAdjust,     // post unitChange = target - current
  kConflict,   // not written; `message` says why
};

// What to do for one contract service; every line in `lines` gets the same outcome.
struct PlannedAdjustment {
  int64_t contract_id = 0;
  int64_t contract_service_id = 0;
  int64_t service_id = 0;
  int64_t current = 0;  // units on the effective date, freshly read
  int64_t target = 0;
  std::vector<size_t> lines;
  WriteDecision decision = WriteDecision::kUnchanged;
  std::string message;

  int64_t unit_change() const { return target - current; }
};

// Groups targets by contract service (in first-seen order) and decides each one.
// `current_units` maps contract service -> units on `date` (missing: 0).
std::vector<PlannedAdjustment> plan_adjustments(const std::vector<LineTarget>& targets,
                                                const std::map<int64_t, int64_t>& current_units,
                                                const AdjustmentLedger& ledger,
                                                std::string_view date);

// The ContractServiceAdjustments create body. Null fields are left out: Autotask answers a
// bare 500 to some create bodies that carry them.
std::string adjustment_body(const PlannedAdjustment& adjustment, std::string_view date);

// A line's result, as apply_quantities reports it once it fills in the key. in_doubt: the
// adjustment may have been applied (or may still be) but nothing proved it, so the host keeps
// its journal entry open and does not ask for the line again until it is settled.
using LineOutcome = ApplyLineResult;

inline LineOutcome line_outcome(Outcome outcome, std::optional<int64_t> quantity,
                                std::string message = "") {
  return {"", outcome, quantity, std::nullopt, std::move(message)};
}
inline LineOutcome failed_line(mb_status error_class, std::optional<int64_t> quantity,
                               std::string message) {
  return {"", Outcome::kFailed, quantity, error_class, std::move(message)};
}

enum class PostVerdict {
  kApplied,     // 2xx: Autotask created the adjustment
  kNotApplied,  // refused before any work, or never sent
  kUnknown,     // may have been applied: re-read before deciding
};

PostVerdict judge_post(const HttpResponse& response);

// The outcome of an adjustment whose POST was answered clearly (kApplied or kNotApplied).
LineOutcome outcome_of_post(const PlannedAdjustment& adjustment, const HttpResponse& response);

// The outcome of an adjustment whose POST left it unknown, from the units re-read afterwards
// (`units_now`), or from `reread_error` when the re-read failed too. Only a re-read showing
// the target settles it: Autotask may still be processing a POST whose answer was lost, so
// units still at their old value prove nothing, and the line stays in doubt.
LineOutcome outcome_after_reread(const PlannedAdjustment& adjustment, const HttpResponse& response,
                                 std::optional<int64_t> units_now, const std::string& reread_error);

// The outcome of a planned adjustment that was not posted (unchanged or conflict).
LineOutcome outcome_without_post(const PlannedAdjustment& adjustment);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_ADJUSTMENTS_H_
