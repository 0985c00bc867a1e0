#include "internal/adjustments.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "internal/dates.h"

namespace meterbridge::autotask {

namespace {

std::string contract_service_name(const PlannedAdjustment& a) {
  return "contract service " + std::to_string(a.contract_service_id) + " (contract " +
         std::to_string(a.contract_id) + ")";
}

}  // namespace

void AdjustmentLedger::record(int64_t contract_service_id, std::string_view date, int64_t target) {
  posted_[{contract_service_id, std::string(date)}] = target;
}

std::optional<int64_t> AdjustmentLedger::target_posted(int64_t contract_service_id,
                                                       std::string_view date) const {
  auto it = posted_.find({contract_service_id, std::string(date)});
  if (it == posted_.end()) return std::nullopt;
  return it->second;
}

std::vector<PlannedAdjustment> plan_adjustments(const std::vector<LineTarget>& targets,
                                                const std::map<int64_t, int64_t>& current_units,
                                                const AdjustmentLedger& ledger,
                                                std::string_view date) {
  std::vector<PlannedAdjustment> plan;
  std::map<int64_t, size_t> index_of;
  for (const auto& t : targets) {
    auto [it, fresh] = index_of.emplace(t.contract_service_id, plan.size());
    if (fresh) {
      PlannedAdjustment a;
      a.contract_id = t.contract_id;
      a.contract_service_id = t.contract_service_id;
      a.service_id = t.service_id;
      a.target = t.target;
      auto units = current_units.find(t.contract_service_id);
      a.current = units == current_units.end() ? 0 : units->second;
      plan.push_back(std::move(a));
    }
    PlannedAdjustment& a = plan[it->second];
    a.lines.push_back(t.line);
    if (t.target != a.target && a.decision != WriteDecision::kConflict) {
      a.decision = WriteDecision::kConflict;
      a.message = "lines mapped to the same " + contract_service_name(a) +
                  " ask for different unit counts (" + std::to_string(a.target) + " and " +
                  std::to_string(t.target) +
                  "); Autotask bills one count per contract line, so map them to one service";
    }
  }
  for (auto& a : plan) {
    if (a.decision == WriteDecision::kConflict) continue;
    if (a.unit_change() == 0) {
      a.decision = WriteDecision::kUnchanged;
      continue;
    }
    if (auto earlier = ledger.target_posted(a.contract_service_id, date)) {
      a.decision = WriteDecision::kConflict;
      a.message =
          contract_service_name(a) + " was already adjusted for " + std::string(date) + " to " +
          std::to_string(*earlier) + " units in this run and Autotask now shows " +
          std::to_string(a.current) +
          "; a second adjustment for the same date is not made (Autotask takes one per contract "
          "service and date)";
      continue;
    }
    a.decision = WriteDecision::kAdjust;
  }
  return plan;
}

std::string adjustment_body(const PlannedAdjustment& a, std::string_view date) {
  return boost::json::serialize(boost::json::object{{"contractID", a.contract_id},
                                                    {"contractServiceID", a.contract_service_id},
                                                    {"serviceID", a.service_id},
                                                    {"effectiveDate", midnight_utc(date)},
                                                    {"unitChange", a.unit_change()}});
}

PostVerdict judge_post(const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300) return PostVerdict::kApplied;
  if (certainly_not_applied(response)) return PostVerdict::kNotApplied;
  return PostVerdict::kUnknown;
}

LineOutcome outcome_of_post(const PlannedAdjustment& a, const HttpResponse& response) {
  if (judge_post(response) == PostVerdict::kApplied)
    return line_outcome(Outcome::kUpdated, a.target,
                        "adjusted " + contract_service_name(a) + " by " +
                            std::to_string(a.unit_change()) + " units from " +
                            std::to_string(a.current));
  HttpFailure failure = classify_failure(response);
  return failed_line(failure.status, a.current,
                     "Autotask did not apply the adjustment of " + std::to_string(a.unit_change()) +
                         " units on " + contract_service_name(a) + ": " + failure.message);
}

LineOutcome outcome_after_reread(const PlannedAdjustment& a, const HttpResponse& response,
                                 std::optional<int64_t> units_now,
                                 const std::string& reread_error) {
  HttpFailure failure = classify_failure(response);
  if (units_now && *units_now == a.target)
    return line_outcome(Outcome::kUpdated, a.target,
                        "adjusted " + contract_service_name(a) + " to " + std::to_string(a.target) +
                            " units; confirmed by re-reading after: " + failure.message);
  LineOutcome doubt;
  if (!units_now)
    doubt = failed_line(MB_STATUS_RETRY, std::nullopt,
                        "the adjustment of " + contract_service_name(a) +
                            " may or may not have been applied (" + failure.message +
                            ") and re-reading its units failed (" + reread_error +
                            "); not sent again until a read confirms it");
  else if (*units_now == a.current)
    doubt = failed_line(failure.status, *units_now,
                        "the adjustment of " + std::to_string(a.unit_change()) + " units on " +
                            contract_service_name(a) + " is not visible yet (re-read: still " +
                            std::to_string(*units_now) + ") after: " + failure.message +
                            "; Autotask may still apply it, so it is not sent again until a read "
                            "confirms it or its grace period passes");
  else
    doubt = failed_line(MB_STATUS_CONFLICT, *units_now,
                        "the units of " + contract_service_name(a) + " changed from " +
                            std::to_string(a.current) + " to " + std::to_string(*units_now) +
                            " while adjusting to " + std::to_string(a.target) + " (" +
                            failure.message + "); the next run re-reads and corrects it");
  doubt.in_doubt = true;
  return doubt;
}

LineOutcome outcome_without_post(const PlannedAdjustment& a) {
  if (a.decision == WriteDecision::kConflict)
    return failed_line(MB_STATUS_CONFLICT, a.current, a.message);
  return line_outcome(Outcome::kUnchanged, a.current);
}

}  // namespace meterbridge::autotask
