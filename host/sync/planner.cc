#include "host/sync/planner.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace mb {

std::string line_key(const std::string& workspace_id, const std::string& service_id) {
  std::string key;
  key.reserve(workspace_id.size() + service_id.size() + 1);
  key += workspace_id;
  key += '\x1f';  // unit separator: ids may contain any printable character
  key += service_id;
  return key;
}

namespace {

struct PairHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& p) const {
    return std::hash<std::string_view>()(p.first) * 31 + std::hash<std::string_view>()(p.second);
  }
};

std::string drift_message(const AccountMapping& m, const PsaAccount* account) {
  std::string id = m.account_id.value_or("");
  if (account == nullptr || account->missing_since)
    return "mapping drift: PSA account '" + id + "' (" + m.account_name + ") no longer exists on the platform" +
           (account != nullptr && account->missing_since ? " (gone since " + *account->missing_since + ")" : "");
  return "mapping drift: PSA account '" + id + "' (" + account->name + ") is inactive";
}

}  // namespace

std::vector<SyncLine> plan_lines(const PlanInput& in) {
  std::unordered_map<std::string_view, const Workspace*> workspaces;
  for (const auto& w : in.workspaces) workspaces.emplace(w.id, &w);
  std::unordered_map<std::string_view, const AccountMapping*> mappings;
  for (const auto& m : in.account_mappings) mappings.emplace(m.workspace_id, &m);
  std::unordered_map<std::string_view, const PsaAccount*> accounts;
  for (const auto& a : in.psa_accounts) accounts.emplace(a.id, &a);

  // Counts by (workspace, service), and which workspaces the snapshot mentions at all.
  std::unordered_map<std::pair<std::string_view, std::string_view>, const UsageCount*, PairHash> counts;
  std::unordered_set<std::string_view> present;
  std::vector<std::string_view> order;  // workspaces in a stable order: snapshot first, then mapped
  if (in.snapshot) {
    counts.reserve(in.snapshot->counts.size());
    for (const auto& c : in.snapshot->counts) {
      counts.emplace(std::make_pair(std::string_view(c.workspace_id), std::string_view(c.service_id)), &c);
      if (present.insert(c.workspace_id).second) order.push_back(c.workspace_id);
    }
  }
  for (const auto& m : in.account_mappings)
    if (present.count(m.workspace_id) == 0) order.push_back(m.workspace_id);

  std::vector<SyncLine> lines;
  lines.reserve(order.size() * in.service_mappings.size());
  for (std::string_view ws : order) {
    auto mit = mappings.find(ws);
    const AccountMapping* mapping = mit == mappings.end() ? nullptr : mit->second;
    if (mapping != nullptr && mapping->excluded) continue;
    auto wit = workspaces.find(ws);
    const Workspace* workspace = wit == workspaces.end() ? nullptr : wit->second;
    bool in_snapshot = present.count(ws) > 0;
    bool ended = workspace != nullptr && workspace->ended;

    for (const auto& sm : in.service_mappings) {
      SyncLine line;
      line.workspace_id = std::string(ws);
      line.service_id = sm.service_id;
      line.key = line_key(line.workspace_id, line.service_id);
      line.psa_service_id = sm.psa_service_id;
      line.metric = to_text(sm.metric);
      if (mapping == nullptr || !mapping->account_id) {
        line.action = LineAction::kSkip;
        line.outcome = in.link_based ? outcome::kNotLinked : outcome::kNotMapped;
        lines.push_back(std::move(line));
        continue;
      }
      line.account_id = *mapping->account_id;
      auto ait = accounts.find(line.account_id);
      const PsaAccount* account = ait == accounts.end() ? nullptr : ait->second;
      if (mapping->drift == MappingDrift::kAccountMissing ||
          mapping->drift == MappingDrift::kAccountInactive) {
        line.action = LineAction::kSkip;
        line.outcome = outcome::kFailed;
        line.error_class =
            mapping->drift == MappingDrift::kAccountMissing ? "not_found" : "conflict";
        line.message = drift_message(*mapping, account);
        lines.push_back(std::move(line));
        continue;
      }
      if (ended && in.ended_workspaces == "zero") {
        line.target = 0;
        line.message = "the vendor ended this workspace: planned as 0";
      } else if (!in_snapshot || ended) {
        line.action = LineAction::kSkip;
        line.outcome = outcome::kNoData;
        line.message = ended ? "workspace ended; policy leaves it untouched" : "no usage data for this workspace";
        lines.push_back(std::move(line));
        continue;
      } else {
        auto cit = counts.find({ws, std::string_view(sm.service_id)});
        // Present in the snapshot without a row for this service: the workspace uses none of it
        // (docs/usage-format.md). Planned as 0 and said so, so a row lost from an export shows;
        // the hold_drops_to_zero policy keeps it from being billed as 0 without approval.
        int64_t value = 0;
        if (cit != counts.end())
          value = sm.metric == ServiceMetric::kDevices ? cit->second->devices : cit->second->users;
        else line.message = "no row for this service in the usage snapshot of " + in.snapshot->as_of + ": planned as 0";
        line.target = value;
      }
      line.outcome = outcome::kPending;
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

namespace {

// The platform's verdict on a line that has no quantity (no contract line, ...), if any.
bool apply_reason(SyncLine& line, const CurrentValue& cv) {
  if (cv.reason.empty()) return false;
  line.action = LineAction::kSkip;
  line.message = cv.message;
  if (cv.reason == MB_REASON_NO_CONTRACT_LINE)
    line.outcome = outcome::kNoContractLine;
  else if (cv.reason == MB_REASON_AMBIGUOUS_CONTRACT_LINE)
    line.outcome = outcome::kAmbiguousContractLine;
  else if (cv.reason == MB_REASON_ACCOUNT_INACTIVE)
    line.outcome = outcome::kAccountInactive;
  else if (cv.reason == MB_REASON_PLATFORM_NOT_MAPPED)
    line.outcome = outcome::kPlatformNotMapped;
  else {
    line.outcome = outcome::kFailed;
    line.error_class = cv.reason == MB_REASON_NOT_FOUND ? "not_found" : "fatal";
    if (line.message.empty()) line.message = cv.reason;
  }
  return true;
}

void hold(SyncLine& line, const std::string& why) {
  line.action = LineAction::kHold;
  line.outcome = outcome::kHeld;
  line.message = why + (line.message.empty() ? "" : "; " + line.message);
}

std::string percent(double share) { return std::to_string(static_cast<int>(share * 100 + 0.5)) + "%"; }

}  // namespace

Policies approved_policies(const Policies& policies) {
  Policies approved = policies;
  if (approved.decreases == "require_approval") approved.decreases = "auto";
  approved.max_change_ratio.reset();
  approved.hold_drops_to_zero = false;
  approved.max_decrease_share = 1.0;
  approved.mass_decrease_min_lines = std::numeric_limits<int64_t>::max();
  return approved;
}

void apply_diff(std::vector<SyncLine>& lines, const std::map<std::string, CurrentValue>& current,
                const Policies& policies, bool dry_run) {
  // First pass: current values, and how many compared lines would decrease.
  std::vector<SyncLine*> compared;
  size_t decreases = 0;
  for (auto& line : lines) {
    if (line.outcome != outcome::kPending || !line.target) continue;
    auto it = current.find(line.key);
    if (it == current.end()) continue;
    const CurrentValue& cv = it->second;
    if (!cv.line_ref_json.empty()) line.line_ref_json = cv.line_ref_json;
    if (apply_reason(line, cv)) continue;
    line.current = cv.quantity;
    line.delta = *line.target - cv.quantity.value_or(0);
    compared.push_back(&line);
    if (*line.delta < 0) ++decreases;
  }
  const double decrease_share = compared.empty() ? 0.0 : static_cast<double>(decreases) / compared.size();
  const bool mass_decrease = static_cast<int64_t>(decreases) >= std::max<int64_t>(1, policies.mass_decrease_min_lines) &&
                             decrease_share > policies.max_decrease_share;

  for (SyncLine* l : compared) {
    SyncLine& line = *l;
    const int64_t current_value = line.current.value_or(0);
    const int64_t delta = *line.delta;
    if (delta == 0 && line.current) {
      line.action = LineAction::kNone;
      line.outcome = outcome::kUnchanged;
      continue;
    }
    if (delta < 0 && policies.decreases == "never") {
      line.action = LineAction::kNever;
      line.outcome = outcome::kHeld;
      line.message = "decrease from " + std::to_string(current_value) + " to " + std::to_string(*line.target) +
                     " not applied: the connector's policy never decreases";
      continue;
    }
    if (delta < 0 && policies.decreases == "require_approval") {
      hold(line, "decrease held for approval (runs approve)");
      continue;
    }
    if (line.current && current_value > 0 && *line.target == 0 && policies.hold_drops_to_zero) {
      hold(line, "drop from " + std::to_string(current_value) + " to 0 held for approval (policy hold_drops_to_zero)");
      continue;
    }
    if (delta < 0 && mass_decrease) {
      hold(line, std::to_string(decreases) + " of " + std::to_string(compared.size()) + " lines (" +
                     percent(decrease_share) + ") would decrease, more than the connector's max_decrease_share " +
                     percent(policies.max_decrease_share) + ": held for approval");
      continue;
    }
    // A line the platform holds no value for yet (a first push) is not a change of a value.
    if (policies.max_change_ratio && line.current) {
      bool exceeds = current_value == 0 || std::abs(static_cast<double>(delta)) / static_cast<double>(current_value) >
                                               *policies.max_change_ratio;
      if (exceeds) {
        hold(line, "change from " + std::to_string(current_value) + " to " + std::to_string(*line.target) +
                       " exceeds the connector's max_change_ratio");
        continue;
      }
    }
    line.action = LineAction::kUpdate;
    line.outcome = dry_run ? outcome::kWouldUpdate : outcome::kPending;
  }
}

std::map<std::string, int64_t> count_outcomes(const std::vector<SyncLine>& lines) {
  std::map<std::string, int64_t> out;
  for (const auto& l : lines) ++out[l.outcome];
  return out;
}

}  // namespace mb
